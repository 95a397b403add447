package dev.asmmigrate.sandbox.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One informer per resource type for all the controllers of a sandbox, as kube-controller-manager's
 * shared informer factory: a pod change is listed, watched, sent and decoded once, not once per
 * controller that follows pods. Each controller registers its handlers (with its own resync period)
 * and removes them when it closes; an informer runs while it has handlers.
 */
public final class SharedInformers {
  private static final Logger log = LoggerFactory.getLogger(SharedInformers.class);

  /** How often an informer looks for handlers due a resync; their periods are longer. */
  private static final long RESYNC_CHECK_MILLIS = 1_000;

  private final KubernetesClient client;
  private final Map<Class<?>, Shared<?>> informers = new HashMap<>();

  private record Shared<T>(SharedIndexInformer<T> informer, int handlers) {}

  public SharedInformers(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Adds a handler of every object of {@code type} (in all namespaces), started at once without
   * waiting for the first list; a {@code resync} above zero re-delivers every object to it that
   * often.
   *
   * @return the informer, whose store is the shared cache
   */
  <T extends HasMetadata> SharedIndexInformer<T> register(
      Class<T> type, Duration resync, ResourceEventHandler<T> handler) {
    SharedIndexInformer<T> informer;
    synchronized (this) {
      @SuppressWarnings("unchecked")
      Shared<T> shared = (Shared<T>) informers.get(type);
      boolean created = shared == null;
      informer = created ? create(type) : shared.informer();
      informer.addEventHandlerWithResyncPeriod(handler, resync.toMillis());
      informers.put(type, new Shared<>(informer, created ? 1 : shared.handlers() + 1));
      if (!created) {
        return informer;
      }
    }
    informer
        .start()
        .exceptionally(
            t -> {
              if (isCurrent(type, informer)) {
                log.warn("the shared {} informer failed to start", type.getSimpleName(), t);
              }
              return null;
            });
    return informer;
  }

  /** Removes a handler; the informer stops with its last one. */
  <T extends HasMetadata> void unregister(Class<T> type, ResourceEventHandler<T> handler) {
    SharedIndexInformer<?> stop = null;
    synchronized (this) {
      @SuppressWarnings("unchecked")
      Shared<T> shared = (Shared<T>) informers.get(type);
      if (shared == null) {
        return;
      }
      shared.informer().removeEventHandler(handler);
      if (shared.handlers() <= 1) {
        informers.remove(type);
        stop = shared.informer();
      } else {
        informers.put(type, new Shared<>(shared.informer(), shared.handlers() - 1));
      }
    }
    if (stop != null) {
      try {
        stop.stop();
      } catch (RuntimeException e) {
        // stopping anyway
      }
    }
  }

  private synchronized boolean isCurrent(Class<?> type, SharedIndexInformer<?> informer) {
    Shared<?> shared = informers.get(type);
    return shared != null && shared.informer() == informer;
  }

  private <T extends HasMetadata> SharedIndexInformer<T> create(Class<T> type) {
    var resources = client.resources(type);
    SharedIndexInformer<T> informer =
        Namespaced.class.isAssignableFrom(type)
            ? resources.inAnyNamespace().runnableInformer(RESYNC_CHECK_MILLIS)
            : resources.runnableInformer(RESYNC_CHECK_MILLIS);
    // a broken list or watch is retried for as long as a controller listens
    informer.exceptionHandler((started, t) -> isCurrent(type, informer));
    return informer;
  }
}
