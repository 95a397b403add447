package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.activities.AddonActivities;
import dev.asmmigrate.workflows.activities.ConfigActivities;
import dev.asmmigrate.workflows.activities.ControlPlaneActivities;
import dev.asmmigrate.workflows.activities.FleetActivities;
import dev.asmmigrate.workflows.activities.GalleyActivities;
import dev.asmmigrate.workflows.activities.GatewayActivities;
import dev.asmmigrate.workflows.activities.MeshCaActivities;
import dev.asmmigrate.workflows.activities.PreflightActivities;
import dev.asmmigrate.workflows.activities.StateActivities;
import dev.asmmigrate.workflows.activities.WebhookActivities;
import dev.asmmigrate.workflows.activities.WorkloadActivities;
import dev.asmmigrate.workflows.activities.WorkloadActivities.Direction;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.ConfigReport;
import dev.asmmigrate.workflows.model.KeptObject;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PreflightReport;
import dev.asmmigrate.workflows.model.StepResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every activity interface, instant and recording {@code cluster:method[:namespace]}, so that the
 * operator commands are tested against the real workflow in seconds. Per cluster: blocking findings
 * for the first N config-checks, and a latch that holds a namespace's verification.
 */
final class FakeActivities
    implements PreflightActivities,
        StateActivities,
        FleetActivities,
        ControlPlaneActivities,
        ConfigActivities,
        GalleyActivities,
        MeshCaActivities,
        WorkloadActivities,
        GatewayActivities,
        WebhookActivities,
        AddonActivities {
  /** What the fake cleanup reports it kept: a labelled Mixer rule that is not an add-on default. */
  static final KeptObject KEPT =
      new KeptObject(
          "config.istio.io/v1alpha2",
          "rule",
          "istio-system",
          "audit-denials",
          "labelled k8s-app=istio, but its spec is none of the add-on's default Mixer objects",
          "kubectl delete rule.v1alpha2.config.istio.io audit-denials -n istio-system");

  static final List<NamespacePlan> NAMESPACES =
      List.of(
          new NamespacePlan("app-a", AddonVersion.V1_4, 2, 0),
          new NamespacePlan("app-b", AddonVersion.V1_4, 1, 0),
          new NamespacePlan("app-c", AddonVersion.V1_4, 1, 0));

  final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  final Map<String, AtomicInteger> blockingChecks = new ConcurrentHashMap<>();
  final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();

  private void record(MigrationContext ctx, String call) {
    String key = ctx.cluster().cluster() + ":" + call;
    calls.add(key);
    CountDownLatch hold = holds.get(key);
    if (hold != null) {
      try {
        if (!hold.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("hold on " + key + " never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  List<String> callsOf(String cluster) {
    synchronized (calls) {
      return calls.stream()
          .filter(c -> c.startsWith(cluster + ":"))
          .map(c -> c.substring(cluster.length() + 1))
          .toList();
    }
  }

  @Override
  public PreflightReport preflight(PreflightRequest r) {
    record(r.context(), "preflight");
    return new PreflightReport(
        List.of(AddonVersion.V1_4), "1.19.8-gke.1600", NAMESPACES, null, null, List.of());
  }

  @Override
  public void writeState(WriteStateRequest r) {}

  @Override
  public FleetResult registerFleet(FleetRequest r) {
    record(r.context(), "registerFleet");
    return new FleetResult("m", true, true, List.of());
  }

  @Override
  public void unregisterFleet(FleetRequest r) {
    record(r.context(), "unregisterFleet");
  }

  @Override
  public StepResult applyControlPlaneRevision(ControlPlaneRequest r) {
    record(r.context(), "applyControlPlaneRevision");
    return StepResult.none();
  }

  @Override
  public void awaitControlPlane(AwaitControlPlaneRequest r) {
    record(r.context(), "awaitControlPlane");
  }

  @Override
  public void removeControlPlaneRevision(ControlPlaneRequest r) {
    record(r.context(), "removeControlPlaneRevision");
  }

  @Override
  public ConfigReport checkConfigs(ConfigRequest r) {
    record(r.context(), "checkConfigs");
    AtomicInteger left = blockingChecks.get(r.context().cluster().cluster());
    if (left != null && left.getAndDecrement() > 0) {
      return new ConfigReport(
          List.of(
              new ConfigFinding(
                  "envoyfilter-custom",
                  true,
                  "EnvoyFilter",
                  "app-a",
                  "lua-filter",
                  "not supported by the managed control plane; remove it")),
          0);
    }
    return new ConfigReport(List.of(), 0);
  }

  @Override
  public StepResult migrateConfigs(ConfigRequest r) {
    record(r.context(), "migrateConfigs");
    return StepResult.none();
  }

  @Override
  public void removeMigratedConfigs(ConfigRequest r) {
    record(r.context(), "removeMigratedConfigs");
  }

  @Override
  public StepResult disableGalleyWebhook(GalleyRequest r) {
    record(r.context(), "disableGalleyWebhook");
    return StepResult.none();
  }

  @Override
  public void restoreGalleyWebhook(GalleyRequest r) {
    record(r.context(), "restoreGalleyWebhook");
  }

  @Override
  public StepResult configureMeshCa(MeshCaRequest r) {
    record(r.context(), "configureMeshCa");
    return StepResult.none();
  }

  @Override
  public void awaitRootDistribution(RootDistributionRequest r) {
    record(r.context(), "awaitRootDistribution");
  }

  @Override
  public void restoreMeshCa(MeshCaRequest r) {
    record(r.context(), "restoreMeshCa");
  }

  @Override
  public List<NamespacePlan> remainingNamespaces(RemainingRequest r) {
    record(r.context(), "remainingNamespaces");
    return List.of();
  }

  @Override
  public StepResult relabelNamespace(NamespaceRequest r) {
    record(r.context(), "relabelNamespace:" + r.namespace());
    return StepResult.none();
  }

  @Override
  public RestartResult restartWorkloads(RestartRequest r) {
    record(
        r.context(),
        "restartWorkloads:"
            + r.namespace()
            + (r.direction() == Direction.ROLL_BACK ? ":rollback" : ""));
    return new RestartResult(List.of("Deployment/web"), List.of());
  }

  @Override
  public VerifyResult verifyNamespace(VerifyRequest r) {
    record(
        r.context(),
        "verifyNamespace:"
            + r.namespace()
            + (r.direction() == Direction.ROLL_BACK ? ":addon" : ""));
    return new VerifyResult(r.namespace().equals("app-a") ? 4 : 2, 2);
  }

  @Override
  public void restoreNamespaceLabels(NamespaceRequest r) {
    record(r.context(), "restoreNamespaceLabels:" + r.namespace());
  }

  /** The three calls of one namespace, in order, as the real activity composes them. */
  @Override
  public MigrateNamespaceResult migrateNamespace(MigrateNamespaceRequest r) {
    relabelNamespace(r.relabel());
    long relabelledAt = System.currentTimeMillis();
    RestartResult restarted = restartWorkloads(r.restart());
    long restartedAt = System.currentTimeMillis();
    return new MigrateNamespaceResult(
        restarted, verifyNamespace(r.verify()), relabelledAt, restartedAt);
  }

  /** The three calls of one namespace's undo, in order, as the real activity composes them. */
  @Override
  public VerifyResult rollBackNamespace(RollBackNamespaceRequest r) {
    restoreNamespaceLabels(r.labels());
    restartWorkloads(r.restart());
    return verifyNamespace(r.verify());
  }

  @Override
  public StepResult replaceGateway(GatewayRequest r) {
    record(r.context(), "replaceGateway");
    return StepResult.none();
  }

  @Override
  public void restoreGateway(GatewayRequest r) {
    record(r.context(), "restoreGateway");
  }

  @Override
  public StepResult replaceWebhook(WebhookRequest r) {
    record(r.context(), "replaceWebhook");
    return StepResult.none();
  }

  @Override
  public void restoreWebhook(WebhookRequest r) {
    record(r.context(), "restoreWebhook");
  }

  @Override
  public StepResult disableAddon(AddonRequest r) {
    record(r.context(), "disableAddon");
    return StepResult.none();
  }

  @Override
  public StepResult cleanup(AddonRequest r) {
    record(r.context(), "cleanup");
    return new StepResult(List.of(), List.of(), List.of(KEPT));
  }
}
