package dev.asmmigrate.activities.workloads;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import java.util.Optional;

/**
 * Whether a workload has rolled out, judged as {@code kubectl rollout status} judges it (kubectl's
 * polymorphichelpers/rollout_status.go): first the controller must have observed the latest
 * generation, then every replica must be updated, old replicas gone, and the updated ones
 * available.
 *
 * @param observed the controller has seen the workload's latest spec (its status describes it)
 * @param done the rollout is complete
 * @param waitingFor what the rollout still waits for, when not done
 * @param failure why the rollout cannot complete (progress deadline exceeded), or null
 */
record RolloutStatus(boolean observed, boolean done, String waitingFor, String failure) {

  static RolloutStatus complete() {
    return new RolloutStatus(true, true, null, null);
  }

  static RolloutStatus waiting(boolean observed, String what) {
    return new RolloutStatus(observed, false, what, null);
  }

  static RolloutStatus failed(String why) {
    return new RolloutStatus(true, false, null, why);
  }

  static RolloutStatus of(Deployment d) {
    String ref = "Deployment " + d.getMetadata().getName();
    DeploymentStatus status = d.getStatus();
    if (status == null
        || !observed(d.getMetadata().getGeneration(), status.getObservedGeneration())) {
      return waiting(false, ref + ": the controller has not observed its latest spec yet");
    }
    if (status.getConditions() != null) {
      for (DeploymentCondition c : status.getConditions()) {
        if ("Progressing".equals(c.getType()) && "ProgressDeadlineExceeded".equals(c.getReason())) {
          return failed(ref + " exceeded its progress deadline: " + c.getMessage());
        }
      }
    }
    int replicas = orOne(d.getSpec().getReplicas());
    int updated = orZero(status.getUpdatedReplicas());
    int total = orZero(status.getReplicas());
    int available = orZero(status.getAvailableReplicas());
    if (updated < replicas) {
      return waiting(true, ref + ": " + updated + " of " + replicas + " replicas updated");
    }
    if (total > updated) {
      return waiting(true, ref + ": " + (total - updated) + " old replicas pending termination");
    }
    if (available < updated) {
      return waiting(
          true, ref + ": " + available + " of " + updated + " updated replicas available");
    }
    return complete();
  }

  static RolloutStatus of(StatefulSet s) {
    String ref = "StatefulSet " + s.getMetadata().getName();
    StatefulSetStatus status = s.getStatus();
    Optional<RolloutStatus> first = notStarted(ref, s);
    if (first.isPresent()) {
      return first.get();
    }
    int replicas = orOne(s.getSpec().getReplicas());
    int ready = orZero(status.getReadyReplicas());
    if (ready < replicas) {
      return waiting(true, ref + ": " + ready + " of " + replicas + " pods ready");
    }
    var strategy = s.getSpec().getUpdateStrategy();
    if (strategy != null
        && strategy.getRollingUpdate() != null
        && strategy.getRollingUpdate().getPartition() != null
        && strategy.getRollingUpdate().getPartition() > 0) {
      int partition = strategy.getRollingUpdate().getPartition();
      int updated = orZero(status.getUpdatedReplicas());
      if (updated < replicas - partition) {
        return waiting(
            true,
            ref + ": " + updated + " of " + (replicas - partition) + " pods updated (partitioned)");
      }
      return complete();
    }
    if (status.getUpdateRevision() != null
        && !status.getUpdateRevision().equals(status.getCurrentRevision())) {
      return waiting(
          true,
          ref
              + ": "
              + orZero(status.getUpdatedReplicas())
              + " of "
              + replicas
              + " pods at revision "
              + status.getUpdateRevision());
    }
    return complete();
  }

  static RolloutStatus of(DaemonSet d) {
    String ref = "DaemonSet " + d.getMetadata().getName();
    DaemonSetStatus status = d.getStatus();
    Optional<RolloutStatus> first = notStarted(ref, d);
    if (first.isPresent()) {
      return first.get();
    }
    int desired = orZero(status.getDesiredNumberScheduled());
    int updated = orZero(status.getUpdatedNumberScheduled());
    int available = orZero(status.getNumberAvailable());
    if (updated < desired) {
      return waiting(true, ref + ": " + updated + " of " + desired + " pods updated");
    }
    if (available < desired) {
      return waiting(true, ref + ": " + available + " of " + desired + " updated pods available");
    }
    return complete();
  }

  /**
   * What a StatefulSet's or DaemonSet's rollout waits for before its replicas count: an OnDelete
   * strategy (its pods are replaced only by hand), or a controller that has not observed the latest
   * spec; empty when neither.
   */
  /**
   * What a StatefulSet's or DaemonSet's rollout waits for before its replicas count: an OnDelete
   * strategy (its pods are replaced only by hand), or a controller that has not observed its latest
   * spec; empty when neither.
   */
  private static Optional<RolloutStatus> notStarted(String ref, HasMetadata workload) {
    String strategyType = null;
    Object status = null;
    Long observedGeneration = null;
    if (workload instanceof StatefulSet s) {
      strategyType =
          s.getSpec().getUpdateStrategy() == null
              ? null
              : s.getSpec().getUpdateStrategy().getType();
      status = s.getStatus();
      observedGeneration = s.getStatus() == null ? null : s.getStatus().getObservedGeneration();
    } else if (workload instanceof DaemonSet d) {
      strategyType =
          d.getSpec().getUpdateStrategy() == null
              ? null
              : d.getSpec().getUpdateStrategy().getType();
      status = d.getStatus();
      observedGeneration = d.getStatus() == null ? null : d.getStatus().getObservedGeneration();
    }
    if ("OnDelete".equals(strategyType)) {
      return Optional.of(
          waiting(
              true,
              ref
                  + " uses updateStrategy OnDelete: its pods are replaced only when deleted by"
                  + " hand"));
    }
    if (status == null || !observed(workload.getMetadata().getGeneration(), observedGeneration)) {
      return Optional.of(
          waiting(false, ref + ": the controller has not observed its latest spec yet"));
    }
    return Optional.empty();
  }

  private static boolean observed(Long generation, Long observedGeneration) {
    return generation == null || (observedGeneration != null && observedGeneration >= generation);
  }

  private static int orZero(Integer v) {
    return v == null ? 0 : v;
  }

  private static int orOne(Integer v) {
    return v == null ? 1 : v;
  }
}
