package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isNotFound;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isTerminating;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.key;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.nameOf;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.namespaceOf;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.phase;

import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.api.Json;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scheduler and the kubelets of the simulated nodes.
 *
 * <p>The scheduler binds each unscheduled pod to a Ready node (round robin over the nodes that fit
 * its nodeSelector, required node affinity and taints; it waits while none does). The kubelet then
 * runs it: {@code Pending => Running} with a pod IP, container statuses and conditions as a real
 * kubelet reports them, containers Ready {@code podReadyDelay} after they start. Pods in a
 * crash-loop namespace ({@link dev.asmmigrate.sandbox.Faults#crashLoopNamespaces}) crash-loop with
 * a growing restart count; pods that must not restart (Jobs') complete, but for the sidecar of an
 * injected one, which runs on as Istio's proxy does; pods being deleted stop their containers and
 * are removed for good after a short simulated grace period.
 */
public final class SchedulerAndKubelet implements Controller {
  /**
   * The longest simulated termination grace: long enough to cover the Endpoints controller's lag
   * under load, as a sidecar's drain does on a real cluster (Envoy keeps serving for a while after
   * SIGTERM), short enough that deletions stay quick in tests.
   */
  static final Duration MAX_SIMULATED_GRACE = Duration.ofSeconds(2);

  private static final Duration MAX_CRASH_BACKOFF = Duration.ofSeconds(5);
  private static final String SIDECAR = "istio-proxy";

  private final SandboxContext ctx;
  private final KubernetesClient client;
  private final WorkloadQueue queue;
  private final AtomicInteger roundRobin = new AtomicInteger();
  private final AtomicLong nextIp = new AtomicLong(2);

  /** Per pod uid: when each container (last) started, for readiness. */
  private final Map<String, Map<String, Instant>> started = new ConcurrentHashMap<>();

  /** Per pod uid: the next crash of a crash-looping pod. */
  private final Map<String, Instant> nextCrash = new ConcurrentHashMap<>();

  /** Per pod uid: when a terminating pod is deleted for good. */
  private final Map<String, Instant> removeAt = new ConcurrentHashMap<>();

  /** Per pod key: its uid, to forget state when it is gone. */
  private final Map<String, String> uids = new ConcurrentHashMap<>();

  private SharedIndexInformer<Pod> pods;
  private SharedIndexInformer<Node> nodes;
  private volatile boolean running;

  public SchedulerAndKubelet(SandboxContext ctx) {
    this.ctx = ctx;
    this.client = ctx.client();
    this.queue = new WorkloadQueue("scheduler-kubelet", ctx.scheduler(), this::reconcile);
  }

  @Override
  public void start() {
    running = true;
    queue.start();
    nodes =
        WorkloadSupport.inform(
            client.nodes(),
            () -> running,
            (before, after) -> {
              if (after != null && isSchedulable(after)) {
                enqueueUnscheduled();
              }
            });
    pods =
        WorkloadSupport.inform(
            client.pods().inAnyNamespace(),
            () -> running,
            (before, after) -> queue.add(key(after != null ? after : before)));
  }

  @Override
  public void close() {
    running = false;
    WorkloadSupport.closeQuietly(pods);
    WorkloadSupport.closeQuietly(nodes);
    queue.close();
  }

  private void enqueueUnscheduled() {
    if (pods == null) {
      return;
    }
    for (Pod p : pods.getStore().list()) {
      if (p.getSpec().getNodeName() == null && !isTerminating(p)) {
        queue.add(key(p));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void reconcile(String key) {
    Pod pod = client.pods().inNamespace(namespaceOf(key)).withName(nameOf(key)).get();
    if (pod == null) {
      forget(uids.remove(key));
      return;
    }
    String uid = pod.getMetadata().getUid();
    String previous = uids.put(key, uid);
    if (previous != null && !previous.equals(uid)) {
      forget(previous);
    }
    if (isTerminating(pod)) {
      terminate(key, pod);
    } else if (pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty()) {
      schedule(pod);
    } else if ("Pending".equals(phase(pod))) {
      startPod(key, pod);
    } else if ("Running".equals(phase(pod))) {
      run(key, pod);
    }
  }

  private void forget(String uid) {
    if (uid != null) {
      started.remove(uid);
      nextCrash.remove(uid);
      removeAt.remove(uid);
    }
  }

  // --- scheduler ---------------------------------------------------------------------------------

  private void schedule(Pod pod) {
    List<Node> ready =
        nodes.getStore().list().stream()
            .filter(SchedulerAndKubelet::isSchedulable)
            .sorted(Comparator.comparing(n -> n.getMetadata().getName()))
            .toList();
    List<Node> fit = ready.stream().filter(n -> fits(pod, n)).toList();
    if (fit.isEmpty()) {
      String message =
          ready.isEmpty()
              ? "no nodes available to schedule pods"
              : "0/"
                  + ready.size()
                  + " nodes are available: "
                  + ready.size()
                  + " node(s) didn't match Pod's node affinity/selector or had untolerated taints.";
      PodStatus status = copyStatus(pod);
      setCondition(status, condition("PodScheduled", "False", "Unschedulable", message));
      writeStatus(pod, status);
      return; // a node event queues the pod again
    }
    Node node = fit.get(Math.floorMod(roundRobin.getAndIncrement(), fit.size()));
    pod.getSpec().setNodeName(node.getMetadata().getName());
    Pod bound = client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).update();
    PodStatus status = copyStatus(bound);
    setCondition(status, condition("PodScheduled", "True", null, null));
    writeStatus(bound, status);
  }

  static boolean isSchedulable(Node node) {
    if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      return false;
    }
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return false;
    }
    for (NodeCondition c : node.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  /** nodeSelector, required node affinity, and NoSchedule/NoExecute taints. */
  static boolean fits(Pod pod, Node node) {
    PodSpec spec = pod.getSpec();
    Map<String, String> labels =
        node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    if (spec.getNodeSelector() != null) {
      for (Map.Entry<String, String> e : spec.getNodeSelector().entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (spec.getAffinity() != null
        && spec.getAffinity().getNodeAffinity() != null
        && spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
            != null) {
      List<NodeSelectorTerm> terms =
          spec.getAffinity()
              .getNodeAffinity()
              .getRequiredDuringSchedulingIgnoredDuringExecution()
              .getNodeSelectorTerms();
      if (terms != null
          && !terms.isEmpty()
          && terms.stream().noneMatch(t -> termMatches(t, node, labels))) {
        return false;
      }
    }
    if (node.getSpec() != null && node.getSpec().getTaints() != null) {
      for (Taint taint : node.getSpec().getTaints()) {
        boolean blocking =
            "NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect());
        if (blocking && !tolerated(taint, spec.getTolerations())) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean termMatches(NodeSelectorTerm term, Node node, Map<String, String> labels) {
    boolean any = false;
    if (term.getMatchExpressions() != null) {
      for (NodeSelectorRequirement r : term.getMatchExpressions()) {
        any = true;
        if (!requirementMatches(r, labels.get(r.getKey()), labels.containsKey(r.getKey()))) {
          return false;
        }
      }
    }
    if (term.getMatchFields() != null) {
      for (NodeSelectorRequirement r : term.getMatchFields()) {
        any = true;
        boolean known = "metadata.name".equals(r.getKey());
        String value = known ? node.getMetadata().getName() : null;
        if (!requirementMatches(r, value, known)) {
          return false;
        }
      }
    }
    return any; // an empty term matches no node
  }

  private static boolean requirementMatches(NodeSelectorRequirement r, String value, boolean has) {
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (r.getOperator()) {
      case "In" -> has && values.contains(value);
      case "NotIn" -> !has || !values.contains(value);
      case "Exists" -> has;
      case "DoesNotExist" -> !has;
      case "Gt", "Lt" -> {
        if (!has || values.size() != 1) {
          yield false;
        }
        try {
          long actual = Long.parseLong(value);
          long bound = Long.parseLong(values.get(0));
          yield "Gt".equals(r.getOperator()) ? actual > bound : actual < bound;
        } catch (NumberFormatException e) {
          yield false;
        }
      }
      default -> false;
    };
  }

  private static boolean tolerated(Taint taint, List<Toleration> tolerations) {
    if (tolerations == null) {
      return false;
    }
    for (Toleration t : tolerations) {
      boolean effect =
          t.getEffect() == null
              || t.getEffect().isEmpty()
              || t.getEffect().equals(taint.getEffect());
      boolean exists = "Exists".equals(t.getOperator());
      boolean keyOk =
          (t.getKey() == null || t.getKey().isEmpty()) ? exists : t.getKey().equals(taint.getKey());
      boolean valueOk =
          exists || Objects.equals(nullToEmpty(t.getValue()), nullToEmpty(taint.getValue()));
      if (effect && keyOk && valueOk) {
        return true;
      }
    }
    return false;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  // --- kubelet -----------------------------------------------------------------------------------

  /** Pending => Running: IPs, init containers done, containers started but not yet Ready. */
  private void startPod(String key, Pod pod) {
    Instant now = Instant.now();
    String ts = Json.timestamp(now);
    Node node = nodes.getStore().getByKey(pod.getSpec().getNodeName());
    String hostIp = hostIp(node, pod.getSpec().getNodeName());
    PodStatus status = copyStatus(pod);
    status.setPhase("Running");
    status.setHostIP(hostIp);
    status.setHostIPs(new ArrayList<>(List.of(new HostIP(hostIp))));
    String podIp = Boolean.TRUE.equals(pod.getSpec().getHostNetwork()) ? hostIp : allocateIp();
    status.setPodIP(podIp);
    status.setPodIPs(new ArrayList<>(List.of(new PodIP(podIp))));
    status.setStartTime(ts);
    status.setQosClass(qosClass(pod.getSpec()));
    List<ContainerStatus> inits = new ArrayList<>();
    for (Container c : list(pod.getSpec().getInitContainers())) {
      inits.add(
          base(c, 0, true, false)
              .withState(
                  new ContainerStateBuilder()
                      .withNewTerminated()
                      .withExitCode(0)
                      .withReason("Completed")
                      .withStartedAt(ts)
                      .withFinishedAt(ts)
                      .withContainerID(containerId(pod, c.getName(), 0))
                      .endTerminated()
                      .build())
              .build());
    }
    status.setInitContainerStatuses(inits);
    Map<String, Instant> starts = new ConcurrentHashMap<>();
    List<ContainerStatus> containers = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers()) {
      containers.add(runningStatus(pod, c, 0, ts, null));
      starts.put(c.getName(), now);
    }
    containers.sort(Comparator.comparing(ContainerStatus::getName));
    status.setContainerStatuses(containers);
    String uid = pod.getMetadata().getUid();
    started.put(uid, starts);
    if (ctx.faults().crashLoopNamespaces.contains(pod.getMetadata().getNamespace())) {
      nextCrash.put(uid, now.plus(readyDelay()));
    }
    setCondition(status, condition("Initialized", "True", null, null));
    setCondition(status, condition("PodScheduled", "True", null, null));
    updateReadiness(pod, status);
    writeStatus(pod, status);
    queue.addAfter(key, readyDelay());
  }

  /** A running pod: readiness after the delay, crash loops, Job pods completing, image changes. */
  private void run(String key, Pod pod) {
    Instant now = Instant.now();
    String uid = pod.getMetadata().getUid();
    PodStatus status = copyStatus(pod);
    Map<String, Instant> starts = started.computeIfAbsent(uid, u -> new ConcurrentHashMap<>());
    Map<String, ContainerStatus> byName = new java.util.HashMap<>();
    for (ContainerStatus cs : list(status.getContainerStatuses())) {
      byName.put(cs.getName(), cs);
    }
    String ts = Json.timestamp(now);
    List<ContainerStatus> next = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers()) {
      ContainerStatus cs = byName.get(c.getName());
      if (cs == null) {
        cs = runningStatus(pod, c, 0, ts, null);
        starts.put(c.getName(), now);
      } else if (!Objects.equals(cs.getImage(), c.getImage())) {
        // the image changed in place: the kubelet restarts the container with the new image
        int restarts = WorkloadSupport.orZero(cs.getRestartCount()) + 1;
        cs = runningStatus(pod, c, restarts, ts, terminated(cs, 0, "Completed", ts));
        starts.put(c.getName(), now);
      } else if (cs.getState() != null && cs.getState().getRunning() != null) {
        starts.putIfAbsent(c.getName(), startedAt(cs, now));
      }
      next.add(cs);
    }
    next.sort(Comparator.comparing(ContainerStatus::getName));
    status.setContainerStatuses(next);
    Duration wait = null;
    String restartPolicy = pod.getSpec().getRestartPolicy();
    boolean restarts = restartPolicy == null || "Always".equals(restartPolicy);
    Instant crash = nextCrash.get(uid);
    if (crash != null && !restarts && !"OnFailure".equals(restartPolicy)) {
      // restartPolicy Never: the crashed pod fails for good
      if (!now.isBefore(crash)) {
        finish(pod, status, 1, "Error", "Failed", ts);
        nextCrash.remove(uid);
      } else {
        wait = Duration.between(now, crash);
      }
    } else if (crash != null) {
      if (!now.isBefore(crash)) {
        crashOnce(pod, status, ts);
        int count = maxRestarts(pod, status);
        Duration backoff = backoff(count);
        crash = now.plus(backoff);
        nextCrash.put(uid, crash);
      }
      wait = Duration.between(now, crash);
      Duration readyIn = markReady(pod, status, starts, now);
      if (readyIn != null && readyIn.compareTo(wait) < 0) {
        wait = readyIn;
      }
    } else if (!restarts) {
      Instant done = latest(starts.values(), now).plus(readyDelay());
      if (now.isBefore(done)) {
        wait = Duration.between(now, done);
      } else if (hasSidecarBeside(pod)) {
        // a Job's pod with Istio's sidecar: the application exits, the proxy does not (nothing
        // tells it to), so the pod runs on, not Ready, and its Job does not complete
        completeAllButSidecar(status, ts);
        wait = markReady(pod, status, starts, now);
      } else {
        finish(pod, status, 0, "Completed", "Succeeded", ts);
      }
    } else {
      wait = markReady(pod, status, starts, now);
    }
    if (!"Succeeded".equals(status.getPhase()) && !"Failed".equals(status.getPhase())) {
      updateReadiness(pod, status);
    }
    writeStatus(pod, status);
    if (wait != null) {
      queue.addAfter(key, wait.plusMillis(5));
    }
  }

  /**
   * Marks Ready the running containers whose delay has passed; the time until the next, or null.
   */
  private Duration markReady(Pod pod, PodStatus status, Map<String, Instant> starts, Instant now) {
    Duration next = null;
    List<ContainerStatus> out = new ArrayList<>();
    for (ContainerStatus cs : status.getContainerStatuses()) {
      boolean isRunning = cs.getState() != null && cs.getState().getRunning() != null;
      if (isRunning && !Boolean.TRUE.equals(cs.getReady())) {
        Instant readyAt = starts.getOrDefault(cs.getName(), now).plus(readyDelay());
        if (!now.isBefore(readyAt)) {
          cs = new ContainerStatusBuilder(cs).withReady(true).build();
        } else {
          Duration d = Duration.between(now, readyAt);
          next = next == null || d.compareTo(next) < 0 ? d : next;
        }
      }
      out.add(cs);
    }
    status.setContainerStatuses(out);
    return next;
  }

  /** The crashing containers exit with an error and wait in CrashLoopBackOff, one more restart. */
  private void crashOnce(Pod pod, PodStatus status, String ts) {
    List<ContainerStatus> out = new ArrayList<>();
    for (ContainerStatus cs : status.getContainerStatuses()) {
      if (crashes(pod, cs.getName())) {
        ContainerState last = terminated(cs, 1, "Error", ts);
        cs =
            new ContainerStatusBuilder(cs)
                .withReady(false)
                .withStarted(false)
                .withRestartCount(WorkloadSupport.orZero(cs.getRestartCount()) + 1)
                .withLastState(last)
                .withState(
                    new ContainerStateBuilder()
                        .withNewWaiting()
                        .withReason("CrashLoopBackOff")
                        .withMessage(
                            "back-off restarting failed container "
                                + cs.getName()
                                + " in pod "
                                + pod.getMetadata().getName()
                                + "_"
                                + pod.getMetadata().getNamespace()
                                + "("
                                + pod.getMetadata().getUid()
                                + ")")
                        .endWaiting()
                        .build())
                .build();
      }
      out.add(cs);
    }
    status.setContainerStatuses(out);
  }

  /** The application containers crash; the sidecar only when it is the pod's only container. */
  private static boolean crashes(Pod pod, String container) {
    return !SIDECAR.equals(container) || pod.getSpec().getContainers().size() == 1;
  }

  private static int maxRestarts(Pod pod, PodStatus status) {
    int max = 0;
    for (ContainerStatus cs : status.getContainerStatuses()) {
      if (crashes(pod, cs.getName())) {
        max = Math.max(max, WorkloadSupport.orZero(cs.getRestartCount()));
      }
    }
    return max;
  }

  private Duration backoff(int restarts) {
    Duration base =
        readyDelay().compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : readyDelay();
    Duration d = base.multipliedBy(1L << Math.min(Math.max(restarts - 1, 0), 10));
    return d.compareTo(MAX_CRASH_BACKOFF) > 0 ? MAX_CRASH_BACKOFF : d;
  }

  /** Whether the pod runs Istio's sidecar next to other containers. */
  private static boolean hasSidecarBeside(Pod pod) {
    return pod.getSpec().getContainers().size() > 1
        && pod.getSpec().getContainers().stream().anyMatch(c -> SIDECAR.equals(c.getName()));
  }

  /** The containers but the sidecar exit with code 0 (once: a terminated one stays as it was). */
  private static void completeAllButSidecar(PodStatus status, String ts) {
    List<ContainerStatus> out = new ArrayList<>();
    for (ContainerStatus cs : status.getContainerStatuses()) {
      boolean terminated = cs.getState() != null && cs.getState().getTerminated() != null;
      out.add(
          SIDECAR.equals(cs.getName()) || terminated
              ? cs
              : new ContainerStatusBuilder(cs)
                  .withReady(false)
                  .withStarted(false)
                  .withState(terminated(cs, 0, "Completed", ts))
                  .build());
    }
    status.setContainerStatuses(out);
  }

  /** Every container terminated: the pod Succeeded or Failed. */
  private void finish(
      Pod pod, PodStatus status, int exitCode, String reason, String phase, String ts) {
    List<ContainerStatus> out = new ArrayList<>();
    for (ContainerStatus cs : status.getContainerStatuses()) {
      int code = exitCode != 0 && crashes(pod, cs.getName()) ? exitCode : 0;
      out.add(
          new ContainerStatusBuilder(cs)
              .withReady(false)
              .withStarted(false)
              .withState(terminated(cs, code, code == 0 ? "Completed" : reason, ts))
              .build());
    }
    status.setContainerStatuses(out);
    status.setPhase(phase);
    setCondition(status, condition("ContainersReady", "False", "PodCompleted", null));
    setCondition(status, condition("Ready", "False", "PodCompleted", null));
  }

  /** A pod being deleted: its containers stop, and after a short grace it is removed for good. */
  private void terminate(String key, Pod pod) {
    String uid = pod.getMetadata().getUid();
    Instant now = Instant.now();
    Instant at = removeAt.get(uid);
    if (at == null) {
      long graceSeconds =
          pod.getMetadata().getDeletionGracePeriodSeconds() != null
              ? pod.getMetadata().getDeletionGracePeriodSeconds()
              : pod.getSpec().getTerminationGracePeriodSeconds() == null
                  ? 30
                  : pod.getSpec().getTerminationGracePeriodSeconds();
      Duration grace = Duration.ofSeconds(Math.max(0, graceSeconds));
      if (grace.compareTo(MAX_SIMULATED_GRACE) > 0) {
        grace = MAX_SIMULATED_GRACE;
      }
      at = now.plus(grace);
      removeAt.put(uid, at);
      stopContainers(pod);
    }
    if (now.isBefore(at)) {
      queue.addAfter(key, Duration.between(now, at).plusMillis(5));
      return;
    }
    try {
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .withGracePeriod(0)
          .delete();
    } catch (RuntimeException e) {
      if (!isNotFound(e)) {
        throw e;
      }
    }
    forget(uid);
  }

  private void stopContainers(Pod pod) {
    if (pod.getSpec().getNodeName() == null || !"Running".equals(phase(pod))) {
      return;
    }
    String ts = WorkloadSupport.now();
    PodStatus status = copyStatus(pod);
    List<ContainerStatus> out = new ArrayList<>();
    for (ContainerStatus cs : list(status.getContainerStatuses())) {
      if (cs.getState() != null && cs.getState().getTerminated() != null) {
        out.add(cs);
        continue;
      }
      out.add(
          new ContainerStatusBuilder(cs)
              .withReady(false)
              .withStarted(false)
              .withState(terminated(cs, 0, "Completed", ts))
              .build());
    }
    status.setContainerStatuses(out);
    updateReadiness(pod, status);
    try {
      writeStatus(pod, status);
    } catch (RuntimeException e) {
      if (!isNotFound(e)) {
        throw e;
      }
    }
  }

  // --- statuses ----------------------------------------------------------------------------------

  private ContainerStatusBuilder base(Container c, int restarts, boolean ready, boolean isStarted) {
    return new ContainerStatusBuilder()
        .withName(c.getName())
        .withImage(c.getImage())
        .withImageID(imageId(c.getImage()))
        .withReady(ready)
        .withStarted(isStarted)
        .withRestartCount(restarts);
  }

  private ContainerStatus runningStatus(
      Pod pod, Container c, int restarts, String ts, ContainerState last) {
    ContainerStatusBuilder b =
        base(c, restarts, false, true)
            .withContainerID(containerId(pod, c.getName(), restarts))
            .withState(
                new ContainerStateBuilder()
                    .withNewRunning()
                    .withStartedAt(ts)
                    .endRunning()
                    .build());
    if (last != null) {
      b.withLastState(last);
    }
    return b.build();
  }

  private static ContainerState terminated(
      ContainerStatus cs, int exitCode, String reason, String ts) {
    String startedAt =
        cs.getState() != null && cs.getState().getRunning() != null
            ? cs.getState().getRunning().getStartedAt()
            : ts;
    return new ContainerStateBuilder()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withReason(reason)
        .withStartedAt(startedAt)
        .withFinishedAt(ts)
        .withContainerID(cs.getContainerID())
        .endTerminated()
        .build();
  }

  /**
   * ContainersReady and Ready from the containers (and readiness gates), as the kubelet sets them.
   */
  private static void updateReadiness(Pod pod, PodStatus status) {
    List<String> unready = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers()) {
      boolean ready =
          list(status.getContainerStatuses()).stream()
              .anyMatch(
                  cs -> cs.getName().equals(c.getName()) && Boolean.TRUE.equals(cs.getReady()));
      if (!ready) {
        unready.add(c.getName());
      }
    }
    if (unready.isEmpty()) {
      setCondition(status, condition("ContainersReady", "True", null, null));
    } else {
      setCondition(
          status,
          condition(
              "ContainersReady",
              "False",
              "ContainersNotReady",
              "containers with unready status: [" + String.join(" ", unready) + "]"));
    }
    List<String> gates = new ArrayList<>();
    for (PodReadinessGate gate : list(pod.getSpec().getReadinessGates())) {
      boolean ok =
          list(status.getConditions()).stream()
              .anyMatch(
                  c -> c.getType().equals(gate.getConditionType()) && "True".equals(c.getStatus()));
      if (!ok) {
        gates.add(gate.getConditionType());
      }
    }
    if (!unready.isEmpty()) {
      setCondition(
          status,
          condition(
              "Ready",
              "False",
              "ContainersNotReady",
              "containers with unready status: [" + String.join(" ", unready) + "]"));
    } else if (!gates.isEmpty()) {
      setCondition(
          status,
          condition(
              "Ready",
              "False",
              "ReadinessGatesNotReady",
              "corresponding condition of pod readiness gate \""
                  + gates.get(0)
                  + "\" does not exist."));
    } else {
      setCondition(status, condition("Ready", "True", null, null));
    }
  }

  private static PodCondition condition(String type, String status, String reason, String message) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(WorkloadSupport.now())
        .build();
  }

  private static final List<String> CONDITION_ORDER =
      List.of("Initialized", "Ready", "ContainersReady", "PodScheduled");

  /** Sets a condition, keeping its transition time when its status does not change. */
  private static void setCondition(PodStatus status, PodCondition c) {
    List<PodCondition> conditions = new ArrayList<>(list(status.getConditions()));
    for (int i = 0; i < conditions.size(); i++) {
      PodCondition old = conditions.get(i);
      if (old.getType().equals(c.getType())) {
        if (Objects.equals(old.getStatus(), c.getStatus())) {
          c.setLastTransitionTime(old.getLastTransitionTime());
          c.setLastProbeTime(old.getLastProbeTime());
        }
        conditions.set(i, c);
        status.setConditions(conditions);
        return;
      }
    }
    conditions.add(c);
    conditions.sort(
        Comparator.comparingInt(
            x ->
                CONDITION_ORDER.indexOf(x.getType()) < 0
                    ? 99
                    : CONDITION_ORDER.indexOf(x.getType())));
    status.setConditions(conditions);
  }

  private PodStatus copyStatus(Pod pod) {
    PodStatus status = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    return client.getKubernetesSerialization().clone(status);
  }

  private void writeStatus(Pod pod, PodStatus status) {
    if (Objects.equals(status, pod.getStatus())) {
      return;
    }
    Pod copy = client.getKubernetesSerialization().clone(pod);
    copy.setStatus(status);
    client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(copy).updateStatus();
  }

  private Duration readyDelay() {
    Duration d = ctx.settings().podReadyDelay();
    return d == null || d.isNegative() ? Duration.ZERO : d;
  }

  private static Instant startedAt(ContainerStatus cs, Instant fallback) {
    Instant t = WorkloadSupport.parseTime(cs.getState().getRunning().getStartedAt());
    return t == null ? fallback : t;
  }

  private static Instant latest(Iterable<Instant> times, Instant fallback) {
    Instant latest = null;
    for (Instant t : times) {
      latest = latest == null || t.isAfter(latest) ? t : latest;
    }
    return latest == null ? fallback : latest;
  }

  private static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }

  // --- identities --------------------------------------------------------------------------------

  /** A unique pod IP in 10.8.0.0/14, the sandbox cluster's pod range. */
  private String allocateIp() {
    while (true) {
      long n = nextIp.getAndIncrement();
      long host = n & 0xff;
      if (host == 0 || host == 1 || host == 255) {
        continue;
      }
      return "10." + (8 + (n >> 16) % 4) + "." + ((n >> 8) & 0xff) + "." + host;
    }
  }

  /** The node's InternalIP, or one derived from its name ({@code sandbox-node-2} => 10.128.0.4). */
  static String hostIp(Node node, String nodeName) {
    if (node != null && node.getStatus() != null && node.getStatus().getAddresses() != null) {
      for (NodeAddress a : node.getStatus().getAddresses()) {
        if ("InternalIP".equals(a.getType())) {
          return a.getAddress();
        }
      }
    }
    int index = 0;
    int dash = nodeName.lastIndexOf('-');
    try {
      index = Integer.parseInt(nodeName.substring(dash + 1));
    } catch (NumberFormatException e) {
      index = Math.floorMod(nodeName.hashCode(), 250);
    }
    return "10.128." + (index / 250) + "." + (index % 250 + 2);
  }

  /** Guaranteed, Burstable or BestEffort from the containers' requests and limits. */
  static String qosClass(PodSpec spec) {
    List<Container> all = new ArrayList<>(list(spec.getInitContainers()));
    all.addAll(spec.getContainers());
    boolean any = false;
    boolean guaranteed = true;
    for (Container c : all) {
      ResourceRequirements r = c.getResources();
      Map<String, Quantity> requests =
          r == null || r.getRequests() == null ? Map.of() : r.getRequests();
      Map<String, Quantity> limits = r == null || r.getLimits() == null ? Map.of() : r.getLimits();
      any |= hasCpuOrMemory(requests) || hasCpuOrMemory(limits);
      for (String resource : List.of("cpu", "memory")) {
        Quantity limit = limits.get(resource);
        Quantity request = requests.get(resource);
        if (limit == null) {
          guaranteed = false;
        } else if (request != null
            && request.getNumericalAmount().compareTo(limit.getNumericalAmount()) != 0) {
          guaranteed = false;
        }
      }
    }
    if (!any) {
      return "BestEffort";
    }
    return guaranteed ? "Guaranteed" : "Burstable";
  }

  private static boolean hasCpuOrMemory(Map<String, Quantity> m) {
    return m.containsKey("cpu") || m.containsKey("memory");
  }

  /** A content-addressed image ID, as the container runtime reports the pulled image. */
  static String imageId(String image) {
    String repo = image;
    int at = repo.indexOf('@');
    if (at >= 0) {
      return image;
    }
    int slash = repo.lastIndexOf('/');
    int colon = repo.lastIndexOf(':');
    if (colon > slash) {
      repo = repo.substring(0, colon);
    }
    if (!repo.contains("/")) {
      repo = "docker.io/library/" + repo;
    } else if (!repo.substring(0, repo.indexOf('/')).contains(".")) {
      repo = "docker.io/" + repo;
    }
    return repo + "@sha256:" + sha256(image);
  }

  private static String containerId(Pod pod, String container, int restarts) {
    return "containerd://" + sha256(pod.getMetadata().getUid() + "/" + container + "/" + restarts);
  }

  private static String sha256(String s) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
