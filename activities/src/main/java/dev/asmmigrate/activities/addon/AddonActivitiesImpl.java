package dev.asmmigrate.activities.addon;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.container.v1beta1.ClusterManagerClient;
import com.google.container.v1beta1.AddonsConfig;
import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.ClusterUpdate;
import com.google.container.v1beta1.GetClusterRequest;
import com.google.container.v1beta1.IstioConfig;
import com.google.container.v1beta1.UpdateClusterRequest;
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
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.activities.state.StateConfigMap;
import dev.asmmigrate.config.check.MixerDefaults;
import dev.asmmigrate.workflows.activities.AddonActivities;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.KeptObject;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
 * add-on objects ({@link AddonObjects}, {@link #select}), lists in its result every labelled object
 * it keeps, and verifies that istio-system then runs only the new gateway, {@code
 * asm-ingressgateway}.
 */
public final class AddonActivitiesImpl implements AddonActivities {
  static final String DISABLE = Step.DISABLE_ADDON.id();
  static final String CLEANUP = Step.CLEANUP.id();
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
  @SuppressWarnings("deprecation") // istio_config: deprecated by GKE, and what is being disabled
  public StepResult disableAddon(AddonRequest request) {
    MigrationContext ctx = request.context();
    String name = ctx.cluster().resourceName();
    ClusterManagerClient clusters = google.clusterManager(ctx.connection());
    Cluster cluster =
        GoogleClients.call(
            "get GKE cluster " + name,
            () -> clusters.getCluster(GetClusterRequest.newBuilder().setName(name).build()));
    IstioConfig istio = cluster.getAddonsConfig().getIstioConfig();
    if (istio.getDisabled()) {
      log.info("{}: the Istio add-on of {} is disabled already: unchanged", DISABLE, ctx.cluster());
      return new StepResult(List.of(), List.of());
    }
    UpdateClusterRequest update =
        UpdateClusterRequest.newBuilder()
            .setName(name)
            .setUpdate(
                ClusterUpdate.newBuilder()
                    .setDesiredAddonsConfig(
                        AddonsConfig.newBuilder()
                            .setIstioConfig(istio.toBuilder().setDisabled(true))))
            .build();
    var op =
        GoogleClients.call(
            "disable the Istio add-on of " + name, () -> clusters.updateCluster(update));
    LongRunning.awaitCluster(
        clusters,
        ctx.cluster(),
        op,
        OPERATION_BOUND,
        "disable the Istio add-on of " + ctx.cluster(),
        Waits::heartbeat);
    Cluster after =
        GoogleClients.call(
            "get GKE cluster " + name,
            () -> clusters.getCluster(GetClusterRequest.newBuilder().setName(name).build()));
    if (!after.getAddonsConfig().getIstioConfig().getDisabled()) {
      throw new IllegalStateException(
          "GKE still reports the Istio add-on of " + ctx.cluster() + " enabled after the update");
    }
    String change =
        "disabled the Istio add-on of " + ctx.cluster() + " (operation " + op.getName() + ")";
    log.info("{}: {}", DISABLE, change);
    return new StepResult(List.of(), List.of(change));
  }

  /**
   * What {@link #disableAddon} will do, read only: the GKE cluster update disabling the add-on, or
   * nothing when GKE reports it disabled already.
   */
  @SuppressWarnings("deprecation") // istio_config, as above
  public List<PlannedChange> planDisable(MigrationContext ctx) {
    String name = ctx.cluster().resourceName();
    Cluster cluster =
        GoogleClients.call(
            "get GKE cluster " + name,
            () ->
                google
                    .clusterManager(ctx.connection())
                    .getCluster(GetClusterRequest.newBuilder().setName(name).build()));
    if (cluster.getAddonsConfig().getIstioConfig().getDisabled()) {
      return List.of();
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.putObject("update")
        .putObject("desiredAddonsConfig")
        .putObject("istioConfig")
        .put("disabled", true);
    return List.of(
        PlannedChange.call(
            DISABLE,
            "container.googleapis.com/v1beta1",
            "UpdateCluster",
            name,
            body,
            "--update-addons=Istio=DISABLED, after an operator's approval (irreversible)"));
  }

  /**
   * What {@link #cleanup} will delete, read only: every add-on object it targets that exists now,
   * in its order, except {@code deletedBefore} (objects earlier steps delete).
   */
  public List<PlannedChange> planCleanup(MigrationContext ctx, Set<ObjectKey> deletedBefore) {
    KubernetesClient client = clients.client(ctx.connection());
    Restorer restorer = new Restorer(client);
    List<PlannedChange> out = new ArrayList<>();
    for (ObjectKey key : select(client).delete()) {
      if (deletedBefore.stream().anyMatch(d -> sameObject(d, key))) {
        continue;
      }
      if (restorer.read(key) != null) {
        out.add(PlannedChange.delete(CLEANUP, key, "backed up, then deleted"));
      }
    }
    return out;
  }

  private static boolean sameObject(ObjectKey a, ObjectKey b) {
    return a.kind().equals(b.kind())
        && java.util.Objects.equals(a.namespace(), b.namespace())
        && a.name().equals(b.name());
  }

  // --- cleanup -----------------------------------------------------------------------------------

  @Override
  public StepResult cleanup(AddonRequest request) {
    MigrationContext ctx = request.context();
    KubernetesClient client = clients.client(ctx.connection());
    requireSuccess(client, ctx);

    BackupStore store = backups.forContext(ctx);
    StepChanges changes = new StepChanges(client, store, ctx, CLEANUP);
    Restorer restorer = new Restorer(client);
    // what is there now, plus what an earlier run deleted (found by label then, gone now)
    Selection selection = select(client);
    Set<ObjectKey> keys = new LinkedHashSet<>(selection.delete());
    store.list(ctx.migrationId(), CLEANUP).forEach(b -> keys.add(b.key()));
    selection.kept().forEach(changes::kept);
    for (ObjectKey key : keys) {
      if (AddonObjects.protectedObject(key)) {
        throw new IllegalStateException("cleanup would delete protected " + key + ": a bug");
      }
      Waits.heartbeat(CLEANUP + ": " + key);
      var live = restorer.read(key);
      if (live == null) {
        if (changes.recordExisting(key).isPresent()) {
          changes.unchanged(key + " deleted by an earlier run");
        }
        continue;
      }
      changes.backupTree(key, live);
      delete(client, key);
      changes.changed("deleted " + key);
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

  /** What cleanup deletes, in order, and what it leaves in place with the reason. */
  record Selection(List<ObjectKey> delete, List<KeptObject> kept) {}

  /**
   * The proven add-on objects: the fixed list ({@link AddonObjects#fixed}), then, among the Mixer
   * objects and Jobs labelled {@code k8s-app=istio} in istio-system, the add-on's Mixer defaults by
   * digest ({@link MixerDefaults}, the check config-check makes) and its security post-install Jobs
   * by name. Every other labelled object is kept, with the reason and the command that deletes it
   * by hand.
   */
  static Selection select(KubernetesClient client) {
    Set<ObjectKey> keys = new LinkedHashSet<>(AddonObjects.fixed());
    List<KeptObject> kept = new ArrayList<>();
    MixerDefaults defaults = MixerDefaults.get();
    String mixer = MixerDefaults.API_VERSION;
    for (String kind : MixerDefaults.KINDS) {
      // none when the Mixer CRDs are gone
      List<GenericKubernetesResource> items =
          GenericResources.list(client, mixer, kind, NS, Map.of("k8s-app", "istio"));
      List<GenericKubernetesResource> sorted = new ArrayList<>(items);
      sorted.sort(Comparator.comparing(i -> i.getMetadata().getName()));
      for (GenericKubernetesResource item : sorted) {
        ObjectKey key = new ObjectKey(mixer, kind, NS, item.getMetadata().getName());
        if (keys.contains(key)) {
          continue; // a fixed name of the add-on
        }
        ObjectNode tree = Restorer.toTree(item);
        if (defaults.isDefault(tree)) {
          keys.add(key);
        } else {
          kept.add(
              kept(
                  key,
                  kind.equals("attributemanifest")
                      ? "labelled k8s-app=istio, but not one of the add-on's attributemanifests"
                          + " (istioproxy, kubernetes)"
                      : "labelled k8s-app=istio, but its spec (sha256 "
                          + MixerDefaults.specDigest(tree.path("spec")).substring(0, 12)
                          + ") is none of the add-on's default Mixer objects of any add-on"
                          + " version: custom Mixer configuration, or an add-on default that was"
                          + " edited"));
        }
      }
    }
    List<String> jobs =
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
                    .getItems()
                    .stream()
                    .map(j -> j.getMetadata().getName())
                    .sorted()
                    .toList());
    for (String job : jobs) {
      ObjectKey key = new ObjectKey("batch/v1", "Job", NS, job);
      if (job.startsWith(AddonObjects.POST_INSTALL_JOB_PREFIX)) {
        keys.add(key);
      } else {
        kept.add(
            kept(
                key,
                "labelled k8s-app=istio,app=security, but not named "
                    + AddonObjects.POST_INSTALL_JOB_PREFIX
                    + "<version> as the add-on's security post-install Jobs are"));
      }
    }
    return new Selection(new ArrayList<>(keys), kept);
  }

  private static KeptObject kept(ObjectKey key, String reason) {
    return new KeptObject(
        key.apiVersion(),
        key.kind(),
        key.namespace(),
        key.name(),
        reason,
        AddonObjects.deleteCommand(key));
  }

  private static void delete(KubernetesClient client, ObjectKey key) {
    var served = GenericResources.served(client, key.apiVersion(), key.kind());
    if (served.isEmpty()) {
      return; // the type is not served (a 1.4 cluster has no IstioOperator): nothing to delete
    }
    try {
      var op = served.get();
      var resource =
          key.namespace() == null
              ? op.withName(key.name())
              : op.inNamespace(key.namespace()).withName(key.name());
      resource.withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return; // gone, or its type is
      }
      throw Failures.kubernetes("delete " + key, e);
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
