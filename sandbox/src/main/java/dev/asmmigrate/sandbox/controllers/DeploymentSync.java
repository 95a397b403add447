package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.BY_CREATION;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.DESIRED_REPLICAS;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.MAX_REPLICAS;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.MIN_AVAILABLE;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.MIN_UNAVAILABLE;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.PAUSED;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.RESUMED;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.REVISION;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.TIMED_OUT;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.active;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.annotation;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.availableReplicas;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.condition;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.hasProgressDeadline;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.intAnnotation;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.isRolling;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.maxSurge;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.maxUnavailable;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.newCondition;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.parseLong;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.replicas;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.setCondition;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.specReplicas;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.status;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isNotFound;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isTerminating;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.omitZero;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.orZero;

import dev.asmmigrate.sandbox.controllers.DeploymentRevisions.Sets;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * sync.go: scaling without a template change (paused deployments and scaling events, proportionally
 * across ReplicaSets), the paused conditions, the revision-history cleanup and the status.
 */
record DeploymentSync(
    KubernetesClient client, DeploymentWriter writer, DeploymentRevisions revisions) {

  /** Scaling only (paused deployments and scaling events), then status. */
  void sync(Deployment d, List<ReplicaSet> rsList) {
    Sets sets = revisions.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    d = sets.d();
    scale(d, sets.newRs(), sets.old());
    if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
      cleanupDeployment(d, sets.old());
    }
    syncDeploymentStatus(d, sets.all(), sets.newRs());
  }

  boolean isScalingEvent(Deployment d, List<ReplicaSet> rsList) {
    Sets sets = revisions.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    for (ReplicaSet rs : active(sets.all())) {
      Integer desired = intAnnotation(rs, DESIRED_REPLICAS);
      if (desired != null && desired != replicas(d)) {
        return true;
      }
    }
    return false;
  }

  Deployment checkPausedConditions(Deployment d) {
    if (!hasProgressDeadline(d)) {
      return d;
    }
    DeploymentCondition cond = condition(status(d), "Progressing");
    if (cond != null && TIMED_OUT.equals(cond.getReason())) {
      return d;
    }
    boolean pausedCondExists = cond != null && PAUSED.equals(cond.getReason());
    boolean paused = Boolean.TRUE.equals(d.getSpec().getPaused());
    DeploymentStatus s = writer.copy(status(d));
    if (paused && !pausedCondExists) {
      setCondition(s, newCondition("Progressing", "Unknown", PAUSED, "Deployment is paused"));
    } else if (!paused && pausedCondExists) {
      setCondition(s, newCondition("Progressing", "Unknown", RESUMED, "Deployment is resumed"));
    } else {
      return d;
    }
    return writer.writeStatus(d, s);
  }

  /** Scaling without a template change: one active ReplicaSet takes it all, or proportionally. */
  private void scale(Deployment d, ReplicaSet newRs, List<ReplicaSet> old) {
    ReplicaSet activeOrLatest = findActiveOrLatest(newRs, old);
    if (activeOrLatest != null) {
      if (orZero(activeOrLatest.getSpec().getReplicas()) != replicas(d)) {
        writer.scaleReplicaSetAndRecordEvent(d, activeOrLatest, replicas(d));
      }
      return;
    }
    if (isSaturated(d, newRs)) {
      for (ReplicaSet rs : active(old)) {
        writer.scaleReplicaSetAndRecordEvent(d, rs, 0);
      }
      return;
    }
    if (!isRolling(d)) {
      return;
    }
    List<ReplicaSet> all = new ArrayList<>(old);
    if (newRs != null) {
      all.add(newRs);
    }
    all = new ArrayList<>(active(all));
    int allowed = replicas(d) > 0 ? replicas(d) + maxSurge(d) : 0;
    int toAdd = allowed - specReplicas(all);
    if (toAdd > 0) {
      all.sort(
          Comparator.<ReplicaSet>comparingInt(rs -> orZero(rs.getSpec().getReplicas()))
              .reversed()
              .thenComparing(BY_CREATION.reversed()));
    } else if (toAdd < 0) {
      all.sort(
          Comparator.<ReplicaSet>comparingInt(rs -> orZero(rs.getSpec().getReplicas()))
              .reversed()
              .thenComparing(BY_CREATION));
    }
    int added = 0;
    Map<String, Integer> sizes = new HashMap<>();
    for (ReplicaSet rs : all) {
      int size = orZero(rs.getSpec().getReplicas());
      if (toAdd != 0) {
        int proportion = proportion(d, rs, toAdd, added);
        sizes.put(rs.getMetadata().getName(), size + proportion);
        added += proportion;
      } else {
        sizes.put(rs.getMetadata().getName(), size);
      }
    }
    for (int i = 0; i < all.size(); i++) {
      ReplicaSet rs = all.get(i);
      String name = rs.getMetadata().getName();
      if (i == 0 && toAdd != 0) {
        sizes.put(name, Math.max(0, sizes.get(name) + toAdd - added));
      }
      writer.scaleReplicaSet(d, rs, sizes.get(name));
    }
  }

  private int proportion(Deployment d, ReplicaSet rs, int toAdd, int added) {
    if (orZero(rs.getSpec().getReplicas()) == 0 || toAdd == 0 || toAdd == added) {
      return 0;
    }
    int fraction;
    if (replicas(d) == 0) {
      fraction = -orZero(rs.getSpec().getReplicas());
    } else {
      int maxReplicas = replicas(d) + maxSurge(d);
      Integer before = intAnnotation(rs, MAX_REPLICAS);
      int base = before == null || before == 0 ? orZero(status(d).getReplicas()) : before;
      if (base == 0) {
        fraction = 0;
      } else {
        double size = (double) orZero(rs.getSpec().getReplicas()) * maxReplicas / base;
        fraction = (int) Math.round(size) - orZero(rs.getSpec().getReplicas());
      }
    }
    int allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  private static ReplicaSet findActiveOrLatest(ReplicaSet newRs, List<ReplicaSet> old) {
    if (newRs == null && old.isEmpty()) {
      return null;
    }
    List<ReplicaSet> sortedOld = new ArrayList<>(old);
    sortedOld.sort(BY_CREATION.reversed());
    List<ReplicaSet> all = new ArrayList<>(sortedOld);
    if (newRs != null) {
      all.add(newRs);
    }
    List<ReplicaSet> active = active(all);
    if (active.isEmpty()) {
      return newRs != null ? newRs : sortedOld.get(0);
    }
    return active.size() == 1 ? active.get(0) : null;
  }

  private boolean isSaturated(Deployment d, ReplicaSet rs) {
    if (rs == null) {
      return false;
    }
    Integer desired = intAnnotation(rs, DESIRED_REPLICAS);
    return desired != null
        && orZero(rs.getSpec().getReplicas()) == replicas(d)
        && desired == replicas(d)
        && availableReplicas(rs) == replicas(d);
  }

  void cleanupDeployment(Deployment d, List<ReplicaSet> old) {
    Integer limit = d.getSpec().getRevisionHistoryLimit();
    if (limit == null || limit == Integer.MAX_VALUE) {
      return;
    }
    List<ReplicaSet> cleanable = new ArrayList<>();
    for (ReplicaSet rs : old) {
      if (!isTerminating(rs)) {
        cleanable.add(rs);
      }
    }
    int diff = cleanable.size() - limit;
    if (diff <= 0) {
      return;
    }
    cleanable.sort(
        Comparator.comparingLong((ReplicaSet rs) -> parseLong(annotation(rs, REVISION)))
            .thenComparing(BY_CREATION));
    for (int i = 0; i < diff; i++) {
      ReplicaSet rs = cleanable.get(i);
      int statusReplicas = rs.getStatus() == null ? 0 : orZero(rs.getStatus().getReplicas());
      Long observed = rs.getStatus() == null ? null : rs.getStatus().getObservedGeneration();
      if (statusReplicas != 0
          || orZero(rs.getSpec().getReplicas()) != 0
          || observed == null
          || rs.getMetadata().getGeneration() > observed) {
        continue;
      }
      try {
        client
            .apps()
            .replicaSets()
            .inNamespace(rs.getMetadata().getNamespace())
            .withName(rs.getMetadata().getName())
            .delete();
      } catch (RuntimeException e) {
        if (!isNotFound(e)) {
          throw e;
        }
      }
    }
  }

  void syncDeploymentStatus(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
    DeploymentStatus s = calculateStatus(d, all, newRs);
    if (!Objects.equals(s, status(d))) {
      writer.writeStatus(d, s);
    }
  }

  DeploymentStatus calculateStatus(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
    int available = 0;
    int total = 0;
    int actual = 0;
    int ready = 0;
    for (ReplicaSet rs : all) {
      available += availableReplicas(rs);
      total += orZero(rs.getSpec().getReplicas());
      actual += rs.getStatus() == null ? 0 : orZero(rs.getStatus().getReplicas());
      ready += rs.getStatus() == null ? 0 : orZero(rs.getStatus().getReadyReplicas());
    }
    int updated =
        newRs == null || newRs.getStatus() == null ? 0 : orZero(newRs.getStatus().getReplicas());
    DeploymentStatus old = status(d);
    DeploymentStatus s = new DeploymentStatus();
    s.setObservedGeneration(d.getMetadata().getGeneration());
    s.setReplicas(omitZero(actual));
    s.setUpdatedReplicas(omitZero(updated));
    s.setReadyReplicas(omitZero(ready));
    s.setAvailableReplicas(omitZero(available));
    s.setUnavailableReplicas(omitZero(Math.max(0, total - available)));
    s.setCollisionCount(old.getCollisionCount());
    List<DeploymentCondition> conditions = new ArrayList<>();
    if (old.getConditions() != null) {
      for (DeploymentCondition c : old.getConditions()) {
        conditions.add(new DeploymentConditionBuilder(c).build());
      }
    }
    s.setConditions(conditions);
    if (available >= replicas(d) - maxUnavailable(d)) {
      setCondition(
          s,
          newCondition("Available", "True", MIN_AVAILABLE, "Deployment has minimum availability."));
    } else {
      setCondition(
          s,
          newCondition(
              "Available",
              "False",
              MIN_UNAVAILABLE,
              "Deployment does not have minimum availability."));
    }
    return s;
  }
}
