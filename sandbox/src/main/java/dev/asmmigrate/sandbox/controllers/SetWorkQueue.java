package dev.asmmigrate.sandbox.controllers;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller's work queue, as client-go's: keys ({@code namespace/name}) are deduplicated while
 * they wait, a key is never reconciled by two threads at once (a key added while it is being
 * reconciled runs again afterwards), and a failed reconcile is retried with a per-key backoff
 * (short for 409 conflicts, exponential up to 5 s otherwise). One worker thread per queue.
 */
final class SetWorkQueue implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SetWorkQueue.class);
  private static final long MAX_BACKOFF_MILLIS = 5_000;

  /** What the queue runs for each key. */
  @FunctionalInterface
  interface Reconciler {
    void reconcile(String key) throws Exception;
  }

  private final String name;
  private final ScheduledExecutorService timers;
  private final Reconciler reconciler;
  private final Object lock = new Object();
  private final LinkedHashSet<String> pending = new LinkedHashSet<>();
  private final Set<String> active = new HashSet<>();
  private final Set<String> dirty = new HashSet<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private final Thread worker;
  private volatile boolean closed;

  SetWorkQueue(String name, ScheduledExecutorService timers, Reconciler reconciler) {
    this.name = name;
    this.timers = timers;
    this.reconciler = reconciler;
    this.worker = new Thread(this::run, "sandbox-" + name);
    this.worker.setDaemon(true);
  }

  void start() {
    worker.start();
  }

  /** Queues a key for reconciliation, unless it already waits. */
  void add(String key) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (active.contains(key)) {
        dirty.add(key);
      } else if (pending.add(key)) {
        lock.notifyAll();
      }
    }
  }

  /** Queues a key after a delay (a timer on the sandbox's scheduler). */
  void addAfter(String key, Duration delay) {
    if (closed) {
      return;
    }
    if (delay.isZero() || delay.isNegative()) {
      add(key);
      return;
    }
    try {
      timers.schedule(() -> add(key), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the sandbox is shutting down
    }
  }

  /** Whether nothing waits and nothing runs: for tests and diagnostics. */
  boolean idle() {
    synchronized (lock) {
      return pending.isEmpty() && active.isEmpty();
    }
  }

  private void run() {
    while (!closed) {
      String key;
      synchronized (lock) {
        while (pending.isEmpty() && !closed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        Iterator<String> it = pending.iterator();
        key = it.next();
        it.remove();
        active.add(key);
      }
      Duration retry = null;
      try {
        reconciler.reconcile(key);
        synchronized (lock) {
          failures.remove(key);
        }
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        if (closed) {
          return;
        }
        retry = backoff(key, e);
      } finally {
        synchronized (lock) {
          active.remove(key);
          if (dirty.remove(key) && pending.add(key)) {
            lock.notifyAll();
          }
        }
      }
      if (retry != null) {
        addAfter(key, retry);
      }
    }
  }

  private Duration backoff(String key, Exception e) {
    int n;
    synchronized (lock) {
      n = failures.merge(key, 1, Integer::sum);
    }
    int code = e instanceof KubernetesClientException k ? k.getCode() : 0;
    long millis;
    if (code == 409) {
      millis = Math.min(20L * n, 500);
      log.debug("{}: conflict reconciling {}, retrying: {}", name, key, e.getMessage());
    } else {
      millis = Math.min(100L << Math.min(n - 1, 10), MAX_BACKOFF_MILLIS);
      if (n <= 3 || n % 20 == 0) {
        log.warn(
            "{}: reconciling {} failed (attempt {}), retrying in {} ms", name, key, n, millis, e);
      }
    }
    return Duration.ofMillis(millis);
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      pending.clear();
      lock.notifyAll();
    }
    worker.interrupt();
  }
}
