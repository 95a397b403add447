package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.status;
import static dev.asmmigrate.sandbox.controllers.DeploymentUtil.strategyType;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.controllerOf;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isTerminating;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.key;

import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.controllers.DeploymentRevisions.Sets;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Deployment controller, following the real one's algorithm: ReplicaSets named {@code
 * <deployment>-<pod-template-hash>} owned by the Deployment, revisions (a new template gets the
 * next revision; returning to an old template re-revisions its ReplicaSet), {@code RollingUpdate}
 * within maxSurge/maxUnavailable, {@code Recreate}, {@code paused}, proportional scaling, {@code
 * revisionHistoryLimit}, {@code minReadySeconds}, and the status and conditions ({@code Available},
 * {@code Progressing} including {@code ProgressDeadlineExceeded}) that {@code kubectl rollout
 * status} and {@code kubectl wait} read.
 *
 * <p>This class is the entry point, as the upstream deployment_controller.go: it watches, claims
 * the ReplicaSets and hands each Deployment to {@link DeploymentSync} (sync.go), {@link
 * RollingUpdate} (rolling.go) or {@link RecreateUpdate} (recreate.go); {@link DeploymentProgress}
 * (progress.go) and {@link DeploymentUtil} (util) serve them.
 */
public final class DeploymentController extends SetControllerSupport {
  // the annotations and the status's reading, where tests and readers look for them
  static final String REVISION = DeploymentUtil.REVISION;
  static final String REVISION_HISTORY = DeploymentUtil.REVISION_HISTORY;

  private final DeploymentWriter writer;
  private final DeploymentRevisions revisions;
  private final DeploymentSync sync;
  private final RollingUpdate rolling;
  private final RecreateUpdate recreate;
  private volatile SharedIndexInformer<Deployment> deployments;
  private volatile SharedIndexInformer<ReplicaSet> replicaSets;

  public DeploymentController(SandboxContext ctx) {
    super(ctx, "deployment-controller");
    this.writer = new DeploymentWriter(client);
    this.revisions = new DeploymentRevisions(client, writer, new PodTemplateHash(client));
    this.sync = new DeploymentSync(client, writer, revisions);
    DeploymentProgress progress = new DeploymentProgress(writer, sync, queue);
    this.rolling = new RollingUpdate(writer, revisions, sync, progress);
    this.recreate = new RecreateUpdate(client, writer, revisions, sync, progress);
  }

  @Override
  protected void onStart() {
    deployments =
        informChanges(
            Deployment.class,
            (before, after) -> {
              if (before == null || after == null || !statusOnly(before, after)) {
                queue.add(key(after != null ? after : before));
              }
            });
    replicaSets =
        informChanges(
            ReplicaSet.class,
            (before, after) -> {
              if (before != null) {
                enqueueOwner(before);
              }
              if (after != null) {
                enqueueOwner(after);
              }
            });
    informChanges(
        Pod.class,
        (before, after) -> {
          if (after == null) {
            onPodDeleted(before);
          }
        });
  }

  /**
   * Whether only the status (and the resourceVersion) changed, compared on the models (no
   * serialization per event).
   */
  static boolean statusOnly(Deployment before, Deployment after) {
    return Objects.equals(before.getSpec(), after.getSpec())
        && Objects.equals(withoutVersion(before.getMetadata()), withoutVersion(after.getMetadata()))
        && Objects.equals(before.getAdditionalProperties(), after.getAdditionalProperties());
  }

  private static ObjectMeta withoutVersion(ObjectMeta m) {
    if (m == null) {
      return null;
    }
    return new ObjectMetaBuilder(m).withResourceVersion(null).withManagedFields().build();
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

  @Override
  protected void reconcile(String key) {
    if (!cachesSynced(key, deployments, replicaSets)) {
      return;
    }
    // read from the shared caches, as the real controller's listers; every write carries the
    // cached resourceVersion, so one made on a stale read conflicts and the key is retried
    Deployment d = cached(deployments, key);
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
        DeploymentStatus s = writer.copy(status(d));
        s.setObservedGeneration(d.getMetadata().getGeneration());
        writer.writeStatus(d, s);
      }
      return;
    }
    List<ReplicaSet> rsList = claimReplicaSets(d);
    if (isTerminating(d)) {
      Sets sets = revisions.getAllReplicaSetsAndSyncRevision(d, rsList, false);
      sync.syncDeploymentStatus(sets.d(), sets.all(), sets.newRs());
      return;
    }
    d = sync.checkPausedConditions(d);
    if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
      sync.sync(d, rsList);
      return;
    }
    if (sync.isScalingEvent(d, rsList)) {
      sync.sync(d, rsList);
      return;
    }
    if ("Recreate".equals(strategyType(d))) {
      recreate.rolloutRecreate(d, rsList);
    } else {
      rolling.rolloutRolling(d, rsList);
    }
  }

  /**
   * The ReplicaSets this Deployment controls, after adopting matching orphans and releasing strays.
   */
  private List<ReplicaSet> claimReplicaSets(Deployment d) {
    List<ReplicaSet> owned = new ArrayList<>();
    String ns = d.getMetadata().getNamespace();
    for (ReplicaSet rs : cachedIn(replicaSets, ns)) {
      boolean matches =
          WorkloadSupport.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels());
      OwnerReference ref = controllerOf(rs).orElse(null);
      if (ref != null && ref.getUid().equals(d.getMetadata().getUid())) {
        if (matches || isTerminating(rs)) {
          owned.add(rs);
        } else {
          ReplicaSet copy = writer.clone(rs);
          copy.getMetadata()
              .setOwnerReferences(WorkloadSupport.withoutRef(rs, d.getMetadata().getUid()));
          writer.updateReplicaSet(copy);
        }
      } else if (ref == null && matches && !isTerminating(rs) && !isTerminating(d)) {
        ReplicaSet copy = writer.clone(rs);
        copy.getMetadata()
            .setOwnerReferences(WorkloadSupport.withRef(rs, WorkloadSupport.controllerRef(d)));
        ReplicaSet adopted = writer.updateReplicaSet(copy);
        if (adopted != null) {
          owned.add(adopted);
        }
      }
    }
    return owned;
  }

  static int maxSurge(Deployment d) {
    return DeploymentUtil.maxSurge(d);
  }

  static int maxUnavailable(Deployment d) {
    return DeploymentUtil.maxUnavailable(d);
  }

  static DeploymentCondition condition(DeploymentStatus s, String type) {
    return DeploymentUtil.condition(s, type);
  }
}
