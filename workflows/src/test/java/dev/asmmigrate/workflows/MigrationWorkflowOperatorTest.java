package dev.asmmigrate.workflows;

import static dev.asmmigrate.workflows.MigrationWorkflowTest.CLUSTER;
import static dev.asmmigrate.workflows.MigrationWorkflowTest.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepTiming;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Operator control: updates and their validators, pause at safe points only, the timestamps the
 * report draws, and the search attributes the Temporal UI filters by.
 */
class MigrationWorkflowOperatorTest {
  TestWorkflowEnvironment env;
  RecordingActivities activities;
  WorkflowClient client;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    env.registerSearchAttribute("AsmCluster", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute("AsmPhase", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    // heartbeats reach the server every 200 ms, not every 16 s (80% of the 20 s heartbeat
    // timeout): an abort's cancellation reaches a heartbeating activity within that
    Worker worker =
        env.newWorker(
            MigrationWorkflow.TASK_QUEUE,
            io.temporal.worker.WorkerOptions.newBuilder()
                .setMaxHeartbeatThrottleInterval(Duration.ofMillis(200))
                .build());
    worker.registerWorkflowImplementationTypes(WorkflowTypes.all());
    activities = new RecordingActivities();
    worker.registerActivitiesImplementations(activities);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    activities.holds.values().forEach(CountDownLatch::countDown);
    env.close();
  }

  MigrationWorkflow stub(boolean indexed) {
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(CLUSTER.workflowId())
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE);
    if (indexed) {
      options.setTypedSearchAttributes(MigrationSearchAttributes.initial(CLUSTER));
    }
    return client.newWorkflowStub(MigrationWorkflow.class, options.build());
  }

  MigrationResult result() {
    return client.newUntypedWorkflowStub(CLUSTER.workflowId()).getResult(MigrationResult.class);
  }

  static String refusal(Runnable update) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(update::run);
    assertThat(thrown).isInstanceOf(WorkflowUpdateException.class);
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      // The SDK carries a validator's message, not its exception type.
      if (t instanceof ApplicationFailure af) {
        return af.getOriginalMessage();
      }
    }
    throw new AssertionError("no refusal in", thrown);
  }

  String phaseAttribute() {
    return client
        .newUntypedWorkflowStub(CLUSTER.workflowId())
        .describe()
        .getTypedSearchAttributes()
        .get(MigrationSearchAttributes.PHASE);
  }

  @Test
  void givenBlockingFindings_whenOperatorsSendUpdates_eachShouldBeAnsweredByWhatThePhaseAllows() {
    activities.blockingChecksLeft.set(1);
    MigrationWorkflow wf = stub(false);
    WorkflowClient.start(wf::migrate, request(false, null, false, List.of()));
    env.sleep(Duration.ofMinutes(10));
    assertThat(wf.status().phase()).isEqualTo("WAITING_FOR_RECHECK");

    assertThat(refusal(() -> wf.approveUpdate("alice"))).contains("not waiting for approval");
    assertThat(refusal(() -> wf.rollbackUpdate("x"))).contains("use abort");
    assertThat(refusal(wf::resumeUpdate)).contains("not paused");
    assertThat(wf.status().approvedBy()).isNull();
    assertThat(wf.status().rollbackReason()).isNull();

    assertThat(wf.recheckUpdate()).contains("config-check runs again");
    env.sleep(Duration.ofMinutes(10));
    MigrationStatus waiting = wf.status();
    assertThat(waiting.phase()).isEqualTo("WAITING_FOR_APPROVAL");
    assertThat(waiting.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(refusal(wf::recheckUpdate)).contains("not held by blocking configuration");

    assertThat(wf.approveUpdate("alice@example.com")).contains("approved by alice@example.com");
    MigrationResult result = result();
    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(activities.calls).containsSubsequence("disableAddon", "cleanup");
    assertThat(wf.status().approvedBy()).isEqualTo("alice@example.com");
    assertThat(wf.status().approvedAt()).isNotNull();
  }

  @Test
  void givenAMigrationWaitingForApproval_whenTheRollbackUpdateComes_itShouldRollBackAndSaySo() {
    MigrationWorkflow wf = stub(false);
    WorkflowClient.start(wf::migrate, request(false, null, false, List.of()));
    env.sleep(Duration.ofMinutes(10));
    assertThat(wf.rollbackUpdate("errors in the canary")).contains("rolling back");
    MigrationResult result = result();
    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(activities.calls).contains("restoreWebhook", "unregisterFleet");
    assertThat(activities.calls).doesNotContain("disableAddon");
    MigrationStatus status = wf.status();
    assertThat(status.rollbackReason()).isEqualTo("errors in the canary");
    assertThat(status.steps()).last().extracting(StepTiming::step).isEqualTo("rollback");
    assertThat(status.steps().get(status.steps().size() - 1).outcome()).isEqualTo("DONE");
  }

  @Test
  void givenACleanupThatStarted_abortAndRollbackShouldBeRefusedAndChangeNothing() {
    activities.holds.put("cleanup", new CountDownLatch(1));
    MigrationWorkflow wf = stub(false);
    WorkflowClient.start(wf::migrate, request(true, null, false, List.of()));
    await().atMost(Duration.ofSeconds(30)).until(() -> activities.calls.contains("cleanup"));

    assertThat(refusal(() -> wf.abortUpdate("too late"))).contains("point of no return");
    assertThat(refusal(() -> wf.rollbackUpdate("too late"))).contains("can no longer be rolled");
    activities.holds.get("cleanup").countDown();
    assertThat(result().state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(activities.calls).noneMatch(c -> c.startsWith("restore"));
  }

  @Test
  void givenAPauseWhileANamespaceWaveRuns_itShouldFinishThatWaveAndStopBeforeTheNextOne() {
    // Concurrency 2: the first wave is app-a and app-b, the second app-c.
    CountDownLatch verifying = new CountDownLatch(1);
    activities.holds.put("verifyNamespace:app-a", verifying);
    MigrationWorkflow wf = stub(false);
    WorkflowClient.start(wf::migrate, request(true, null, false, List.of()));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> activities.calls.contains("verifyNamespace:app-a"));

    assertThat(wf.pauseUpdate()).contains("next safe point");
    verifying.countDown();
    env.sleep(Duration.ofHours(2));

    MigrationStatus paused = wf.status();
    assertThat(paused.phase()).isEqualTo("PAUSED");
    assertThat(paused.namespaces())
        .extracting(NamespaceStatus::name, NamespaceStatus::phase)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("app-a", "VERIFIED"),
            org.assertj.core.groups.Tuple.tuple("app-b", "VERIFIED"),
            org.assertj.core.groups.Tuple.tuple("app-c", "PENDING"));
    assertThat(activities.calls).doesNotContain("relabelNamespace:app-c", "replaceGateway");

    assertThat(wf.resumeUpdate()).isEqualTo("resuming");
    MigrationResult result = result();
    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(activities.calls).containsSubsequence("verifyNamespace:app-c", "replaceGateway");
  }

  /**
   * The namespaces run in a group of waves, a child workflow (version {@code
   * namespace-group-children}): the abort reaches it by signal, not by cancelling it, so that the
   * namespace in flight is stopped and undone once by the group, the group's result (what it
   * migrated, and how each namespace ended) reaches the migration, and its rollback undoes the
   * rest.
   */
  @Test
  void givenAnAbortWhileANamespaceRunsInItsGroup_itShouldBeUndoneOnceAndTheRestRolledBack() {
    // Concurrency 2: the first wave is app-a and app-b; app-a is held in its verification.
    CountDownLatch verifying = new CountDownLatch(1);
    activities.heartbeatingHolds.put("verifyNamespace:app-a", verifying);
    MigrationWorkflow wf = stub(false);
    WorkflowClient.start(wf::migrate, request(true, null, false, List.of()));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> activities.calls.contains("verifyNamespace:app-b"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> activities.calls.contains("verifyNamespace:app-a"));
    assertThat(wf.abortUpdate("app-a looks wrong")).contains("rolling back");

    MigrationResult result = result();
    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(result.failedStep()).isEqualTo("migrate-workloads");
    assertThat(result.error()).isEqualTo("ABORTED: aborted by an operator: app-a looks wrong");
    List<String> calls = List.copyOf(activities.calls);
    assertThat(calls)
        .containsSubsequence("stopped:verifyNamespace:app-a", "restoreNamespaceLabels:app-a");
    assertThat(calls).filteredOn("restoreNamespaceLabels:app-a"::equals).hasSize(1);
    assertThat(calls).filteredOn("restoreNamespaceLabels:app-b"::equals).hasSize(1);
    assertThat(calls).doesNotContain("relabelNamespace:app-c", "restoreNamespaceLabels:app-c");
    assertThat(result.namespaces())
        .extracting(NamespaceStatus::name, NamespaceStatus::phase)
        .contains(org.assertj.core.groups.Tuple.tuple("app-a", "ROLLED_BACK"));
    // the group ended with its result, not cancelled
    assertThat(
            client
                .newUntypedWorkflowStub(CLUSTER.workflowId() + "/workloads-migrate-workloads-1")
                .describe()
                .getStatus())
        .isEqualTo(
            io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
  }

  @Test
  void givenAnAbortWhileAStepRuns_theUndoShouldStartOnlyOnceThatStepHasStopped() {
    // never undo a change while the activity making it still runs: the gateway's restore must not
    // race the replacement it restores
    CountDownLatch gateway = new CountDownLatch(1);
    activities.heartbeatingHolds.put("replaceGateway", gateway);
    MigrationWorkflow wf = stub(false);
    WorkflowClient.start(wf::migrate, request(true, null, false, List.of()));
    await().atMost(Duration.ofSeconds(30)).until(() -> activities.calls.contains("replaceGateway"));
    assertThat(wf.abortUpdate("the gateway's load balancer is wrong")).contains("rolling back");

    MigrationResult result = result();
    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(result.failedStep()).isEqualTo("replace-gateway");
    assertThat(result.error())
        .isEqualTo("ABORTED: aborted by an operator: the gateway's load balancer is wrong");
    List<String> calls = List.copyOf(activities.calls);
    assertThat(calls).contains("stopped:replaceGateway", "restoreGateway");
    assertThat(calls.indexOf("restoreGateway"))
        .as("restoreGateway after replaceGateway stopped, in %s", calls)
        .isGreaterThan(calls.indexOf("stopped:replaceGateway"));
    assertThat(calls.subList(calls.indexOf("replaceGateway") + 1, calls.size()))
        .as("nothing undone while the replacement ran, in %s", calls)
        .first()
        .isEqualTo("stopped:replaceGateway");
  }

  @Test
  void givenAPauseDuringAStep_itShouldTakeEffectOnlyAfterThatStepCompletes() {
    CountDownLatch gateway = new CountDownLatch(1);
    activities.holds.put("replaceGateway", gateway);
    MigrationWorkflow wf = stub(false);
    WorkflowClient.start(wf::migrate, request(true, null, false, List.of()));
    await().atMost(Duration.ofSeconds(30)).until(() -> activities.calls.contains("replaceGateway"));
    wf.pause();
    gateway.countDown();
    env.sleep(Duration.ofHours(1));

    MigrationStatus paused = wf.status();
    assertThat(paused.phase()).isEqualTo("PAUSED");
    assertThat(paused.completedSteps()).contains("replace-gateway");
    assertThat(activities.calls).doesNotContain("replaceWebhook");
    wf.resume();
    assertThat(result().state()).isEqualTo(MigrationState.SUCCESS);
  }

  @Test
  void givenAFinishedMigration_theStatusShouldCarryTheTimesOfEveryStepAndNamespace() {
    MigrationWorkflow wf = stub(false);
    wf.migrate(request(true, null, false, List.of()));
    MigrationStatus s = wf.status();

    assertThat(s.startedAt()).isNotNull();
    assertThat(s.endedAt()).isGreaterThanOrEqualTo(s.startedAt());
    assertThat(s.steps()).extracting(StepTiming::step).containsExactlyElementsOf(Step.ids());
    assertThat(s.steps()).extracting(StepTiming::outcome).containsOnly("DONE");
    for (StepTiming t : s.steps()) {
      assertThat(t.startedAt()).isBetween(s.startedAt(), s.endedAt());
      assertThat(t.endedAt()).isBetween(t.startedAt(), s.endedAt());
    }
    for (NamespaceStatus ns : s.namespaces()) {
      assertThat(ns.times().keySet())
          .containsExactly("STARTED", "RELABELLED", "RESTARTED", "VERIFIED");
      List<Long> times = List.copyOf(ns.times().values());
      assertThat(times).isSorted();
    }
    assertThat(s.stepBoundMillis()).isNull();
  }

  @Test
  void givenAStartWithTheSearchAttributes_thePhaseAttributeShouldFollowThePhase() {
    MigrationWorkflow wf = stub(true);
    WorkflowClient.start(wf::migrate, request(false, null, false, List.of()));
    env.sleep(Duration.ofMinutes(10));
    assertThat(wf.status().phase()).isEqualTo("WAITING_FOR_APPROVAL");
    assertThat(phaseAttribute()).isEqualTo("WAITING_FOR_APPROVAL");
    assertThat(
            client
                .newUntypedWorkflowStub(CLUSTER.workflowId())
                .describe()
                .getTypedSearchAttributes()
                .get(MigrationSearchAttributes.CLUSTER))
        .isEqualTo("p/us-central1-c/c");

    wf.approve("bob");
    assertThat(result().state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(phaseAttribute()).isEqualTo("SUCCESS");
  }

  @Test
  void givenAStartWithoutTheSearchAttributes_theWorkflowShouldNeverUpsertThem() {
    MigrationWorkflow wf = stub(false);
    assertThat(wf.migrate(request(true, null, false, List.of())).state())
        .isEqualTo(MigrationState.SUCCESS);
    assertThat(
            client.fetchHistory(CLUSTER.workflowId()).getEvents().stream()
                .map(e -> e.getEventType().name()))
        .doesNotContain("EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES");
    assertThat(phaseAttribute()).isNull();
  }
}
