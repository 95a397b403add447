package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.POD_TEMPLATE_HASH;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.controllerOf;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isNotFound;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isTerminating;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.key;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.nameOf;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.namespaceOf;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.omitZero;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.orZero;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.api.Json;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The Deployment controller, following the real one's algorithm: ReplicaSets named {@code
 * <deployment>-<pod-template-hash>} owned by the Deployment, revisions (a new template gets the
 * next revision; returning to an old template re-revisions its ReplicaSet), {@code RollingUpdate}
 * within maxSurge/maxUnavailable, {@code Recreate}, {@code paused}, proportional scaling, {@code
 * revisionHistoryLimit}, {@code minReadySeconds}, and the status and conditions ({@code Available},
 * {@code Progressing} including {@code ProgressDeadlineExceeded}) that {@code kubectl rollout
 * status} and {@code kubectl wait} read.
 */
public final class DeploymentController implements Controller {
  static final String REVISION = "deployment.kubernetes.io/revision";
  static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
  static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
  static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
  private static final Set<String> NOT_COPIED =
      Set.of(
          "kubectl.kubernetes.io/last-applied-configuration",
          REVISION,
          REVISION_HISTORY,
          DESIRED_REPLICAS,
          MAX_REPLICAS,
          "deprecated.deployment.rollback.to");
  private static final String HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final int MAX_REVISION_HISTORY_CHARS = 2000;

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

  private final KubernetesClient client;
  private final WorkloadQueue queue;
  private SharedIndexInformer<Deployment> deployments;
  private SharedIndexInformer<ReplicaSet> replicaSets;
  private SharedIndexInformer<Pod> pods;
  private volatile boolean running;

  public DeploymentController(SandboxContext ctx) {
    this.client = ctx.client();
    this.queue = new WorkloadQueue("deployment-controller", ctx.scheduler(), this::reconcile);
  }

  @Override
  public void start() {
    running = true;
    queue.start();
    deployments =
        WorkloadSupport.inform(
            client.apps().deployments().inAnyNamespace(),
            () -> running,
            (before, after) -> {
              if (before == null || after == null || !statusOnly(before, after)) {
                queue.add(key(after != null ? after : before));
              }
            });
    replicaSets =
        WorkloadSupport.inform(
            client.apps().replicaSets().inAnyNamespace(),
            () -> running,
            (before, after) -> {
              if (before != null) {
                enqueueOwner(before);
              }
              if (after != null) {
                enqueueOwner(after);
              }
            });
    pods =
        WorkloadSupport.inform(
            client.pods().inAnyNamespace(),
            () -> running,
            (before, after) -> {
              if (after == null) {
                onPodDeleted(before);
              }
            });
  }

  @Override
  public void close() {
    running = false;
    WorkloadSupport.closeQuietly(pods);
    WorkloadSupport.closeQuietly(replicaSets);
    WorkloadSupport.closeQuietly(deployments);
    queue.close();
  }

  private boolean statusOnly(Deployment before, Deployment after) {
    return withoutStatus(before).equals(withoutStatus(after));
  }

  private JsonNode withoutStatus(Deployment d) {
    ObjectNode tree = (ObjectNode) WorkloadSupport.tree(client, d);
    tree.remove("status");
    ObjectNode meta = Json.with(tree, "metadata");
    meta.remove("resourceVersion");
    meta.remove("managedFields");
    return tree;
  }

  private void enqueueOwner(ReplicaSet rs) {
    OwnerReference ref = controllerOf(rs).orElse(null);
    String ns = rs.getMetadata().getNamespace();
    if (ref != null) {
      if ("Deployment".equals(ref.getKind())) {
        queue.add(WorkloadSupport.key(ns, ref.getName()));
      }
    } else if (deployments != null) {
      for (Deployment d : deployments.getStore().list()) {
        if (ns.equals(d.getMetadata().getNamespace())
            && WorkloadSupport.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels())) {
          queue.add(key(d));
        }
      }
    }
  }

  /** Recreate waits for the old pods to be gone: a pod's deletion queues its Deployment. */
  private void onPodDeleted(Pod pod) {
    OwnerReference ref = controllerOf(pod).orElse(null);
    if (ref == null || !"ReplicaSet".equals(ref.getKind()) || replicaSets == null) {
      return;
    }
    ReplicaSet rs =
        replicaSets
            .getStore()
            .getByKey(WorkloadSupport.key(pod.getMetadata().getNamespace(), ref.getName()));
    if (rs != null) {
      enqueueOwner(rs);
    }
  }

  // --- the sync loop
  // -------------------------------------------------------------------------------

  private void reconcile(String key) {
    Deployment d =
        client.apps().deployments().inNamespace(namespaceOf(key)).withName(nameOf(key)).get();
    if (d == null) {
      return; // the garbage collector deletes its ReplicaSets
    }
    LabelSelector selector = d.getSpec().getSelector();
    if (selector == null
        || ((selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
            && (selector.getMatchExpressions() == null
                || selector.getMatchExpressions().isEmpty()))) {
      // a selector that selects everything: the real controller refuses to act
      if (status(d).getObservedGeneration() == null
          || status(d).getObservedGeneration() < d.getMetadata().getGeneration()) {
        DeploymentStatus s = copy(status(d));
        s.setObservedGeneration(d.getMetadata().getGeneration());
        writeStatus(d, s);
      }
      return;
    }
    List<ReplicaSet> rsList = claimReplicaSets(d);
    if (isTerminating(d)) {
      Sets sets = getAllReplicaSetsAndSyncRevision(d, rsList, false);
      syncDeploymentStatus(sets.d, sets.all(), sets.newRs);
      return;
    }
    d = checkPausedConditions(d);
    if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
      sync(d, rsList);
      return;
    }
    if (isScalingEvent(d, rsList)) {
      sync(d, rsList);
      return;
    }
    if ("Recreate".equals(strategyType(d))) {
      rolloutRecreate(d, rsList);
    } else {
      rolloutRolling(d, rsList);
    }
  }

  /**
   * The ReplicaSets this Deployment controls, after adopting matching orphans and releasing strays.
   */
  private List<ReplicaSet> claimReplicaSets(Deployment d) {
    List<ReplicaSet> owned = new ArrayList<>();
    String ns = d.getMetadata().getNamespace();
    for (ReplicaSet rs : client.apps().replicaSets().inNamespace(ns).list().getItems()) {
      boolean matches =
          WorkloadSupport.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels());
      OwnerReference ref = controllerOf(rs).orElse(null);
      if (ref != null && ref.getUid().equals(d.getMetadata().getUid())) {
        if (matches || isTerminating(rs)) {
          owned.add(rs);
        } else {
          ReplicaSet copy = clone(rs);
          copy.getMetadata()
              .setOwnerReferences(WorkloadSupport.withoutRef(rs, d.getMetadata().getUid()));
          updateReplicaSet(copy);
        }
      } else if (ref == null && matches && !isTerminating(rs) && !isTerminating(d)) {
        ReplicaSet copy = clone(rs);
        copy.getMetadata()
            .setOwnerReferences(WorkloadSupport.withRef(rs, WorkloadSupport.controllerRef(d)));
        ReplicaSet adopted = updateReplicaSet(copy);
        if (adopted != null) {
          owned.add(adopted);
        }
      }
    }
    return owned;
  }

  /** A deployment with its new ReplicaSet (or null) and its old ones. */
  private record Sets(Deployment d, ReplicaSet newRs, List<ReplicaSet> old) {
    List<ReplicaSet> all() {
      List<ReplicaSet> all = new ArrayList<>(old);
      if (newRs != null) {
        all.add(newRs);
      }
      return all;
    }
  }

  private void rolloutRolling(Deployment d, List<ReplicaSet> rsList) {
    Sets sets = getAllReplicaSetsAndSyncRevision(d, rsList, true);
    d = sets.d;
    if (sets.newRs == null) {
      return;
    }
    List<ReplicaSet> all = sets.all();
    if (reconcileNewReplicaSet(d, all, sets.newRs)) {
      syncRolloutStatus(d, all, sets.newRs);
      return;
    }
    if (reconcileOldReplicaSets(d, all, active(sets.old), sets.newRs)) {
      syncRolloutStatus(d, all, sets.newRs);
      return;
    }
    if (deploymentComplete(d, status(d))) {
      cleanupDeployment(d, sets.old);
    }
    syncRolloutStatus(d, all, sets.newRs);
  }

  private void rolloutRecreate(Deployment d, List<ReplicaSet> rsList) {
    Sets sets = getAllReplicaSetsAndSyncRevision(d, rsList, false);
    d = sets.d;
    List<ReplicaSet> all = sets.all();
    boolean scaledDown = false;
    for (ReplicaSet rs : active(sets.old)) {
      scaledDown |= scaleReplicaSetAndRecordEvent(d, rs, 0);
    }
    if (scaledDown) {
      syncRolloutStatus(d, all, sets.newRs);
      return;
    }
    if (oldPodsRunning(d, sets.newRs, sets.old)) {
      syncRolloutStatus(d, all, sets.newRs);
      return;
    }
    ReplicaSet newRs = sets.newRs;
    if (newRs == null) {
      sets = getAllReplicaSetsAndSyncRevision(d, rsList, true);
      d = sets.d;
      newRs = sets.newRs;
      all = sets.all();
      if (newRs == null) {
        return;
      }
    }
    scaleReplicaSetAndRecordEvent(d, newRs, replicas(d));
    if (deploymentComplete(d, status(d))) {
      cleanupDeployment(d, sets.old);
    }
    syncRolloutStatus(d, all, newRs);
  }

  /** Scaling only (paused deployments and scaling events), then status. */
  private void sync(Deployment d, List<ReplicaSet> rsList) {
    Sets sets = getAllReplicaSetsAndSyncRevision(d, rsList, false);
    d = sets.d;
    scale(d, sets.newRs, sets.old);
    if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
      cleanupDeployment(d, sets.old);
    }
    syncDeploymentStatus(d, sets.all(), sets.newRs);
  }

  private boolean isScalingEvent(Deployment d, List<ReplicaSet> rsList) {
    Sets sets = getAllReplicaSetsAndSyncRevision(d, rsList, false);
    for (ReplicaSet rs : active(sets.all())) {
      Integer desired = intAnnotation(rs, DESIRED_REPLICAS);
      if (desired != null && desired != replicas(d)) {
        return true;
      }
    }
    return false;
  }

  private Deployment checkPausedConditions(Deployment d) {
    if (!hasProgressDeadline(d)) {
      return d;
    }
    DeploymentCondition cond = condition(status(d), "Progressing");
    if (cond != null && TIMED_OUT.equals(cond.getReason())) {
      return d;
    }
    boolean pausedCondExists = cond != null && PAUSED.equals(cond.getReason());
    boolean paused = Boolean.TRUE.equals(d.getSpec().getPaused());
    DeploymentStatus s = copy(status(d));
    if (paused && !pausedCondExists) {
      setCondition(s, newCondition("Progressing", "Unknown", PAUSED, "Deployment is paused"));
    } else if (!paused && pausedCondExists) {
      setCondition(s, newCondition("Progressing", "Unknown", RESUMED, "Deployment is resumed"));
    } else {
      return d;
    }
    return writeStatus(d, s);
  }

  // --- new and old ReplicaSets
  // ---------------------------------------------------------------------

  private Sets getAllReplicaSetsAndSyncRevision(
      Deployment d, List<ReplicaSet> rsList, boolean create) {
    List<ReplicaSet> sorted = new ArrayList<>(rsList);
    sorted.sort(BY_CREATION);
    ReplicaSet existing = null;
    for (ReplicaSet rs : sorted) {
      if (equalIgnoreHash(d.getSpec().getTemplate(), rs.getSpec().getTemplate())) {
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
      ReplicaSet copy = clone(existing);
      boolean annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      boolean minReadyNeedsUpdate =
          orZero(copy.getSpec().getMinReadySeconds()) != orZero(d.getSpec().getMinReadySeconds());
      if (annotationsUpdated || minReadyNeedsUpdate) {
        copy.getSpec().setMinReadySeconds(d.getSpec().getMinReadySeconds());
        ReplicaSet updated = updateReplicaSet(copy);
        return new Sets(d, updated == null ? existing : updated, old);
      }
      DeploymentStatus s = copy(status(d));
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
      d = setRevisionAndStatus(d, annotation(copy, REVISION), statusChanged ? s : null);
      return new Sets(d, copy, old);
    }
    if (!create) {
      return new Sets(d, null, old);
    }
    String hash = podTemplateHash(d.getSpec().getTemplate(), status(d).getCollisionCount());
    PodTemplateSpec template = client.getKubernetesSerialization().clone(d.getSpec().getTemplate());
    if (template.getMetadata() == null) {
      template.setMetadata(new ObjectMeta());
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (template.getMetadata().getLabels() != null) {
      labels.putAll(template.getMetadata().getLabels());
    }
    labels.put(POD_TEMPLATE_HASH, hash);
    template.getMetadata().setLabels(labels);
    LabelSelector selector = client.getKubernetesSerialization().clone(d.getSpec().getSelector());
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
          DeploymentStatus s = copy(status(d));
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
          writeStatus(d, s);
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
          && equalIgnoreHash(d.getSpec().getTemplate(), found.getSpec().getTemplate())) {
        created = found;
        alreadyExists = true;
      } else {
        // a hash collision with a ReplicaSet that is not ours: count it, and hash again next time
        DeploymentStatus s = copy(status(d));
        s.setCollisionCount(orZero(s.getCollisionCount()) + 1);
        writeStatus(d, s);
        throw e;
      }
    }
    DeploymentStatus s = copy(status(d));
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
    d = setRevisionAndStatus(d, Long.toString(newRevision), statusChanged ? s : null);
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

  private static boolean putReplicasAnnotations(
      Map<String, String> annotations, int desired, int max) {
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

  /**
   * Sets the deployment's revision annotation (an update) and then its status, when they change.
   */
  private Deployment setRevisionAndStatus(Deployment d, String revision, DeploymentStatus status) {
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

  // --- scaling
  // -------------------------------------------------------------------------------------

  private boolean reconcileNewReplicaSet(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
    int current = orZero(newRs.getSpec().getReplicas());
    if (current == replicas(d)) {
      return false;
    }
    if (current > replicas(d)) {
      return scaleReplicaSetAndRecordEvent(d, newRs, replicas(d));
    }
    return scaleReplicaSetAndRecordEvent(d, newRs, newRsNewReplicas(d, all, newRs));
  }

  private int newRsNewReplicas(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
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
      ReplicaSet scaled = scaleReplicaSet(d, rs, specReplicas - scaledDown);
      cleaned += scaledDown;
      afterCleanup.add(scaled == null ? rs : scaled);
    }
    // then as many available old replicas as maxUnavailable allows
    int scaledDownTotal = 0;
    int available = 0;
    for (ReplicaSet rs : all) {
      available += availableReplicas(rs);
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
        scaleReplicaSet(d, rs, specReplicas - n);
        scaledDownTotal += n;
      }
    }
    return cleaned + scaledDownTotal > 0;
  }

  /** Scaling without a template change: one active ReplicaSet takes it all, or proportionally. */
  private void scale(Deployment d, ReplicaSet newRs, List<ReplicaSet> old) {
    ReplicaSet activeOrLatest = findActiveOrLatest(newRs, old);
    if (activeOrLatest != null) {
      if (orZero(activeOrLatest.getSpec().getReplicas()) != replicas(d)) {
        scaleReplicaSetAndRecordEvent(d, activeOrLatest, replicas(d));
      }
      return;
    }
    if (isSaturated(d, newRs)) {
      for (ReplicaSet rs : active(old)) {
        scaleReplicaSetAndRecordEvent(d, rs, 0);
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
      scaleReplicaSet(d, rs, sizes.get(name));
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

  private boolean scaleReplicaSetAndRecordEvent(Deployment d, ReplicaSet rs, int newScale) {
    if (orZero(rs.getSpec().getReplicas()) == newScale) {
      return false;
    }
    scaleReplicaSet(d, rs, newScale);
    return true;
  }

  /** Sets a ReplicaSet's size and replica annotations; returns the updated ReplicaSet. */
  private ReplicaSet scaleReplicaSet(Deployment d, ReplicaSet rs, int newScale) {
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

  private void cleanupDeployment(Deployment d, List<ReplicaSet> old) {
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

  // --- status
  // --------------------------------------------------------------------------------------

  private void syncDeploymentStatus(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
    DeploymentStatus s = calculateStatus(d, all, newRs);
    if (!Objects.equals(s, status(d))) {
      writeStatus(d, s);
    }
  }

  private void syncRolloutStatus(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
    DeploymentStatus s = calculateStatus(d, all, newRs);
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
      d = writeStatus(d, s);
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

  private DeploymentStatus calculateStatus(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
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

  private boolean deploymentComplete(Deployment d, DeploymentStatus s) {
    return orZero(s.getUpdatedReplicas()) == replicas(d)
        && orZero(s.getReplicas()) == replicas(d)
        && orZero(s.getAvailableReplicas()) == replicas(d)
        && s.getObservedGeneration() != null
        && s.getObservedGeneration() >= d.getMetadata().getGeneration();
  }

  private static boolean deploymentProgressing(Deployment d, DeploymentStatus s) {
    DeploymentStatus old = status(d);
    int oldOld = orZero(old.getReplicas()) - orZero(old.getUpdatedReplicas());
    int newOld = orZero(s.getReplicas()) - orZero(s.getUpdatedReplicas());
    return orZero(s.getUpdatedReplicas()) > orZero(old.getUpdatedReplicas())
        || newOld < oldOld
        || orZero(s.getReadyReplicas()) > orZero(old.getReadyReplicas())
        || orZero(s.getAvailableReplicas()) > orZero(old.getAvailableReplicas());
  }

  private static boolean timedOut(Deployment d, DeploymentStatus s) {
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

  private static DeploymentCondition newCondition(
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
  private static void setCondition(DeploymentStatus s, DeploymentCondition c) {
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

  private static void removeCondition(DeploymentStatus s, String type) {
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

  // --- helpers
  // -------------------------------------------------------------------------------------

  static final Comparator<ReplicaSet> BY_CREATION =
      Comparator.comparing(
              (ReplicaSet rs) -> WorkloadSupport.parseTime(rs.getMetadata().getCreationTimestamp()),
              Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(rs -> rs.getMetadata().getName());

  private static List<ReplicaSet> active(List<ReplicaSet> list) {
    return list.stream().filter(rs -> orZero(rs.getSpec().getReplicas()) > 0).toList();
  }

  private static int specReplicas(List<ReplicaSet> list) {
    int n = 0;
    for (ReplicaSet rs : list) {
      n += orZero(rs.getSpec().getReplicas());
    }
    return n;
  }

  private static int availableReplicas(ReplicaSet rs) {
    return rs.getStatus() == null ? 0 : orZero(rs.getStatus().getAvailableReplicas());
  }

  static int replicas(Deployment d) {
    return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
  }

  private static String strategyType(Deployment d) {
    return d.getSpec().getStrategy() == null || d.getSpec().getStrategy().getType() == null
        ? "RollingUpdate"
        : d.getSpec().getStrategy().getType();
  }

  private static boolean isRolling(Deployment d) {
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

  private static boolean hasProgressDeadline(Deployment d) {
    Integer p = d.getSpec().getProgressDeadlineSeconds();
    return p != null && p != Integer.MAX_VALUE;
  }

  private static long maxRevision(List<ReplicaSet> list) {
    long max = 0;
    for (ReplicaSet rs : list) {
      max = Math.max(max, parseLong(annotation(rs, REVISION)));
    }
    return max;
  }

  private static long parseLong(String s) {
    if (s == null) {
      return 0;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String annotation(io.fabric8.kubernetes.api.model.HasMetadata o, String name) {
    return o.getMetadata().getAnnotations() == null
        ? null
        : o.getMetadata().getAnnotations().get(name);
  }

  private static Integer intAnnotation(ReplicaSet rs, String name) {
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

  private static DeploymentStatus status(Deployment d) {
    return d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
  }

  private DeploymentStatus copy(DeploymentStatus s) {
    return client.getKubernetesSerialization().clone(s);
  }

  private <T> T clone(T o) {
    return client.getKubernetesSerialization().clone(o);
  }

  private Deployment writeStatus(Deployment d, DeploymentStatus s) {
    Deployment copy = clone(d);
    copy.setStatus(s);
    return client
        .apps()
        .deployments()
        .inNamespace(d.getMetadata().getNamespace())
        .resource(copy)
        .updateStatus();
  }

  private ReplicaSet updateReplicaSet(ReplicaSet rs) {
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

  /** Whether two pod templates are equal but for the pod-template-hash label. */
  private boolean equalIgnoreHash(PodTemplateSpec a, PodTemplateSpec b) {
    return withoutHash(a).equals(withoutHash(b));
  }

  private JsonNode withoutHash(PodTemplateSpec t) {
    ObjectNode tree = (ObjectNode) WorkloadSupport.tree(client, t);
    JsonNode labels = tree.path("metadata").path("labels");
    if (labels instanceof ObjectNode l) {
      l.remove(POD_TEMPLATE_HASH);
      if (l.isEmpty()) {
        ((ObjectNode) tree.get("metadata")).remove("labels");
      }
    }
    if (tree.path("metadata").isObject() && tree.get("metadata").isEmpty()) {
      tree.remove("metadata");
    }
    return tree;
  }

  /**
   * The pod-template-hash: FNV-1a (32 bits) of the template and the collision count, written in
   * decimal and encoded with the real controller's alphabet ({@code rand.SafeEncodeString}). A hash
   * below 10^9 is re-hashed, so the value always has ten characters.
   */
  String podTemplateHash(PodTemplateSpec template, Integer collisionCount) {
    byte[] bytes =
        Json.write(WorkloadSupport.canonical(withoutHash(template)))
            .getBytes(StandardCharsets.UTF_8);
    for (int salt = 0; ; salt++) {
      int h = 0x811c9dc5;
      h = fnv(h, bytes);
      if (collisionCount != null) {
        int c = collisionCount;
        h =
            fnv(
                h,
                new byte[] {
                  (byte) c, (byte) (c >>> 8), (byte) (c >>> 16), (byte) (c >>> 24), 0, 0, 0, 0
                });
      }
      if (salt > 0) {
        h = fnv(h, new byte[] {(byte) salt});
      }
      long value = Integer.toUnsignedLong(h);
      if (value >= 1_000_000_000L) {
        return safeEncode(Long.toString(value));
      }
    }
  }

  private static int fnv(int h, byte[] bytes) {
    for (byte b : bytes) {
      h ^= (b & 0xff);
      h *= 0x01000193;
    }
    return h;
  }

  static String safeEncode(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      sb.append(HASH_ALPHABET.charAt(s.charAt(i) % HASH_ALPHABET.length()));
    }
    return sb.toString();
  }
}
