package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.BY_CREATION;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.DESIRED_REPLICAS;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.FAILED_RS_CREATE;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.FOUND_NEW_RS;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.MAX_REPLICAS;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.NEW_RS_CREATED;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.REVISION;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.REVISION_HISTORY;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.annotation;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.condition;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.hasProgressDeadline;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.maxRevision;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.maxSurge;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.newCondition;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.newRsNewReplicas;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.parseLong;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.putReplicasAnnotations;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.replicas;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.setCondition;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.status;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.POD_TEMPLATE_HASH;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.orZero;

import dev.asmmigrate.sandbox.controllers.DeploymentRevisions.Sets;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Deployment's new ReplicaSet (created when asked and missing) and its old ones, with the
 * revision annotations synced between them (sync.go's getAllReplicaSetsAndSyncRevision).
 */
record DeploymentRevisions(
    KubernetesClient client, DeploymentWriter writer, PodTemplateHash templates) {
  private static final Set<String> NOT_COPIED =
      Set.of(
          "kubectl.kubernetes.io/last-applied-configuration",
          REVISION,
          REVISION_HISTORY,
          DESIRED_REPLICAS,
          MAX_REPLICAS,
          "deprecated.deployment.rollback.to");
  private static final int MAX_REVISION_HISTORY_CHARS = 2000;

  /** A deployment with its new ReplicaSet (or null) and its old ones. */
  record Sets(Deployment d, ReplicaSet newRs, List<ReplicaSet> old) {
    List<ReplicaSet> all() {
      List<ReplicaSet> all = new ArrayList<>(old);
      if (newRs != null) {
        all.add(newRs);
      }
      return all;
    }
  }

  Sets getAllReplicaSetsAndSyncRevision(Deployment d, List<ReplicaSet> rsList, boolean create) {
    List<ReplicaSet> sorted = new ArrayList<>(rsList);
    sorted.sort(BY_CREATION);
    ReplicaSet existing = null;
    for (ReplicaSet rs : sorted) {
      if (templates.equalIgnoreHash(d, d.getSpec().getTemplate(), rs, rs.getSpec().getTemplate())) {
        existing = rs;
        break;
      }
    }
    List<ReplicaSet> old = new ArrayList<>();
    for (ReplicaSet rs : sorted) {
      if (existing == null || !rs.getMetadata().getUid().equals(existing.getMetadata().getUid())) {
        old.add(rs);
      }
    }
    long newRevision = maxRevision(old) + 1;
    if (existing != null) {
      ReplicaSet copy = writer.clone(existing);
      boolean annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      boolean minReadyNeedsUpdate =
          orZero(copy.getSpec().getMinReadySeconds()) != orZero(d.getSpec().getMinReadySeconds());
      if (annotationsUpdated || minReadyNeedsUpdate) {
        copy.getSpec().setMinReadySeconds(d.getSpec().getMinReadySeconds());
        ReplicaSet updated = writer.updateReplicaSet(copy);
        return new Sets(d, updated == null ? existing : updated, old);
      }
      DeploymentStatus s = writer.copy(status(d));
      boolean statusChanged = false;
      if (hasProgressDeadline(d) && condition(s, "Progressing") == null) {
        setCondition(
            s,
            newCondition(
                "Progressing",
                "True",
                FOUND_NEW_RS,
                "Found new replica set \"" + copy.getMetadata().getName() + "\""));
        statusChanged = true;
      }
      d = writer.setRevisionAndStatus(d, annotation(copy, REVISION), statusChanged ? s : null);
      return new Sets(d, copy, old);
    }
    if (!create) {
      return new Sets(d, null, old);
    }
    String hash =
        templates.podTemplateHash(d.getSpec().getTemplate(), status(d).getCollisionCount());
    PodTemplateSpec template = new PodTemplateSpecBuilder(d.getSpec().getTemplate()).build();
    if (template.getMetadata() == null) {
      template.setMetadata(new ObjectMeta());
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (template.getMetadata().getLabels() != null) {
      labels.putAll(template.getMetadata().getLabels());
    }
    labels.put(POD_TEMPLATE_HASH, hash);
    template.getMetadata().setLabels(labels);
    LabelSelector selector = new LabelSelectorBuilder(d.getSpec().getSelector()).build();
    Map<String, String> matchLabels = new LinkedHashMap<>();
    if (selector.getMatchLabels() != null) {
      matchLabels.putAll(selector.getMatchLabels());
    }
    matchLabels.put(POD_TEMPLATE_HASH, hash);
    selector.setMatchLabels(matchLabels);
    ReplicaSet rs =
        new ReplicaSetBuilder()
            .withNewMetadata()
            .withName(d.getMetadata().getName() + "-" + hash)
            .withNamespace(d.getMetadata().getNamespace())
            .withLabels(new LinkedHashMap<>(labels))
            .withOwnerReferences(WorkloadSupport.controllerRef(d))
            .endMetadata()
            .withNewSpec()
            .withReplicas(0)
            .withMinReadySeconds(d.getSpec().getMinReadySeconds())
            .withSelector(selector)
            .withTemplate(template)
            .endSpec()
            .build();
    List<ReplicaSet> withNew = new ArrayList<>(old);
    withNew.add(rs);
    rs.getSpec().setReplicas(newRsNewReplicas(d, withNew, rs));
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    ReplicaSet created;
    boolean alreadyExists = false;
    try {
      created =
          client
              .apps()
              .replicaSets()
              .inNamespace(d.getMetadata().getNamespace())
              .resource(rs)
              .create();
    } catch (RuntimeException e) {
      if (!WorkloadSupport.isAlreadyExists(e)) {
        if (hasProgressDeadline(d)) {
          DeploymentStatus s = writer.copy(status(d));
          setCondition(
              s,
              newCondition(
                  "Progressing",
                  "False",
                  FAILED_RS_CREATE,
                  "Failed to create new replica set \""
                      + rs.getMetadata().getName()
                      + "\": "
                      + e.getMessage()));
          writer.writeStatus(d, s);
        }
        throw e;
      }
      ReplicaSet found =
          client
              .apps()
              .replicaSets()
              .inNamespace(d.getMetadata().getNamespace())
              .withName(rs.getMetadata().getName())
              .get();
      if (found != null
          && WorkloadSupport.isControlledBy(found, d)
          && templates.equalIgnoreHash(
              d, d.getSpec().getTemplate(), found, found.getSpec().getTemplate())) {
        created = found;
        alreadyExists = true;
      } else {
        // a hash collision with a ReplicaSet that is not ours: count it, and hash again next time
        DeploymentStatus s = writer.copy(status(d));
        s.setCollisionCount(orZero(s.getCollisionCount()) + 1);
        writer.writeStatus(d, s);
        throw e;
      }
    }
    DeploymentStatus s = writer.copy(status(d));
    boolean statusChanged = false;
    if (!alreadyExists && hasProgressDeadline(d)) {
      setCondition(
          s,
          newCondition(
              "Progressing",
              "True",
              NEW_RS_CREATED,
              "Created new replica set \"" + created.getMetadata().getName() + "\""));
      statusChanged = true;
    }
    d = writer.setRevisionAndStatus(d, Long.toString(newRevision), statusChanged ? s : null);
    return new Sets(d, created, old);
  }

  /**
   * Copies annotations, sets the revision (keeping history when re-revisioning) and, on creation,
   * the replica annotations.
   */
  private boolean setNewReplicaSetAnnotations(
      Deployment d, ReplicaSet rs, long newRevision, boolean exists) {
    Map<String, String> annotations =
        rs.getMetadata().getAnnotations() == null
            ? new LinkedHashMap<>()
            : new LinkedHashMap<>(rs.getMetadata().getAnnotations());
    boolean changed = false;
    if (d.getMetadata().getAnnotations() != null) {
      for (Map.Entry<String, String> e : d.getMetadata().getAnnotations().entrySet()) {
        if (NOT_COPIED.contains(e.getKey()) || e.getValue().equals(annotations.get(e.getKey()))) {
          continue;
        }
        annotations.put(e.getKey(), e.getValue());
        changed = true;
      }
    }
    String oldRevision = annotations.get(REVISION);
    long oldRevisionInt = parseLong(oldRevision);
    if (oldRevisionInt < newRevision) {
      annotations.put(REVISION, Long.toString(newRevision));
      changed = true;
      if (oldRevision != null) {
        String history = annotations.get(REVISION_HISTORY);
        String next =
            history == null || history.isEmpty() ? oldRevision : history + "," + oldRevision;
        while (next.length() > MAX_REVISION_HISTORY_CHARS && next.contains(",")) {
          next = next.substring(next.indexOf(',') + 1);
        }
        annotations.put(REVISION_HISTORY, next);
      }
    }
    if (!exists) {
      changed |= putReplicasAnnotations(annotations, replicas(d), replicas(d) + maxSurge(d));
    }
    rs.getMetadata().setAnnotations(annotations);
    return changed;
  }
}
