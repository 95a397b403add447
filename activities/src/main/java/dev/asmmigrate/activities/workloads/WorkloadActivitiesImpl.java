package dev.asmmigrate.activities.workloads;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.Backup;
import dev.asmmigrate.activities.backup.BackupContent;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ClusterBackupStore;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.MigrationMetrics;
import dev.asmmigrate.workflows.activities.WorkloadActivities;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.BackupRef;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.StepResult;
import dev.asmmigrate.workflows.model.Timeouts;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.temporal.activity.Activity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workload phase, per namespace: relabel it for the managed revision, rolling-restart its
 * workloads, and verify them with a watch; and the undo of the relabel.
 */
public final class WorkloadActivitiesImpl implements WorkloadActivities {
  static final String STEP = "migrate-workloads";
  static final String INJECTION_LABEL = "istio-injection";
  static final String REV_LABEL = "istio.io/rev";
  static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
  static final String SYSTEM_NAMESPACE = "istio-system";

  /** Namespaces of control planes and of the tool itself: never migrated as workloads. */
  static final Set<String> NOT_WORKLOAD_NAMESPACES =
      Set.of(
          SYSTEM_NAMESPACE,
          "istio-operator",
          "kube-system",
          "kube-public",
          "kube-node-lease",
          ClusterBackupStore.NAMESPACE);

  /** How often a wait heartbeats (and re-judges) even when nothing changes. */
  static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(WorkloadActivitiesImpl.class);

  private final KubeClients clients;
  private final BackupStores backups;

  public WorkloadActivitiesImpl(KubeClients clients, BackupStores backups) {
    this.clients = clients;
    this.backups = backups;
  }

  // --- relabel and its undo ----------------------------------------------------------------------

  @Override
  public StepResult relabelNamespace(NamespaceRequest request) {
    MigrationContext ctx = request.context();
    String name = request.namespace();
    String revision = request.toRevision();
    if (revision == null || revision.isBlank()) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT,
          "relabel namespace " + name + ": no target revision (restoreNamespaceLabels goes back)");
    }
    KubernetesClient client = clients.client(ctx.connection());
    Namespace ns = namespace(client, name);
    ObjectKey key = namespaceKey(name);
    BackupRef ref = backups.forContext(ctx).save(ctx.migrationId(), STEP, key, tree(ns));
    Map<String, String> labels = labels(ns);
    if (revision.equals(labels.get(REV_LABEL)) && !labels.containsKey(INJECTION_LABEL)) {
      log.info(
          "relabel: namespace {} already labelled {}={}; unchanged", name, REV_LABEL, revision);
      return new StepResult(List.of(ref), List.of("namespace " + name + " already on " + revision));
    }
    patchLabels(client, name, relabelling(revision));
    String change =
        "labelled namespace "
            + name
            + " "
            + REV_LABEL
            + "="
            + revision
            + (labels.containsKey(INJECTION_LABEL) ? ", removed " + INJECTION_LABEL : "")
            + " (was "
            + injectionLabels(labels)
            + ")";
    log.info("relabel: {}", change);
    return new StepResult(List.of(ref), List.of(change));
  }

  /**
   * Restores the injection labels ({@code istio-injection}, {@code istio.io/rev}) exactly as the
   * backup holds them; the namespace's other labels are left alone, since relabel never touched
   * them and others may have changed them since. Without a backup, relabel never changed the
   * namespace, so there is nothing to undo.
   */
  @Override
  public void restoreNamespaceLabels(NamespaceRequest request) {
    MigrationContext ctx = request.context();
    String name = request.namespace();
    Optional<Backup> backup = backups.forContext(ctx).load(ctx.migrationId(), namespaceKey(name));
    if (backup.isEmpty() || backup.get().absent()) {
      log.info("restore labels: no backup of namespace {}: relabel never changed it", name);
      return;
    }
    KubernetesClient client = clients.client(ctx.connection());
    Namespace current = client.namespaces().withName(name).get();
    if (current == null) {
      log.warn("restore labels: namespace {} no longer exists; nothing to restore", name);
      return;
    }
    Map<String, String> before = new HashMap<>();
    backup
        .get()
        .object()
        .path("metadata")
        .path("labels")
        .properties()
        .forEach(e -> before.put(e.getKey(), e.getValue().asText()));
    Map<String, String> now = labels(current);
    Map<String, String> patch = new HashMap<>();
    for (String label : List.of(INJECTION_LABEL, REV_LABEL)) {
      if (!Objects.equals(before.get(label), now.get(label))) {
        patch.put(label, before.get(label));
      }
    }
    if (patch.isEmpty()) {
      log.info("restore labels: namespace {} already has {}", name, injectionLabels(before));
      return;
    }
    patchLabels(client, name, patch);
    log.info(
        "restore labels: namespace {} back to {} (was {})",
        name,
        injectionLabels(before),
        injectionLabels(now));
  }

  // --- plan --------------------------------------------------------------------------------------

  /**
   * What {@link #relabelNamespace} and {@link #restartWorkloads} will do to one namespace, read
   * only: the label patch, then a restart patch for each Deployment and (with {@code
   * includeSetsAndDaemonSets}) each StatefulSet and DaemonSet whose pods carry a sidecar.
   *
   * @param restartedAt the restart annotation's value (fixed by the workflow when it starts)
   */
  public List<PlannedChange> plan(
      MigrationContext ctx,
      String step,
      String namespace,
      boolean includeSetsAndDaemonSets,
      String restartedAt) {
    KubernetesClient client = clients.client(ctx.connection());
    Namespace ns = namespace(client, namespace);
    List<PlannedChange> out = new ArrayList<>();
    Map<String, String> labels = labels(ns);
    if (!ctx.revision().equals(labels.get(REV_LABEL)) || labels.containsKey(INJECTION_LABEL)) {
      out.add(
          PlannedChange.patch(
              step,
              namespaceKey(namespace),
              "merge",
              labelsPatch(relabelling(ctx.revision())),
              REV_LABEL + "=" + ctx.revision() + " (was " + injectionLabels(labels) + ")"));
    }
    List<Pod> pods =
        call(
            "list pods in " + namespace,
            () -> client.pods().inNamespace(namespace).list().getItems());
    RestartRequest request =
        new RestartRequest(ctx, namespace, restartedAt, includeSetsAndDaemonSets, null);
    List<HasMetadata> restarted = new ArrayList<>();
    List<Deployment> deployments =
        call(
            "list deployments in " + namespace,
            () -> client.apps().deployments().inNamespace(namespace).list().getItems());
    restarted.addAll(byName(deployments));
    if (includeSetsAndDaemonSets) {
      for (StatefulSet s :
          byName(
              call(
                  "list statefulsets in " + namespace,
                  () -> client.apps().statefulSets().inNamespace(namespace).list().getItems()))) {
        if (meshed(s, pods, s.getSpec().getTemplate(), request)) {
          restarted.add(s);
        }
      }
      for (DaemonSet d :
          byName(
              call(
                  "list daemonsets in " + namespace,
                  () -> client.apps().daemonSets().inNamespace(namespace).list().getItems()))) {
        if (meshed(d, pods, d.getSpec().getTemplate(), request)) {
          restarted.add(d);
        }
      }
    }
    for (HasMetadata w : restarted) {
      out.add(
          PlannedChange.patch(
              step,
              key(w, namespace),
              "merge",
              restartPatch(restartedAt),
              "rollout restart: its pods come back with the " + ctx.revision() + " proxy"));
    }
    return out;
  }

  // --- restart -----------------------------------------------------------------------------------

  @Override
  public RestartResult restartWorkloads(RestartRequest request) {
    MigrationContext ctx = request.context();
    String ns = request.namespace();
    if (request.restartedAt() == null || request.restartedAt().isBlank()) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT, "restart workloads of namespace " + ns + ": no restartedAt");
    }
    KubernetesClient client = clients.client(ctx.connection());
    namespace(client, ns);
    List<Pod> pods =
        call("list pods in " + ns, () -> client.pods().inNamespace(ns).list().getItems());
    List<ReplicaSet> replicaSets =
        call(
            "list replicasets in " + ns,
            () -> client.apps().replicaSets().inNamespace(ns).list().getItems());
    Restarter restarter = new Restarter(ctx, request);

    List<Deployment> deployments =
        call(
            "list deployments in " + ns,
            () -> client.apps().deployments().inNamespace(ns).list().getItems());
    for (Deployment d : byName(deployments)) {
      restarter.restart(
          d,
          x -> x.getSpec().getTemplate(),
          () -> client.apps().deployments().inNamespace(ns).withName(d.getMetadata().getName()));
    }
    if (request.includeSetsAndDaemonSets()) {
      List<StatefulSet> sets =
          call(
              "list statefulsets in " + ns,
              () -> client.apps().statefulSets().inNamespace(ns).list().getItems());
      for (StatefulSet s : byName(sets)) {
        if (meshed(s, pods, s.getSpec().getTemplate(), request)) {
          restarter.restart(
              s,
              x -> x.getSpec().getTemplate(),
              () ->
                  client.apps().statefulSets().inNamespace(ns).withName(s.getMetadata().getName()));
        }
      }
      List<DaemonSet> daemonSets =
          call(
              "list daemonsets in " + ns,
              () -> client.apps().daemonSets().inNamespace(ns).list().getItems());
      for (DaemonSet s : byName(daemonSets)) {
        if (meshed(s, pods, s.getSpec().getTemplate(), request)) {
          restarter.restart(
              s,
              x -> x.getSpec().getTemplate(),
              () -> client.apps().daemonSets().inNamespace(ns).withName(s.getMetadata().getName()));
        }
      }
    }
    List<String> unmanaged = unmanagedPods(pods, replicaSets);
    if (!unmanaged.isEmpty()) {
      log.warn(
          "restart: namespace {}: pods no restart replaces keep their current proxy: {}",
          ns,
          unmanaged);
    }
    log.info(
        "restart: namespace {}: {} workloads at restartedAt={} ({} patched now)",
        ns,
        restarter.workloads.size(),
        request.restartedAt(),
        restarter.patched);
    return new RestartResult(List.copyOf(restarter.workloads), unmanaged);
  }

  /**
   * Whether a StatefulSet or DaemonSet belongs to the mesh: its pods carry a sidecar, or it carries
   * this restart's (or the restart being undone's) value already, its pods perhaps being replaced
   * right now. Without the second test a retried restart would miss a set whose pods are down.
   */
  private static boolean meshed(
      HasMetadata set, List<Pod> pods, PodTemplateSpec template, RestartRequest request) {
    if (Verification.carriesSidecar(Verification.ownedBy(pods, set))) {
      return true;
    }
    String current =
        template.getMetadata() == null || template.getMetadata().getAnnotations() == null
            ? null
            : template.getMetadata().getAnnotations().get(RESTARTED_AT);
    return current != null
        && (current.equals(request.restartedAt()) || current.equals(request.onlyIfRestartedAt()));
  }

  /** Sets the restart annotation on each workload that needs it, backing each up first. */
  private final class Restarter {
    final MigrationContext ctx;
    final RestartRequest request;
    final List<String> workloads = new ArrayList<>();
    int patched;

    Restarter(MigrationContext ctx, RestartRequest request) {
      this.ctx = ctx;
      this.request = request;
    }

    <T extends HasMetadata> void restart(
        T workload, Function<T, PodTemplateSpec> templateOf, Supplier<Resource<T>> resource) {
      String ref = workload.getKind() + "/" + workload.getMetadata().getName();
      Waits.heartbeat("restart: " + request.namespace() + ": " + ref);
      PodTemplateSpec template = templateOf.apply(workload);
      Map<String, String> annotations =
          template.getMetadata() == null || template.getMetadata().getAnnotations() == null
              ? Map.of()
              : template.getMetadata().getAnnotations();
      String current = annotations.get(RESTARTED_AT);
      if (request.onlyIfRestartedAt() != null && !request.onlyIfRestartedAt().equals(current)) {
        log.info(
            "restart: {}/{} not restarted by this migration (restartedAt {}); left alone",
            request.namespace(),
            ref,
            current);
        return;
      }
      workloads.add(ref);
      if (request.restartedAt().equals(current)) {
        log.info(
            "restart: {}/{} already carries restartedAt={}; no second rollout",
            request.namespace(),
            ref,
            current);
        return;
      }
      backups
          .forContext(ctx)
          .save(ctx.migrationId(), STEP, key(workload, request.namespace()), tree(workload));
      ObjectNode patch = restartPatch(request.restartedAt());
      StepChanges.patch(
          "patch " + ref + " in " + request.namespace(),
          () -> resource.get().patch(PatchContext.of(PatchType.JSON_MERGE), json(patch)));
      patched++;
      log.info(
          "restart: {}/{} restarted (restartedAt {} -> {})",
          request.namespace(),
          ref,
          current,
          request.restartedAt());
    }
  }

  /**
   * Injected pods no restart replaces: owned by no controller, by a Job, by a ReplicaSet no
   * Deployment owns, or by a ReplicationController. Running ones only; reported, never deleted.
   */
  static List<String> unmanagedPods(List<Pod> pods, List<ReplicaSet> replicaSets) {
    Map<String, ReplicaSet> rsByUid = new HashMap<>();
    replicaSets.forEach(rs -> rsByUid.put(rs.getMetadata().getUid(), rs));
    List<String> out = new ArrayList<>();
    for (Pod pod : byName(pods)) {
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if ("Succeeded".equals(phase)
          || "Failed".equals(phase)
          || pod.getMetadata().getDeletionTimestamp() != null
          || !Verification.carriesSidecar(List.of(pod))) {
        continue;
      }
      OwnerReference owner = Verification.controllerOf(pod);
      boolean replaced;
      if (owner == null) {
        replaced = false;
      } else if ("ReplicaSet".equals(owner.getKind())) {
        ReplicaSet rs = rsByUid.get(owner.getUid());
        OwnerReference rsOwner = rs == null ? null : Verification.controllerOf(rs);
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

  // --- verify ------------------------------------------------------------------------------------

  @Override
  public VerifyResult verifyNamespace(VerifyRequest request) {
    MigrationContext ctx = request.context();
    String ns = request.namespace();
    Duration timeout =
        request.timeout() == null ? Timeouts.defaults().rollout() : request.timeout();
    KubernetesClient client = clients.client(ctx.connection());
    namespace(client, ns);
    ExpectedProxy expected = expectedProxy(client, request);
    Instant deadline = Instant.now().plus(timeout);
    log.info(
        "verify: namespace {}: waiting up to {} for every workload to run {}",
        ns,
        timeout,
        expected.describe());
    try (NamespaceWatch watch = new NamespaceWatch(client, ns)) {
      watch.start();
      while (!watch.awaitListed(shorter(remaining(deadline), HEARTBEAT_EVERY))) {
        Waits.heartbeat(ns + ": listing its workloads");
        if (remaining(deadline).isZero()) {
          throw Failures.permanent(
              FailureType.VERIFICATION_FAILED,
              "verify namespace " + ns + ": timed out after " + timeout + " listing its workloads");
        }
      }
      Verification.Verdict last = null;
      while (true) {
        Verification.Verdict verdict =
            Verification.evaluate(
                ns, watch.snapshot(), expected, request.includeSetsAndDaemonSets());
        if (verdict.failure() != null) {
          log.warn("verify: {}", verdict.failure());
          throw Failures.permanent(FailureType.VERIFICATION_FAILED, verdict.failure());
        }
        String progress =
            ns + ": " + verdict.podsReady() + "/" + verdict.podsTotal() + " pods verified";
        Waits.heartbeat(progress); // parsed by status for its progress bars
        if (verdict.done()) {
          log.info(
              "verify: namespace {}: {} pods of {} workloads run {}",
              ns,
              verdict.podsReady(),
              verdict.workloads(),
              expected.describe());
          if (!verdict.notRestarted().isEmpty()) {
            log.warn(
                "verify: namespace {}: StatefulSet and DaemonSet pods were not restarted and keep"
                    + " their proxy: {}",
                ns,
                verdict.notRestarted());
          }
          Activity.getExecutionContext()
              .getMetricsScope()
              .tagged(Map.of("proxy", managed(request) ? "managed" : "addon"))
              .counter(MigrationMetrics.PODS_VERIFIED)
              .inc(verdict.podsReady());
          return new VerifyResult(verdict.podsReady(), verdict.workloads(), verdict.notRestarted());
        }
        if (last == null || last.podsReady() != verdict.podsReady()) {
          log.info("verify: {}", progress);
        }
        last = verdict;
        Duration left = remaining(deadline);
        if (left.isZero()) {
          List<String> missing = verdict.missing();
          String shown =
              String.join("; ", missing.subList(0, Math.min(10, missing.size())))
                  + (missing.size() > 10 ? "; and " + (missing.size() - 10) + " more" : "");
          throw Failures.permanent(
              FailureType.VERIFICATION_FAILED,
              "verify namespace "
                  + ns
                  + ": timed out after "
                  + timeout
                  + " with "
                  + verdict.podsReady()
                  + "/"
                  + verdict.podsTotal()
                  + " pods verified; still waiting for: "
                  + shown);
        }
        watch.awaitChange(shorter(left, HEARTBEAT_EVERY));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("verify namespace " + ns + " interrupted", e);
    } catch (KubernetesClientException e) {
      throw Failures.kubernetes("watch namespace " + ns, e);
    }
  }

  /**
   * Whether a verification expects the managed proxy (a migration) or the add-on's (a rollback).
   */
  private static boolean managed(VerifyRequest request) {
    return request.revision() != null && !request.revision().isBlank();
  }

  private ExpectedProxy expectedProxy(KubernetesClient client, VerifyRequest request) {
    if (managed(request)) {
      return ExpectedProxy.managed(request.revision());
    }
    if (request.version() == null) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT,
          "verify namespace " + request.namespace() + ": neither a revision nor an add-on version");
    }
    return ExpectedProxy.addon(request.version(), addonImage(client, request.version()));
  }

  /** The add-on version's proxy image, from its injector's ConfigMap. */
  static String addonImage(KubernetesClient client, AddonVersion version) {
    String name = ExpectedProxy.INJECTOR_CONFIG_MAPS.get(version);
    ConfigMap cm =
        call(
            "get configmap " + SYSTEM_NAMESPACE + "/" + name,
            () -> client.configMaps().inNamespace(SYSTEM_NAMESPACE).withName(name).get());
    if (cm == null || cm.getData() == null || cm.getData().get("values") == null) {
      throw Failures.permanent(
          FailureType.NOT_FOUND,
          "the add-on "
              + version.display()
              + " proxy image is unknown: ConfigMap "
              + SYSTEM_NAMESPACE
              + "/"
              + name
              + " or its values are missing");
    }
    try {
      return ExpectedProxy.addonImage(cm.getData().get("values"));
    } catch (IllegalArgumentException e) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT,
          "ConfigMap " + SYSTEM_NAMESPACE + "/" + name + ": " + e.getMessage());
    }
  }

  // --- remaining namespaces ----------------------------------------------------------------------

  @Override
  public List<NamespacePlan> remainingNamespaces(RemainingRequest request) {
    KubernetesClient client = clients.client(request.context().connection());
    Set<String> done =
        new HashSet<>(request.alreadyMigrated() == null ? List.of() : request.alreadyMigrated());
    Map<String, AddonVersion> addonImages = new HashMap<>();
    for (AddonVersion v : AddonVersion.values()) {
      String name = ExpectedProxy.INJECTOR_CONFIG_MAPS.get(v);
      ConfigMap cm =
          call(
              "get configmap " + SYSTEM_NAMESPACE + "/" + name,
              () -> client.configMaps().inNamespace(SYSTEM_NAMESPACE).withName(name).get());
      if (cm != null && cm.getData() != null && cm.getData().get("values") != null) {
        try {
          addonImages.put(ExpectedProxy.addonImage(cm.getData().get("values")), v);
        } catch (IllegalArgumentException e) {
          log.warn(
              "remaining namespaces: ConfigMap {}/{}: {}", SYSTEM_NAMESPACE, name, e.getMessage());
        }
      }
    }
    List<Namespace> namespaces =
        call("list namespaces", () -> client.namespaces().list().getItems());
    List<Pod> pods = call("list pods", () -> client.pods().inAnyNamespace().list().getItems());
    List<ReplicaSet> replicaSets =
        call(
            "list replicasets",
            () -> client.apps().replicaSets().inAnyNamespace().list().getItems());
    List<Deployment> deployments =
        call(
            "list deployments",
            () -> client.apps().deployments().inAnyNamespace().list().getItems());
    List<StatefulSet> sets =
        call(
            "list statefulsets",
            () -> client.apps().statefulSets().inAnyNamespace().list().getItems());
    List<DaemonSet> daemonSets =
        call(
            "list daemonsets", () -> client.apps().daemonSets().inAnyNamespace().list().getItems());

    List<NamespacePlan> out = new ArrayList<>();
    for (Namespace ns : byName(namespaces)) {
      String name = ns.getMetadata().getName();
      if (NOT_WORKLOAD_NAMESPACES.contains(name) || done.contains(name)) {
        continue;
      }
      List<Pod> nsPods = inNamespace(pods, name);
      AddonVersion version = addonVersion(labels(ns), nsPods, addonImages);
      if (version == null) {
        continue;
      }
      int workloads = inNamespace(deployments, name).size();
      for (StatefulSet s : inNamespace(sets, name)) {
        workloads += Verification.carriesSidecar(Verification.ownedBy(nsPods, s)) ? 1 : 0;
      }
      for (DaemonSet d : inNamespace(daemonSets, name)) {
        workloads += Verification.carriesSidecar(Verification.ownedBy(nsPods, d)) ? 1 : 0;
      }
      int unmanaged = unmanagedPods(nsPods, inNamespace(replicaSets, name)).size();
      out.add(new NamespacePlan(name, version, workloads, unmanaged));
      log.info(
          "remaining namespaces: {} still on the add-on {} ({} workloads)",
          name,
          version.display(),
          workloads);
    }
    return out;
  }

  /**
   * The add-on a namespace is on: its injection label, else the proxy its pods still run; null when
   * it is on neither.
   */
  static AddonVersion addonVersion(
      Map<String, String> labels, List<Pod> pods, Map<String, AddonVersion> addonImages) {
    if (AddonVersion.V1_4.injectionValue().equals(labels.get(AddonVersion.V1_4.injectionLabel()))) {
      return AddonVersion.V1_4;
    }
    if (AddonVersion.V1_6.injectionValue().equals(labels.get(AddonVersion.V1_6.injectionLabel()))) {
      return AddonVersion.V1_6;
    }
    AddonVersion found = null;
    for (Pod pod : pods) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      for (var c : pod.getSpec().getContainers()) {
        if (ExpectedProxy.PROXY_CONTAINER.equals(c.getName())) {
          AddonVersion v = addonImages.get(c.getImage());
          if (v == AddonVersion.V1_4) {
            return v;
          }
          found = v != null ? v : found;
        }
      }
    }
    return found;
  }

  // --- helpers -----------------------------------------------------------------------------------

  private static Namespace namespace(KubernetesClient client, String name) {
    Namespace ns = call("get namespace " + name, () -> client.namespaces().withName(name).get());
    if (ns == null) {
      throw Failures.permanent(FailureType.NOT_FOUND, "namespace " + name + " does not exist");
    }
    return ns;
  }

  /** The merge patch of a rollout restart: the pod template's restartedAt annotation. */
  static ObjectNode restartPatch(String restartedAt) {
    ObjectNode patch = BackupContent.MAPPER.createObjectNode();
    patch
        .putObject("spec")
        .putObject("template")
        .putObject("metadata")
        .putObject("annotations")
        .put(RESTARTED_AT, restartedAt);
    return patch;
  }

  /** The merge patch of a namespace's labels; a null value removes the label. */
  static ObjectNode labelsPatch(Map<String, String> labels) {
    ObjectNode patch = BackupContent.MAPPER.createObjectNode();
    ObjectNode node = patch.putObject("metadata").putObject("labels");
    new java.util.TreeMap<>(labels)
        .forEach(
            (k, v) -> {
              if (v == null) {
                node.putNull(k);
              } else {
                node.put(k, v);
              }
            });
    return patch;
  }

  /** The labels relabel sets: the revision, and no istio-injection. */
  static Map<String, String> relabelling(String revision) {
    Map<String, String> patch = new HashMap<>();
    patch.put(REV_LABEL, revision);
    patch.put(INJECTION_LABEL, null);
    return patch;
  }

  private static void patchLabels(
      KubernetesClient client, String name, Map<String, String> labels) {
    ObjectNode patch = labelsPatch(labels);
    StepChanges.patch(
        "patch namespace " + name,
        () ->
            client
                .namespaces()
                .withName(name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), json(patch)));
  }

  private static ObjectKey namespaceKey(String name) {
    return new ObjectKey("v1", "Namespace", null, name);
  }

  private static ObjectKey key(HasMetadata o, String namespace) {
    return new ObjectKey(o.getApiVersion(), o.getKind(), namespace, o.getMetadata().getName());
  }

  private static Map<String, String> labels(HasMetadata o) {
    return o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
  }

  private static String injectionLabels(Map<String, String> labels) {
    List<String> parts = new ArrayList<>();
    for (String label : List.of(INJECTION_LABEL, REV_LABEL)) {
      if (labels.containsKey(label)) {
        parts.add(label + "=" + labels.get(label));
      }
    }
    return parts.isEmpty() ? "no injection label" : String.join(",", parts);
  }

  static ObjectNode tree(Object fabric8Object) {
    try {
      return (ObjectNode) BackupContent.MAPPER.readTree(Serialization.asJson(fabric8Object));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot read " + fabric8Object.getClass().getSimpleName(), e);
    }
  }

  private static String json(ObjectNode node) {
    try {
      return BackupContent.MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T extends HasMetadata> List<T> inNamespace(List<T> objects, String ns) {
    return objects.stream().filter(o -> ns.equals(o.getMetadata().getNamespace())).toList();
  }

  private static <T extends HasMetadata> List<T> byName(List<T> objects) {
    List<T> copy = new ArrayList<>(objects);
    copy.sort(Comparator.comparing(o -> o.getMetadata().getName()));
    return copy;
  }

  private static Duration shorter(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  private static Duration remaining(Instant deadline) {
    Duration left = Duration.between(Instant.now(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** Runs an API call, turning its failure into a permanent or transient one. */
  private static <T> T call(String what, Supplier<T> body) {
    try {
      return body.get();
    } catch (KubernetesClientException e) {
      throw Failures.kubernetes(what, e);
    }
  }
}
