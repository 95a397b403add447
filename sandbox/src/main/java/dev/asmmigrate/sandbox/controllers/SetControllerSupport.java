package dev.asmmigrate.sandbox.controllers;

import dev.asmmigrate.sandbox.SandboxContext;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The skeleton every workload controller shares: handlers of the sandbox's shared informers (list
 * and watch over the API, relisting when a watch breaks) that only queue keys, and one work queue
 * whose workers reconcile keys in parallel, each key by reading the API afresh. {@link #start()}
 * returns at once; {@link #close()} removes the handlers and stops the queue and every timer.
 */
abstract class SetControllerSupport implements Controller {
  private static final Logger log = LoggerFactory.getLogger(SetControllerSupport.class);

  /** kube-controller-manager's default for most controllers' {@code --concurrent-*-syncs}. */
  static final int DEFAULT_WORKERS = 5;

  protected final SandboxContext ctx;
  protected final KubernetesClient client;
  protected final WorkloadQueue queue;
  protected final Clock clock = Clock.systemUTC();
  private final String name;
  private final List<Runnable> unregister = new CopyOnWriteArrayList<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean closed;

  protected SetControllerSupport(SandboxContext ctx, String name) {
    this(ctx, name, DEFAULT_WORKERS);
  }

  /**
   * @param workers how many keys are reconciled at once
   */
  protected SetControllerSupport(SandboxContext ctx, String name, int workers) {
    this.ctx = ctx;
    this.client = ctx.client();
    this.name = name;
    this.queue = new WorkloadQueue(name, workers, ctx.scheduler(), this::reconcile);
  }

  @Override
  public final void start() {
    if (closed || !started.compareAndSet(false, true)) {
      return;
    }
    queue.start();
    onStart();
  }

  /** Registers the informers' handlers (and any first work); must not block. */
  protected abstract void onStart();

  /** Brings the object behind {@code key} to its desired state; throws to be retried. */
  protected abstract void reconcile(String key) throws Exception;

  /**
   * Follows every object of {@code type}: {@code onChange} gets every object concerned (the old and
   * the new one on an update, the last state on a delete), and every object again each {@code
   * resync}.
   *
   * @return the shared informer, whose store is the shared cache
   */
  protected final <T extends HasMetadata> SharedIndexInformer<T> inform(
      Class<T> type, Duration resync, Consumer<T> onChange) {
    return register(
        type,
        resync,
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            dispatch(onChange, obj);
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            if (oldObj != null && oldObj != newObj) {
              dispatch(onChange, oldObj);
            }
            dispatch(onChange, newObj);
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            dispatch(onChange, obj);
          }
        });
  }

  /**
   * Called for each change an informer sees: {@code before} is null for an add, {@code after} for a
   * delete.
   */
  @FunctionalInterface
  interface Change<T> {
    void on(T before, T after);
  }

  /** Follows every object of {@code type} as changes (before, after), without resyncs. */
  protected final <T extends HasMetadata> SharedIndexInformer<T> informChanges(
      Class<T> type, Change<T> change) {
    return register(
        type,
        Duration.ZERO,
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            dispatch(o -> change.on(null, o), obj);
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            dispatch(o -> change.on(oldObj, o), newObj);
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            dispatch(o -> change.on(o, null), obj);
          }
        });
  }

  private <T extends HasMetadata> SharedIndexInformer<T> register(
      Class<T> type, Duration resync, ResourceEventHandler<T> handler) {
    SharedIndexInformer<T> informer = ctx.informers().register(type, resync, handler);
    unregister.add(() -> ctx.informers().unregister(type, handler));
    return informer;
  }

  private <T> void dispatch(Consumer<T> onChange, T obj) {
    if (closed || obj == null) {
      return;
    }
    try {
      onChange.accept(obj);
    } catch (RuntimeException e) {
      log.warn("{}: event handler failed", name, e);
    }
  }

  /**
   * A pod changed: queues its controller if that is of {@code kind}; for an orphan, every owner in
   * its namespace whose selector matches it (they may adopt it).
   */
  protected final <T extends HasMetadata> void enqueueOwnerOrAdopters(
      Pod pod,
      String kind,
      SharedIndexInformer<T> owners,
      java.util.function.Function<T, LabelSelector> selector) {
    if (SetPods.controllerOf(pod).isPresent()) {
      enqueueController(pod, kind);
      return;
    }
    for (T owner : owners.getStore().list()) {
      if (Objects.equals(owner.getMetadata().getNamespace(), pod.getMetadata().getNamespace())
          && SetPods.selects(selector.apply(owner), SetPods.labels(pod))) {
        queue.add(SetPods.key(owner));
      }
    }
  }

  /**
   * Whether every informer has listed once, as kube-controller-manager's WaitForCacheSync before
   * its workers start: a controller that reads its caches must not act on an empty one (it would
   * create pods that exist). Until then the key is queued again shortly.
   */
  protected final boolean cachesSynced(String key, SharedIndexInformer<?>... informers) {
    for (SharedIndexInformer<?> informer : informers) {
      if (informer == null || !informer.hasSynced()) {
        queue.addAfter(key, CACHE_SYNC_RETRY);
        return false;
      }
    }
    return true;
  }

  private static final Duration CACHE_SYNC_RETRY = Duration.ofMillis(50);

  /**
   * The object behind a {@code namespace/name} key in a shared informer's cache (a lister's Get),
   * null if it has none. The object is the cache's own: never change it, clone it to write.
   */
  protected static <T> T cached(SharedIndexInformer<T> informer, String key) {
    return informer.getStore().getByKey(key);
  }

  /**
   * The objects of one namespace in a shared informer's cache (a lister's List); never change them.
   */
  protected static <T> List<T> cachedIn(SharedIndexInformer<T> informer, String namespace) {
    return informer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace);
  }

  /** The object behind a {@code namespace/name} key, read afresh from the API; null if gone. */
  protected final <T extends HasMetadata> T get(Class<T> type, String key) {
    return client
        .resources(type)
        .inNamespace(SetPods.namespaceOf(key))
        .withName(SetPods.nameOf(key))
        .get();
  }

  /** Queues the controller owning {@code o} if it is of {@code kind}. */
  protected final void enqueueController(HasMetadata o, String kind) {
    SetPods.controllerOf(o)
        .filter(r -> kind.equals(r.getKind()))
        .map(OwnerReference::getName)
        .ifPresent(owner -> queue.add(o.getMetadata().getNamespace() + "/" + owner));
  }

  /**
   * The pods {@code owner} controls in its namespace (ControllerRefManager.ClaimPods): those it
   * controls and its selector matches, plus orphans its selector matches, which it adopts (unless
   * it or they are being deleted); controlled pods its selector no longer matches are released.
   *
   * @param member a further filter, e.g. StatefulSet pod names
   */
  protected final List<Pod> claimPods(
      HasMetadata owner, LabelSelector selector, Predicate<Pod> member) {
    String ns = owner.getMetadata().getNamespace();
    List<Pod> out = new ArrayList<>();
    for (Pod pod : client.pods().inNamespace(ns).list().getItems()) {
      if (!member.test(pod)) {
        continue;
      }
      boolean matches = SetPods.selects(selector, SetPods.labels(pod));
      if (SetPods.isControlledBy(pod, owner)) {
        if (matches) {
          out.add(pod);
        } else if (!SetPods.isTerminating(owner)) {
          setPodOwner(pod, owner, false);
        }
      } else if (SetPods.controllerOf(pod).isEmpty()
          && matches
          && !SetPods.isTerminating(owner)
          && !SetPods.isTerminating(pod)) {
        Pod adopted = setPodOwner(pod, owner, true);
        if (adopted != null) {
          out.add(adopted);
        }
      }
    }
    return out;
  }

  /** Adds (adopt) or removes (release) the controller reference to {@code owner}; null if gone. */
  private Pod setPodOwner(Pod pod, HasMetadata owner, boolean adopt) {
    try {
      return client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .edit(
              p -> {
                List<OwnerReference> refs =
                    p.getMetadata().getOwnerReferences() == null
                        ? new ArrayList<>()
                        : new ArrayList<>(p.getMetadata().getOwnerReferences());
                refs.removeIf(r -> Objects.equals(r.getUid(), owner.getMetadata().getUid()));
                if (adopt) {
                  refs.add(SetPods.controllerRef(owner));
                }
                p.getMetadata().setOwnerReferences(refs.isEmpty() ? null : refs);
                return p;
              });
    } catch (KubernetesClientException e) {
      if (isNotFound(e)) {
        return null;
      }
      throw e;
    }
  }

  /** Deletes a pod, gracefully unless {@code gracePeriodSeconds} says otherwise; gone is fine. */
  protected final void deletePod(Pod pod, Long gracePeriodSeconds) {
    try {
      var resource =
          client
              .pods()
              .inNamespace(pod.getMetadata().getNamespace())
              .withName(pod.getMetadata().getName());
      if (gracePeriodSeconds != null) {
        resource.withGracePeriod(gracePeriodSeconds).delete();
      } else {
        resource.delete();
      }
    } catch (KubernetesClientException e) {
      if (!isNotFound(e)) {
        throw e;
      }
    }
  }

  /** Whether two model objects serialize alike (null never equals). */
  protected final boolean sameJson(Object a, Object b) {
    if (a == null || b == null) {
      return false;
    }
    var s = client.getKubernetesSerialization();
    return s.asJson(a).equals(s.asJson(b));
  }

  protected final boolean isClosed() {
    return closed;
  }

  /** Stops what {@link #onStart()} started beyond informers (timers); called once by close. */
  protected void onClose() {}

  @Override
  public final void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      onClose();
    } catch (RuntimeException e) {
      log.debug("{}: close failed", name, e);
    }
    for (Runnable r : unregister) {
      try {
        r.run();
      } catch (RuntimeException e) {
        // keep removing the rest
      }
    }
    queue.close();
  }

  static boolean isNotFound(Throwable e) {
    return WorkloadSupport.isNotFound(e);
  }

  static boolean isConflict(KubernetesClientException e) {
    return e.getCode() == 409;
  }

  static boolean sameUid(HasMetadata a, HasMetadata b) {
    return a != null
        && b != null
        && Objects.equals(a.getMetadata().getUid(), b.getMetadata().getUid());
  }
}
