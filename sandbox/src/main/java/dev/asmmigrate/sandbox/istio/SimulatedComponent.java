package dev.asmmigrate.sandbox.istio;

import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.controllers.Controller;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated Istio component: an API client that watches what it cares about through informers and
 * reconciles the whole of its (small) world on one thread whenever anything changes, on a
 * one-second resync (time-based behaviour, faults switched on and off) and when a delay it asked
 * for has passed. Reconciles read the informers' caches and write through the API; a write that
 * races a stale cache (409) is simply reconciled again.
 */
abstract class SimulatedComponent implements Controller {
  private static final Duration RESYNC = Duration.ofSeconds(1);

  protected final Logger log = LoggerFactory.getLogger(getClass());
  protected final SandboxContext ctx;
  protected final KubernetesClient client;
  private final String name;
  private final ExecutorService worker;
  private final AtomicBoolean queued = new AtomicBoolean();
  private final AtomicBoolean started = new AtomicBoolean();
  private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private volatile ScheduledFuture<?> resync;
  private int failures;

  protected SimulatedComponent(SandboxContext ctx, String name) {
    this.ctx = ctx;
    this.client = ctx.client();
    this.name = name;
    this.worker =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "sandbox-istio-" + name);
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts the informers (see {@link #watch}); runs once, on the component's thread. */
  protected abstract void setUp();

  /** Brings the world in line with the component's view; runs on the component's thread only. */
  protected abstract void reconcile();

  @Override
  public final void start() {
    if (!started.compareAndSet(false, true)) {
      return;
    }
    worker.execute(this::setUpOrRetry);
    try {
      resync =
          ctx.scheduler()
              .scheduleWithFixedDelay(
                  this::trigger, RESYNC.toMillis(), RESYNC.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the sandbox is shutting down
    }
    trigger();
  }

  /**
   * Runs {@link #setUp}; when it fails before starting any informer (e.g. an API call timing out
   * while the machine is loaded), tries again shortly instead of leaving the component dead.
   */
  private void setUpOrRetry() {
    try {
      setUp();
    } catch (RuntimeException e) {
      if (closed) {
        return;
      }
      if (!informers.isEmpty()) {
        log.warn("{}: set-up failed", name, e);
        return;
      }
      log.warn("{}: set-up failed, retrying: {}", name, e.getMessage());
      try {
        ctx.scheduler()
            .schedule(
                () -> {
                  try {
                    worker.execute(this::setUpOrRetry);
                  } catch (RejectedExecutionException closing) {
                    // the sandbox is shutting down
                  }
                },
                500,
                TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closing) {
        // the sandbox is shutting down
      }
    }
  }

  /** Starts an informer whose every event triggers a reconcile; returns it for its cache. */
  protected final <T> SharedIndexInformer<T> watch(Informable<T> source) {
    SharedIndexInformer<T> informer = source.runnableInformer(0);
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            trigger();
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            trigger();
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            trigger();
          }
        });
    informer.exceptionHandler((isStarted, t) -> !closed);
    informers.add(informer);
    informer.start().whenComplete((ignored, error) -> trigger());
    return informer;
  }

  /** Asks for a reconcile soon; calls while one is queued are merged into it. */
  protected final void trigger() {
    if (closed || !queued.compareAndSet(false, true)) {
      return;
    }
    try {
      worker.execute(this::run);
    } catch (RejectedExecutionException e) {
      queued.set(false);
    }
  }

  /** Asks for a reconcile once {@code at} has passed. */
  protected final void triggerAt(Instant at) {
    long millis = Math.max(1, Duration.between(now(), at).toMillis() + 1);
    if (closed) {
      return;
    }
    try {
      ctx.scheduler().schedule(this::trigger, millis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the sandbox is shutting down
    }
  }

  protected final Instant now() {
    return Instant.now();
  }

  private void run() {
    queued.set(false);
    if (closed) {
      return;
    }
    for (SharedIndexInformer<?> i : informers) {
      if (!i.hasSynced()) {
        return; // the resync comes back once the caches are filled
      }
    }
    if (informers.isEmpty()) {
      return; // not set up yet
    }
    try {
      reconcile();
      failures = 0;
    } catch (KubernetesClientException e) {
      failures++;
      if (failures <= 3 || failures % 50 == 0) {
        log.debug("{}: reconcile failed ({}), retrying: {}", name, e.getCode(), e.getMessage());
      }
      triggerAt(now().plusMillis(Math.min(50L << Math.min(failures, 6), 2000)));
    } catch (RuntimeException e) {
      failures++;
      if (failures <= 3 || failures % 50 == 0) {
        log.warn("{}: reconcile failed, retrying", name, e);
      }
      triggerAt(now().plusMillis(Math.min(50L << Math.min(failures, 6), 2000)));
    }
  }

  @Override
  public void close() {
    closed = true;
    ScheduledFuture<?> r = resync;
    if (r != null) {
      r.cancel(false);
    }
    for (SharedIndexInformer<?> i : informers) {
      try {
        i.stop();
      } catch (RuntimeException e) {
        // keep stopping the rest
      }
    }
    worker.shutdownNow();
  }
}
