package dev.asmmigrate.workflows;

import static dev.asmmigrate.workflows.MigrationWorkflowTest.CLUSTER;
import static dev.asmmigrate.workflows.MigrationWorkflowTest.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.StepTiming;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, cases 1 and 2 at the workflow's level: outcomes that cannot lie. A rollback whose own
 * undo steps fail ends ROLLBACK_FAILED (the original failure first, each failed undo after it,
 * every other undo still run, a namespace undone once); a new run begins afresh after a migration
 * that ended, and resumes one that lost its Temporal state; an abort is recorded as an abort.
 */
class MigrationWorkflowOutcomeTest {
  TestWorkflowEnvironment env;
  RecordingActivities activities;
  WorkflowClient client;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    // heartbeats reach the server every 200 ms, not every 16 s (80% of the 20 s heartbeat
    // timeout): an abort's cancellation reaches a heartbeating activity within that
    Worker worker =
        env.newWorker(
            MigrationWorkflow.TASK_QUEUE,
            io.temporal.worker.WorkerOptions.newBuilder()
                .setMaxHeartbeatThrottleInterval(java.time.Duration.ofMillis(200))
                .build());
    worker.registerWorkflowImplementationTypes(WorkflowTypes.all());
    activities = new RecordingActivities();
    worker.registerActivitiesImplementations(activities);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  MigrationWorkflow stub() {
    return client.newWorkflowStub(
        MigrationWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(CLUSTER.workflowId())
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .build());
  }

  private long count(String call) {
    return activities.calls.stream().filter(call::equals).count();
  }

  @Test
  void givenANamespaceWhoseUndoFails_whenRollingBack_itShouldEndRollbackFailedWithTheCauseFirst() {
    activities.failOn.add("verifyNamespace:app-b");
    activities.failOn.add("verifyNamespace:app-b:addon");

    MigrationWorkflow wf = stub();
    MigrationResult result = wf.migrate(request(true, null, false, List.of()));

    assertThat(result.state()).isEqualTo(MigrationState.ROLLBACK_FAILED);
    assertThat(result.failedStep()).isEqualTo("migrate-workloads");
    assertThat(result.error().lines().toList())
        .first()
        .isEqualTo("VERIFICATION_FAILED: injected by the test at verifyNamespace:app-b");
    assertThat(result.error())
        .contains(
            "undo of migrate-workloads, namespace app-b: VERIFICATION_FAILED: injected by the test"
                + " at verifyNamespace:app-b:addon");
    assertThat(result.rollbackFailures())
        .containsExactly(
            "undo of migrate-workloads, namespace app-b: VERIFICATION_FAILED: injected by the test"
                + " at verifyNamespace:app-b:addon");
    assertThat(result.namespaces())
        .filteredOn(n -> n.name().equals("app-b"))
        .extracting(NamespaceStatus::phase)
        .containsExactly("ROLLBACK_FAILED");
    // undone once: at once when it failed its gate, not again by the saga
    assertThat(count("verifyNamespace:app-b:addon")).isEqualTo(1);
    assertThat(count("restoreNamespaceLabels:app-b")).isEqualTo(1);
    // every other undo still ran
    assertThat(activities.calls)
        .contains(
            "verifyNamespace:app-a:addon",
            "restoreMeshCa:1.4",
            "removeMigratedConfigs",
            "restoreGalleyWebhook",
            "removeControlPlaneRevision",
            "unregisterFleet");
    assertThat(activities.states).last().isEqualTo(MigrationState.ROLLBACK_FAILED);

    MigrationStatus status = wf.status();
    assertThat(status.state()).isEqualTo(MigrationState.ROLLBACK_FAILED);
    assertThat(status.rollbackFailures()).isEqualTo(result.rollbackFailures());
    assertThat(status.backups()).contains("asm-migrate-system");
    assertThat(status.steps())
        .filteredOn(t -> t.step().equals("rollback"))
        .extracting(StepTiming::outcome)
        .containsExactly("FAILED");
  }

  @Test
  void givenAnUndoStepThatThrows_whenRollingBack_theOthersShouldStillRunAndTheOutcomeSayIt() {
    activities.failOn.add("restoreMeshCa:1.4");

    MigrationResult result = stub().migrate(request(true, "replace-webhook", false, List.of()));

    assertThat(result.state()).isEqualTo(MigrationState.ROLLBACK_FAILED);
    assertThat(result.error().lines().toList())
        .first()
        .isEqualTo("INJECTED_FAILURE: failure injected at step replace-webhook (--fail-at)");
    assertThat(result.rollbackFailures())
        .singleElement()
        .asString()
        .startsWith("undo of configure-mesh-ca (add-on 1.4 CA configuration): VERIFICATION_FAILED");
    List<String> calls = activities.calls;
    assertThat(calls)
        .containsSubsequence(
            "restoreWebhook",
            "restoreGateway",
            "restoreMeshCa:1.4",
            "removeMigratedConfigs",
            "restoreGalleyWebhook",
            "removeControlPlaneRevision",
            "unregisterFleet");
    assertThat(count("verifyNamespace:app-a:addon")).isEqualTo(1);
    assertThat(activities.states).last().isEqualTo(MigrationState.ROLLBACK_FAILED);
  }

  @Test
  void givenANamespaceThatFailsItsGate_whenRolledBack_itShouldBeUndoneExactlyOnce() {
    activities.failOn.add("verifyNamespace:app-b");

    MigrationResult result = stub().migrate(request(true, null, false, List.of()));

    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(result.rollbackFailures()).isEmpty();
    assertThat(result.error())
        .isEqualTo("VERIFICATION_FAILED: injected by the test at verifyNamespace:app-b");
    assertThat(count("restoreNamespaceLabels:app-b")).isEqualTo(1);
    assertThat(count("verifyNamespace:app-b:addon")).isEqualTo(1);
    assertThat(count("verifyNamespace:app-a:addon")).isEqualTo(1);
  }

  /**
   * Concurrency 2: app-a and app-b run in one wave. app-b fails its gate while app-a still
   * verifies: app-b is undone at once, app-a is left alone while it runs (no undo racing its
   * migration), then, migrated, undone by the rollback once.
   */
  @Test
  void givenANamespaceThatFailsWhileAnotherOfItsWaveRuns_eachShouldBeUndoneOnceAfterItEnded() {
    CountDownLatch verifying = new CountDownLatch(1);
    activities.holds.put("verifyNamespace:app-a", verifying);
    activities.failOn.add("verifyNamespace:app-b");
    MigrationWorkflow wf = stub();
    WorkflowClient.start(wf::migrate, request(true, null, false, List.of()));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> activities.calls.contains("verifyNamespace:app-b:addon"));

    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !activities.calls.contains("restoreNamespaceLabels:app-a"));
    activities.calls.add("released:verifyNamespace:app-a");
    verifying.countDown();
    MigrationResult result = WorkflowStub.fromTyped(wf).getResult(MigrationResult.class);

    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(result.rollbackFailures()).isEmpty();
    assertThat(count("restoreNamespaceLabels:app-a")).isEqualTo(1);
    assertThat(count("verifyNamespace:app-a:addon")).isEqualTo(1);
    assertThat(count("restoreNamespaceLabels:app-b")).isEqualTo(1);
    assertThat(count("verifyNamespace:app-b:addon")).isEqualTo(1);
    assertThat(activities.calls)
        .containsSubsequence(
            "released:verifyNamespace:app-a", "restoreNamespaceLabels:app-a", "restoreMeshCa:1.4")
        .doesNotContain("relabelNamespace:app-c");
  }

  @Test
  void givenAMigrationThatEndedInProvisionError_whenStartedAgain_itShouldBeginAfreshWithANewId() {
    activities.existingMigrationId = "earlier-migration-id";
    activities.existingState = MigrationState.CONTROLPLANE_PROVISION_ERROR;

    MigrationResult result = stub().migrate(request(true, null, false, List.of()));

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(result.migrationId()).isNotEqualTo("earlier-migration-id");
    assertThat(activities.restartTokens)
        .containsEntry("app-a", "asm-migrate/" + result.migrationId());
  }

  @Test
  void givenAnAbortDuringTheControlPlane_whenRolledBack_itShouldBeRecordedAsAnAbort() {
    CountDownLatch never = new CountDownLatch(1);
    activities.heartbeatingHolds.put("awaitControlPlane", never);
    MigrationWorkflow wf = stub();
    WorkflowClient.start(wf::migrate, request(true, null, false, List.of()));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> activities.calls.contains("awaitControlPlane"));
    wf.abortUpdate("wrong channel");
    MigrationResult result =
        client.newUntypedWorkflowStub(CLUSTER.workflowId()).getResult(MigrationResult.class);

    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(result.failedStep()).isEqualTo("control-plane");
    assertThat(result.error()).isEqualTo("ABORTED: aborted by an operator: wrong channel");
    assertThat(activities.states).last().isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(activities.reasons).last().isEqualTo(result.error());
    assertThat(activities.calls).contains("removeControlPlaneRevision", "unregisterFleet");
  }

  @Test
  void givenDisableAddonFailing_whenPastThePointOfNoReturn_itShouldEndFinishFailedNotSuccess() {
    activities.failOn.add("disableAddon");

    MigrationWorkflow wf = stub();
    MigrationResult result = wf.migrate(request(true, null, false, List.of()));

    assertThat(result.state()).isEqualTo(MigrationState.FINISH_FAILED);
    assertThat(result.failedStep()).isEqualTo("disable-addon");
    assertThat(result.error())
        .isEqualTo("VERIFICATION_FAILED: injected by the test at disableAddon");
    assertThat(result.completedSteps()).contains("write-marker").doesNotContain("disable-addon");
    // nothing rolled back, cleanup not run, and the state ConfigMap still says SUCCESS
    assertThat(result.rollbackFailures()).isEmpty();
    assertThat(activities.calls)
        .doesNotContain(
            "cleanup", "restoreWebhook", "restoreGateway", "removeControlPlaneRevision");
    assertThat(activities.states).last().isEqualTo(MigrationState.SUCCESS);
    assertThat(wf.status().state()).isEqualTo(MigrationState.FINISH_FAILED);
  }

  @Test
  void givenACleanupThatFailed_whenStartedAgainAtItsSuccessMarker_itShouldResumeAndFinish() {
    activities.failOn.add("cleanup");
    MigrationResult first = stub().migrate(request(true, null, false, List.of()));
    assertThat(first.state()).isEqualTo(MigrationState.FINISH_FAILED);
    assertThat(first.failedStep()).isEqualTo("cleanup");
    activities.failOn.clear();
    // what pre-flight reads from the state ConfigMap the first run left
    activities.existingMigrationId = first.migrationId();
    activities.existingState = activities.states.get(activities.states.size() - 1);

    MigrationResult again = stub().migrate(request(true, null, false, List.of()));

    assertThat(activities.existingState).isEqualTo(MigrationState.SUCCESS);
    assertThat(again.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(again.error()).isNull();
    assertThat(again.migrationId()).isEqualTo(first.migrationId());
    assertThat(count("disableAddon")).isEqualTo(2);
    assertThat(count("cleanup")).isEqualTo(2);
  }
}
