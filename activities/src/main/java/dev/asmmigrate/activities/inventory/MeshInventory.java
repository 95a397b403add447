package dev.asmmigrate.activities.inventory;

import static dev.asmmigrate.workflows.model.IstioNames.ADDON_16_REVISION;
import static dev.asmmigrate.workflows.model.IstioNames.DEFAULT_TAG;
import static dev.asmmigrate.workflows.model.IstioNames.INJECTION_ENABLED;
import static dev.asmmigrate.workflows.model.IstioNames.INJECTION_LABEL;
import static dev.asmmigrate.workflows.model.IstioNames.NEVER_TOUCHED_NAMESPACES;
import static dev.asmmigrate.workflows.model.IstioNames.PROXY_CONTAINER;
import static dev.asmmigrate.workflows.model.IstioNames.REV_LABEL;

import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PodToRecreate;
import dev.asmmigrate.workflows.model.window.Estimates;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The cluster as the migration sees it, one set of rules for pre-flight, {@code plan}, the workload
 * phase and verification: which namespaces are on which add-on (and which are never touched), which
 * pods carry a sidecar and which proxy, which workloads are in the mesh, which pods no restart
 * replaces. Pure: a function of the objects read ({@link InventoryReads} reads them), so every rule
 * is testable without a cluster.
 *
 * <p>The rules, where the steps once differed:
 *
 * <ul>
 *   <li>a pod carries a sidecar when an {@code istio-proxy} container is among its containers or
 *       its init containers (a native sidecar: an init container with restartPolicy Always); {@code
 *       istio-init} alone runs no proxy and does not count;
 *   <li>never touched: Kubernetes' namespaces, the control plane's ({@code istio-system}, {@code
 *       istio-operator}) and asm-migrate's own, whatever their labels;
 *   <li>a namespace is on an add-on by its injection label alone ({@code istio-injection=enabled}:
 *       1.4, winning over {@code istio.io/rev=istio-1611}: 1.6), and only when that add-on runs; a
 *       namespace labelled {@code istio-injection=disabled} or unlabelled is outside the mesh
 *       whatever proxies its old pods still run; only a namespace relabelled to the migration's
 *       target revision (by an earlier run) is placed by other evidence;
 *   <li>pods no restart replaces: running injected pods owned by no controller, by a Job, by a
 *       ReplicaSet no Deployment owns, or by another kind that is not a StatefulSet or DaemonSet.
 * </ul>
 *
 * @param namespaces the namespaces read (all of them, or the one inspected)
 * @param pods the pods of the namespaces read, as the other lists
 */
public record MeshInventory(
    List<Namespace> namespaces,
    List<Pod> pods,
    List<ReplicaSet> replicaSets,
    List<Deployment> deployments,
    List<StatefulSet> statefulSets,
    List<DaemonSet> daemonSets,
    List<Job> jobs) {

  // --- namespaces --------------------------------------------------------------------------------

  /** Where a namespace stands before its workloads are touched. */
  public enum Standing {
    /** Kubernetes', the control plane's or asm-migrate's own: never migrated. */
    NEVER_TOUCHED,
    /** Labelled for an add-on that runs: migrated. */
    ON_ADDON,
    /** Labelled for an add-on that does not run: left alone. */
    ADDON_NOT_RUNNING,
    /** Carries the migration's target revision: an earlier run relabelled it. */
    RELABELLED,
    /** No add-on injects it: left alone. */
    OUTSIDE
  }

  /**
   * One namespace's injection state.
   *
   * @param version the add-on its label selects (1.4 wins when both are set), or null
   * @param revision the injector revision its labels select: {@code istio.io/rev}, or the {@code
   *     default} tag for {@code istio-injection=enabled}; null when none
   * @param bothAddons labelled for both add-ons at once
   */
  public record Injection(
      String namespace,
      Standing standing,
      AddonVersion version,
      String revision,
      boolean bothAddons) {
    public boolean migrated() {
      return standing == Standing.ON_ADDON;
    }
  }

  public static boolean neverTouched(String namespace) {
    return NEVER_TOUCHED_NAMESPACES.contains(namespace);
  }

  /** The add-on a set of namespace labels selects: 1.4 before 1.6; null when neither. */
  public static AddonVersion labelledAddon(Map<String, String> labels) {
    if (INJECTION_ENABLED.equals(labels.get(INJECTION_LABEL))) {
      return AddonVersion.V1_4;
    }
    return ADDON_16_REVISION.equals(labels.get(REV_LABEL)) ? AddonVersion.V1_6 : null;
  }

  /** The revision a namespace's labels select (the {@code default} tag for the plain label). */
  public static String revision(Map<String, String> labels) {
    String rev = labels.get(REV_LABEL);
    if (rev != null) {
      return rev;
    }
    return INJECTION_ENABLED.equals(labels.get(INJECTION_LABEL)) ? DEFAULT_TAG : null;
  }

  /**
   * Classifies one namespace.
   *
   * @param running the add-on versions whose control plane runs
   * @param targetRevision the migration's managed revision
   */
  public static Injection injection(
      Namespace ns, Collection<AddonVersion> running, String targetRevision) {
    String name = ns.getMetadata().getName();
    Map<String, String> labels = labels(ns);
    AddonVersion version = labelledAddon(labels);
    boolean both =
        INJECTION_ENABLED.equals(labels.get(INJECTION_LABEL))
            && ADDON_16_REVISION.equals(labels.get(REV_LABEL));
    Standing standing;
    if (neverTouched(name)) {
      standing = Standing.NEVER_TOUCHED;
    } else if (version != null) {
      standing = running.contains(version) ? Standing.ON_ADDON : Standing.ADDON_NOT_RUNNING;
    } else if (targetRevision != null && targetRevision.equals(labels.get(REV_LABEL))) {
      standing = Standing.RELABELLED;
    } else {
      standing = Standing.OUTSIDE;
    }
    return new Injection(name, standing, version, revision(labels), both);
  }

  /** Every namespace read, classified, by name. */
  public List<Injection> injections(Collection<AddonVersion> running, String targetRevision) {
    return byName(namespaces).stream().map(n -> injection(n, running, targetRevision)).toList();
  }

  /**
   * The add-on a namespace's pods still run, by their proxies' images (1.4 first); null when none.
   * The evidence for a namespace {@link Standing#RELABELLED} whose pods were not all restarted.
   */
  public static AddonVersion addonByProxies(List<Pod> pods, Map<String, AddonVersion> addonImages) {
    AddonVersion found = null;
    for (Pod pod : pods) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      AddonVersion v = proxy(pod).map(c -> addonImages.get(c.getImage())).orElse(null);
      if (v == AddonVersion.V1_4) {
        return v;
      }
      found = v != null ? v : found;
    }
    return found;
  }

  // --- pods --------------------------------------------------------------------------------------

  /** The pod's sidecar: an {@code istio-proxy} container, else such an init container. */
  public static Optional<Container> proxy(Pod pod) {
    var spec = pod.getSpec();
    if (spec == null) {
      return Optional.empty();
    }
    return Stream.concat(
            spec.getContainers() == null ? Stream.empty() : spec.getContainers().stream(),
            spec.getInitContainers() == null ? Stream.empty() : spec.getInitContainers().stream())
        .filter(c -> PROXY_CONTAINER.equals(c.getName()))
        .findFirst();
  }

  public static boolean carriesSidecar(Pod pod) {
    return proxy(pod).isPresent();
  }

  /** Whether any of {@code pods} carries a sidecar. */
  public static boolean carriesSidecar(List<Pod> pods) {
    return pods.stream().anyMatch(MeshInventory::carriesSidecar);
  }

  /** The image of the pod's sidecar, or "" when it has none. */
  public static String proxyImage(Pod pod) {
    return proxy(pod).map(Container::getImage).map(i -> i == null ? "" : i).orElse("");
  }

  public static boolean finished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  /** A pod that runs on: neither finished nor being deleted. */
  public static boolean live(Pod pod) {
    return !finished(pod) && pod.getMetadata().getDeletionTimestamp() == null;
  }

  // --- workloads ---------------------------------------------------------------------------------

  /**
   * This inventory split by namespace, in one pass over each list: for every namespace read, the
   * inventory of that namespace alone (its objects, in the order read). What a caller inspecting
   * many namespaces reads instead of filtering the whole cluster's lists once per namespace.
   */
  public Map<String, MeshInventory> byNamespace() {
    Map<String, List<List<HasMetadata>>> parts = new HashMap<>();
    List<List<? extends HasMetadata>> kinds =
        List.of(pods, replicaSets, deployments, statefulSets, daemonSets, jobs);
    for (Namespace ns : namespaces) {
      List<List<HasMetadata>> lists = new ArrayList<>();
      kinds.forEach(k -> lists.add(new ArrayList<>()));
      parts.put(ns.getMetadata().getName(), lists);
    }
    for (int k = 0; k < kinds.size(); k++) {
      for (HasMetadata o : kinds.get(k)) {
        List<List<HasMetadata>> lists = parts.get(o.getMetadata().getNamespace());
        if (lists != null) {
          lists.get(k).add(o);
        }
      }
    }
    Map<String, MeshInventory> out = new HashMap<>();
    for (Namespace ns : namespaces) {
      List<List<HasMetadata>> l = parts.get(ns.getMetadata().getName());
      out.put(
          ns.getMetadata().getName(),
          new MeshInventory(
              List.of(ns),
              cast(l.get(0)),
              cast(l.get(1)),
              cast(l.get(2)),
              cast(l.get(3)),
              cast(l.get(4)),
              cast(l.get(5))));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> cast(List<HasMetadata> objects) {
    return (List<T>) (List<?>) objects;
  }

  /** The objects of {@code namespace}. */
  public static <T extends HasMetadata> List<T> in(List<T> objects, String namespace) {
    return objects.stream().filter(o -> namespace.equals(o.getMetadata().getNamespace())).toList();
  }

  /** Whether a StatefulSet or DaemonSet is in the mesh: one of its pods carries a sidecar. */
  public static boolean meshed(HasMetadata set, List<Pod> pods) {
    return carriesSidecar(ownedBy(pods, set));
  }

  /** Deployments, and the StatefulSets and DaemonSets in the mesh, of one namespace. */
  public int workloads(String namespace) {
    List<Pod> nsPods = in(pods, namespace);
    int n = in(deployments, namespace).size();
    n += (int) in(statefulSets, namespace).stream().filter(s -> meshed(s, nsPods)).count();
    n += (int) in(daemonSets, namespace).stream().filter(d -> meshed(d, nsPods)).count();
    return n;
  }

  /** {@link #unmanagedPods(List, List)} of one namespace. */
  public List<String> unmanagedPods(String namespace) {
    return unmanagedPods(in(pods, namespace), in(replicaSets, namespace));
  }

  /**
   * Running injected pods no restart replaces, by name, each as {@code name (no controller)} or
   * {@code name (Kind owner)}: owned by no controller, by a Job, by a ReplicaSet no Deployment
   * owns, or by any other kind than StatefulSet or DaemonSet. Reported, never deleted.
   */
  public static List<String> unmanagedPods(List<Pod> pods, List<ReplicaSet> replicaSets) {
    Map<String, ReplicaSet> rsByUid = new HashMap<>();
    replicaSets.forEach(rs -> rsByUid.put(rs.getMetadata().getUid(), rs));
    List<String> out = new ArrayList<>();
    for (Pod pod : byName(pods)) {
      if (!live(pod) || !carriesSidecar(pod)) {
        continue;
      }
      OwnerReference owner = controllerOf(pod);
      boolean replaced;
      if (owner == null) {
        replaced = false;
      } else if ("ReplicaSet".equals(owner.getKind())) {
        ReplicaSet rs = rsByUid.get(owner.getUid());
        OwnerReference rsOwner = rs == null ? null : controllerOf(rs);
        replaced = rsOwner != null && "Deployment".equals(rsOwner.getKind());
      } else {
        replaced = "StatefulSet".equals(owner.getKind()) || "DaemonSet".equals(owner.getKind());
      }
      if (!replaced) {
        out.add(
            pod.getMetadata().getName()
                + (owner == null
                    ? " (no controller)"
                    : " (" + owner.getKind() + " " + owner.getName() + ")"));
      }
    }
    return out;
  }

  /**
   * The running injected pods of {@code namespace} whose owner cannot be asked to recreate them:
   * bare pods and Jobs' pods (a Job's CronJob named when it has one), by name.
   */
  public List<PodToRecreate> podsToRecreate(String namespace) {
    Map<String, String> cronJobOfJob = new HashMap<>();
    for (Job job : in(jobs, namespace)) {
      OwnerReference owner = controllerOf(job);
      if (owner != null && "CronJob".equals(owner.getKind())) {
        cronJobOfJob.put(job.getMetadata().getName(), owner.getName());
      }
    }
    List<PodToRecreate> out = new ArrayList<>();
    for (Pod pod : byName(in(pods, namespace))) {
      if (!live(pod) || !carriesSidecar(pod)) {
        continue;
      }
      OwnerReference owner = controllerOf(pod);
      String name = pod.getMetadata().getName();
      if (owner == null) {
        out.add(PodToRecreate.bare(namespace, name));
      } else if ("Job".equals(owner.getKind())) {
        out.add(
            PodToRecreate.ofJob(
                namespace, name, owner.getName(), cronJobOfJob.get(owner.getName())));
      }
    }
    return out;
  }

  /**
   * The namespace's line of a plan: its workloads, its pods no restart replaces, and how long its
   * rolling restart should take ({@link #restartModel}).
   */
  public NamespacePlan plan(String namespace, AddonVersion version) {
    return new NamespacePlan(
        namespace,
        version,
        workloads(namespace),
        unmanagedPods(namespace).size(),
        restartModel(namespace));
  }

  /**
   * How long a rolling restart of the namespace's workloads should take, restarted at once: its
   * slowest Deployment or StatefulSet by {@link Estimates#rollout} (replicas, maxSurge and
   * maxUnavailable - 25 % each by default, a StatefulSet one pod at a time -, the readiness probe's
   * first success, and the longest its pods were seen to take from creation to Ready).
   */
  public Duration restartModel(String namespace) {
    List<Pod> nsPods = in(pods, namespace);
    Duration observed = Duration.ZERO;
    for (Pod pod : nsPods) {
      Duration d = creationToReady(pod);
      observed = d.compareTo(observed) > 0 ? d : observed;
    }
    Duration slowest = Duration.ZERO;
    for (Deployment d : in(deployments, namespace)) {
      slowest = max(slowest, rollout(d, observed));
    }
    for (StatefulSet set : in(statefulSets, namespace)) {
      if (meshed(set, nsPods)) {
        int replicas = set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
        slowest =
            max(
                slowest,
                Estimates.rollout(
                    replicas, 0, 1, probeReady(set.getSpec().getTemplate()), observed));
      }
    }
    return slowest;
  }

  /**
   * How long a rolling restart of Deployment {@code namespace/name} should take ({@link
   * Estimates#rollout}: its replicas, strategy and readiness probe, and the longest its own pods -
   * those its selector matches - took from creation to Ready); null when there is no such
   * Deployment.
   */
  public Duration deploymentRollout(String namespace, String name) {
    return deployment(namespace, name).map(d -> rollout(d, observedReady(d))).orElse(null);
  }

  /**
   * How long a new Deployment like {@code namespace/name} takes to be Ready: all its replicas
   * created at once, one round of a pod's start and its readiness ({@link Estimates#rollout} with
   * every replica surged); null when there is no such Deployment.
   */
  public Duration deploymentStart(String namespace, String name) {
    return deployment(namespace, name)
        .map(
            d -> {
              int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
              return Estimates.rollout(
                  Math.max(1, replicas),
                  Math.max(1, replicas),
                  0,
                  probeReady(d.getSpec().getTemplate()),
                  observedReady(d));
            })
        .orElse(null);
  }

  /** The replicas Deployment {@code namespace/name} asks for (1 when unset), or 0 when absent. */
  public int replicas(String namespace, String name) {
    return deployment(namespace, name)
        .map(d -> d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas())
        .orElse(0);
  }

  private java.util.Optional<Deployment> deployment(String namespace, String name) {
    return in(deployments, namespace).stream()
        .filter(d -> name.equals(d.getMetadata().getName()))
        .findFirst();
  }

  /** The longest a pod the Deployment's selector matches took from creation to Ready. */
  private Duration observedReady(Deployment d) {
    var selector = d.getSpec().getSelector();
    Map<String, String> match =
        selector == null || selector.getMatchLabels() == null
            ? Map.of()
            : selector.getMatchLabels();
    Duration observed = Duration.ZERO;
    for (Pod pod : in(pods, d.getMetadata().getNamespace())) {
      if (!match.isEmpty() && labels(pod).entrySet().containsAll(match.entrySet())) {
        observed = max(observed, creationToReady(pod));
      }
    }
    return observed;
  }

  /** A rolling restart of {@code d}, its pods seen to take {@code observed} to be Ready. */
  private static Duration rollout(Deployment d, Duration observed) {
    int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    var strategy = d.getSpec().getStrategy();
    boolean recreate = strategy != null && "Recreate".equals(strategy.getType());
    var rolling = strategy == null ? null : strategy.getRollingUpdate();
    int surge =
        recreate ? replicas : count(rolling == null ? null : rolling.getMaxSurge(), replicas, true);
    int unavailable =
        recreate ? 0 : count(rolling == null ? null : rolling.getMaxUnavailable(), replicas, false);
    return Estimates.rollout(
        replicas, surge, unavailable, probeReady(d.getSpec().getTemplate()), observed);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** maxSurge (rounded up) or maxUnavailable (rounded down) as a count; 25 % when unset. */
  private static int count(
      io.fabric8.kubernetes.api.model.IntOrString v, int replicas, boolean roundUp) {
    if (v != null && v.getIntVal() != null) {
      return v.getIntVal();
    }
    String pct = v == null || v.getStrVal() == null ? "25%" : v.getStrVal();
    double percent;
    try {
      percent = Double.parseDouble(pct.replace("%", "").trim());
    } catch (NumberFormatException e) {
      percent = 25;
    }
    double n = percent * replicas / 100.0;
    return (int) (roundUp ? Math.ceil(n) : Math.floor(n));
  }

  /** The readiness probe's first success: its initial delay, then a period per success needed. */
  private static Duration probeReady(io.fabric8.kubernetes.api.model.PodTemplateSpec template) {
    Duration slowest = Duration.ZERO;
    if (template == null || template.getSpec() == null) {
      return slowest;
    }
    for (var c : template.getSpec().getContainers()) {
      var probe = c.getReadinessProbe();
      if (probe == null) {
        continue;
      }
      int delay = probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds();
      int period = probe.getPeriodSeconds() == null ? 10 : probe.getPeriodSeconds();
      int successes = probe.getSuccessThreshold() == null ? 1 : probe.getSuccessThreshold();
      slowest = max(slowest, Duration.ofSeconds(delay + (long) period * successes));
    }
    return slowest;
  }

  /** How long a Ready pod took from its creation to Ready; zero when unknown. */
  private static Duration creationToReady(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Duration.ZERO;
    }
    try {
      java.time.Instant created = java.time.Instant.parse(pod.getMetadata().getCreationTimestamp());
      for (var c : pod.getStatus().getConditions()) {
        if ("Ready".equals(c.getType())
            && "True".equals(c.getStatus())
            && c.getLastTransitionTime() != null) {
          Duration d =
              Duration.between(created, java.time.Instant.parse(c.getLastTransitionTime()));
          return d.isNegative() ? Duration.ZERO : d;
        }
      }
    } catch (RuntimeException unreadable) {
      return Duration.ZERO;
    }
    return Duration.ZERO;
  }

  // --- object facts ------------------------------------------------------------------------------

  public static Map<String, String> labels(HasMetadata o) {
    Map<String, String> l = o.getMetadata().getLabels();
    return l == null ? Map.of() : l;
  }

  /** The objects whose controller owner is {@code owner}. */
  public static <T extends HasMetadata> List<T> ownedBy(List<T> objects, HasMetadata owner) {
    String uid = owner.getMetadata().getUid();
    List<T> out = new ArrayList<>();
    for (T o : objects) {
      OwnerReference ref = controllerOf(o);
      if (ref != null && Objects.equals(ref.getUid(), uid)) {
        out.add(o);
      }
    }
    return out;
  }

  public static OwnerReference controllerOf(HasMetadata o) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
    if (refs == null) {
      return null;
    }
    return refs.stream()
        .filter(r -> Boolean.TRUE.equals(r.getController()))
        .findFirst()
        .orElse(null);
  }

  static <T extends HasMetadata> List<T> byName(List<T> objects) {
    List<T> copy = new ArrayList<>(objects);
    copy.sort(Comparator.comparing(o -> o.getMetadata().getName()));
    return copy;
  }

  /** Namespaces never touched, for messages. */
  public static Set<String> neverTouched() {
    return NEVER_TOUCHED_NAMESPACES;
  }
}
