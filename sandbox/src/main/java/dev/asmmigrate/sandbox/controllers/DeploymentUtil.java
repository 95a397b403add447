package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.orZero;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the Deployment controller's parts share, as k8s.io/kubernetes/pkg/controller/deployment/util
 * holds it: the annotations and condition reasons, the fenceposts, when a rollout is complete,
 * progressing or timed out, and the conditions' rules.
 */
final class DeploymentUtil {
  private DeploymentUtil() {}

  static final String REVISION = "deployment.kubernetes.io/revision";
  static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
  static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
  static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";

  // condition reasons, as k8s.io/kubernetes/pkg/controller/deployment/util names them
  static final String NEW_RS_CREATED = "NewReplicaSetCreated";
  static final String FOUND_NEW_RS = "FoundNewReplicaSet";
  static final String RS_UPDATED = "ReplicaSetUpdated";
  static final String NEW_RS_AVAILABLE = "NewReplicaSetAvailable";
  static final String TIMED_OUT = "ProgressDeadlineExceeded";
  static final String PAUSED = "DeploymentPaused";
  static final String RESUMED = "DeploymentResumed";
  static final String FAILED_RS_CREATE = "ReplicaSetCreateError";
  static final String MIN_AVAILABLE = "MinimumReplicasAvailable";
  static final String MIN_UNAVAILABLE = "MinimumReplicasUnavailable";

  static int newRsNewReplicas(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
    if ("Recreate".equals(strategyType(d))) {
      return replicas(d);
    }
    int maxTotal = replicas(d) + maxSurge(d);
    int current = specReplicas(all);
    if (current >= maxTotal) {
      return orZero(newRs.getSpec().getReplicas());
    }
    int scaleUp = Math.min(maxTotal - current, replicas(d) - orZero(newRs.getSpec().getReplicas()));
    return orZero(newRs.getSpec().getReplicas()) + scaleUp;
  }

  static boolean putReplicasAnnotations(Map<String, String> annotations, int desired, int max) {
    boolean changed = false;
    if (!Integer.toString(desired).equals(annotations.get(DESIRED_REPLICAS))) {
      annotations.put(DESIRED_REPLICAS, Integer.toString(desired));
      changed = true;
    }
    if (!Integer.toString(max).equals(annotations.get(MAX_REPLICAS))) {
      annotations.put(MAX_REPLICAS, Integer.toString(max));
      changed = true;
    }
    return changed;
  }

  static boolean deploymentComplete(Deployment d, DeploymentStatus s) {
    return orZero(s.getUpdatedReplicas()) == replicas(d)
        && orZero(s.getReplicas()) == replicas(d)
        && orZero(s.getAvailableReplicas()) == replicas(d)
        && s.getObservedGeneration() != null
        && s.getObservedGeneration() >= d.getMetadata().getGeneration();
  }

  static boolean deploymentProgressing(Deployment d, DeploymentStatus s) {
    DeploymentStatus old = status(d);
    int oldOld = orZero(old.getReplicas()) - orZero(old.getUpdatedReplicas());
    int newOld = orZero(s.getReplicas()) - orZero(s.getUpdatedReplicas());
    return orZero(s.getUpdatedReplicas()) > orZero(old.getUpdatedReplicas())
        || newOld < oldOld
        || orZero(s.getReadyReplicas()) > orZero(old.getReadyReplicas())
        || orZero(s.getAvailableReplicas()) > orZero(old.getAvailableReplicas());
  }

  static boolean timedOut(Deployment d, DeploymentStatus s) {
    if (!hasProgressDeadline(d)) {
      return false;
    }
    DeploymentCondition c = condition(s, "Progressing");
    if (c == null || NEW_RS_AVAILABLE.equals(c.getReason())) {
      return false;
    }
    if (TIMED_OUT.equals(c.getReason())) {
      return true;
    }
    Instant from = WorkloadSupport.parseTime(c.getLastUpdateTime());
    return from != null
        && from.plusSeconds(d.getSpec().getProgressDeadlineSeconds()).isBefore(Instant.now());
  }

  static DeploymentCondition condition(DeploymentStatus s, String type) {
    if (s.getConditions() == null) {
      return null;
    }
    for (DeploymentCondition c : s.getConditions()) {
      if (type.equals(c.getType())) {
        return c;
      }
    }
    return null;
  }

  static DeploymentCondition newCondition(
      String type, String status, String reason, String message) {
    String now = WorkloadSupport.now();
    return new DeploymentConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withLastUpdateTime(now)
        .withLastTransitionTime(now)
        .build();
  }

  /**
   * As the real SetDeploymentCondition: unchanged status and reason keep the condition as it is.
   */
  static void setCondition(DeploymentStatus s, DeploymentCondition c) {
    DeploymentCondition current = condition(s, c.getType());
    if (current != null
        && Objects.equals(current.getStatus(), c.getStatus())
        && Objects.equals(current.getReason(), c.getReason())) {
      return;
    }
    if (current != null && Objects.equals(current.getStatus(), c.getStatus())) {
      c.setLastTransitionTime(current.getLastTransitionTime());
    }
    removeCondition(s, c.getType());
    List<DeploymentCondition> conditions =
        new ArrayList<>(s.getConditions() == null ? List.of() : s.getConditions());
    conditions.add(c);
    s.setConditions(conditions);
  }

  static void removeCondition(DeploymentStatus s, String type) {
    if (s.getConditions() == null) {
      return;
    }
    List<DeploymentCondition> conditions = new ArrayList<>();
    for (DeploymentCondition c : s.getConditions()) {
      if (!type.equals(c.getType())) {
        conditions.add(c);
      }
    }
    s.setConditions(conditions);
  }

  static final Comparator<ReplicaSet> BY_CREATION =
      Comparator.comparing(
              (ReplicaSet rs) -> WorkloadSupport.parseTime(rs.getMetadata().getCreationTimestamp()),
              Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(rs -> rs.getMetadata().getName());

  static List<ReplicaSet> active(List<ReplicaSet> list) {
    return list.stream().filter(rs -> orZero(rs.getSpec().getReplicas()) > 0).toList();
  }

  static int specReplicas(List<ReplicaSet> list) {
    int n = 0;
    for (ReplicaSet rs : list) {
      n += orZero(rs.getSpec().getReplicas());
    }
    return n;
  }

  static int availableReplicas(ReplicaSet rs) {
    return rs.getStatus() == null ? 0 : orZero(rs.getStatus().getAvailableReplicas());
  }

  static int replicas(Deployment d) {
    return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
  }

  static String strategyType(Deployment d) {
    return d.getSpec().getStrategy() == null || d.getSpec().getStrategy().getType() == null
        ? "RollingUpdate"
        : d.getSpec().getStrategy().getType();
  }

  static boolean isRolling(Deployment d) {
    return "RollingUpdate".equals(strategyType(d));
  }

  /** maxSurge and maxUnavailable resolved as the real ResolveFenceposts does. */
  static int[] fenceposts(Deployment d) {
    RollingUpdateDeployment ru =
        d.getSpec().getStrategy() == null ? null : d.getSpec().getStrategy().getRollingUpdate();
    IntOrString surge =
        ru == null || ru.getMaxSurge() == null ? new IntOrString("25%") : ru.getMaxSurge();
    IntOrString unavailable =
        ru == null || ru.getMaxUnavailable() == null
            ? new IntOrString("25%")
            : ru.getMaxUnavailable();
    int s = WorkloadSupport.scaled(surge, replicas(d), true);
    int u = WorkloadSupport.scaled(unavailable, replicas(d), false);
    if (s == 0 && u == 0) {
      u = 1;
    }
    return new int[] {s, u};
  }

  static int maxSurge(Deployment d) {
    return isRolling(d) ? fenceposts(d)[0] : 0;
  }

  static int maxUnavailable(Deployment d) {
    if (!isRolling(d) || replicas(d) == 0) {
      return 0;
    }
    return Math.min(fenceposts(d)[1], replicas(d));
  }

  static boolean hasProgressDeadline(Deployment d) {
    Integer p = d.getSpec().getProgressDeadlineSeconds();
    return p != null && p != Integer.MAX_VALUE;
  }

  static long maxRevision(List<ReplicaSet> list) {
    long max = 0;
    for (ReplicaSet rs : list) {
      max = Math.max(max, parseLong(annotation(rs, REVISION)));
    }
    return max;
  }

  static long parseLong(String s) {
    if (s == null) {
      return 0;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static String annotation(io.fabric8.kubernetes.api.model.HasMetadata o, String name) {
    return o.getMetadata().getAnnotations() == null
        ? null
        : o.getMetadata().getAnnotations().get(name);
  }

  static Integer intAnnotation(ReplicaSet rs, String name) {
    String v = annotation(rs, name);
    if (v == null) {
      return null;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static DeploymentStatus status(Deployment d) {
    return d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
  }
}
