package dev.asmmigrate.activities.addon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.container.v1beta1.ClusterManagerClient;
import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.GetClusterRequest;
import com.google.container.v1beta1.IstioConfig;
import dev.asmmigrate.activities.backup.BackupStore;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.google.LongRunning;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.GenericResources;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.activities.state.StateConfigMap;
import dev.asmmigrate.config.check.MixerDefaults;
import dev.asmmigrate.workflows.activities.AddonActivities;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps {@code disable-addon} and {@code cleanup}, after the operator's approval: the irreversible
 * end. {@code disable-addon} turns the Istio add-on off through the GKE ClusterManager (v1beta1,
 * the only version with {@code istio_config}); {@code cleanup} backs up, then deletes, the proven
 * add-on objects ({@link AddonObjects}, {@link AddonChanges#cleanup}), lists in its result every
 * labelled object it keeps, and verifies that istio-system then runs only the new gateway, {@code
 * asm-ingressgateway}.
 */
public final class AddonActivitiesImpl implements AddonActivities {
  static final String DISABLE = AddonChanges.DISABLE;
  static final String CLEANUP = AddonChanges.CLEANUP;
  static final String NS = AddonObjects.NS;
  static final String NEW_GATEWAY = "asm-ingressgateway";
  static final Duration OPERATION_BOUND = Duration.ofMinutes(10);
  static final Duration VERIFY_BOUND = Duration.ofMinutes(3);

  private static final Logger log = LoggerFactory.getLogger(AddonActivitiesImpl.class);

  private final KubeClients clients;
  private final BackupStores backups;
  private final GoogleClients google;
  private final Duration verifyBound;

  public AddonActivitiesImpl(KubeClients clients, BackupStores backups, GoogleClients google) {
    this(clients, backups, google, VERIFY_BOUND);
  }

  /** With another bound for the final verification (tests). */
  public AddonActivitiesImpl(
      KubeClients clients, BackupStores backups, GoogleClients google, Duration verifyBound) {
    this.clients = clients;
    this.backups = backups;
    this.google = google;
    this.verifyBound = verifyBound;
  }

  // --- disable-addon -----------------------------------------------------------------------------

  @Override
  public StepResult disableAddon(AddonRequest request) {
    MigrationContext ctx = request.context();
    String name = ctx.cluster().resourceName();
    ClusterManagerClient clusters = google.clusterManager(ctx.connection());
    Optional<AddonChanges.Disable> disable =
        AddonChanges.disable(name, istioConfig(clusters, name));
    if (disable.isEmpty()) {
      log.info("{}: the Istio add-on of {} is disabled already: unchanged", DISABLE, ctx.cluster());
      return new StepResult(List.of(), List.of());
    }
    var op =
        GoogleClients.call(
            "disable the Istio add-on of " + name,
            () -> clusters.updateCluster(disable.get().request()));
    LongRunning.awaitCluster(
        clusters,
        ctx.cluster(),
        op,
        OPERATION_BOUND,
        "disable the Istio add-on of " + ctx.cluster(),
        Waits::heartbeat);
    if (!istioConfig(clusters, name).getDisabled()) {
      throw new IllegalStateException(
          "GKE still reports the Istio add-on of " + ctx.cluster() + " enabled after the update");
    }
    String change =
        "disabled the Istio add-on of " + ctx.cluster() + " (operation " + op.getName() + ")";
    log.info("{}: {}", DISABLE, change);
    return new StepResult(List.of(), List.of(change));
  }

  @SuppressWarnings("deprecation") // istio_config: deprecated by GKE, and what is being disabled
  private static IstioConfig istioConfig(ClusterManagerClient clusters, String name) {
    Cluster cluster =
        GoogleClients.call(
            "get GKE cluster " + name,
            () -> clusters.getCluster(GetClusterRequest.newBuilder().setName(name).build()));
    return cluster.getAddonsConfig().getIstioConfig();
  }

  /**
   * What {@link #disableAddon} will do, read only: the cluster update {@link AddonChanges#disable}
   * computes, or nothing when GKE reports the add-on disabled already.
   */
  public List<PlannedChange> planDisable(MigrationContext ctx) {
    String name = ctx.cluster().resourceName();
    return AddonChanges.disable(name, istioConfig(google.clusterManager(ctx.connection()), name))
        .map(d -> List.of(d.planned()))
        .orElse(List.of());
  }

  /**
   * What {@link #cleanup} will delete, read only: the deletions {@link AddonChanges#cleanup}
   * computes, as if {@code deletedBefore} (objects earlier steps delete) were gone already.
   */
  public List<PlannedChange> planCleanup(MigrationContext ctx, Set<ObjectKey> deletedBefore) {
    KubernetesClient client = clients.client(ctx.connection());
    return DesiredChange.planned(
        AddonChanges.cleanup(observe(client).without(deletedBefore)).deletes());
  }

  // --- cleanup -----------------------------------------------------------------------------------

  @Override
  public StepResult cleanup(AddonRequest request) {
    MigrationContext ctx = request.context();
    KubernetesClient client = clients.client(ctx.connection());
    requireSuccess(client, ctx);

    BackupStore store = backups.forContext(ctx);
    StepChanges changes = new StepChanges(client, store, ctx, CLEANUP);
    AddonChanges.Observed observed = observe(client);
    AddonChanges.Cleanup cleanup = AddonChanges.cleanup(observed);
    cleanup.kept().forEach(changes::kept);
    // what an earlier run deleted (found by label then, gone now) is listed with its backup
    Set<ObjectKey> done = new LinkedHashSet<>(cleanup.selected());
    store.list(ctx.migrationId(), CLEANUP).forEach(b -> done.add(b.key()));
    for (DesiredChange delete : cleanup.deletes()) {
      ObjectKey key = delete.key();
      done.remove(key);
      if (AddonObjects.protectedObject(key)) {
        throw new IllegalStateException("cleanup would delete protected " + key + ": a bug");
      }
      Waits.heartbeat(CLEANUP + ": " + key);
      changes.backupTree(key, observed.live().get(key));
      delete.apply(changes);
    }
    for (ObjectKey key : done) {
      if (changes.recordExisting(key).isPresent()) {
        changes.unchanged(key + " deleted by an earlier run");
      }
    }
    verifyOnlyNewGateway(client);
    changes.changed(NS + " runs only " + NEW_GATEWAY + " pods");
    StepResult result = changes.result();
    log.info(
        "{}: {} add-on objects deleted, {} backups listed, {} objects kept",
        CLEANUP,
        result.changes().stream().filter(c -> c.startsWith("deleted ")).count(),
        result.backups().size(),
        result.kept().size());
    return result;
  }

  /**
   * What cleanup reads: the Mixer objects and Jobs labelled as the add-on labels its own, then
   * every object of the fixed list and those, by name (absent ones left out).
   */
  private static AddonChanges.Observed observe(KubernetesClient client) {
    Restorer restorer = new Restorer(client);
    Set<ObjectKey> candidates = new LinkedHashSet<>(AddonObjects.fixed());
    Map<String, List<ObjectNode>> mixer = new HashMap<>();
    for (String kind : MixerDefaults.KINDS) {
      // none when the Mixer CRDs are gone
      List<ObjectNode> items = new ArrayList<>();
      for (GenericKubernetesResource item :
          GenericResources.list(
              client, MixerDefaults.API_VERSION, kind, NS, Map.of("k8s-app", "istio"))) {
        items.add(Restorer.toTree(item));
        candidates.add(
            new ObjectKey(MixerDefaults.API_VERSION, kind, NS, item.getMetadata().getName()));
      }
      mixer.put(kind, items);
    }
    List<ObjectNode> jobs = new ArrayList<>();
    for (Job job :
        StepChanges.call(
            "list jobs in " + NS,
            () ->
                client
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(NS)
                    .withLabel("k8s-app", "istio")
                    .withLabel("app", "security")
                    .list()
                    .getItems())) {
      jobs.add(Restorer.toTree(job));
      candidates.add(new ObjectKey("batch/v1", "Job", NS, job.getMetadata().getName()));
    }
    // each as it is now, read by name as it is backed up
    Map<ObjectKey, ObjectNode> live = new HashMap<>();
    for (ObjectKey key : candidates) {
      ObjectNode found = restorer.read(key);
      if (found != null) {
        live.put(key, found);
      }
    }
    return new AddonChanges.Observed(mixer, jobs, live);
  }

  private static void requireSuccess(KubernetesClient client, MigrationContext ctx) {
    Optional<StateConfigMap.Current> state = new StateConfigMap(client).read();
    String where = "configmap " + StateConfigMap.NAMESPACE + "/" + StateConfigMap.NAME;
    if (state.isEmpty()) {
      throw Failures.permanent(
          FailureType.STATE_CONFLICT, "cleanup refused: " + where + " does not exist");
    }
    if (state.get().state() != MigrationState.SUCCESS) {
      throw Failures.permanent(
          FailureType.STATE_CONFLICT,
          "cleanup refused: " + where + " says " + state.get().status() + ", not SUCCESS");
    }
    if (!ctx.migrationId().equals(state.get().migrationId())) {
      throw Failures.permanent(
          FailureType.STATE_CONFLICT,
          "cleanup refused: "
              + where
              + " records migration "
              + state.get().migrationId()
              + ", not "
              + ctx.migrationId());
    }
  }

  /**
   * Waits, bounded, until every pod left in istio-system belongs to {@value #NEW_GATEWAY} and at
   * least one of them is Ready.
   */
  private void verifyOnlyNewGateway(KubernetesClient client) {
    Waits.until(
        NS + " runs only " + NEW_GATEWAY,
        verifyBound,
        Duration.ofMillis(500),
        () -> {
          List<ReplicaSet> replicaSets =
              client.apps().replicaSets().inNamespace(NS).list().getItems();
          Set<String> gatewayReplicaSets =
              replicaSets.stream()
                  .filter(
                      rs ->
                          NEW_GATEWAY.equals(
                              controllerName(rs.getMetadata().getOwnerReferences(), "Deployment")))
                  .map(rs -> rs.getMetadata().getName())
                  .collect(Collectors.toSet());
          Set<String> others = new TreeSet<>();
          int ready = 0;
          for (Pod pod : client.pods().inNamespace(NS).list().getItems()) {
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
              continue;
            }
            String rs = controllerName(pod.getMetadata().getOwnerReferences(), "ReplicaSet");
            if (rs != null && gatewayReplicaSets.contains(rs)) {
              if (isReady(pod)) {
                ready++;
              }
            } else {
              others.add(pod.getMetadata().getName());
            }
          }
          String progress =
              ready
                  + " ready "
                  + NEW_GATEWAY
                  + " pods"
                  + (others.isEmpty() ? "" : "; still running: " + String.join(", ", others));
          return others.isEmpty() && ready > 0
              ? Waits.Check.done(progress)
              : Waits.Check.waiting(progress);
        },
        FailureType.VERIFICATION_FAILED);
  }

  private static String controllerName(List<OwnerReference> refs, String kind) {
    if (refs == null) {
      return null;
    }
    return refs.stream()
        .filter(r -> Boolean.TRUE.equals(r.getController()) && kind.equals(r.getKind()))
        .map(OwnerReference::getName)
        .findFirst()
        .orElse(null);
  }

  private static boolean isReady(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return false;
    }
    return pod.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
