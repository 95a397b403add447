package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isTerminating;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.key;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.phase;

import dev.asmmigrate.sandbox.SandboxContext;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The scheduler and the kubelets of the simulated nodes.
 *
 * <p>The scheduler binds each unscheduled pod to a Ready node (round robin over the nodes that fit
 * its nodeSelector, required node affinity and taints; it waits while none does). The kubelet then
 * runs it: {@code Pending => Running} with a pod IP, container statuses and conditions as a real
 * kubelet reports them, containers Ready {@code podReadyDelay} after they start. Pods in a
 * crash-loop namespace ({@link dev.asmmigrate.sandbox.Faults#crashLoopNamespaces}) crash-loop with
 * a growing restart count; pods that must not restart (Jobs') complete, but for the sidecar of an
 * injected one, which runs on as Istio's proxy does; pods being deleted stop their containers and
 * are removed for good after a short simulated grace period.
 *
 * <p>This class is the entry point: it watches nodes and pods and hands each pod to the {@link
 * Scheduler} or the {@link Kubelet}; {@link PodStatuses} and {@link PodIdentities} serve them.
 */
public final class SchedulerAndKubelet extends SetControllerSupport {
  /**
   * Pods worked on at once: a kubelet runs a worker per pod, the scheduler binds one at a time
   * (binding is one quick write here).
   */
  private static final int WORKERS = 16;

  /** When a pod whose cache lags the kubelet's own write is looked at again at the latest. */
  private static final Duration STALE_RECHECK = Duration.ofSeconds(1);

  private final Scheduler scheduler;
  private final Kubelet kubelet;

  /** Per pod key: its uid, to forget state when it is gone. */
  private final Map<String, String> uids = new ConcurrentHashMap<>();

  private volatile SharedIndexInformer<Pod> pods;
  private volatile SharedIndexInformer<Node> nodes;

  public SchedulerAndKubelet(SandboxContext ctx) {
    super(ctx, "scheduler-kubelet", WORKERS);
    this.scheduler = new Scheduler(client, () -> nodes.getStore().list());
    this.kubelet = new Kubelet(ctx, queue, nodeName -> nodes.getStore().getByKey(nodeName));
  }

  @Override
  protected void onStart() {
    nodes =
        informChanges(
            Node.class,
            (before, after) -> {
              if (after != null && isSchedulable(after)) {
                enqueueUnscheduled();
              }
            });
    pods =
        informChanges(Pod.class, (before, after) -> queue.add(key(after != null ? after : before)));
  }

  private void enqueueUnscheduled() {
    if (pods == null) {
      return;
    }
    for (Pod p : pods.getStore().list()) {
      if (p.getSpec().getNodeName() == null && !isTerminating(p)) {
        queue.add(key(p));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Override
  protected void reconcile(String key) {
    if (!cachesSynced(key, pods, nodes)) {
      return;
    }
    // the pod as the shared cache holds it (the kubelet's pod source is a watch, too); status
    // writes carry its resourceVersion, so one made on a stale read conflicts and is retried
    Pod pod = cached(pods, key);
    if (pod == null) {
      kubelet.forget(uids.remove(key));
      return;
    }
    String uid = pod.getMetadata().getUid();
    String previous = uids.put(key, uid);
    if (previous != null && !previous.equals(uid)) {
      kubelet.forget(previous);
    }
    if (kubelet.behindOwnWrite(pod)) {
      // the cache has not yet seen the kubelet's last status write; its event requeues the pod,
      // and the recheck keeps a lost event from stranding it
      queue.addAfter(key, STALE_RECHECK);
      return;
    }
    if (isTerminating(pod)) {
      kubelet.terminate(key, pod);
    } else if (pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty()) {
      scheduler.schedule(pod);
    } else if ("Pending".equals(phase(pod))) {
      kubelet.startPod(key, pod);
    } else if ("Running".equals(phase(pod))) {
      kubelet.run(key, pod);
    }
  }

  static boolean isSchedulable(Node node) {
    return Scheduler.isSchedulable(node);
  }
}
