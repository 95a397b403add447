package dev.asmmigrate.sandbox.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Objects as a test sees them change, one state of the collection after another (an informer
 * delivers the changes in resource-version order), so that invariants can be checked at every
 * instant of a rollout rather than at a few samples.
 */
final class WorkloadWatch<T extends HasMetadata> implements AutoCloseable {
  private final Map<String, T> objects = new LinkedHashMap<>();
  private final List<List<T>> states = new ArrayList<>();
  private final List<T> versions = new ArrayList<>();
  private final List<java.time.Instant> arrivals = new ArrayList<>();
  private final java.util.Set<String> delivered = new java.util.HashSet<>();
  private final SharedIndexInformer<T> informer;

  WorkloadWatch(Informable<T> source) {
    informer = source.runnableInformer(0);
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            changed(obj, false);
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            changed(newObj, false);
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            changed(obj, true);
          }
        });
    informer.run();
    // run() returns once the informer's store holds the initial list, but the handler hears of it
    // later, one object at a time, on the informer's own thread: a snapshot taken now can miss
    // some, and the states that follow would show a pod-less instant that never was. Wait until
    // the handler has been told of every object of the initial list, then keep only that state.
    java.util.Set<String> initial =
        informer.getStore().list().stream()
            .map(o -> o.getMetadata().getName())
            .collect(java.util.stream.Collectors.toSet());
    org.awaitility.Awaitility.await("the initial list delivered to the watch's handler")
        .atMost(java.time.Duration.ofSeconds(30))
        .pollInterval(java.time.Duration.ofMillis(10))
        .until(this::deliveredAll, d -> d.containsAll(initial));
    synchronized (this) {
      states.clear();
      states.add(List.copyOf(objects.values()));
    }
  }

  private synchronized java.util.Set<String> deliveredAll() {
    return java.util.Set.copyOf(delivered);
  }

  private synchronized void changed(T obj, boolean deleted) {
    delivered.add(obj.getMetadata().getName());
    if (deleted) {
      objects.remove(obj.getMetadata().getName());
    } else {
      objects.put(obj.getMetadata().getName(), obj);
    }
    states.add(List.copyOf(objects.values()));
    versions.add(obj);
    arrivals.add(java.time.Instant.now());
  }

  /** Every state seen so far, in order. */
  synchronized List<List<T>> states() {
    return List.copyOf(states);
  }

  /** Every version of every object seen so far, in order. */
  synchronized List<T> versions() {
    return List.copyOf(versions);
  }

  /** When each of {@link #versions()} arrived here, by this machine's clock. */
  synchronized List<java.time.Instant> arrivals() {
    return List.copyOf(arrivals);
  }

  /** Forgets the states seen so far (e.g. the ones before a rollout). */
  synchronized void reset() {
    states.clear();
    versions.clear();
    arrivals.clear();
  }

  /**
   * Checks that no version seen counted more pods available than had been Ready for {@code
   * minReadySeconds} when it arrived, however fast or slow the controllers ran, once a version
   * counts them all. Ready times are stamped to the second, hence one second of slack.
   */
  void assertAvailableOnlyAfterMinReady(
      java.util.function.Function<T, Integer> available, List<Pod> pods, int minReadySeconds) {
    java.util.function.ToIntFunction<T> count =
        v -> available.apply(v) == null ? 0 : available.apply(v);
    org.awaitility.Awaitility.await("a version counting every pod available")
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> versions().stream().anyMatch(v -> count.applyAsInt(v) == pods.size()));
    List<java.time.Instant> readySince =
        pods.stream().map(WorkloadSupport::readySince).sorted().toList();
    org.assertj.core.api.Assertions.assertThat(readySince).doesNotContainNull();
    List<T> seen;
    List<java.time.Instant> at;
    synchronized (this) {
      seen = List.copyOf(versions);
      at = List.copyOf(arrivals);
    }
    for (int i = 0; i < seen.size(); i++) {
      int n = count.applyAsInt(seen.get(i));
      if (n > 0) {
        org.assertj.core.api.Assertions.assertThat(at.get(i))
            .as("%d available no sooner than %d s after pod %d was Ready", n, minReadySeconds, n)
            .isAfterOrEqualTo(readySince.get(n - 1).plusSeconds(minReadySeconds - 1));
      }
    }
  }

  static boolean ready(Pod p) {
    return p.getMetadata().getDeletionTimestamp() == null && WorkloadSupport.isReady(p);
  }

  static String hash(Pod p) {
    return p.getMetadata().getLabels().get(WorkloadSupport.POD_TEMPLATE_HASH);
  }

  @Override
  public void close() {
    informer.close();
  }
}
