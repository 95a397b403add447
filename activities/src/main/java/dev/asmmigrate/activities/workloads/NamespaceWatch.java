package dev.asmmigrate.activities.workloads;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Watches one namespace's pods, Deployments, ReplicaSets, StatefulSets, DaemonSets and
 * ControllerRevisions with informers (one list, then a watch each), and wakes its owner whenever
 * any of them changes. Closing it stops every informer.
 */
final class NamespaceWatch implements AutoCloseable {
  private final Semaphore changed = new Semaphore(0);
  private CompletableFuture<Void> listed = CompletableFuture.completedFuture(null);
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final SharedIndexInformer<io.fabric8.kubernetes.api.model.Pod> pods;
  private final SharedIndexInformer<io.fabric8.kubernetes.api.model.apps.Deployment> deployments;
  private final SharedIndexInformer<io.fabric8.kubernetes.api.model.apps.ReplicaSet> replicaSets;
  private final SharedIndexInformer<io.fabric8.kubernetes.api.model.apps.StatefulSet> statefulSets;
  private final SharedIndexInformer<io.fabric8.kubernetes.api.model.apps.DaemonSet> daemonSets;
  private final SharedIndexInformer<io.fabric8.kubernetes.api.model.apps.ControllerRevision>
      revisions;

  NamespaceWatch(KubernetesClient client, String namespace) {
    pods = track(client.pods().inNamespace(namespace).runnableInformer(0));
    deployments = track(client.apps().deployments().inNamespace(namespace).runnableInformer(0));
    replicaSets = track(client.apps().replicaSets().inNamespace(namespace).runnableInformer(0));
    statefulSets = track(client.apps().statefulSets().inNamespace(namespace).runnableInformer(0));
    daemonSets = track(client.apps().daemonSets().inNamespace(namespace).runnableInformer(0));
    revisions =
        track(client.apps().controllerRevisions().inNamespace(namespace).runnableInformer(0));
  }

  private <T extends HasMetadata> SharedIndexInformer<T> track(SharedIndexInformer<T> informer) {
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            changed.release();
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            changed.release();
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            changed.release();
          }
        });
    informers.add(informer);
    return informer;
  }

  /** Starts every informer: each lists, then watches. */
  void start() {
    List<CompletableFuture<Void>> started = new ArrayList<>();
    for (SharedIndexInformer<?> informer : informers) {
      started.add(informer.start().toCompletableFuture());
    }
    listed = CompletableFuture.allOf(started.toArray(CompletableFuture[]::new));
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

  /**
   * Waits until something changed since the last call, or {@code atMost} passed.
   *
   * @return true when something changed
   */
  boolean awaitChange(Duration atMost) throws InterruptedException {
    boolean any = changed.tryAcquire(Math.max(1, atMost.toMillis()), TimeUnit.MILLISECONDS);
    changed.drainPermits();
    return any;
  }

  Verification.Snapshot snapshot() {
    // Drain first: a change arriving while the snapshot is taken wakes the next wait.
    changed.drainPermits();
    return new Verification.Snapshot(
        deployments.getStore().list(),
        replicaSets.getStore().list(),
        statefulSets.getStore().list(),
        daemonSets.getStore().list(),
        revisions.getStore().list(),
        pods.getStore().list());
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
