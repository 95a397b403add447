package dev.asmmigrate.activities.preflight;

import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.GetClusterRequest;
import dev.asmmigrate.activities.backup.Backup;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.state.StateConfigMap;
import dev.asmmigrate.workflows.activities.PreflightActivities;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PodToRecreate;
import dev.asmmigrate.workflows.model.PreflightReport;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step {@code preflight} (SPEC.md §2 step 0), read only: the GKE master version (from the GKE
 * ClusterManager, the cluster's own record; the Kubernetes {@code /version} is not used), the
 * add-on version(s) running, the injected namespaces and what runs in them, the caller's
 * permissions for every call the migration makes (SelfSubjectAccessReviews, which persist nothing),
 * and an existing migration state. Nothing is changed, so it is naturally idempotent.
 */
public final class PreflightActivitiesImpl implements PreflightActivities {
  static final String ISTIO_SYSTEM = "istio-system";
  static final String ISTIOD_16 = "istiod-istio-1611";
  static final String MESH_CONFIG_16 = "istio-istio-1611";
  static final String OPERATOR_16 = "istio-1-6-11-gke-0";
  static final String PROXY_CONTAINER = "istio-proxy";
  static final int REVIEW_CONCURRENCY = 8;
  static final String INGRESS_GATEWAY = "istio-ingressgateway";

  /** The add-on 1.4 control plane: Pilot, Citadel, the injector, Galley and the ingress gateway. */
  static final List<String> CONTROL_PLANE_14 =
      List.of(
          "istio-pilot",
          "istio-citadel",
          "istio-sidecar-injector",
          "istio-galley",
          INGRESS_GATEWAY);

  /** The add-on 1.6 control plane: istiod and the ingress gateway. */
  static final List<String> CONTROL_PLANE_16 = List.of(ISTIOD_16, INGRESS_GATEWAY);

  /** Namespaces whose workloads the workload phase never restarts, whatever their labels. */
  public static final Set<String> SYSTEM_NAMESPACES =
      Set.of(ISTIO_SYSTEM, "kube-system", "kube-public", "kube-node-lease", "asm-migrate-system");

  private static final Logger log = LoggerFactory.getLogger(PreflightActivitiesImpl.class);

  private final KubeClients clients;
  private final BackupStores backups;
  private final GoogleClients google;

  public PreflightActivitiesImpl(KubeClients clients, BackupStores backups, GoogleClients google) {
    this.clients = clients;
    this.backups = backups;
    this.google = google;
  }

  @Override
  public PreflightReport preflight(PreflightRequest request) {
    Examination exam = examine(request);
    if (!exam.blocking().isEmpty()) {
      throw exam.blocking().get(0);
    }
    MigrationContext ctx = request.context();
    PreflightReport report = exam.report();
    log.info(
        "preflight {}: {} namespaces to migrate {}, {} warnings{}",
        ctx.cluster(),
        report.namespaces().size(),
        report.namespaces().stream().map(NamespacePlan::name).toList(),
        report.warnings().size(),
        report.existingState() == null
            ? ""
            : "; existing migration "
                + report.existingMigrationId()
                + " in state "
                + report.existingState());
    report.warnings().forEach(w -> log.warn("preflight {}: {}", ctx.cluster(), w));
    return report;
  }

  /**
   * What pre-flight finds, every check run even after one refused the cluster (for {@code plan},
   * which reports them all; the activity fails with the first).
   *
   * @param report the report, or null when a check refused the cluster
   * @param findings one per warning object (informational) and one per refusal (blocking), with a
   *     rule id: {@code preflight-<check>}
   * @param blocking the refusals, as the permanent failures the activity throws, in check order
   */
  public record Examination(
      PreflightReport report, List<ConfigFinding> findings, List<ApplicationFailure> blocking) {}

  /** Runs every check; only a transient failure (retry later) is thrown. */
  public Examination examine(PreflightRequest request) {
    MigrationContext ctx = request.context();
    KubernetesClient client = clients.client(ctx.connection());
    Notes notes = new Notes();
    List<ApplicationFailure> blocking = new ArrayList<>();

    String masterVersion =
        refusal(blocking, notes, ctx, "Cluster", () -> checkClusterVersion(ctx, notes));
    List<AddonVersion> versions =
        refusal(blocking, notes, ctx, "Cluster", () -> detectAddon(client));
    if (versions != null) {
      log.info(
          "preflight {}: GKE {}; add-on {}",
          ctx.cluster(),
          masterVersion,
          versions.stream().map(AddonVersion::display).toList());
    }

    Optional<StateConfigMap.Current> state = new StateConfigMap(client).read();
    if (versions != null) {
      // a migration resumed after replace-gateway scaled the add-on's gateway to 0 itself
      boolean resuming =
          state.isPresent()
              && state.get().migrationId() != null
              && state.get().state() != MigrationState.ROLLED_BACK;
      refusal(
          blocking,
          notes,
          ctx,
          "Cluster",
          () -> {
            checkControlPlaneAvailable(client, versions, resuming);
            return null;
          });
    }
    int refusedBefore = blocking.size();
    state.ifPresent(
        s ->
            refusal(
                blocking,
                notes,
                ctx,
                "ConfigMap",
                () -> {
                  checkState(s);
                  return null;
                }));
    if (state.isPresent() && blocking.size() == refusedBefore) {
      notes.finding(
          "preflight-existing-migration",
          "ConfigMap",
          StateConfigMap.NAMESPACE,
          StateConfigMap.NAME,
          "configmap "
              + StateConfigMap.NAMESPACE
              + "/"
              + StateConfigMap.NAME
              + " records migration "
              + state.get().migrationId()
              + " in state "
              + state.get().status()
              + (state.get().state() == null || !state.get().state().resumable()
                  ? ": it ended, rolled back; a new migration (new ID) overwrites it"
                  : ": the migration resumes it, with its backups"));
    }

    List<NamespacePlan> plan =
        versions == null
            ? null
            : refusal(
                blocking,
                notes,
                ctx,
                "Namespace",
                () ->
                    namespaces(
                        client,
                        ctx,
                        versions,
                        request.namespaces(),
                        request.canary(),
                        state,
                        notes));
    refusal(
        blocking,
        notes,
        ctx,
        "Cluster",
        () -> {
          checkPermissions(client);
          return null;
        });

    PreflightReport report =
        blocking.isEmpty()
            ? new PreflightReport(
                versions,
                masterVersion,
                plan,
                state.map(StateConfigMap.Current::migrationId).orElse(null),
                state.map(StateConfigMap.Current::state).orElse(null),
                notes.warnings,
                notes.podsToRecreate)
            : null;
    return new Examination(report, notes.findings, blocking);
  }

  /** Runs a check; its permanent failure is recorded as a blocking finding, null returned. */
  private static <T> T refusal(
      List<ApplicationFailure> blocking,
      Notes notes,
      MigrationContext ctx,
      String kind,
      Supplier<T> check) {
    try {
      return check.get();
    } catch (ApplicationFailure e) {
      if (e.isNonRetryable()) {
        blocking.add(e);
        boolean state = "ConfigMap".equals(kind);
        notes.findings.add(
            new ConfigFinding(
                "preflight-" + e.getType().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                true,
                state ? "ConfigMap" : "Cluster",
                state ? StateConfigMap.NAMESPACE : "",
                state ? StateConfigMap.NAME : ctx.cluster().cluster(),
                e.getOriginalMessage()));
        return null;
      }
      throw e;
    }
  }

  /** Warnings for the report and findings for {@code plan}, collected together. */
  static final class Notes {
    final List<String> warnings = new ArrayList<>();
    final List<ConfigFinding> findings = new ArrayList<>();
    final List<PodToRecreate> podsToRecreate = new ArrayList<>();

    /** A warning about one object: a message and its informational finding. */
    void warn(String rule, String kind, String namespace, String name, String message) {
      warnings.add(message);
      finding(rule, kind, namespace, name, message);
    }

    void finding(String rule, String kind, String namespace, String name, String message) {
      findings.add(new ConfigFinding(rule, false, kind, namespace, name, message));
    }
  }

  // --- GKE version -------------------------------------------------------------------------------

  @SuppressWarnings("deprecation") // istio_config is deprecated by GKE, and what the add-on is
  private String checkClusterVersion(MigrationContext ctx, Notes notes) {
    String name = ctx.cluster().resourceName();
    Cluster cluster =
        GoogleClients.call(
            "get GKE cluster " + name,
            () ->
                google
                    .clusterManager(ctx.connection())
                    .getCluster(GetClusterRequest.newBuilder().setName(name).build()));
    String version = cluster.getCurrentMasterVersion();
    GkeVersion parsed =
        GkeVersion.parse(version)
            .orElseThrow(
                () ->
                    Failures.permanent(
                        FailureType.UNSUPPORTED_CLUSTER_VERSION,
                        "GKE cluster "
                            + ctx.cluster()
                            + " reports master version '"
                            + version
                            + "', which is not a GKE version"));
    if (!parsed.supported()) {
      throw Failures.permanent(
          FailureType.UNSUPPORTED_CLUSTER_VERSION,
          "GKE cluster "
              + ctx.cluster()
              + " runs master version "
              + version
              + "; managed Anthos Service Mesh needs 1.17.17-gke.3100, 1.18.16-gke.1600,"
              + " 1.19.8-gke.1600 or any 1.20 or later: upgrade the cluster first");
    }
    if (cluster.getAddonsConfig().getIstioConfig().getDisabled()) {
      notes.warn(
          "preflight-addon-disabled",
          "Cluster",
          "",
          ctx.cluster().cluster(),
          "GKE reports the Istio add-on of "
              + ctx.cluster()
              + " disabled already; its objects in the cluster are migrated as found");
    }
    return version;
  }

  // --- add-on detection --------------------------------------------------------------------------

  private List<AddonVersion> detectAddon(KubernetesClient client) {
    List<Pod> pods =
        call(
            "list pods in " + ISTIO_SYSTEM,
            () -> client.pods().inNamespace(ISTIO_SYSTEM).list().getItems());
    List<Deployment> deployments =
        call(
            "list deployments in " + ISTIO_SYSTEM,
            () -> client.apps().deployments().inNamespace(ISTIO_SYSTEM).list().getItems());
    List<AddonVersion> versions = new ArrayList<>();

    List<Pod> pilots = withLabel(pods, "istio", "pilot");
    List<Pod> citadels = withLabel(pods, "istio", "citadel");
    boolean pilotDeployment = named(deployments, "istio-pilot").isPresent();
    boolean citadelDeployment = named(deployments, "istio-citadel").isPresent();
    if (!pilots.isEmpty() && !citadels.isEmpty()) {
      for (Pod pilot : pilots) {
        String image = image(pilot, "discovery");
        if (!tag(image).startsWith("1.4.")) {
          throw Failures.permanent(
              FailureType.UNSUPPORTED_VERSION,
              "pod "
                  + ISTIO_SYSTEM
                  + "/"
                  + pilot.getMetadata().getName()
                  + " (istio=pilot) runs "
                  + image
                  + ": asm-migrate migrates the Istio on GKE add-on 1.4 (pilot 1.4.x) and 1.6"
                  + " (istiod-istio-1611) only");
        }
      }
      versions.add(AddonVersion.V1_4);
    } else if (pilotDeployment || citadelDeployment) {
      // the add-on's deployments are there but their pods are not: the control plane is not
      // available, which checkControlPlaneAvailable names
      versions.add(AddonVersion.V1_4);
    } else if (!pilots.isEmpty() || !citadels.isEmpty()) {
      throw Failures.permanent(
          FailureType.UNSUPPORTED_VERSION,
          "an incomplete Istio control plane runs in "
              + ISTIO_SYSTEM
              + ": "
              + (pilots.isEmpty() ? "no istio=pilot pods" : "no istio=citadel pods")
              + "; it is not the Istio on GKE add-on 1.4");
    }

    for (Deployment d : deployments) {
      String app = label(d, "app");
      if ("istiod".equals(app) && !ISTIOD_16.equals(d.getMetadata().getName())) {
        throw Failures.permanent(
            FailureType.UNSUPPORTED_VERSION,
            "deployment "
                + ISTIO_SYSTEM
                + "/"
                + d.getMetadata().getName()
                + " (revision "
                + Objects.requireNonNullElse(label(d, "istio.io/rev"), "default")
                + ") is an istiod that is not the add-on's: asm-migrate migrates the Istio on GKE"
                + " add-on 1.4 and 1.6 (istiod-istio-1611) only");
      }
    }
    Optional<Deployment> istiod = named(deployments, ISTIOD_16);
    if (istiod.isPresent()) {
      Deployment d = istiod.get();
      String image =
          d.getSpec().getTemplate().getSpec().getContainers().stream()
              .filter(c -> "discovery".equals(c.getName()))
              .map(Container::getImage)
              .findFirst()
              .orElse("");
      if (!tag(image).startsWith("1.6.")) {
        throw Failures.permanent(
            FailureType.UNSUPPORTED_VERSION,
            "deployment " + ISTIO_SYSTEM + "/" + ISTIOD_16 + " runs " + image + ", not add-on 1.6");
      }
      boolean meshConfig =
          call(
                  "get configmap " + ISTIO_SYSTEM + "/" + MESH_CONFIG_16,
                  () ->
                      client.configMaps().inNamespace(ISTIO_SYSTEM).withName(MESH_CONFIG_16).get())
              != null;
      boolean operator =
          new Restorer(client)
                  .read(
                      new ObjectKey(
                          "install.istio.io/v1alpha1", "IstioOperator", ISTIO_SYSTEM, OPERATOR_16))
              != null;
      if (!meshConfig || !operator) {
        throw Failures.permanent(
            FailureType.UNSUPPORTED_VERSION,
            "deployment "
                + ISTIO_SYSTEM
                + "/"
                + ISTIOD_16
                + " runs without "
                + (!meshConfig ? "ConfigMap " + MESH_CONFIG_16 : "IstioOperator " + OPERATOR_16)
                + ": not the Istio on GKE add-on 1.6");
      }
      versions.add(AddonVersion.V1_6);
    }
    if (versions.isEmpty()) {
      throw Failures.permanent(
          FailureType.UNSUPPORTED_VERSION,
          "no Istio on GKE add-on found in "
              + ISTIO_SYSTEM
              + ": no istio=pilot and istio=citadel pods (add-on 1.4) and no deployment "
              + ISTIOD_16
              + " (add-on 1.6)");
    }
    return versions;
  }

  // --- control plane availability ----------------------------------------------------------------

  /**
   * Refuses a cluster whose add-on control plane is not serving: each of its Deployments must exist
   * and have an available replica. A cluster still coming up is refused too (nothing is changed;
   * start again once it is up): a migration on a control plane that does not run would fail later,
   * after changes, and roll back.
   *
   * @param resuming whether an earlier run of this migration is resumed: its replace-gateway step
   *     scales the add-on's gateway to 0, so the gateway is not required then
   */
  private static void checkControlPlaneAvailable(
      KubernetesClient client, List<AddonVersion> versions, boolean resuming) {
    List<Deployment> deployments =
        call(
            "list deployments in " + ISTIO_SYSTEM,
            () -> client.apps().deployments().inNamespace(ISTIO_SYSTEM).list().getItems());
    List<String> problems = new ArrayList<>();
    for (AddonVersion v : versions) {
      List<String> notReady = new ArrayList<>();
      for (String name : v == AddonVersion.V1_4 ? CONTROL_PLANE_14 : CONTROL_PLANE_16) {
        if (resuming && INGRESS_GATEWAY.equals(name)) {
          continue;
        }
        Optional<Deployment> d = named(deployments, name);
        if (d.isEmpty()) {
          notReady.add(name + " missing");
          continue;
        }
        int available =
            d.get().getStatus() == null || d.get().getStatus().getAvailableReplicas() == null
                ? 0
                : d.get().getStatus().getAvailableReplicas();
        if (available < 1) {
          notReady.add(name + " " + available + "/" + replicas(d.get()) + " available");
        }
      }
      if (!notReady.isEmpty()) {
        problems.add(
            "add-on "
                + v.display()
                + " control plane not available: "
                + String.join(", ", notReady));
      }
    }
    if (!problems.isEmpty()) {
      throw Failures.permanent(
          FailureType.ADDON_NOT_AVAILABLE,
          String.join("; ", problems)
              + " (deployments in "
              + ISTIO_SYSTEM
              + "); nothing was changed: start again once they are available");
    }
  }

  // --- state -------------------------------------------------------------------------------------

  private static void checkState(StateConfigMap.Current s) {
    String where = "configmap " + StateConfigMap.NAMESPACE + "/" + StateConfigMap.NAME;
    if (s.state() == null) {
      throw Failures.permanent(
          FailureType.STATE_CONFLICT,
          where
              + " has migrationStatus '"
              + s.status()
              + "', which no migration writes; inspect it, then delete it to migrate again");
    }
    if (s.state() == MigrationState.ROLLBACK_FAILED) {
      throw Failures.permanent(
          FailureType.STATE_CONFLICT,
          where
              + " says ROLLBACK_FAILED: the rollback of migration "
              + s.migrationId()
              + " (failed at step "
              + s.step()
              + ") did not complete, so the cluster is neither migrated nor back on the add-on."
              + " See which undo failed with 'asm-migrate status' or 'asm-migrate report' (or the"
              + " reason in the ConfigMap), finish it by hand from that migration's backups (kept),"
              + " then mark the rollback done: kubectl -n "
              + StateConfigMap.NAMESPACE
              + " patch configmap "
              + StateConfigMap.NAME
              + " --type merge -p '{\"data\":{\"migrationStatus\":\"ROLLED_BACK\"}}'"
              + " and start again");
    }
    if (s.migrationId() == null && s.state() != MigrationState.ROLLED_BACK) {
      throw Failures.permanent(
          FailureType.STATE_CONFLICT,
          where
              + " says "
              + s.status()
              + " without a migrationId: another tool (Google's migrate-addon script?) migrated"
              + " or is migrating this cluster; finish or roll back that migration, then delete it");
    }
  }

  // --- namespaces --------------------------------------------------------------------------------

  private List<NamespacePlan> namespaces(
      KubernetesClient client,
      MigrationContext ctx,
      List<AddonVersion> versions,
      List<String> requested,
      List<String> canary,
      Optional<StateConfigMap.Current> state,
      Notes notes) {
    List<Namespace> all = call("list namespaces", () -> client.namespaces().list().getItems());
    Map<String, AddonVersion> injected = new TreeMap<>();
    Map<String, String> why = new LinkedHashMap<>();
    for (Namespace ns : all) {
      String name = ns.getMetadata().getName();
      Map<String, String> labels = labels(ns);
      boolean v14 = "enabled".equals(labels.get("istio-injection"));
      boolean v16 = "istio-1611".equals(labels.get("istio.io/rev"));
      if (SYSTEM_NAMESPACES.contains(name)) {
        if (v14 || v16) {
          why.put(name, "is a system namespace (its injection labels are the gateway step's)");
        }
        continue;
      }
      if (v14 && v16) {
        notes.warn(
            "preflight-namespace-both-addons",
            "Namespace",
            "",
            name,
            "namespace "
                + name
                + " carries both istio-injection=enabled and istio.io/rev=istio-1611: both add-on"
                + " injectors match it; it is migrated as a 1.4 namespace");
      }
      AddonVersion version = v14 ? AddonVersion.V1_4 : v16 ? AddonVersion.V1_6 : null;
      if (version == null) {
        version = resumed(ctx, ns, state).orElse(null);
      }
      if (version == null) {
        continue;
      }
      if (!versions.contains(version)) {
        notes.warn(
            "preflight-namespace-addon-not-running",
            "Namespace",
            "",
            name,
            "namespace "
                + name
                + " is labelled for add-on "
                + version.display()
                + ", whose control plane is not running; it is not migrated");
        why.put(name, "is labelled for add-on " + version.display() + ", which is not running");
        continue;
      }
      injected.put(name, version);
    }

    List<String> names;
    if (requested == null || requested.isEmpty()) {
      names = new ArrayList<>(injected.keySet());
    } else {
      Set<String> existing = new TreeSet<>();
      all.forEach(ns -> existing.add(ns.getMetadata().getName()));
      List<String> problems = new ArrayList<>();
      for (String name : new TreeSet<>(requested)) {
        if (!existing.contains(name)) {
          problems.add("namespace " + name + " does not exist");
        } else if (!injected.containsKey(name)) {
          problems.add(
              "namespace "
                  + name
                  + (why.containsKey(name)
                      ? " " + why.get(name)
                      : " is not injected by the add-on (no istio-injection=enabled or"
                          + " istio.io/rev=istio-1611 label)"));
        }
      }
      if (!problems.isEmpty()) {
        throw Failures.permanent(FailureType.NOT_FOUND, String.join("; ", problems));
      }
      names = new ArrayList<>(new TreeSet<>(requested));
    }
    // a canary that is not migrated would be ignored silently: refuse it
    List<String> canaryProblems = new ArrayList<>();
    for (String name : canary) {
      if (names.contains(name)) {
        continue;
      }
      boolean exists = all.stream().anyMatch(ns -> name.equals(ns.getMetadata().getName()));
      canaryProblems.add(
          "canary namespace "
              + name
              + (!exists
                  ? " does not exist"
                  : why.containsKey(name)
                      ? " " + why.get(name)
                      : injected.containsKey(name)
                          ? " is not among the namespaces migrated first (--namespaces)"
                          : " is not injected by the add-on"));
    }
    if (!canaryProblems.isEmpty()) {
      throw Failures.permanent(FailureType.NOT_FOUND, String.join("; ", canaryProblems));
    }

    // every injected namespace is migrated in the end (the others in migrate-remaining-workloads)
    for (String name : injected.keySet()) {
      notes.podsToRecreate.addAll(podsToRecreate(client, name));
    }

    List<NamespacePlan> plan = new ArrayList<>();
    for (String name : names) {
      plan.add(inspect(client, name, injected.get(name), notes));
    }
    plan.sort(Comparator.comparing(NamespacePlan::name));
    return plan;
  }

  /**
   * A namespace an earlier run of this migration relabelled already (it carries the target
   * revision): its add-on version is the one its backup, taken before the relabelling, says.
   */
  private Optional<AddonVersion> resumed(
      MigrationContext ctx, Namespace ns, Optional<StateConfigMap.Current> state) {
    if (state.isEmpty()
        || state.get().migrationId() == null
        || state.get().state() == null
        || !state.get().state().resumable()
        || !Objects.equals(ctx.revision(), labels(ns).get("istio.io/rev"))) {
      return Optional.empty();
    }
    ObjectKey key = new ObjectKey("v1", "Namespace", null, ns.getMetadata().getName());
    Optional<Backup> backup = backups.forContext(ctx).load(state.get().migrationId(), key);
    if (backup.isEmpty() || backup.get().absent()) {
      return Optional.empty();
    }
    var labels = backup.get().object().path("metadata").path("labels");
    if ("enabled".equals(labels.path("istio-injection").asText())) {
      return Optional.of(AddonVersion.V1_4);
    }
    if ("istio-1611".equals(labels.path("istio.io/rev").asText())) {
      return Optional.of(AddonVersion.V1_6);
    }
    return Optional.empty();
  }

  private NamespacePlan inspect(
      KubernetesClient client, String ns, AddonVersion version, Notes notes) {
    List<Deployment> deployments =
        call(
            "list deployments in " + ns,
            () -> client.apps().deployments().inNamespace(ns).list().getItems());
    List<ReplicaSet> replicaSets =
        call(
            "list replicasets in " + ns,
            () -> client.apps().replicaSets().inNamespace(ns).list().getItems());
    List<Pod> pods =
        call("list pods in " + ns, () -> client.pods().inNamespace(ns).list().getItems());
    List<PodDisruptionBudget> pdbs =
        call(
            "list poddisruptionbudgets in " + ns,
            () -> client.policy().v1().podDisruptionBudget().inNamespace(ns).list().getItems());

    Map<String, String> replicaSetOwner = new TreeMap<>();
    for (ReplicaSet rs : replicaSets) {
      OwnerReference owner = controller(rs);
      replicaSetOwner.put(
          rs.getMetadata().getName(),
          owner != null && "Deployment".equals(owner.getKind()) ? owner.getName() : null);
    }

    Set<String> statefulSets = new TreeSet<>();
    Set<String> daemonSets = new TreeSet<>();
    Set<String> notDeployment = new TreeSet<>();
    int unmanaged = 0;
    for (Pod pod : pods) {
      if (!hasSidecar(pod) || isFinished(pod)) {
        continue;
      }
      OwnerReference owner = controller(pod);
      String podName = pod.getMetadata().getName();
      if (owner == null) {
        unmanaged++;
        notDeployment.add("Pod " + podName + " (no controller)");
        continue;
      }
      switch (owner.getKind()) {
        case "ReplicaSet" -> {
          if (replicaSetOwner.get(owner.getName()) == null) {
            notDeployment.add("ReplicaSet " + owner.getName() + " (no Deployment)");
          }
        }
        case "StatefulSet" -> {
          statefulSets.add(owner.getName());
          notDeployment.add("StatefulSet " + owner.getName());
        }
        case "DaemonSet" -> {
          daemonSets.add(owner.getName());
          notDeployment.add("DaemonSet " + owner.getName());
        }
        case "Job" -> notDeployment.add("Job " + owner.getName());
        default -> notDeployment.add(owner.getKind() + " " + owner.getName());
      }
    }
    // StatefulSets and DaemonSets count only when their pods carry a sidecar
    for (String owner : notDeployment) {
      String[] kindAndName = owner.split(" ", 3);
      notes.finding(
          "preflight-not-deployment-owned",
          kindAndName[0],
          ns,
          kindAndName[1],
          "injected pods of "
              + owner
              + " in namespace "
              + ns
              + " are not owned by a Deployment: "
              + (kindAndName[0].equals("StatefulSet") || kindAndName[0].equals("DaemonSet")
                  ? "restarted with the namespace unless --no-restart-sets"
                  : "they keep the add-on proxy until they are recreated"));
    }
    if (!notDeployment.isEmpty()) {
      notes.warnings.add(
          "namespace "
              + ns
              + ": injected pods not owned by a Deployment: "
              + String.join(", ", notDeployment)
              + " (StatefulSets and DaemonSets are restarted with the namespace; Jobs and bare pods"
              + " keep the old proxy until they are recreated)");
    }
    List<String> single =
        deployments.stream()
            .filter(d -> d.getSpec() != null && replicas(d) == 1)
            .map(d -> d.getMetadata().getName())
            .sorted()
            .toList();
    for (String name : single) {
      notes.finding(
          "preflight-single-replica",
          "Deployment",
          ns,
          name,
          "Deployment "
              + ns
              + "/"
              + name
              + " has one replica: its restart briefly leaves no ready pod behind a rolling"
              + " update's surge; consider two replicas");
    }
    if (!single.isEmpty()) {
      notes.warnings.add(
          "namespace "
              + ns
              + ": "
              + single.size()
              + " single-replica Deployment"
              + (single.size() == 1 ? "" : "s")
              + " (a restart briefly leaves no ready pod behind a rolling update's surge): "
              + String.join(", ", single));
    }
    for (PodDisruptionBudget pdb : pdbs) {
      if (allowsNoDisruption(pdb)) {
        notes.warn(
            "preflight-pdb-no-disruptions",
            "PodDisruptionBudget",
            ns,
            pdb.getMetadata().getName(),
            "namespace "
                + ns
                + ": PodDisruptionBudget "
                + pdb.getMetadata().getName()
                + " allows 0 disruptions: node drains and evictions of its pods are blocked");
      }
    }
    int workloads = deployments.size() + statefulSets.size() + daemonSets.size();
    return new NamespacePlan(ns, version, workloads, unmanaged);
  }

  /**
   * The running injected pods of {@code ns} that no restart replaces and whose owner the migration
   * cannot ask to recreate them: bare pods and Jobs' pods (a Job's CronJob named when it has one).
   */
  private static List<PodToRecreate> podsToRecreate(KubernetesClient client, String ns) {
    List<Pod> pods =
        call("list pods in " + ns, () -> client.pods().inNamespace(ns).list().getItems());
    List<PodToRecreate> out = new ArrayList<>();
    Map<String, String> cronJobOfJob = null;
    for (Pod pod :
        pods.stream().sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList()) {
      if (!hasSidecar(pod) || isFinished(pod) || pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      OwnerReference owner = controller(pod);
      String name = pod.getMetadata().getName();
      if (owner == null) {
        out.add(PodToRecreate.bare(ns, name));
      } else if ("Job".equals(owner.getKind())) {
        if (cronJobOfJob == null) {
          cronJobOfJob = new TreeMap<>();
          for (Job job :
              call(
                  "list jobs in " + ns,
                  () -> client.batch().v1().jobs().inNamespace(ns).list().getItems())) {
            OwnerReference jobOwner = controller(job);
            if (jobOwner != null && "CronJob".equals(jobOwner.getKind())) {
              cronJobOfJob.put(job.getMetadata().getName(), jobOwner.getName());
            }
          }
        }
        out.add(PodToRecreate.ofJob(ns, name, owner.getName(), cronJobOfJob.get(owner.getName())));
      }
    }
    return out;
  }

  // --- permissions -------------------------------------------------------------------------------

  private static void checkPermissions(KubernetesClient client) {
    List<RequiredPermissions.Permission> all = RequiredPermissions.all();
    // one review per permission, a few at a time: they persist nothing and are cheap to answer
    ExecutorService pool = Executors.newFixedThreadPool(REVIEW_CONCURRENCY);
    try {
      List<Future<Boolean>> answers = new ArrayList<>();
      for (RequiredPermissions.Permission p : all) {
        answers.add(pool.submit(() -> allowed(client, p)));
      }
      List<String> missing = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        if (!answers.get(i).get()) {
          missing.add(all.get(i).toString());
        }
      }
      if (!missing.isEmpty()) {
        throw Failures.permanent(
            FailureType.PERMISSION_DENIED,
            "the migration needs "
                + missing.size()
                + " permission"
                + (missing.size() == 1 ? "" : "s")
                + " the caller lacks: "
                + String.join(", ", missing));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reviewing permissions", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static boolean allowed(KubernetesClient client, RequiredPermissions.Permission p) {
    SelfSubjectAccessReview review =
        new SelfSubjectAccessReviewBuilder()
            .withNewSpec()
            .withNewResourceAttributes()
            .withVerb(p.verb())
            .withGroup(p.group())
            .withResource(p.resource().split("/", 2)[0])
            .withSubresource(p.resource().contains("/") ? p.resource().split("/", 2)[1] : null)
            .withNamespace(p.namespace())
            .withName(p.name())
            .endResourceAttributes()
            .endSpec()
            .build();
    SelfSubjectAccessReview answer =
        call(
            "create selfsubjectaccessreview for " + p,
            () -> client.authorization().v1().selfSubjectAccessReview().create(review));
    return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
  }

  // --- helpers -----------------------------------------------------------------------------------

  private static <T> T call(String what, Supplier<T> op) {
    try {
      return op.get();
    } catch (KubernetesClientException e) {
      throw Failures.kubernetes(what, e);
    }
  }

  private static Map<String, String> labels(HasMetadata o) {
    Map<String, String> l = o.getMetadata().getLabels();
    return l == null ? Map.of() : l;
  }

  private static String label(HasMetadata o, String key) {
    return labels(o).get(key);
  }

  private static List<Pod> withLabel(List<Pod> pods, String key, String value) {
    return pods.stream().filter(p -> value.equals(label(p, key))).toList();
  }

  private static <T extends HasMetadata> Optional<T> named(List<T> items, String name) {
    return items.stream().filter(i -> name.equals(i.getMetadata().getName())).findFirst();
  }

  private static String image(Pod pod, String container) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> container.equals(c.getName()))
        .map(Container::getImage)
        .findFirst()
        .orElse("");
  }

  /** The tag of an image reference ({@code registry/name:tag}, digests ignored). */
  static String tag(String image) {
    String ref = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    int slash = ref.lastIndexOf('/');
    int colon = ref.lastIndexOf(':');
    return colon > slash ? ref.substring(colon + 1) : "";
  }

  private static OwnerReference controller(HasMetadata o) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
    if (refs == null) {
      return null;
    }
    return refs.stream()
        .filter(r -> Boolean.TRUE.equals(r.getController()))
        .findFirst()
        .orElse(null);
  }

  private static boolean hasSidecar(Pod pod) {
    var spec = pod.getSpec();
    if (spec == null) {
      return false;
    }
    return Stream.concat(
            spec.getContainers() == null ? Stream.empty() : spec.getContainers().stream(),
            spec.getInitContainers() == null ? Stream.empty() : spec.getInitContainers().stream())
        .anyMatch(c -> PROXY_CONTAINER.equals(c.getName()));
  }

  private static boolean isFinished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private static int replicas(Deployment d) {
    Integer r = d.getSpec().getReplicas();
    return r == null ? 1 : r;
  }

  private static boolean allowsNoDisruption(PodDisruptionBudget pdb) {
    var status = pdb.getStatus();
    if (status != null && status.getObservedGeneration() != null) {
      return status.getDisruptionsAllowed() != null && status.getDisruptionsAllowed() == 0;
    }
    var spec = pdb.getSpec();
    if (spec == null) {
      return false;
    }
    var maxUnavailable = spec.getMaxUnavailable();
    if (maxUnavailable != null) {
      return "0".equals(String.valueOf(maxUnavailable.getValue()))
          || "0%".equals(String.valueOf(maxUnavailable.getValue()));
    }
    var minAvailable = spec.getMinAvailable();
    return minAvailable != null && "100%".equals(String.valueOf(minAvailable.getValue()));
  }
}
