package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.active;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.deploymentComplete;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.replicas;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.status;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.controllerOf;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.orZero;

import dev.asmmigrate.sandbox.controllers.DeploymentRevisions.Sets;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Set;

/** recreate.go: a Recreate rollout, the old pods gone before the new ReplicaSet scales up. */
record RecreateUpdate(
    KubernetesClient client,
    DeploymentWriter writer,
    DeploymentRevisions revisions,
    DeploymentSync sync,
    DeploymentProgress progress) {

  void rolloutRecreate(Deployment d, List<ReplicaSet> rsList) {
    Sets sets = revisions.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    d = sets.d();
    List<ReplicaSet> all = sets.all();
    boolean scaledDown = false;
    for (ReplicaSet rs : active(sets.old())) {
      scaledDown |= writer.scaleReplicaSetAndRecordEvent(d, rs, 0);
    }
    if (scaledDown) {
      progress.syncRolloutStatus(d, all, sets.newRs());
      return;
    }
    if (oldPodsRunning(d, sets.newRs(), sets.old())) {
      progress.syncRolloutStatus(d, all, sets.newRs());
      return;
    }
    ReplicaSet newRs = sets.newRs();
    if (newRs == null) {
      sets = revisions.getAllReplicaSetsAndSyncRevision(d, rsList, true);
      d = sets.d();
      newRs = sets.newRs();
      all = sets.all();
      if (newRs == null) {
        return;
      }
    }
    writer.scaleReplicaSetAndRecordEvent(d, newRs, replicas(d));
    if (deploymentComplete(d, status(d))) {
      sync.cleanupDeployment(d, sets.old());
    }
    progress.syncRolloutStatus(d, all, newRs);
  }

  private boolean oldPodsRunning(Deployment d, ReplicaSet newRs, List<ReplicaSet> old) {
    int oldActual = 0;
    for (ReplicaSet rs : old) {
      oldActual += rs.getStatus() == null ? 0 : orZero(rs.getStatus().getReplicas());
    }
    if (oldActual > 0) {
      return true;
    }
    Set<String> oldUids = new java.util.HashSet<>();
    old.forEach(rs -> oldUids.add(rs.getMetadata().getUid()));
    List<Pod> pods =
        client
            .pods()
            .inNamespace(d.getMetadata().getNamespace())
            .withLabelSelector(d.getSpec().getSelector())
            .list()
            .getItems();
    for (Pod p : pods) {
      OwnerReference ref = controllerOf(p).orElse(null);
      if (ref == null || !oldUids.contains(ref.getUid())) {
        continue;
      }
      String phase = WorkloadSupport.phase(p);
      if (!"Succeeded".equals(phase) && !"Failed".equals(phase)) {
        return true;
      }
    }
    return false;
  }
}
