package dev.asmmigrate.activities.meshca;

import static dev.asmmigrate.activities.meshca.MeshCaObjects.CA_SECRET_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.CITADEL_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ISTIOD_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESHCA_SECRET_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESH_CONFIG_14_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESH_CONFIG_16_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.OPERATOR_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.TRIGGER_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.awaitRollouts;

import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.activities.MeshCaActivities;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step {@code configure-mesh-ca}: the add-on's control plane learns to trust the Mesh CA before any
 * workload moves, so that add-on proxies and managed ASM proxies accept each other's certificates
 * during the migration (zero downtime). Everything is backed up before its first change, every
 * change is made only when the object is not as wanted yet (the Mesh CA root is appended to {@code
 * istio-ca-secret} once, ever), and the undo puts every object back from its backup.
 *
 * <p>This class is the activity's entry point; the 1.4 path is {@link MeshCa14}, the 1.6 path
 * {@link MeshCa16}, the trust domain and its alias {@link TrustDomain}, the wait for the root in
 * every namespace {@link RootDistribution}, and the objects they share {@link MeshCaObjects}.
 */
public final class MeshCaActivitiesImpl implements MeshCaActivities {
  private static final Logger log = LoggerFactory.getLogger(MeshCaActivitiesImpl.class);

  /**
   * The bounds and pauses of the step.
   *
   * @param rollout how long a patched control-plane Deployment may take to roll out
   * @param pollInterval how often waits look again
   * @param proxyPickup 1.4: how long to give proxies, once every bundle has the root, to read the
   *     refreshed secret volume (the kubelet's sync period plus its cache; no API shows it)
   * @param triggerHold 1.6: how long EnvoyFilter trigger-root-cert stays, so that every proxy
   *     receives it and sends its new SDS request
   */
  public record Settings(
      Duration rollout, Duration pollInterval, Duration proxyPickup, Duration triggerHold) {
    public static Settings defaults() {
      return new Settings(
          Duration.ofMinutes(10),
          Duration.ofSeconds(1),
          Duration.ofSeconds(75),
          Duration.ofSeconds(15));
    }

    /** These settings with other holds (the worker's flags, or a sandbox's quick proxies). */
    public Settings withHolds(Duration proxyPickup, Duration triggerHold) {
      return new Settings(rollout, pollInterval, proxyPickup, triggerHold);
    }
  }

  private final KubeClients clients;
  private final BackupStores backups;
  private final Settings settings;
  private final MeshCa14 v14;
  private final MeshCa16 v16;
  private final RootDistribution rootDistribution;

  public MeshCaActivitiesImpl(KubeClients clients, BackupStores backups) {
    this(clients, backups, Settings.defaults());
  }

  public MeshCaActivitiesImpl(KubeClients clients, BackupStores backups, Settings settings) {
    this.clients = clients;
    this.backups = backups;
    this.settings = settings;
    this.v14 = new MeshCa14(settings);
    this.v16 = new MeshCa16(settings);
    this.rootDistribution = new RootDistribution(clients, backups, settings);
  }

  // --- configure ---------------------------------------------------------------------------------

  @Override
  public StepResult configureMeshCa(MeshCaRequest request) {
    MigrationContext ctx = request.context();
    StepChanges changes = session(ctx);
    String trustDomain = TrustDomain.of(changes.client(), ctx.revision());
    log.info(
        "configure-mesh-ca {}: trust domain of {} is {}",
        request.version().display(),
        ctx.revision(),
        trustDomain);
    if (request.version() == AddonVersion.V1_4) {
      v14.configure(changes, trustDomain);
    } else {
      v16.configure(changes, trustDomain, ctx);
    }
    return changes.result();
  }

  @Override
  public void awaitRootDistribution(RootDistributionRequest request) {
    rootDistribution.awaitRootDistribution(request);
  }

  // --- plan ------------------------------------------------------------------------------------

  /**
   * What {@link #configureMeshCa} and {@link #awaitRootDistribution} will do for one add-on
   * version, read only: the changes {@link MeshCa14Changes} and {@link MeshCa16Changes} compute,
   * which the activities apply. The managed control plane's trust domain and the migration's id are
   * not known before the migration runs: {@code trustDomain} and {@code migrationId} stand for them
   * in the bodies shown. Secret content never appears: a note names the key and the root's sha256.
   */
  public List<PlannedChange> plan(
      MigrationContext ctx, AddonVersion version, String trustDomain, String migrationId) {
    KubernetesClient client = clients.client(ctx.connection());
    return version == AddonVersion.V1_4
        ? v14.plan(client, trustDomain)
        : v16.plan(client, trustDomain, migrationId);
  }

  /**
   * The managed control plane's trust domain if it can be read already (the revision is
   * provisioned), else empty.
   */
  public Optional<String> knownTrustDomain(MigrationContext ctx) {
    try {
      return Optional.of(TrustDomain.of(clients.client(ctx.connection()), ctx.revision()));
    } catch (ApplicationFailure e) {
      if (FailureType.TRUST_DOMAIN_UNKNOWN.name().equals(e.getType())) {
        return Optional.empty();
      }
      throw e;
    }
  }

  // --- undo ------------------------------------------------------------------------------------

  @Override
  public void restoreMeshCa(MeshCaRequest request) {
    StepChanges changes = session(request.context());
    KubernetesClient client = changes.client();
    List<String> restarted = new ArrayList<>();
    if (request.version() == AddonVersion.V1_4) {
      restoreDeployment(changes, CITADEL_KEY, restarted);
      restoreDeployment(changes, PILOT_KEY, restarted);
      changes.restore(MESH_CONFIG_14_KEY);
      // after Citadel no longer mounts it
      changes.restore(MESHCA_SECRET_KEY);
    } else {
      changes.restore(TRIGGER_KEY);
      // the CA bundle before istiod, so that the restarted istiod reads the restored one
      changes.restore(CA_SECRET_KEY);
      changes.restore(OPERATOR_KEY);
      changes.restore(MESH_CONFIG_16_KEY);
      restoreDeployment(changes, ISTIOD_KEY, restarted);
    }
    awaitRollouts(client, restarted, settings);
  }

  private static void restoreDeployment(StepChanges changes, ObjectKey key, List<String> restored) {
    changes.restore(key).ifPresent(action -> restored.add(key.name()));
  }

  private StepChanges session(MigrationContext ctx) {
    return MeshCaObjects.session(clients, backups, ctx);
  }

  /** Base64 of {@code text}, as the step writes secret data (tests look for it in histories). */
  static String base64(String text) {
    return MeshCaObjects.base64(text);
  }
}
