package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.REVISION;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.annotation;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.maxSurge;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.putReplicasAnnotations;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.replicas;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.status;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isNotFound;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.orZero;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Deployment controller's writes: a Deployment's status and revision, a ReplicaSet's update and
 * its scale (with the replica annotations).
 */
record DeploymentWriter(KubernetesClient client) {

  DeploymentStatus copy(DeploymentStatus s) {
    return new DeploymentStatusBuilder(s).build(); // a deep copy of the model, without JSON
  }

  /** A deep copy of the model through its builder, without a JSON round trip. */
  ReplicaSet clone(ReplicaSet rs) {
    return new ReplicaSetBuilder(rs).build();
  }

  /** A deep copy of the model through its builder, without a JSON round trip. */
  Deployment clone(Deployment d) {
    return new DeploymentBuilder(d).build();
  }

  Deployment writeStatus(Deployment d, DeploymentStatus s) {
    Deployment copy = WorkloadSupport.withStatus(d, s);
    return client
        .apps()
        .deployments()
        .inNamespace(d.getMetadata().getNamespace())
        .resource(copy)
        .updateStatus();
  }

  ReplicaSet updateReplicaSet(ReplicaSet rs) {
    try {
      return client
          .apps()
          .replicaSets()
          .inNamespace(rs.getMetadata().getNamespace())
          .resource(rs)
          .update();
    } catch (RuntimeException e) {
      if (isNotFound(e)) {
        return null;
      }
      throw e;
    }
  }

  boolean scaleReplicaSetAndRecordEvent(Deployment d, ReplicaSet rs, int newScale) {
    if (orZero(rs.getSpec().getReplicas()) == newScale) {
      return false;
    }
    scaleReplicaSet(d, rs, newScale);
    return true;
  }

  /** Sets a ReplicaSet's size and replica annotations; returns the updated ReplicaSet. */
  ReplicaSet scaleReplicaSet(Deployment d, ReplicaSet rs, int newScale) {
    Map<String, String> annotations =
        rs.getMetadata().getAnnotations() == null
            ? new LinkedHashMap<>()
            : new LinkedHashMap<>(rs.getMetadata().getAnnotations());
    boolean annotationsChanged =
        putReplicasAnnotations(annotations, replicas(d), replicas(d) + maxSurge(d));
    if (orZero(rs.getSpec().getReplicas()) == newScale && !annotationsChanged) {
      return rs;
    }
    ReplicaSet copy = clone(rs);
    copy.getSpec().setReplicas(newScale);
    copy.getMetadata().setAnnotations(annotations);
    return updateReplicaSet(copy);
  }

  /**
   * Sets the deployment's revision annotation (an update) and then its status, when they change.
   */
  Deployment setRevisionAndStatus(Deployment d, String revision, DeploymentStatus status) {
    if (revision != null && !revision.equals(annotation(d, REVISION))) {
      Deployment copy = clone(d);
      Map<String, String> annotations =
          copy.getMetadata().getAnnotations() == null
              ? new LinkedHashMap<>()
              : new LinkedHashMap<>(copy.getMetadata().getAnnotations());
      annotations.put(REVISION, revision);
      copy.getMetadata().setAnnotations(annotations);
      d =
          client
              .apps()
              .deployments()
              .inNamespace(d.getMetadata().getNamespace())
              .resource(copy)
              .update();
    }
    if (status != null) {
      d = writeStatus(d, status);
    }
    return d;
  }
}
