package dev.asmmigrate.sandbox.controllers;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The ReplicaSet controller's expectations (client-go's UIDTrackingControllerExpectations): a
 * controller that reads pods from its informer's cache must not act again on a cache that has not
 * yet seen the pods it just created or deleted, or it would create or delete them twice. Before
 * creating N pods it expects N additions; before deleting pods it expects their deletions; its
 * informer's handler observes them, and until all are observed (or the expectations are five
 * minutes old, as upstream's ExpectationsTimeout) the controller only reports status.
 */
final class PodExpectations {
  /** Upstream's ExpectationsTimeout. */
  static final Duration TIMEOUT = Duration.ofMinutes(5);

  private record Pending(int adds, Set<String> deletes, Instant at) {}

  private final Clock clock;
  private final Map<String, Pending> pending = new HashMap<>();

  PodExpectations(Clock clock) {
    this.clock = clock;
  }

  /** Whether the controller of {@code key} may create or delete pods now. */
  synchronized boolean satisfied(String key) {
    Pending p = pending.get(key);
    if (p == null || (p.adds() <= 0 && p.deletes().isEmpty())) {
      return true;
    }
    return Duration.between(p.at(), clock.instant()).compareTo(TIMEOUT) > 0;
  }

  /** Before creating {@code count} pods. */
  synchronized void expectCreations(String key, int count) {
    pending.put(key, new Pending(count, new HashSet<>(), clock.instant()));
  }

  /** Before deleting pods (by {@code namespace/name}). */
  synchronized void expectDeletions(String key, Collection<String> pods) {
    pending.put(key, new Pending(0, new HashSet<>(pods), clock.instant()));
  }

  /** A pod of the controller appeared in the cache, or {@code count} creations failed. */
  synchronized void creationsObserved(String key, int count) {
    Pending p = pending.get(key);
    if (p != null && p.adds() > 0) {
      pending.put(key, new Pending(Math.max(0, p.adds() - count), p.deletes(), p.at()));
    }
  }

  /** A pod of the controller is seen deleted (or being deleted), or its deletion failed. */
  synchronized void deletionObserved(String key, String pod) {
    Pending p = pending.get(key);
    if (p != null) {
      p.deletes().remove(pod);
    }
  }

  /** The controller is gone. */
  synchronized void forget(String key) {
    pending.remove(key);
  }
}
