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
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.Timeouts;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Map;

/**
 * The activity stubs of one migration with their options: quick calls retry transient faults with
 * backoff; waits get a start-to-close bound above their own timeout and a heartbeat timeout, so a
 * dead worker's wait moves to another worker within seconds. Permanent failures ({@link
 * FailureType}) are never retried.
 *
 * <p>A cancelled activity (an operator's abort) is waited for until it has stopped: its heartbeat
 * tells it to stop, and only then does the workflow go on to undo what it did. Undoing a step while
 * its activity still runs would race the two over the same objects.
 */
final class ActivityStubs {
  static final Duration HEARTBEAT = Duration.ofSeconds(20);

  /**
   * The retry budget of a transient failure (an API server that does not answer, 5xx, time-outs):
   * 1, 2, 4, 8, 16 s, then every 30 s, 20 attempts in all, about 7.5 minutes: enough to ride out a
   * GKE control plane's restart, not so long that an operator waits in vain. The last attempt's
   * failure says how many attempts over how long ({@link AttemptReporting}).
   */
  static final int MAX_ATTEMPTS = 20;

  static final RetryOptions RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofSeconds(30))
          .setMaximumAttempts(MAX_ATTEMPTS)
          .setDoNotRetry(FailureType.names())
          .build();

  final PreflightActivities preflight;
  final StateActivities state;
  final FleetActivities fleet;
  final ControlPlaneActivities controlPlane;
  final ControlPlaneActivities controlPlaneWait;
  final ConfigActivities config;
  final GalleyActivities galley;
  final MeshCaActivities meshCa;
  final MeshCaActivities meshCaWait;
  final WorkloadActivities workloads;
  final GatewayActivities gateway;

  /** The cluster's own maintenance policy, for windows {@code fromCluster}. */
  final WindowActivities windows;

  final WebhookActivities webhook;
  final AddonActivities addon;
  private final ActivityCancellationType cancellation;

  /**
   * @param waitForCancelled whether a cancelled activity is waited for until it stops (every run
   *     since the version marker {@code undo-after-cancelled-step-stops}); histories recorded
   *     before it replay with the SDK's default, which does not wait
   */
  ActivityStubs(Timeouts timeouts, boolean waitForCancelled) {
    this.cancellation =
        waitForCancelled
            ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
            : ActivityCancellationType.TRY_CANCEL;
    ActivityOptions quick =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(2))
            .setHeartbeatTimeout(Duration.ofMinutes(1))
            .setRetryOptions(RETRY)
            .setCancellationType(cancellation)
            .build();
    preflight = Workflow.newActivityStub(PreflightActivities.class, quick);
    state = Workflow.newActivityStub(StateActivities.class, quick);
    fleet = Workflow.newActivityStub(FleetActivities.class, waiting(Duration.ofMinutes(10)));
    controlPlane = Workflow.newActivityStub(ControlPlaneActivities.class, quick);
    controlPlaneWait =
        Workflow.newActivityStub(ControlPlaneActivities.class, waiting(timeouts.controlPlane()));
    config = Workflow.newActivityStub(ConfigActivities.class, quick);
    galley = Workflow.newActivityStub(GalleyActivities.class, quick);
    meshCa = Workflow.newActivityStub(MeshCaActivities.class, waiting(timeouts.rollout()));
    meshCaWait =
        Workflow.newActivityStub(MeshCaActivities.class, waiting(timeouts.rootDistribution()));
    // restarts heartbeat once per workload: a worker killed in the middle of a namespace's
    // restarts is noticed after HEARTBEAT, not after the quick calls' minute, and the retry skips
    // the workloads that carry the restart value already; the verification is a wait. A whole
    // namespace each way (relabel or its undo, restart, verification as one activity) is bounded
    // by the sum of its parts' bounds and heartbeats as the verification does.
    ActivityOptions verify = waiting(timeouts.rollout());
    ActivityOptions wholeNamespace =
        ActivityOptions.newBuilder(verify)
            .setStartToCloseTimeout(
                quick
                    .getStartToCloseTimeout()
                    .multipliedBy(2)
                    .plus(verify.getStartToCloseTimeout()))
            .build();
    workloads =
        Workflow.newActivityStub(
            WorkloadActivities.class,
            quick,
            Map.of(
                "RestartWorkloads",
                ActivityOptions.newBuilder(quick).setHeartbeatTimeout(HEARTBEAT).build(),
                "VerifyNamespace",
                verify,
                "MigrateNamespace",
                wholeNamespace,
                "RollBackNamespace",
                wholeNamespace));
    gateway = Workflow.newActivityStub(GatewayActivities.class, waiting(timeouts.gateway()));
    windows = Workflow.newActivityStub(WindowActivities.class, quick);
    webhook = Workflow.newActivityStub(WebhookActivities.class, quick);
    addon = Workflow.newActivityStub(AddonActivities.class, waiting(Duration.ofMinutes(15)));
  }

  private ActivityOptions waiting(Duration bound) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(bound.plus(Duration.ofMinutes(2)))
        .setHeartbeatTimeout(HEARTBEAT)
        .setRetryOptions(RETRY)
        .setCancellationType(cancellation)
        .build();
  }
}
