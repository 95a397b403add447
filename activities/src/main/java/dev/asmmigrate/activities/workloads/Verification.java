package dev.asmmigrate.activities.workloads;

import dev.asmmigrate.activities.inventory.MeshInventory;
import dev.asmmigrate.workflows.model.IstioNames;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Judges one namespace's workloads from a snapshot of its objects: has every workload rolled out,
 * and is every pod of its current revision Running and Ready with all containers, never restarted,
 * with the expected sidecar? Pure; the watch feeds it snapshots.
 *
 * <p>The workloads are the namespace's Deployments and the StatefulSets and DaemonSets whose pods
 * carry a sidecar (or that are rolling out, when their pods may be missing for a moment). Pods no
 * workload owns are not judged (restart reports them). A pod that opted out of injection ({@code
 * sidecar.istio.io/inject: "false"}, or host networking, which Istio never injects) must be healthy
 * but needs no sidecar.
 */
final class Verification {
  static final String DEPLOYMENT_REVISION = "deployment.kubernetes.io/revision";
  static final String REVISION_HASH = "controller-revision-hash";
  static final String INJECT = IstioNames.INJECT;

  private Verification() {}

  /** The namespace's objects at one moment. */
  record Snapshot(
      List<Deployment> deployments,
      List<ReplicaSet> replicaSets,
      List<StatefulSet> statefulSets,
      List<DaemonSet> daemonSets,
      List<ControllerRevision> revisions,
      List<Pod> pods) {}

  /**
   * @param done every workload rolled out and every current pod verified
   * @param podsReady current pods verified so far
   * @param podsTotal pods the workloads want
   * @param workloads how many workloads are judged
   * @param missing what is still awaited, one line each, naming workload and pod
   * @param failure why the namespace cannot pass (names namespace, workload and pod), or null
   * @param notRestarted injected pods of StatefulSets and DaemonSets left out of the judgement,
   *     whose proxy is not the expected one
   */
  record Verdict(
      boolean done,
      int podsReady,
      int podsTotal,
      int workloads,
      List<String> missing,
      String failure,
      List<String> notRestarted) {}

  /** One pod's state: fine, still coming up ({@code waiting}), or failed for good. */
  record PodState(String waiting, String failure) {
    boolean ok() {
      return waiting == null && failure == null;
    }
  }

  static Verdict evaluate(String namespace, Snapshot s, ExpectedProxy expected) {
    return evaluate(namespace, s, expected, true);
  }

  /**
   * As {@link #evaluate(String, Snapshot, ExpectedProxy)}; without {@code includeSets} (their
   * restart was turned off) StatefulSets and DaemonSets are not judged, and their injected pods on
   * another proxy are listed in the verdict's {@code notRestarted}.
   */
  static Verdict evaluate(
      String namespace, Snapshot s, ExpectedProxy expected, boolean includeSets) {
    Judge judge = new Judge(namespace, s, expected);
    for (Deployment d : sorted(s.deployments())) {
      judge.deployment(d);
    }
    if (!includeSets) {
      for (StatefulSet set : sorted(s.statefulSets())) {
        judge.notRestarted("StatefulSet/" + set.getMetadata().getName(), ownedBy(s.pods(), set));
      }
      for (DaemonSet ds : sorted(s.daemonSets())) {
        judge.notRestarted("DaemonSet/" + ds.getMetadata().getName(), ownedBy(s.pods(), ds));
      }
      return judge.verdict();
    }
    // A set is meshed if its pods carry a sidecar; while it rolls out its pods may be gone for a
    // moment, so a set mid-rollout is judged too, lest a restart in flight look like success.
    for (StatefulSet set : sorted(s.statefulSets())) {
      if (carriesSidecar(ownedBy(s.pods(), set)) || !RolloutStatus.of(set).done()) {
        judge.statefulSet(set);
      }
    }
    for (DaemonSet ds : sorted(s.daemonSets())) {
      if (carriesSidecar(ownedBy(s.pods(), ds)) || !RolloutStatus.of(ds).done()) {
        judge.daemonSet(ds);
      }
    }
    return judge.verdict();
  }

  private static final class Judge {
    final String namespace;
    final Snapshot s;
    final ExpectedProxy expected;
    final List<String> missing = new ArrayList<>();
    final List<String> notRestarted = new ArrayList<>();
    String failure;
    boolean rolledOut;
    int ready;
    int total;
    int workloads;

    Judge(String namespace, Snapshot s, ExpectedProxy expected) {
      this.namespace = namespace;
      this.s = s;
      this.expected = expected;
    }

    void deployment(Deployment d) {
      workloads++;
      String ref = "Deployment/" + d.getMetadata().getName();
      total += replicas(d.getSpec().getReplicas());
      RolloutStatus rollout = RolloutStatus.of(d);
      if (!workload(ref, rollout)) {
        return;
      }
      String revision = annotation(d, DEPLOYMENT_REVISION);
      Optional<ReplicaSet> current =
          ownedBy(s.replicaSets(), d).stream()
              .filter(rs -> Objects.equals(annotation(rs, DEPLOYMENT_REVISION), revision))
              .findFirst();
      if (current.isEmpty()) {
        missing.add(ref + ": waiting for its ReplicaSet of revision " + revision);
        return;
      }
      pods(ref, ownedBy(s.pods(), current.get()), replicas(d.getSpec().getReplicas()));
    }

    void statefulSet(StatefulSet set) {
      workloads++;
      String ref = "StatefulSet/" + set.getMetadata().getName();
      total += replicas(set.getSpec().getReplicas());
      if (!workload(ref, RolloutStatus.of(set))) {
        return;
      }
      String update = set.getStatus().getUpdateRevision();
      List<Pod> pods = ownedBy(s.pods(), set);
      if (update != null && !update.isEmpty()) {
        pods = pods.stream().filter(p -> update.equals(label(p, REVISION_HASH))).toList();
      }
      pods(ref, pods, replicas(set.getSpec().getReplicas()));
    }

    void daemonSet(DaemonSet ds) {
      workloads++;
      String ref = "DaemonSet/" + ds.getMetadata().getName();
      int desired =
          ds.getStatus() == null || ds.getStatus().getDesiredNumberScheduled() == null
              ? 0
              : ds.getStatus().getDesiredNumberScheduled();
      total += desired;
      if (!workload(ref, RolloutStatus.of(ds))) {
        return;
      }
      Optional<ControllerRevision> newest =
          ownedBy(s.revisions(), ds).stream()
              .max(Comparator.comparing(r -> r.getRevision() == null ? 0L : r.getRevision()));
      List<Pod> pods = ownedBy(s.pods(), ds);
      if (newest.isPresent()) {
        String hash = label(newest.get(), REVISION_HASH);
        if (hash != null) {
          pods = pods.stream().filter(p -> hash.equals(label(p, REVISION_HASH))).toList();
        }
      }
      pods(ref, pods, desired);
    }

    /** Records the rollout's state; true when the workload's pods can be judged. */
    private boolean workload(String ref, RolloutStatus rollout) {
      if (rollout.failure() != null) {
        fail(ref, null, rollout.failure());
        return false;
      }
      rolledOut = rollout.done();
      if (!rolledOut) {
        missing.add(rollout.waitingFor());
      }
      return rollout.observed();
    }

    /**
     * Judges the pods of a workload's current revision; when the workload's status calls its
     * rollout done, fewer than {@code want} of them seen is waiting too (the pods' watch may lag
     * behind the workload's: the rollout is not verified until its pods are seen).
     */
    private void pods(String ref, List<Pod> pods, int want) {
      int seen = 0;
      for (Pod pod : sorted(pods)) {
        if (pod.getMetadata().getDeletionTimestamp() != null) {
          continue;
        }
        seen++;
        PodState state = podState(pod, expected);
        if (state.failure() != null) {
          fail(ref, pod.getMetadata().getName(), state.failure());
        } else if (state.waiting() != null) {
          missing.add(ref + " pod " + pod.getMetadata().getName() + ": " + state.waiting());
        } else {
          ready++;
        }
      }
      if (rolledOut && seen < want) {
        missing.add(ref + ": " + seen + " of " + want + " pods of the current revision seen");
      }
    }

    private static int replicas(Integer replicas) {
      return replicas == null ? 1 : replicas;
    }

    private void fail(String ref, String pod, String why) {
      if (failure == null) {
        failure =
            "namespace " + namespace + " " + ref + (pod == null ? "" : " pod " + pod) + ": " + why;
      }
    }

    /** Records the injected pods of a workload left unrestarted that run another proxy. */
    void notRestarted(String ref, List<Pod> pods) {
      for (Pod pod : sorted(pods)) {
        if (pod.getMetadata().getDeletionTimestamp() != null || !carriesSidecar(List.of(pod))) {
          continue;
        }
        if (expected.mismatch(pod).isPresent()) {
          notRestarted.add(
              ref + " pod " + pod.getMetadata().getName() + ": " + MeshInventory.proxyImage(pod));
        }
      }
    }

    Verdict verdict() {
      boolean done = failure == null && missing.isEmpty();
      return new Verdict(
          done, ready, total, workloads, List.copyOf(missing), failure, List.copyOf(notRestarted));
    }
  }

  /** How one pod stands: failures first (crash loops, restarts, wrong sidecar), then readiness. */
  static PodState podState(Pod pod, ExpectedProxy expected) {
    var status = pod.getStatus();
    List<ContainerStatus> statuses = new ArrayList<>();
    if (status != null && status.getInitContainerStatuses() != null) {
      statuses.addAll(status.getInitContainerStatuses());
    }
    if (status != null && status.getContainerStatuses() != null) {
      statuses.addAll(status.getContainerStatuses());
    }
    for (ContainerStatus cs : statuses) {
      if (cs.getState() != null
          && cs.getState().getWaiting() != null
          && "CrashLoopBackOff".equals(cs.getState().getWaiting().getReason())) {
        return new PodState(
            null, "container " + cs.getName() + " is in CrashLoopBackOff" + lastExit(cs));
      }
    }
    for (ContainerStatus cs : statuses) {
      if (cs.getRestartCount() != null && cs.getRestartCount() > 0) {
        return new PodState(
            null,
            "container "
                + cs.getName()
                + " restarted "
                + cs.getRestartCount()
                + " times"
                + lastExit(cs));
      }
    }
    String phase = status == null || status.getPhase() == null ? "Pending" : status.getPhase();
    if (phase.equals("Failed")) {
      return new PodState(
          null,
          "pod failed"
              + (status.getReason() == null ? "" : ": " + status.getReason())
              + (status.getMessage() == null ? "" : " (" + status.getMessage() + ")"));
    }
    if (sidecarExpected(pod)) {
      Optional<String> mismatch = expected.mismatch(pod);
      if (mismatch.isPresent()) {
        return new PodState(null, mismatch.get());
      }
    }
    if (!phase.equals("Running")) {
      return new PodState(phase + unscheduled(status) + waitingReasons(statuses), null);
    }
    int containers = pod.getSpec().getContainers().size();
    long readyContainers =
        status.getContainerStatuses() == null
            ? 0
            : status.getContainerStatuses().stream()
                .filter(cs -> Boolean.TRUE.equals(cs.getReady()))
                .count();
    boolean podReady = false;
    if (status.getConditions() != null) {
      for (PodCondition c : status.getConditions()) {
        podReady |= "Ready".equals(c.getType()) && "True".equals(c.getStatus());
      }
    }
    if (!podReady || readyContainers < containers) {
      return new PodState(
          "Running, "
              + readyContainers
              + "/"
              + containers
              + " containers ready"
              + waitingReasons(statuses),
          null);
    }
    return new PodState(null, null);
  }

  /** Whether Istio's injector gives this pod a sidecar in an injected namespace. */
  static boolean sidecarExpected(Pod pod) {
    if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
      return false;
    }
    return !"false".equalsIgnoreCase(annotation(pod, INJECT))
        && !"false".equalsIgnoreCase(label(pod, INJECT));
  }

  /** Whether one of the pods carries a sidecar: {@link MeshInventory#carriesSidecar(List)}. */
  static boolean carriesSidecar(List<Pod> pods) {
    return MeshInventory.carriesSidecar(pods);
  }

  private static String lastExit(ContainerStatus cs) {
    var last = cs.getLastState() == null ? null : cs.getLastState().getTerminated();
    if (last == null) {
      return "";
    }
    return " (last exit: "
        + (last.getReason() == null ? "" : last.getReason() + ", ")
        + "code "
        + last.getExitCode()
        + ")";
  }

  private static String unscheduled(io.fabric8.kubernetes.api.model.PodStatus status) {
    if (status == null || status.getConditions() == null) {
      return "";
    }
    for (PodCondition c : status.getConditions()) {
      if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
        return ", not scheduled"
            + (c.getReason() == null ? "" : ": " + c.getReason())
            + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")");
      }
    }
    return "";
  }

  private static String waitingReasons(List<ContainerStatus> statuses) {
    List<String> reasons = new ArrayList<>();
    for (ContainerStatus cs : statuses) {
      if (cs.getState() != null
          && cs.getState().getWaiting() != null
          && cs.getState().getWaiting().getReason() != null) {
        reasons.add(cs.getName() + " " + cs.getState().getWaiting().getReason());
      }
    }
    return reasons.isEmpty() ? "" : " (" + String.join(", ", reasons) + ")";
  }

  /** The objects whose controller owner is {@code owner}. */
  static <T extends HasMetadata> List<T> ownedBy(List<T> objects, HasMetadata owner) {
    return MeshInventory.ownedBy(objects, owner);
  }

  static OwnerReference controllerOf(HasMetadata o) {
    return MeshInventory.controllerOf(o);
  }

  static String annotation(HasMetadata o, String key) {
    Map<String, String> annotations = o.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }

  static String label(HasMetadata o, String key) {
    Map<String, String> labels = o.getMetadata().getLabels();
    return labels == null ? null : labels.get(key);
  }

  private static <T extends HasMetadata> List<T> sorted(List<T> objects) {
    List<T> copy = new ArrayList<>(objects);
    copy.sort(Comparator.comparing(o -> o.getMetadata().getName()));
    return copy;
  }
}
