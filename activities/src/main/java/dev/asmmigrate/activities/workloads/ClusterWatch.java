package dev.asmmigrate.activities.workloads;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One cluster's pods, Deployments, ReplicaSets, StatefulSets, DaemonSets and ControllerRevisions,
 * watched across all namespaces by one informer per kind (one list, then one watch each, for the
 * cluster, not per namespace), shared by every verification on that cluster: a namespace's objects
 * are read from the informers' caches by their namespace index, and the namespace's waiters are
 * woken whenever one of its objects changes.
 *
 * <p>The caches hold each object less its managed fields and last-applied annotation ({@link
 * LeanItemStore}). A cache may lag behind the cluster; {@link NamespaceWatch} guards against
 * judging a stale one. Started lazily by the first verification of a cluster; closed with the
 * worker's clients.
 */
final class ClusterWatch implements AutoCloseable {
  private final Map<String, Set<Semaphore>> waiters = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final CompletableFuture<Void> listed;
  final SharedIndexInformer<Pod> pods;
  final SharedIndexInformer<Deployment> deployments;
  final SharedIndexInformer<ReplicaSet> replicaSets;
  final SharedIndexInformer<StatefulSet> statefulSets;
  final SharedIndexInformer<DaemonSet> daemonSets;
  final SharedIndexInformer<ControllerRevision> revisions;

  ClusterWatch(KubernetesClient client) {
    pods = track(client.pods().inAnyNamespace().runnableInformer(0));
    deployments = track(client.apps().deployments().inAnyNamespace().runnableInformer(0));
    replicaSets = track(client.apps().replicaSets().inAnyNamespace().runnableInformer(0));
    statefulSets = track(client.apps().statefulSets().inAnyNamespace().runnableInformer(0));
    daemonSets = track(client.apps().daemonSets().inAnyNamespace().runnableInformer(0));
    revisions = track(client.apps().controllerRevisions().inAnyNamespace().runnableInformer(0));
    List<CompletableFuture<Void>> started = new ArrayList<>();
    for (SharedIndexInformer<?> informer : informers) {
      started.add(informer.start().toCompletableFuture());
    }
    listed = CompletableFuture.allOf(started.toArray(CompletableFuture[]::new));
  }

  private <T extends HasMetadata> SharedIndexInformer<T> track(SharedIndexInformer<T> informer) {
    informer.itemStore(new LeanItemStore<>());
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            changed(obj);
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            changed(newObj);
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            changed(obj);
          }
        });
    informers.add(informer);
    return informer;
  }

  private void changed(HasMetadata obj) {
    Set<Semaphore> wake =
        obj.getMetadata() == null ? null : waiters.get(obj.getMetadata().getNamespace());
    if (wake != null) {
      wake.forEach(Semaphore::release);
    }
  }

  /** Wakes {@code waiter} whenever an object of {@code namespace} changes, until removed. */
  void addWaiter(String namespace, Semaphore waiter) {
    waiters.computeIfAbsent(namespace, k -> ConcurrentHashMap.newKeySet()).add(waiter);
  }

  void removeWaiter(String namespace, Semaphore waiter) {
    waiters.computeIfPresent(
        namespace,
        (k, set) -> {
          set.remove(waiter);
          return set.isEmpty() ? null : set;
        });
  }

  /**
   * Waits, at most {@code atMost}, for every informer's first list (an informer retries a failed
   * list by itself).
   *
   * @return whether every first list has arrived
   * @throws RuntimeException the API's failure of a first list, when an informer gives up
   */
  boolean awaitListed(Duration atMost) throws InterruptedException {
    try {
      listed.get(Math.max(1, atMost.toMillis()), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    }
  }

  /** Whether every informer has listed and still runs (has not stopped for good). */
  boolean healthy() {
    return listed.isDone()
        && !listed.isCompletedExceptionally()
        && informers.stream().allMatch(SharedIndexInformer::isRunning);
  }

  /** Whether the informers gave up: a first list failed for good, or one stopped after it. */
  boolean stopped() {
    return listed.isCompletedExceptionally() || (listed.isDone() && !healthy());
  }

  /** The objects of {@code namespace} in one informer's cache. */
  static <T> List<T> inNamespace(SharedIndexInformer<T> informer, String namespace) {
    return informer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace);
  }

  /** The informers of the workloads a restart patches: Deployments, StatefulSets, DaemonSets. */
  List<SharedIndexInformer<? extends HasMetadata>> workloadInformers() {
    return List.of(deployments, statefulSets, daemonSets);
  }

  Verification.Snapshot snapshot(String namespace) {
    return new Verification.Snapshot(
        inNamespace(deployments, namespace),
        inNamespace(replicaSets, namespace),
        inNamespace(statefulSets, namespace),
        inNamespace(daemonSets, namespace),
        inNamespace(revisions, namespace),
        inNamespace(pods, namespace));
  }

  @Override
  public void close() {
    for (SharedIndexInformer<?> informer : informers) {
      try {
        informer.close();
      } catch (RuntimeException ignored) {
        // stop the others regardless
      }
    }
  }
}
