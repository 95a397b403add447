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

  /**
   * Starts every informer and waits, at most {@code timeout}, for their first lists.
   *
   * @return false when the lists did not all arrive in time
   * @throws RuntimeException the API's failure of a first list (transient for the caller)
   */
  boolean start(Duration timeout) throws InterruptedException {
    List<CompletableFuture<Void>> started = new ArrayList<>();
    for (SharedIndexInformer<?> informer : informers) {
      started.add(informer.start().toCompletableFuture());
    }
    try {
      CompletableFuture.allOf(started.toArray(CompletableFuture[]::new))
          .get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
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
