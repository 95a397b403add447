package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.PodIdentities.containerId;
import static dev.asmmigrate.sandbox.controllers.PodIdentities.hostIp;
import static dev.asmmigrate.sandbox.controllers.PodIdentities.qosClass;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.base;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.condition;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.copyStatus;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.latest;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.list;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.runningStatus;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.setCondition;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.startedAt;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.terminated;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.updateReadiness;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.writeStatus;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isNotFound;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.key;
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
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The kubelets of the simulated nodes: {@code Pending => Running} with a pod IP, container statuses
 * and conditions as a real kubelet reports them, readiness, crash loops, Jobs' pods completing, and
 * pods being deleted stopped and removed after a short simulated grace.
 */
final class Kubelet {

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
  private final Function<String, Node> nodeByName;
  private final AtomicLong nextIp = new AtomicLong(2);

  /** Per pod uid: when each container (last) started, for readiness. */
  private final Map<String, Map<String, Instant>> started = new ConcurrentHashMap<>();

  /** Per pod uid: the next crash of a crash-looping pod. */
  private final Map<String, Instant> nextCrash = new ConcurrentHashMap<>();

  /** Per pod uid: when a terminating pod is deleted for good. */
  private final Map<String, Instant> removeAt = new ConcurrentHashMap<>();

  /**
   * Per pod uid: the resourceVersion of this kubelet's last status write. A real kubelet's status
   * manager keeps the status it last sent and never works from an API view older than it; this one
   * works from the shared cache, and under load the cache can still hold the pod as it was before
   * that write (the write's watch event not yet delivered). Such a pod is not worked on: its event
   * brings it back, and a write made from it would only conflict.
   */
  private final Map<String, Long> written = new ConcurrentHashMap<>();

  Kubelet(SandboxContext ctx, WorkloadQueue queue, Function<String, Node> nodeByName) {
    this.ctx = ctx;
    this.client = ctx.client();
    this.queue = queue;
    this.nodeByName = nodeByName;
  }

  void forget(String uid) {
    if (uid != null) {
      started.remove(uid);
      nextCrash.remove(uid);
      removeAt.remove(uid);
      written.remove(uid);
    }
  }

  /**
   * Whether the cached pod is older than this kubelet's last status write of it: the write's watch
   * event, still on its way, will bring the pod back to the queue.
   */
  boolean behindOwnWrite(Pod pod) {
    Long mine = written.get(pod.getMetadata().getUid());
    long cached = resourceVersion(pod);
    return mine != null && cached >= 0 && cached < mine;
  }

  /** The sandbox's numeric resourceVersion of a pod, or -1 when it has none. */
  private static long resourceVersion(Pod pod) {
    try {
      return Long.parseLong(pod.getMetadata().getResourceVersion());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void write(Pod pod, PodStatus status) {
    Pod result = writeStatus(client, pod, status);
    long rv = result == null ? -1 : resourceVersion(result);
    if (rv >= 0) {
      written.put(pod.getMetadata().getUid(), rv);
    }
  }

  /** Pending => Running: IPs, init containers done, containers started but not yet Ready. */
  void startPod(String key, Pod pod) {
    Instant now = Instant.now();
    String ts = Json.timestamp(now);
    Node node = nodeByName.apply(pod.getSpec().getNodeName());
    String hostIp = hostIp(node, pod.getSpec().getNodeName());
    PodStatus status = copyStatus(client, pod);
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
    write(pod, status);
    queue.addAfter(key, readyDelay());
  }

  /** A running pod: readiness after the delay, crash loops, Job pods completing, image changes. */
  void run(String key, Pod pod) {
    Instant now = Instant.now();
    String uid = pod.getMetadata().getUid();
    PodStatus status = copyStatus(client, pod);
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
    write(pod, status);
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
  void terminate(String key, Pod pod) {
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
    PodStatus status = copyStatus(client, pod);
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
      write(pod, status);
    } catch (RuntimeException e) {
      if (!isNotFound(e)) {
        throw e;
      }
    }
  }

  private Duration readyDelay() {
    Duration d = ctx.settings().podReadyDelay();
    return d == null || d.isNegative() ? Duration.ZERO : d;
  }

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
}
