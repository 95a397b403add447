package dev.asmmigrate.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Replays committed histories of real runs against today's workflow code: a change that would make
 * a running migration non-deterministic fails here, not in production. Re-record with {@code
 * ./asm-migrate demo --history workflows/src/test/resources/histories/demo-addon-1.4.json} only
 * when a change is meant to be incompatible (and then version it).
 *
 * <p>The replay worker's deadlock detection is relaxed: on a loaded machine the first replay spends
 * seconds loading classes inside a workflow task, which the default 1 s detector reports as a
 * deadlock although nothing blocks. Non-determinism still fails the replay.
 */
class MigrationWorkflowReplayTest {
  TestWorkflowEnvironment env;
  Worker worker;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    worker =
        env.newWorker(
            "replay",
            WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(60_000).build());
    worker.registerWorkflowImplementationTypes(WorkflowTypes.all());
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  static WorkflowExecutionHistory history(String resource) throws IOException {
    try (InputStream in =
        MigrationWorkflowReplayTest.class.getClassLoader().getResourceAsStream(resource)) {
      return WorkflowExecutionHistory.fromJson(
          new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void givenTheHistoryOfADemoRun_whenReplayed_theWorkflowCodeShouldStillBeDeterministic()
      throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("histories/demo-addon-1.4.json"), worker);
  }

  /**
   * A demo run started with the AsmCluster/AsmPhase search attributes: its history holds the upsert
   * of AsmPhase, which replay must reproduce (the older history above has none, and must still
   * replay without any).
   */
  @Test
  void givenTheHistoryOfAnIndexedDemoRun_whenReplayed_theSearchAttributeUpsertsShouldMatch()
      throws Exception {
    WorkflowReplayer.replayWorkflowExecution(
        history("histories/demo-addon-1.4-indexed.json"), worker);
  }

  /**
   * A demo run since {@code namespace-one-activity}: each namespace migrated by one activity
   * (MigrateNamespace) instead of three.
   */
  @Test
  void givenTheHistoryOfADemoRunWithOneActivityPerNamespace_whenReplayed_itShouldBeDeterministic()
      throws Exception {
    WorkflowExecutionHistory run = history("histories/demo-addon-1.4-one-activity.json");
    assertThat(run.getEvents())
        .filteredOn(HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .extracting(e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName())
        .contains("MigrateNamespace")
        .doesNotContain("RelabelNamespace", "RestartWorkloads", "VerifyNamespace");
    WorkflowReplayer.replayWorkflowExecution(run, worker);
  }

  /**
   * A demo run since {@code namespace-group-children}: the namespaces run in a group of waves, a
   * child workflow whose ID comes from the request (a replay runs under another workflow ID), and
   * the migration's own history holds none of their activities.
   */
  @Test
  void givenTheHistoryOfADemoRunWithGroupsOfWaves_whenReplayed_itShouldBeDeterministic()
      throws Exception {
    WorkflowExecutionHistory run = history("histories/demo-addon-1.4-namespace-groups.json");
    assertThat(run.getEvents())
        .filteredOn(HistoryEvent::hasStartChildWorkflowExecutionInitiatedEventAttributes)
        .extracting(
            e ->
                e.getStartChildWorkflowExecutionInitiatedEventAttributes()
                        .getWorkflowType()
                        .getName()
                    + " "
                    + e.getStartChildWorkflowExecutionInitiatedEventAttributes().getWorkflowId())
        .containsExactly(
            "NamespaceGroupWorkflow"
                + " asm-migrate/sandbox-project/us-central1-c/sandbox-cluster"
                + "/workloads-migrate-workloads-1");
    assertThat(run.getEvents())
        .filteredOn(HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .extracting(e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName())
        .doesNotContain("MigrateNamespace", "RelabelNamespace", "RestartWorkloads");
    WorkflowReplayer.replayWorkflowExecution(run, worker);
  }

  /**
   * The two groups of waves of one migration (recording activities, concurrency 2, app-b failing
   * its gate with --continue-on-namespace-failure, a failure injected at replace-gateway): the
   * first migrated app-a and app-c and undid app-b at once, its undo group undid app-c then app-a.
   * Today's group code must replay both, as a worker does for a group running when it is upgraded.
   */
  @Test
  void givenTheHistoriesOfAGroupOfWavesAndItsUndo_whenReplayed_theyShouldBeDeterministic()
      throws Exception {
    WorkflowExecutionHistory group = history("histories/group-of-waves-1.json");
    WorkflowExecutionHistory undo = history("histories/group-of-waves-2-undo.json");
    assertThat(activityTypes(group))
        .containsExactly(
            "MigrateNamespace", "MigrateNamespace", "RollBackNamespace", "MigrateNamespace");
    assertThat(activityTypes(undo)).containsExactly("RollBackNamespace", "RollBackNamespace");
    WorkflowReplayer.replayWorkflowExecution(group, worker);
    WorkflowReplayer.replayWorkflowExecution(undo, worker);
  }

  private static List<String> activityTypes(WorkflowExecutionHistory history) {
    return history.getEvents().stream()
        .filter(HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .map(e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName())
        .toList();
  }

  /**
   * {@code demo --abort-during migrate-workloads}, recorded: the abort update, the cancel request
   * of the running verification and, only once it was cancelled, the rollback's activities. Today's
   * code must replay it: the abort path and its version marker stay deterministic. (Replay does not
   * see which workflow task a command came in, so the waiting itself is tested in {@code
   * MigrationWorkflowOperatorTest}.)
   */
  @Test
  void givenTheHistoryOfAnAbortDuringTheRestarts_whenReplayed_theUndoShouldFollowTheCancellation()
      throws Exception {
    WorkflowExecutionHistory aborted =
        history("histories/demo-addon-1.4-abort-during-workloads.json");
    List<EventType> types = aborted.getEvents().stream().map(HistoryEvent::getEventType).toList();
    int requested = types.indexOf(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED);
    int canceled = types.indexOf(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED);
    assertThat(types).contains(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
    assertThat(requested).isPositive().isLessThan(canceled);
    assertThat(types.subList(requested, canceled))
        .doesNotContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    WorkflowReplayer.replayWorkflowExecution(aborted, worker);
  }

  /**
   * A run with maintenance windows (MaintenanceWindowsTest's workload-phase case, recorded from the
   * time-skipping test server): it waits for its first window at migrate-configs, its group of
   * waves stops before a namespace the window no longer holds, and the next group starts in the
   * next day's window. Its timers and state writes must replay as recorded.
   */
  @Test
  void givenTheHistoryOfARunWaitingForWindows_whenReplayed_itShouldBeDeterministic()
      throws Exception {
    WorkflowExecutionHistory run = history("histories/windows-wait-workload-phase.json");
    assertThat(run.getEvents())
        .filteredOn(HistoryEvent::hasTimerStartedEventAttributes)
        .hasSizeGreaterThanOrEqualTo(2);
    assertThat(run.getEvents())
        .filteredOn(HistoryEvent::hasStartChildWorkflowExecutionInitiatedEventAttributes)
        .hasSize(2);
    WorkflowReplayer.replayWorkflowExecution(run, worker);
    WorkflowReplayer.replayWorkflowExecution(
        history("histories/windows-group-stopped-by-window.json"), worker);
  }
}
