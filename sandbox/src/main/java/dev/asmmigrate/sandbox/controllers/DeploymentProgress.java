package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.NEW_RS_AVAILABLE;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.RS_UPDATED;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.TIMED_OUT;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.condition;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.deploymentComplete;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.deploymentProgressing;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.hasProgressDeadline;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.newCondition;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.removeCondition;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.setCondition;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.status;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.timedOut;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.key;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.orZero;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * progress.go: the Progressing and ReplicaFailure conditions of a rollout, and a look again when
 * its progress deadline would pass.
 */
record DeploymentProgress(DeploymentWriter writer, DeploymentSync sync, WorkloadQueue queue) {

  void syncRolloutStatus(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
    DeploymentStatus s = sync.calculateStatus(d, all, newRs);
    if (!hasProgressDeadline(d)) {
      removeCondition(s, "Progressing");
    }
    DeploymentCondition current = condition(status(d), "Progressing");
    boolean complete =
        orZero(s.getReplicas()) == orZero(s.getUpdatedReplicas())
            && current != null
            && NEW_RS_AVAILABLE.equals(current.getReason());
    String rsName = newRs == null ? null : newRs.getMetadata().getName();
    if (hasProgressDeadline(d) && !complete) {
      if (deploymentComplete(d, s)) {
        String msg =
            rsName == null
                ? "Deployment \"" + d.getMetadata().getName() + "\" has successfully progressed."
                : "ReplicaSet \"" + rsName + "\" has successfully progressed.";
        setCondition(s, newCondition("Progressing", "True", NEW_RS_AVAILABLE, msg));
      } else if (deploymentProgressing(d, s)) {
        String msg =
            rsName == null
                ? "Deployment \"" + d.getMetadata().getName() + "\" is progressing."
                : "ReplicaSet \"" + rsName + "\" is progressing.";
        DeploymentCondition c = newCondition("Progressing", "True", RS_UPDATED, msg);
        if (current != null) {
          if ("True".equals(current.getStatus())) {
            c.setLastTransitionTime(current.getLastTransitionTime());
          }
          removeCondition(s, "Progressing");
        }
        setCondition(s, c);
      } else if (timedOut(d, s)) {
        String msg =
            rsName == null
                ? "Deployment \"" + d.getMetadata().getName() + "\" has timed out progressing."
                : "ReplicaSet \"" + rsName + "\" has timed out progressing.";
        setCondition(s, newCondition("Progressing", "False", TIMED_OUT, msg));
      }
    }
    // the ReplicaSets' failures (the new one's first) become the deployment's ReplicaFailure
    DeploymentCondition failure = replicaFailure(all, newRs);
    if (failure != null) {
      setCondition(s, failure);
    } else {
      removeCondition(s, "ReplicaFailure");
    }
    if (!Objects.equals(s, status(d))) {
      d = writer.writeStatus(d, s);
    }
    requeueStuckDeployment(d, s);
  }

  private static DeploymentCondition replicaFailure(List<ReplicaSet> all, ReplicaSet newRs) {
    List<ReplicaSet> order = new ArrayList<>();
    if (newRs != null) {
      order.add(newRs);
    }
    order.addAll(all);
    for (ReplicaSet rs : order) {
      if (rs.getStatus() == null || rs.getStatus().getConditions() == null) {
        continue;
      }
      for (var c : rs.getStatus().getConditions()) {
        if ("ReplicaFailure".equals(c.getType())) {
          return new DeploymentConditionBuilder()
              .withType("ReplicaFailure")
              .withStatus(c.getStatus())
              .withReason(c.getReason())
              .withMessage(c.getMessage())
              .withLastUpdateTime(c.getLastTransitionTime())
              .withLastTransitionTime(c.getLastTransitionTime())
              .build();
        }
      }
    }
    return null;
  }

  /**
   * Looks again when the progress deadline would pass, so that ProgressDeadlineExceeded is
   * reported.
   */
  private void requeueStuckDeployment(Deployment d, DeploymentStatus s) {
    DeploymentCondition current = condition(s, "Progressing");
    if (!hasProgressDeadline(d) || current == null || deploymentComplete(d, s)) {
      return;
    }
    if (TIMED_OUT.equals(current.getReason()) || NEW_RS_AVAILABLE.equals(current.getReason())) {
      return;
    }
    Instant from = WorkloadSupport.parseTime(current.getLastUpdateTime());
    if (from == null) {
      return;
    }
    Instant deadline = from.plusSeconds(d.getSpec().getProgressDeadlineSeconds());
    Duration after = Duration.between(Instant.now(), deadline);
    queue.addAfter(key(d), after.isNegative() ? Duration.ofMillis(500) : after.plusSeconds(1));
  }
}
