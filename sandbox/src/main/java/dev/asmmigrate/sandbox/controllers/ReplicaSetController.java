package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.controllerOf;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isActive;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isNotFound;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isTerminating;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.key;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.omitZero;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.orZero;

import dev.asmmigrate.sandbox.SandboxContext;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The ReplicaSet controller: keeps {@code spec.replicas} pods from the template (named {@code
 * <replicaset>-<random>}, owned by the ReplicaSet), adopts matching orphans and releases pods that
 * no longer match, deletes surplus pods least useful first (unscheduled, then pending, then not
 * Ready, then the most recently Ready, then the newest), and reports {@code replicas}, {@code
 * fullyLabeledReplicas}, {@code readyReplicas}, {@code availableReplicas} (Ready for {@code
 * minReadySeconds}) and {@code observedGeneration}. Pods being deleted are not counted.
 */
public final class ReplicaSetController extends SetControllerSupport {
  /** Pods created or deleted per reconcile at most, as the real controller's burst. */
  private static final int BURST = 500;

  private volatile SharedIndexInformer<ReplicaSet> replicaSets;
  private volatile SharedIndexInformer<Pod> pods;
  private final PodExpectations expectations = new PodExpectations(clock);

  public ReplicaSetController(SandboxContext ctx) {
    super(ctx, "replicaset-controller");
  }

  @Override
  protected void onStart() {
    replicaSets =
        informChanges(
            ReplicaSet.class,
            (before, after) -> {
              if (before == null || after == null || !statusOnly(before, after)) {
                queue.add(key(after != null ? after : before));
              }
            });
    pods = informChanges(Pod.class, this::onPod);
  }

  private static boolean statusOnly(ReplicaSet before, ReplicaSet after) {
    ObjectMeta a = before.getMetadata();
    ObjectMeta b = after.getMetadata();
    return Objects.equals(a.getGeneration(), b.getGeneration())
        && Objects.equals(a.getLabels(), b.getLabels())
        && Objects.equals(a.getOwnerReferences(), b.getOwnerReferences())
        && Objects.equals(a.getDeletionTimestamp(), b.getDeletionTimestamp())
        && Objects.equals(before.getSpec(), after.getSpec());
  }

  /**
   * A pod changed: queue its owner, or, for an orphan, every ReplicaSet that may adopt it. A pod
   * added, marked for deletion or deleted is one of its owner's expectations observed.
   */
  private void onPod(Pod before, Pod after) {
    Pod p0 = after != null ? after : before;
    OwnerReference owner = controllerOf(p0).orElse(null);
    if (owner != null && "ReplicaSet".equals(owner.getKind())) {
      String rsKey = WorkloadSupport.key(p0.getMetadata().getNamespace(), owner.getName());
      if (before == null) {
        expectations.creationsObserved(rsKey, 1);
      }
      if (after == null || isTerminating(after)) {
        expectations.deletionObserved(rsKey, key(p0));
      }
    }
    for (Pod p : new Pod[] {before, after}) {
      if (p == null) {
        continue;
      }
      OwnerReference ref = controllerOf(p).orElse(null);
      if (ref != null) {
        if ("ReplicaSet".equals(ref.getKind())) {
          queue.add(WorkloadSupport.key(p.getMetadata().getNamespace(), ref.getName()));
        }
      } else if (replicaSets != null) {
        for (ReplicaSet rs : replicaSets.getStore().list()) {
          if (rs.getMetadata().getNamespace().equals(p.getMetadata().getNamespace())
              && WorkloadSupport.matches(rs.getSpec().getSelector(), p.getMetadata().getLabels())) {
            queue.add(key(rs));
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Override
  protected void reconcile(String key) {
    if (!cachesSynced(key, replicaSets, pods)) {
      return;
    }
    // read from the shared caches, as the real controller's listers; writes carry the cached
    // resourceVersion (a stale one conflicts and is retried) and the expectations keep a cache
    // that has not yet seen this controller's own creations and deletions from doubling them
    ReplicaSet rs = cached(replicaSets, key);
    if (rs == null) {
      expectations.forget(key);
      return; // the garbage collector deletes its pods
    }
    boolean manage = expectations.satisfied(key);
    List<Pod> owned = claimPods(rs);
    Duration requeue = null;
    RuntimeException failure = null;
    String failureReason = null;
    if (!isTerminating(rs) && manage) {
      List<Pod> active = owned.stream().filter(WorkloadSupport::isActive).toList();
      int diff = active.size() - orZero(rs.getSpec().getReplicas());
      if (diff < 0) {
        owned = new ArrayList<>(owned);
        try {
          createPods(key, rs, Math.min(-diff, BURST), owned);
        } catch (RuntimeException e) {
          failure = e;
          failureReason = "FailedCreate";
        }
      } else if (diff > 0) {
        try {
          deletePods(key, active, Math.min(diff, BURST));
        } catch (RuntimeException e) {
          failure = e;
          failureReason = "FailedDelete";
        }
      }
    }
    requeue = updateStatus(rs, owned, failureReason, failure);
    if (failure != null) {
      throw failure; // retried with backoff
    }
    if (requeue != null) {
      queue.addAfter(key, requeue);
    }
  }

  /** The pods this ReplicaSet controls, after adopting matching orphans and releasing strays. */
  private List<Pod> claimPods(ReplicaSet rs) {
    String ns = rs.getMetadata().getNamespace();
    List<Pod> owned = new ArrayList<>();
    for (Pod p : cachedIn(pods, ns)) {
      boolean matches =
          WorkloadSupport.matches(rs.getSpec().getSelector(), p.getMetadata().getLabels());
      OwnerReference ref = controllerOf(p).orElse(null);
      if (ref != null && ref.getUid().equals(rs.getMetadata().getUid())) {
        if (matches || isTerminating(p)) {
          owned.add(p);
        } else {
          release(p, rs);
        }
      } else if (ref == null && matches && isActive(p) && !isTerminating(rs)) {
        Pod adopted = adopt(p, rs);
        if (adopted != null) {
          owned.add(adopted);
        }
      }
    }
    return owned;
  }

  private Pod adopt(Pod p, ReplicaSet rs) {
    Pod copy = client.getKubernetesSerialization().clone(p);
    copy.getMetadata()
        .setOwnerReferences(WorkloadSupport.withRef(p, WorkloadSupport.controllerRef(rs)));
    try {
      return client.pods().inNamespace(p.getMetadata().getNamespace()).resource(copy).update();
    } catch (RuntimeException e) {
      if (isNotFound(e)) {
        return null;
      }
      throw e;
    }
  }

  private void release(Pod p, ReplicaSet rs) {
    Pod copy = client.getKubernetesSerialization().clone(p);
    copy.getMetadata().setOwnerReferences(WorkloadSupport.withoutRef(p, rs.getMetadata().getUid()));
    try {
      client.pods().inNamespace(p.getMetadata().getNamespace()).resource(copy).update();
    } catch (RuntimeException e) {
      if (!isNotFound(e)) {
        throw e;
      }
    }
  }

  /**
   * Creates pods one by one, adding each to {@code into} as soon as it exists; the creations not
   * made (the first refused stops the rest) are no longer expected.
   */
  private void createPods(String key, ReplicaSet rs, int count, List<Pod> into) {
    expectations.expectCreations(key, count);
    int created = 0;
    try {
      for (; created < count; created++) {
        Pod pod = podFromTemplate(rs);
        into.add(client.pods().inNamespace(rs.getMetadata().getNamespace()).resource(pod).create());
      }
    } finally {
      expectations.creationsObserved(key, count - created);
    }
  }

  private Pod podFromTemplate(ReplicaSet rs) {
    // the builder copies what it is given: the pod shares nothing with the cached ReplicaSet
    var template = rs.getSpec().getTemplate();
    ObjectMeta tm = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    return new PodBuilder()
        .withNewMetadata()
        .withGenerateName(rs.getMetadata().getName() + "-")
        .withNamespace(rs.getMetadata().getNamespace())
        .withLabels(tm.getLabels() == null ? null : new LinkedHashMap<>(tm.getLabels()))
        .withAnnotations(
            tm.getAnnotations() == null ? null : new LinkedHashMap<>(tm.getAnnotations()))
        .withFinalizers(tm.getFinalizers())
        .withOwnerReferences(WorkloadSupport.controllerRef(rs))
        .endMetadata()
        .withSpec(template.getSpec())
        .build();
  }

  private void deletePods(String key, List<Pod> active, int count) {
    List<Pod> ranked = new ArrayList<>(active);
    ranked.sort(DELETION_ORDER);
    List<Pod> doomed = ranked.subList(0, count);
    expectations.expectDeletions(key, doomed.stream().map(WorkloadSupport::key).toList());
    int i = 0;
    try {
      for (; i < doomed.size(); i++) {
        Pod p = doomed.get(i);
        try {
          client
              .pods()
              .inNamespace(p.getMetadata().getNamespace())
              .withName(p.getMetadata().getName())
              .delete();
        } catch (RuntimeException e) {
          if (!isNotFound(e)) {
            throw e;
          }
          expectations.deletionObserved(key, WorkloadSupport.key(p)); // gone already
        }
      }
    } finally {
      // a failed deletion, and those not tried after it, will not be seen
      for (; i < doomed.size(); i++) {
        expectations.deletionObserved(key, WorkloadSupport.key(doomed.get(i)));
      }
    }
  }

  /**
   * Which pods to delete first, as the real controller ranks them: unscheduled before scheduled,
   * Pending before Running, not Ready before Ready, Ready for less time before longer, more
   * restarts before fewer, newer before older.
   */
  static final Comparator<Pod> DELETION_ORDER =
      Comparator.<Pod>comparingInt(p -> p.getSpec().getNodeName() == null ? 0 : 1)
          .thenComparingInt(p -> phaseRank(WorkloadSupport.phase(p)))
          .thenComparingInt(p -> WorkloadSupport.isReady(p) ? 1 : 0)
          .thenComparing(
              (Pod p) ->
                  WorkloadSupport.readySince(p) == null
                      ? Instant.MAX
                      : WorkloadSupport.readySince(p),
              Comparator.reverseOrder())
          .thenComparing(ReplicaSetController::restarts, Comparator.reverseOrder())
          .thenComparing(
              (Pod p) -> WorkloadSupport.parseTime(p.getMetadata().getCreationTimestamp()),
              Comparator.nullsFirst(Comparator.<Instant>reverseOrder()))
          .thenComparing(p -> p.getMetadata().getName(), Comparator.reverseOrder());

  private static int phaseRank(String phase) {
    return switch (phase) {
      case "Pending" -> 0;
      case "Unknown" -> 1;
      case "Running" -> 2;
      default -> 3;
    };
  }

  private static int restarts(Pod p) {
    if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
      return 0;
    }
    return p.getStatus().getContainerStatuses().stream()
        .mapToInt(cs -> orZero(cs.getRestartCount()))
        .max()
        .orElse(0);
  }

  /** Writes the status; returns when to look again for pods about to become available, or null. */
  private Duration updateStatus(
      ReplicaSet rs, List<Pod> owned, String failureReason, RuntimeException failure) {
    Instant now = Instant.now();
    int minReady = orZero(rs.getSpec().getMinReadySeconds());
    Map<String, String> templateLabels =
        rs.getSpec().getTemplate() == null || rs.getSpec().getTemplate().getMetadata() == null
            ? Map.of()
            : rs.getSpec().getTemplate().getMetadata().getLabels();
    int replicas = 0;
    int fullyLabeled = 0;
    int ready = 0;
    int available = 0;
    Duration next = null;
    for (Pod p : owned) {
      if (!isActive(p)) {
        continue;
      }
      replicas++;
      Map<String, String> labels =
          p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
      if (templateLabels == null || labels.entrySet().containsAll(templateLabels.entrySet())) {
        fullyLabeled++;
      }
      if (WorkloadSupport.isReady(p)) {
        ready++;
        if (WorkloadSupport.isAvailable(p, minReady, now)) {
          available++;
        } else {
          Instant since = WorkloadSupport.readySince(p);
          Instant at = (since == null ? now : since).plusSeconds(minReady);
          Duration d = Duration.between(now, at).plusMillis(50);
          next = next == null || d.compareTo(next) < 0 ? d : next;
        }
      }
    }
    ReplicaSetStatus old = rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus();
    ReplicaSetStatus status = new ReplicaSetStatus();
    status.setReplicas(replicas);
    status.setFullyLabeledReplicas(omitZero(fullyLabeled));
    status.setReadyReplicas(omitZero(ready));
    status.setAvailableReplicas(omitZero(available));
    status.setObservedGeneration(rs.getMetadata().getGeneration());
    status.setConditions(conditions(old, failureReason, failure));
    if (!sameStatus(old, status)) {
      ReplicaSet copy = WorkloadSupport.withStatus(rs, status);
      try {
        client
            .apps()
            .replicaSets()
            .inNamespace(rs.getMetadata().getNamespace())
            .resource(copy)
            .updateStatus();
      } catch (RuntimeException e) {
        if (!isNotFound(e)) {
          throw e;
        }
      }
    }
    return next;
  }

  /**
   * The ReplicaFailure condition as the real controller keeps it: added when creating or deleting
   * pods fails, removed once a sync succeeds.
   */
  private static List<ReplicaSetCondition> conditions(
      ReplicaSetStatus old, String failureReason, RuntimeException failure) {
    List<ReplicaSetCondition> out = new ArrayList<>();
    ReplicaSetCondition existing = null;
    if (old.getConditions() != null) {
      for (ReplicaSetCondition c : old.getConditions()) {
        if ("ReplicaFailure".equals(c.getType())) {
          existing = c;
        } else {
          out.add(new ReplicaSetConditionBuilder(c).build());
        }
      }
    }
    if (failure != null) {
      out.add(
          existing != null
              ? existing
              : new ReplicaSetConditionBuilder()
                  .withType("ReplicaFailure")
                  .withStatus("True")
                  .withReason(failureReason)
                  .withMessage(message(failure))
                  .withLastTransitionTime(WorkloadSupport.now())
                  .build());
    }
    return out;
  }

  private static String message(RuntimeException e) {
    if (e instanceof io.fabric8.kubernetes.client.KubernetesClientException k
        && k.getStatus() != null
        && k.getStatus().getMessage() != null) {
      return k.getStatus().getMessage();
    }
    return e.getMessage();
  }

  private static boolean sameStatus(ReplicaSetStatus a, ReplicaSetStatus b) {
    Map<String, Object> x = new HashMap<>();
    Map<String, Object> y = new HashMap<>();
    x.put("r", orZero(a.getReplicas()));
    y.put("r", orZero(b.getReplicas()));
    x.put("f", orZero(a.getFullyLabeledReplicas()));
    y.put("f", orZero(b.getFullyLabeledReplicas()));
    x.put("rd", orZero(a.getReadyReplicas()));
    y.put("rd", orZero(b.getReadyReplicas()));
    x.put("a", orZero(a.getAvailableReplicas()));
    y.put("a", orZero(b.getAvailableReplicas()));
    x.put("g", a.getObservedGeneration());
    y.put("g", b.getObservedGeneration());
    x.put("c", a.getConditions() == null ? List.of() : a.getConditions());
    y.put("c", b.getConditions() == null ? List.of() : b.getConditions());
    return x.equals(y);
  }
}
