package dev.asmmigrate.sandbox.controllers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work queue of one workload controller, with client-go's guarantees: a waiting key is queued
 * once however often it is added, a key is never reconciled twice at the same time (a key added
 * while it is being reconciled is reconciled again afterwards), and a failed reconcile is retried
 * with a per-key backoff (a few milliseconds after a 409 conflict, exponential up to 2 s after
 * other errors). Several workers reconcile different keys in parallel, as kube-controller-manager's
 * {@code --concurrent-deployment-syncs} and its siblings: one slow key (a webhook refusing its
 * pods, a long status write) does not hold up the others.
 */
final class WorkloadQueue implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkloadQueue.class);
  private static final long BASE_BACKOFF_MILLIS = 20;
  private static final long MAX_BACKOFF_MILLIS = 2_000;
  private static final int QUIET_FAILURES = 5;

  /** Reconciles one key ({@code namespace/name}, or a name for cluster-scoped objects). */
  @FunctionalInterface
  interface Reconciler {
    void reconcile(String key) throws Exception;
  }

  private final String name;
  private final ScheduledExecutorService timers;
  private final Reconciler reconciler;
  private final Object lock = new Object();
  private final LinkedHashSet<String> waiting = new LinkedHashSet<>();
  private final Set<String> running = new HashSet<>();
  private final Set<String> again = new HashSet<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean closed;

  /**
   * @param workers how many keys are reconciled at once (kube-controller-manager's default for most
   *     controllers is 5)
   */
  WorkloadQueue(String name, int workers, ScheduledExecutorService timers, Reconciler reconciler) {
    this.name = name;
    this.timers = timers;
    this.reconciler = reconciler;
    for (int i = 0; i < workers; i++) {
      Thread worker = new Thread(this::work, "sandbox-" + name + "-" + i);
      worker.setDaemon(true);
      this.workers.add(worker);
    }
  }

  void start() {
    workers.forEach(Thread::start);
  }

  /** Queues a key, unless it is already waiting. */
  void add(String key) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (running.contains(key)) {
        again.add(key);
      } else if (waiting.add(key)) {
        lock.notify();
      }
    }
  }

  /** Queues a key once a delay has passed (a timer on the sandbox's scheduler). */
  void addAfter(String key, Duration delay) {
    if (closed) {
      return;
    }
    long millis = Math.max(0, delay.toMillis());
    if (millis == 0) {
      add(key);
      return;
    }
    try {
      timers.schedule(() -> add(key), millis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the sandbox is shutting down
    }
  }

  /** How many keys wait or run, for tests and diagnostics. */
  int depth() {
    synchronized (lock) {
      return waiting.size() + running.size();
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      waiting.clear();
      lock.notifyAll();
    }
    workers.forEach(Thread::interrupt);
  }

  private void work() {
    while (!closed) {
      String key;
      synchronized (lock) {
        while (waiting.isEmpty() && !closed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        Iterator<String> it = waiting.iterator();
        key = it.next();
        it.remove();
        running.add(key);
      }
      Duration retry = null;
      try {
        reconciler.reconcile(key);
        synchronized (lock) {
          failures.remove(key);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception | LinkageError e) {
        if (closed) {
          return;
        }
        int n;
        synchronized (lock) {
          n = failures.merge(key, 1, Integer::sum);
        }
        if (WorkloadSupport.isConflict(e) || WorkloadSupport.isAlreadyExists(e)) {
          retry = Duration.ofMillis(Math.min(5L * n, 200));
          log.debug("{}: conflict reconciling {}, retrying", name, key);
        } else {
          long backoff = BASE_BACKOFF_MILLIS << Math.min(n - 1, 10);
          retry = Duration.ofMillis(Math.min(backoff, MAX_BACKOFF_MILLIS));
          // a few failures are how a cluster settles (e.g. pods refused while the injection
          // webhook starts): said at DEBUG, as client-go's controllers do; a key that keeps
          // failing is a warning
          if (n >= QUIET_FAILURES) {
            log.warn("{}: reconciling {} failed (attempt {}): {}", name, key, n, e.toString());
          } else {
            log.debug("{}: reconciling {} failed (attempt {}): {}", name, key, n, e.toString());
          }
          log.debug("{}: failure detail", name, e);
        }
      } finally {
        synchronized (lock) {
          running.remove(key);
          if (again.remove(key) && !closed) {
            waiting.add(key);
            lock.notify();
          }
        }
      }
      if (retry != null) {
        addAfter(key, retry);
      }
    }
  }
}
