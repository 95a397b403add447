package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.BY_CREATION;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.active;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.availableReplicas;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.deploymentComplete;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.maxUnavailable;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.newRsNewReplicas;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.replicas;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.specReplicas;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.status;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.orZero;

import dev.asmmigrate.sandbox.controllers.DeploymentRevisions.Sets;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.util.ArrayList;
import java.util.List;

/** rolling.go: a RollingUpdate rollout within maxSurge and maxUnavailable. */
record RollingUpdate(
    DeploymentWriter writer,
    DeploymentRevisions revisions,
    DeploymentSync sync,
    DeploymentProgress progress) {

  void rolloutRolling(Deployment d, List<ReplicaSet> rsList) {
    Sets sets = revisions.getAllReplicaSetsAndSyncRevision(d, rsList, true);
    d = sets.d();
    if (sets.newRs() == null) {
      return;
    }
    List<ReplicaSet> all = sets.all();
    if (reconcileNewReplicaSet(d, all, sets.newRs())) {
      progress.syncRolloutStatus(d, all, sets.newRs());
      return;
    }
    if (reconcileOldReplicaSets(d, all, active(sets.old()), sets.newRs())) {
      progress.syncRolloutStatus(d, all, sets.newRs());
      return;
    }
    if (deploymentComplete(d, status(d))) {
      sync.cleanupDeployment(d, sets.old());
    }
    progress.syncRolloutStatus(d, all, sets.newRs());
  }

  /**
   * The available replicas a ReplicaSet keeps once its controller has acted on its spec: its status
   * counts pods it has just been told to delete until the controller writes the status again, and a
   * sync of the Deployment in between (another ReplicaSet's status changed) must not count them
   * twice, or two scale-downs in a row take the rollout below {@code replicas - maxUnavailable}
   * (the controller deletes ready pods when it has no unready ones to delete).
   */
  private static int availableAfterScaling(ReplicaSet rs) {
    return Math.min(availableReplicas(rs), orZero(rs.getSpec().getReplicas()));
  }

  private boolean reconcileNewReplicaSet(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
    int current = orZero(newRs.getSpec().getReplicas());
    if (current == replicas(d)) {
      return false;
    }
    if (current > replicas(d)) {
      return writer.scaleReplicaSetAndRecordEvent(d, newRs, replicas(d));
    }
    return writer.scaleReplicaSetAndRecordEvent(d, newRs, newRsNewReplicas(d, all, newRs));
  }

  private boolean reconcileOldReplicaSets(
      Deployment d, List<ReplicaSet> all, List<ReplicaSet> oldActive, ReplicaSet newRs) {
    int oldPods = specReplicas(oldActive);
    if (oldPods == 0) {
      return false;
    }
    int allPods = specReplicas(all);
    int minAvailable = replicas(d) - maxUnavailable(d);
    int newUnavailable = orZero(newRs.getSpec().getReplicas()) - availableReplicas(newRs);
    int maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) {
      return false;
    }
    List<ReplicaSet> old = new ArrayList<>(oldActive);
    old.sort(BY_CREATION);
    // first the unhealthy replicas of old ReplicaSets, which do not count as available anyway
    int cleaned = 0;
    List<ReplicaSet> afterCleanup = new ArrayList<>();
    for (ReplicaSet rs : old) {
      int specReplicas = orZero(rs.getSpec().getReplicas());
      int unhealthy = specReplicas - availableReplicas(rs);
      if (cleaned >= maxScaledDown || specReplicas == 0 || unhealthy <= 0) {
        afterCleanup.add(rs);
        continue;
      }
      int scaledDown = Math.min(maxScaledDown - cleaned, unhealthy);
      ReplicaSet scaled = writer.scaleReplicaSet(d, rs, specReplicas - scaledDown);
      cleaned += scaledDown;
      afterCleanup.add(scaled == null ? rs : scaled);
    }
    // then as many available old replicas as maxUnavailable allows
    int scaledDownTotal = 0;
    int available = 0;
    for (ReplicaSet rs : all) {
      available += availableAfterScaling(rs);
    }
    if (available > minAvailable) {
      int toScaleDown = available - minAvailable;
      for (ReplicaSet rs : afterCleanup) {
        if (scaledDownTotal >= toScaleDown) {
          break;
        }
        int specReplicas = orZero(rs.getSpec().getReplicas());
        if (specReplicas == 0) {
          continue;
        }
        int n = Math.min(specReplicas, toScaleDown - scaledDownTotal);
        writer.scaleReplicaSet(d, rs, specReplicas - n);
        scaledDownTotal += n;
      }
    }
    return cleaned + scaledDownTotal > 0;
  }
}
