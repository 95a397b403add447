package dev.asmmigrate.activities.workloads;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One namespace's view of its cluster's shared {@link ClusterWatch}: its objects from the shared
 * caches, and a wake-up whenever one of them changes. Closing it stops the wake-ups, not the shared
 * informers.
 *
 * <p>A shared cache may lag behind the cluster: just after a restart it may still hold a workload
 * as it was before its restart annotation was set, whose old pods would be judged as the current
 * ones. So the view is not {@linkplain #awaitListed listed} until the caches have caught up with a
 * fresh list of the namespace's workloads taken after the restart: every listed workload in the
 * cache, same uid, at least at the listed generation (a restart changes the generation). Only then
 * is a snapshot judged; from there on a lagging cache only delays a verdict.
 */
final class NamespaceWatch implements AutoCloseable {
  private final Semaphore changed = new Semaphore(0);
  private final ClusterWatch cluster;
  private final String namespace;
  private final List<Expected> fresh = new ArrayList<>();

  /** A workload as a fresh list showed it, and the cache it must be found in. */
  private record Expected(
      SharedIndexInformer<? extends HasMetadata> informer, String uid, long generation) {}

  /**
   * @param workloads the namespace's workloads as a fresh list (taken now) showed them, each list
   *     of the kind the cache {@code cluster} holds in the same position of {@link
   *     ClusterWatch#workloadInformers}
   */
  NamespaceWatch(
      ClusterWatch cluster, String namespace, List<List<? extends HasMetadata>> workloads) {
    this.cluster = cluster;
    this.namespace = namespace;
    List<SharedIndexInformer<? extends HasMetadata>> informers = cluster.workloadInformers();
    for (int i = 0; i < workloads.size(); i++) {
      for (HasMetadata w : workloads.get(i)) {
        Long generation = w.getMetadata().getGeneration();
        fresh.add(
            new Expected(
                informers.get(i), w.getMetadata().getUid(), generation == null ? 0 : generation));
      }
    }
  }

  /** Starts the wake-ups. */
  void start() {
    cluster.addWaiter(namespace, changed);
  }

  /**
   * Waits, at most {@code atMost}, until the shared informers have listed the cluster and their
   * caches hold every workload of the fresh list at least as new as it was listed.
   *
   * @return whether the caches are that fresh
   * @throws RuntimeException the API's failure of a first list, when an informer gives up
   */
  boolean awaitListed(Duration atMost) throws InterruptedException {
    Instant until = Instant.now().plus(atMost);
    if (!cluster.awaitListed(atMost)) {
      return false;
    }
    while (true) {
      changed.drainPermits();
      if (caughtUp()) {
        return true;
      }
      Duration left = Duration.between(Instant.now(), until);
      if (left.isNegative() || left.isZero()) {
        return false;
      }
      changed.tryAcquire(Math.max(1, left.toMillis()), TimeUnit.MILLISECONDS);
    }
  }

  private boolean caughtUp() {
    Map<SharedIndexInformer<? extends HasMetadata>, Map<String, Long>> byUid = new HashMap<>();
    for (Expected e : fresh) {
      Map<String, Long> cached =
          byUid.computeIfAbsent(
              e.informer(),
              informer -> {
                Map<String, Long> m = new HashMap<>();
                for (HasMetadata o : ClusterWatch.inNamespace(informer, namespace)) {
                  Long g = o.getMetadata().getGeneration();
                  m.put(o.getMetadata().getUid(), g == null ? 0 : g);
                }
                return m;
              });
      Long generation = cached.get(e.uid());
      if (generation == null || generation < e.generation()) {
        return false;
      }
    }
    return true;
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

  /**
   * The namespace's objects in the shared caches.
   *
   * @throws IllegalStateException when a shared informer has stopped: its cache no longer follows
   *     the cluster (a transient failure; the retry starts new informers)
   */
  Verification.Snapshot snapshot() {
    // Drain first: a change arriving while the snapshot is taken wakes the next wait.
    changed.drainPermits();
    if (!cluster.healthy()) {
      throw new IllegalStateException(
          "the shared watches of the cluster stopped; verification of " + namespace + " retried");
    }
    return cluster.snapshot(namespace);
  }

  @Override
  public void close() {
    cluster.removeWaiter(namespace, changed);
  }
}
