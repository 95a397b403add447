package dev.asmmigrate.workflows;

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
import dev.asmmigrate.workflows.activities.WindowActivities;
import dev.asmmigrate.workflows.activities.WorkloadActivities;
import dev.asmmigrate.workflows.activities.WorkloadActivities.Direction;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.ConfigReport;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PodToRecreate;
import dev.asmmigrate.workflows.model.PreflightReport;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every activity interface, recording each call as {@code method[:detail]} in order, with knobs to
 * fail a call permanently or make config-check find blocking configs.
 */
final class RecordingActivities
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
        AddonActivities,
        WindowActivities {

  final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  final List<MigrationState> states = Collections.synchronizedList(new ArrayList<>());

  /** The reasons written with the states, in order. */
  final List<String> reasons = Collections.synchronizedList(new ArrayList<>());

  final Set<String> failOn = ConcurrentHashMap.newKeySet();

  /** What a call throws, every time it is made (e.g. a transient failure Temporal retries). */
  final Map<String, java.util.function.Supplier<RuntimeException>> throwOn =
      new ConcurrentHashMap<>();

  final AtomicInteger blockingChecksLeft = new AtomicInteger();

  /** How many config checks come back clean before {@link #blockingChecksLeft} apply. */
  final AtomicInteger cleanChecksFirst = new AtomicInteger();

  final Map<String, String> restartTokens = new ConcurrentHashMap<>();

  /** includeSetsAndDaemonSets of each restart and verify, keyed by call as recorded. */
  final Map<String, Boolean> setsIncluded = new ConcurrentHashMap<>();

  /** What verifyNamespace reports as not restarted, per namespace. */
  final Map<String, List<String>> notRestarted = new ConcurrentHashMap<>();

  /** Calls that block until their latch opens (bounded), to act while an activity runs. */
  final Map<String, java.util.concurrent.CountDownLatch> holds = new ConcurrentHashMap<>();

  List<AddonVersion> versions = List.of(AddonVersion.V1_4);

  /** The cluster's own GKE maintenance policy, as windows (windows fromCluster). */
  dev.asmmigrate.workflows.model.window.MaintenanceWindows clusterWindows =
      dev.asmmigrate.workflows.model.window.MaintenanceWindows.anyTime();

  @Override
  public dev.asmmigrate.workflows.model.window.MaintenanceWindows clusterMaintenanceWindows(
      dev.asmmigrate.workflows.model.ClusterRef cluster,
      dev.asmmigrate.workflows.model.Connection connection) {
    record("clusterMaintenanceWindows");
    return clusterWindows;
  }

  /** The migration the pre-flight finds recorded in the cluster (state ConfigMap), if any. */
  String existingMigrationId;

  MigrationState existingState;
  List<PodToRecreate> podsToRecreate = List.of();
  List<NamespacePlan> namespaces =
      List.of(
          new NamespacePlan("app-a", AddonVersion.V1_4, 2, 0),
          new NamespacePlan("app-b", AddonVersion.V1_4, 1, 0),
          new NamespacePlan("app-c", AddonVersion.V1_4, 1, 0));

  /**
   * Calls that block until their latch opens while heartbeating, as the real waits do, so that a
   * cancellation reaches them: they then record {@code stopped:<call>} and end as cancelled.
   */
  final Map<String, java.util.concurrent.CountDownLatch> heartbeatingHolds =
      new ConcurrentHashMap<>();

  /** The test's clock (the test environment's time), for {@link #started}. */
  volatile java.util.function.LongSupplier clock = () -> 0L;

  /** Each call with when it started on {@link #clock} (epoch milliseconds), in order. */
  final List<Map.Entry<String, Long>> started = Collections.synchronizedList(new ArrayList<>());

  /**
   * What a namespace's one activity does between its restart and its verification, by namespace:
   * e.g. let the test environment's time pass, as a rollout takes time.
   */
  volatile java.util.function.Consumer<String> rollout = ns -> {};

  private void record(String call) {
    started.add(Map.entry(call, clock.getAsLong()));
    calls.add(call);
    java.util.concurrent.CountDownLatch beating = heartbeatingHolds.get(call);
    if (beating != null) {
      try {
        while (!beating.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
          io.temporal.activity.Activity.getExecutionContext().heartbeat(call);
        }
      } catch (io.temporal.client.ActivityCompletionException cancelled) {
        calls.add("stopped:" + call);
        throw cancelled;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    java.util.concurrent.CountDownLatch hold = holds.get(call);
    if (hold != null) {
      try {
        if (!hold.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
          throw new IllegalStateException("hold on " + call + " never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    java.util.function.Supplier<RuntimeException> thrown = throwOn.get(call);
    if (thrown != null) {
      throw thrown.get();
    }
    if (failOn.contains(call)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "injected by the test at " + call, FailureType.VERIFICATION_FAILED.name());
    }
  }

  List<String> callsOf(String prefix) {
    synchronized (calls) {
      return calls.stream().filter(c -> c.startsWith(prefix)).toList();
    }
  }

  @Override
  public PreflightReport preflight(PreflightRequest request) {
    record("preflight");
    return new PreflightReport(
        versions,
        "1.19.8-gke.1600",
        namespaces,
        existingMigrationId,
        existingState,
        List.of(),
        podsToRecreate);
  }

  @Override
  public void writeState(WriteStateRequest request) {
    if (request.reason() != null) {
      reasons.add(request.reason());
    }
    if (states.isEmpty() || states.get(states.size() - 1) != request.state()) {
      states.add(request.state());
    }
  }

  @Override
  public FleetResult registerFleet(FleetRequest request) {
    record("registerFleet");
    return new FleetResult("m", true, true, List.of());
  }

  @Override
  public void unregisterFleet(FleetRequest request) {
    record("unregisterFleet");
  }

  @Override
  public StepResult applyControlPlaneRevision(ControlPlaneRequest request) {
    record("applyControlPlaneRevision:" + request.context().revision());
    return StepResult.none();
  }

  @Override
  public void awaitControlPlane(AwaitControlPlaneRequest request) {
    record("awaitControlPlane");
  }

  @Override
  public void removeControlPlaneRevision(ControlPlaneRequest request) {
    record("removeControlPlaneRevision");
  }

  @Override
  public ConfigReport checkConfigs(ConfigRequest request) {
    record("checkConfigs");
    if (cleanChecksFirst.getAndDecrement() <= 0 && blockingChecksLeft.getAndDecrement() > 0) {
      return new ConfigReport(
          List.of(
              new ConfigFinding(
                  "envoyfilter-custom", true, "EnvoyFilter", "app-a", "f", "remove it")),
          0);
    }
    return new ConfigReport(List.of(), 0);
  }

  @Override
  public StepResult migrateConfigs(ConfigRequest request) {
    record("migrateConfigs");
    return StepResult.none();
  }

  @Override
  public void removeMigratedConfigs(ConfigRequest request) {
    record("removeMigratedConfigs");
  }

  @Override
  public StepResult disableGalleyWebhook(GalleyRequest request) {
    record("disableGalleyWebhook");
    return StepResult.none();
  }

  @Override
  public void restoreGalleyWebhook(GalleyRequest request) {
    record("restoreGalleyWebhook");
  }

  @Override
  public StepResult configureMeshCa(MeshCaRequest request) {
    record("configureMeshCa:" + request.version().display());
    return StepResult.none();
  }

  @Override
  public void awaitRootDistribution(RootDistributionRequest request) {
    record("awaitRootDistribution:" + request.version().display());
  }

  @Override
  public void restoreMeshCa(MeshCaRequest request) {
    record("restoreMeshCa:" + request.version().display());
  }

  @Override
  public List<NamespacePlan> remainingNamespaces(RemainingRequest request) {
    record("remainingNamespaces");
    return List.of();
  }

  @Override
  public StepResult relabelNamespace(NamespaceRequest request) {
    record("relabelNamespace:" + request.namespace());
    return StepResult.none();
  }

  @Override
  public RestartResult restartWorkloads(RestartRequest request) {
    String rollback = request.direction() == Direction.ROLL_BACK ? ":rollback" : "";
    record("restartWorkloads:" + request.namespace() + rollback);
    restartTokens.put(request.namespace() + rollback, request.restartedAt());
    setsIncluded.put(
        "restartWorkloads:" + request.namespace() + rollback, request.includeSetsAndDaemonSets());
    return new RestartResult(List.of("Deployment/x"), List.of());
  }

  @Override
  public VerifyResult verifyNamespace(VerifyRequest request) {
    String call =
        "verifyNamespace:"
            + request.namespace()
            + (request.direction() == Direction.ROLL_BACK ? ":addon" : "");
    setsIncluded.put(call, request.includeSetsAndDaemonSets());
    record(call);
    return new VerifyResult(3, 1, notRestarted.getOrDefault(request.namespace(), List.of()));
  }

  @Override
  public void restoreNamespaceLabels(NamespaceRequest request) {
    record("restoreNamespaceLabels:" + request.namespace());
  }

  /**
   * How long (real milliseconds) a namespace's one activity takes, by namespace: so that the
   * namespaces of a wave end at distinct moments, as on a cluster, not in one workflow task.
   */
  volatile java.util.function.ToLongFunction<String> namespaceMillis = ns -> 0;

  /** The three calls of one namespace, in order, as the real activity composes them. */
  @Override
  public MigrateNamespaceResult migrateNamespace(MigrateNamespaceRequest r) {
    long millis = namespaceMillis.applyAsLong(r.relabel().namespace());
    if (millis > 0) {
      try {
        Thread.sleep(millis); // the namespace's rollout, simulated
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    relabelNamespace(r.relabel());
    long relabelledAt = System.currentTimeMillis();
    RestartResult restarted = restartWorkloads(r.restart());
    long restartedAt = System.currentTimeMillis();
    rollout.accept(r.relabel().namespace());
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
  public StepResult replaceGateway(GatewayRequest request) {
    record("replaceGateway");
    return StepResult.none();
  }

  @Override
  public void restoreGateway(GatewayRequest request) {
    record("restoreGateway");
  }

  @Override
  public StepResult replaceWebhook(WebhookRequest request) {
    record("replaceWebhook");
    return StepResult.none();
  }

  @Override
  public void restoreWebhook(WebhookRequest request) {
    record("restoreWebhook");
  }

  @Override
  public StepResult disableAddon(AddonRequest request) {
    record("disableAddon");
    return StepResult.none();
  }

  @Override
  public StepResult cleanup(AddonRequest request) {
    record("cleanup");
    return StepResult.none();
  }
}
