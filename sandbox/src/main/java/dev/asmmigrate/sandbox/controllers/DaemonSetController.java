package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.DaemonPlacement.fits;
import static dev.asmmigrate.sandbox.controllers.DaemonPlacement.isReady;
import static dev.asmmigrate.sandbox.controllers.DaemonPlacement.nodeOf;
import static dev.asmmigrate.sandbox.controllers.DaemonPlacement.replaceNodeAffinity;
import static dev.asmmigrate.sandbox.controllers.DaemonPlacement.shouldRun;
import static dev.asmmigrate.sandbox.controllers.DaemonPlacement.withDaemonTolerations;

import dev.asmmigrate.sandbox.SandboxContext;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDaemonSet;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The DaemonSet controller (k8s.io/kubernetes pkg/controller/daemon), as a client of the sandbox's
 * API.
 *
 * <p>One pod per Ready node that the pod fits (nodeSelector, required node affinity, taints against
 * the tolerations every daemon pod gets), named {@code <ds>-xxxxx}, with {@code spec.nodeName} set
 * and node affinity to that node, labels {@code controller-revision-hash} (the template's hash) and
 * {@code pod-template-generation}. A pod keeps running on a node that stops being Ready; it is
 * removed from a node it no longer fits. {@code RollingUpdate} replaces pods within {@code
 * maxUnavailable} (default 1) or, with {@code maxSurge}, starts the new pod beside the old one and
 * deletes the old one once the new one is available; {@code OnDelete} only replaces deleted pods.
 * Status is what {@code kubectl rollout status ds/x} reads.
 *
 * <p>The rolling update's steps are in {@link DaemonSetRollingUpdate}, where the pods go in {@link
 * DaemonPlacement}.
 */
public final class DaemonSetController extends SetControllerSupport {
  static final String REVISION_LABEL = "controller-revision-hash";
  static final String TEMPLATE_GENERATION_LABEL = "pod-template-generation";
  static final String TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation";
  private static final Duration RESYNC = Duration.ofSeconds(30);

  private final SetHistory history;
  private final DaemonSetRollingUpdate rolling;
  private SharedIndexInformer<DaemonSet> sets;

  public DaemonSetController(SandboxContext ctx) {
    super(ctx, "daemonset-controller");
    this.history = new SetHistory(client);
    this.rolling = new DaemonSetRollingUpdate(clock, this::syncNodes);
  }

  @Override
  protected void onStart() {
    sets = inform(DaemonSet.class, RESYNC, s -> queue.add(SetPods.key(s)));
    inform(Pod.class, RESYNC, this::podChanged);
    inform(Node.class, RESYNC, n -> enqueueAll());
  }

  private void podChanged(Pod pod) {
    enqueueOwnerOrAdopters(
        pod, "DaemonSet", sets, s -> s.getSpec() == null ? null : s.getSpec().getSelector());
  }

  private void enqueueAll() {
    for (DaemonSet ds : sets.getStore().list()) {
      queue.add(SetPods.key(ds));
    }
  }

  @Override
  protected void reconcile(String key) {
    String ns = SetPods.namespaceOf(key);
    DaemonSet ds = client.apps().daemonSets().inNamespace(ns).withName(SetPods.nameOf(key)).get();
    if (ds == null || ds.getSpec() == null) {
      return;
    }
    DaemonSetSpec spec = ds.getSpec();
    DaemonSetStatus old = ds.getStatus() == null ? new DaemonSetStatus() : ds.getStatus();
    List<Node> nodes = client.nodes().list().getItems();
    SetHistory.Revisions revisions =
        history.sync(
            ds,
            spec.getSelector(),
            spec.getTemplate(),
            old.getCollisionCount(),
            REVISION_LABEL,
            null);
    String hash = SetHistory.hashOf(revisions.update(), REVISION_LABEL);
    String generation = templateGeneration(ds);

    Map<String, List<Pod>> byNode = podsByNode(ds);
    if (!SetPods.isTerminating(ds)) {
      boolean changed = manage(ds, nodes, byNode, hash);
      if (!changed && isRollingUpdate(spec)) {
        changed = rolling.rollingUpdate(ds, nodes, byNode, hash, generation);
      }
      if (changed) {
        byNode = podsByNode(ds);
      }
    }

    Instant now = clock.instant();
    int minReady = spec.getMinReadySeconds() == null ? 0 : spec.getMinReadySeconds();
    int desired = 0;
    int current = 0;
    int misscheduled = 0;
    int ready = 0;
    int available = 0;
    int updated = 0;
    Duration recheck = null;
    for (Node node : nodes) {
      List<Pod> pods = byNode.getOrDefault(node.getMetadata().getName(), List.of());
      boolean scheduled = !pods.isEmpty();
      if (shouldRun(node, spec.getTemplate().getSpec())) {
        desired++;
        if (!scheduled) {
          continue;
        }
        current++;
        List<Pod> sorted = new ArrayList<>(pods);
        sorted.sort(SetPods.BY_CREATION);
        Pod pod = sorted.get(0);
        if (SetPods.isReady(pod)) {
          ready++;
          Optional<Duration> left = SetPods.untilAvailable(pod, minReady, now);
          if (left.isPresent() && left.get().isZero()) {
            available++;
          } else if (left.isPresent()) {
            recheck = recheck == null || left.get().compareTo(recheck) < 0 ? left.get() : recheck;
          }
        }
        if (isUpdated(pod, hash, generation)) {
          updated++;
        }
      } else if (scheduled && !fits(node, withDaemonTolerations(spec.getTemplate().getSpec()))) {
        misscheduled++;
      }
    }
    DaemonSetStatus status = new DaemonSetStatus();
    status.setDesiredNumberScheduled(desired);
    status.setCurrentNumberScheduled(current);
    status.setNumberMisscheduled(misscheduled);
    status.setNumberReady(ready);
    status.setObservedGeneration(ds.getMetadata().getGeneration());
    status.setUpdatedNumberScheduled(omitZero(updated));
    status.setNumberAvailable(omitZero(available));
    status.setNumberUnavailable(omitZero(desired - available));
    status.setCollisionCount(omitZero(revisions.collisionCount()));
    status.setConditions(old.getConditions());
    if (!sameJson(status, ds.getStatus())) {
      ds.setStatus(status);
      client.apps().daemonSets().inNamespace(ns).resource(ds).updateStatus();
    }

    Set<String> live = new HashSet<>();
    for (var r : revisions.all()) {
      String h = SetHistory.hashOf(r, REVISION_LABEL);
      for (List<Pod> pods : byNode.values()) {
        for (Pod p : pods) {
          if (h.equals(SetPods.labels(p).get(REVISION_LABEL))) {
            live.add(r.getMetadata().getName());
          }
        }
      }
    }
    history.truncate(revisions, live, spec.getRevisionHistoryLimit());
    if (recheck != null) {
      queue.addAfter(key, recheck.plusMillis(50));
    }
  }

  /**
   * Creates a pod on every node that should run one and has none, deletes failed pods, extra pods
   * and pods on nodes they no longer fit (podsShouldBeOnNode).
   *
   * @return whether it changed anything
   */
  private boolean manage(
      DaemonSet ds, List<Node> nodes, Map<String, List<Pod>> byNode, String hash) {
    PodSpec template = ds.getSpec().getTemplate().getSpec();
    PodSpec tolerant = withDaemonTolerations(template);
    boolean surge = surgeAllowed(ds);
    int minReady =
        ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
    Instant now = clock.instant();
    List<String> create = new ArrayList<>();
    List<Pod> delete = new ArrayList<>();
    Set<String> nodeNames = new HashSet<>();
    for (Node node : nodes) {
      String nodeName = node.getMetadata().getName();
      nodeNames.add(nodeName);
      List<Pod> pods = byNode.getOrDefault(nodeName, List.of());
      boolean fits = fits(node, tolerant);
      boolean shouldRun = fits && isReady(node);
      if (shouldRun && pods.isEmpty()) {
        create.add(nodeName);
      } else if (fits) {
        List<Pod> running = new ArrayList<>();
        for (Pod pod : pods) {
          if (SetPods.isTerminating(pod)) {
            continue;
          }
          if ("Failed".equals(SetPods.phase(pod))) {
            delete.add(pod);
          } else {
            running.add(pod);
          }
        }
        running.sort(SetPods.BY_CREATION);
        if (!surge) {
          // without surge, one pod per node: all but the oldest go
          for (int i = 1; i < running.size(); i++) {
            delete.add(running.get(i));
          }
          continue;
        }
        if (running.size() <= 1) {
          if (running.isEmpty() && shouldRun) {
            create.add(nodeName);
          }
          continue;
        }
        // with surge: keep the oldest new pod and, while it is not yet available, the oldest old
        // one
        Pod oldestNew = null;
        Pod oldestOld = null;
        for (Pod pod : running) {
          if (hash.equals(SetPods.labels(pod).get(REVISION_LABEL))) {
            if (oldestNew == null) {
              oldestNew = pod;
              continue;
            }
          } else if (oldestOld == null) {
            oldestOld = pod;
            continue;
          }
          delete.add(pod);
        }
        if (oldestNew != null && oldestOld != null) {
          if (!SetPods.isReady(oldestOld) || SetPods.isAvailable(oldestNew, minReady, now)) {
            delete.add(oldestOld);
          }
        }
      } else {
        for (Pod pod : pods) {
          if (!SetPods.isTerminating(pod)) {
            delete.add(pod);
          }
        }
      }
    }
    // daemon pods bound to nodes that no longer exist (the pod garbage collector's job)
    byNode.forEach(
        (nodeName, pods) -> {
          if (!nodeNames.contains(nodeName)) {
            pods.stream().filter(p -> !SetPods.isTerminating(p)).forEach(delete::add);
          }
        });
    syncNodes(ds, delete, create, hash);
    return !delete.isEmpty() || !create.isEmpty();
  }

  private void syncNodes(DaemonSet ds, List<Pod> delete, List<String> createOn, String hash) {
    String ns = ds.getMetadata().getNamespace();
    for (String nodeName : createOn) {
      Pod pod =
          SetPods.fromTemplate(ds.getSpec().getTemplate(), ds, client.getKubernetesSerialization());
      pod.getMetadata().setGenerateName(ds.getMetadata().getName() + "-");
      pod.getMetadata().getLabels().put(REVISION_LABEL, hash);
      pod.getMetadata().getLabels().put(TEMPLATE_GENERATION_LABEL, templateGeneration(ds));
      PodSpec spec = withDaemonTolerations(pod.getSpec());
      spec.setNodeName(nodeName);
      spec.setAffinity(replaceNodeAffinity(spec.getAffinity(), nodeName));
      pod.setSpec(spec);
      client.pods().inNamespace(ns).resource(pod).create();
    }
    for (Pod pod : delete) {
      deletePod(pod, SetPods.isTerminal(pod) ? 0L : null);
    }
  }

  /**
   * The set's pods by node, after adopting matching orphans; terminal pods being deleted are left
   * out.
   */
  private Map<String, List<Pod>> podsByNode(DaemonSet ds) {
    Map<String, List<Pod>> byNode = new TreeMap<>();
    for (Pod pod : claimPods(ds, ds.getSpec().getSelector(), p -> true)) {
      if (SetPods.isTerminating(pod) && SetPods.isTerminal(pod)) {
        continue;
      }
      String node = nodeOf(pod);
      if (node != null) {
        byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(pod);
      }
    }
    return byNode;
  }

  /** The node a daemon pod is bound or pinned to. */
  static String nodeOf(Pod pod) {
    return DaemonPlacement.nodeOf(pod);
  }

  /**
   * The template generation pods are labelled with: the API server's annotation, else the
   * generation.
   */
  static String templateGeneration(DaemonSet ds) {
    Map<String, String> annotations = ds.getMetadata().getAnnotations();
    if (annotations != null && annotations.get(TEMPLATE_GENERATION_ANNOTATION) != null) {
      return annotations.get(TEMPLATE_GENERATION_ANNOTATION);
    }
    Long generation = ds.getMetadata().getGeneration();
    return Long.toString(generation == null ? 1 : generation);
  }

  /** util.IsPodUpdated: the pod carries the template's hash or its template generation. */
  static boolean isUpdated(Pod pod, String hash, String generation) {
    Map<String, String> labels = SetPods.labels(pod);
    return hash.equals(labels.get(REVISION_LABEL))
        || (generation != null && generation.equals(labels.get(TEMPLATE_GENERATION_LABEL)));
  }

  private static boolean isRollingUpdate(DaemonSetSpec spec) {
    return spec.getUpdateStrategy() == null
        || spec.getUpdateStrategy().getType() == null
        || "RollingUpdate".equals(spec.getUpdateStrategy().getType());
  }

  private static boolean surgeAllowed(DaemonSet ds) {
    DaemonSetSpec spec = ds.getSpec();
    if (!isRollingUpdate(spec) || spec.getUpdateStrategy() == null) {
      return false;
    }
    RollingUpdateDaemonSet ru = spec.getUpdateStrategy().getRollingUpdate();
    return ru != null && SetPods.scaled(ru.getMaxSurge(), 100, true, 0) > 0;
  }

  private static Integer omitZero(int n) {
    return n == 0 ? null : n;
  }
}
