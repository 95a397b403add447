package dev.asmmigrate.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.Step;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The retry budget and the status memo, with the worker's attempt reporting, the real workflow and
 * time skipping: a transient failure is retried a bounded number of times and ends the step with a
 * failure that says so in words; a permanent one is tried once; the memo carries what the status
 * query answers, so that status needs no worker.
 */
class FailureBudgetTest {
  static final String UNREACHABLE =
      "cannot reach the API server at https://10.0.0.1:443: connection refused";

  TestWorkflowEnvironment env;
  RecordingActivities activities;
  WorkflowClient client;

  @BeforeEach
  void setUp() {
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder()
                        .setWorkerInterceptors(new AttemptReporting(t -> t))
                        .build())
                .build());
    Worker worker = env.newWorker(MigrationWorkflow.TASK_QUEUE);
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
            .setWorkflowId(MigrationWorkflowTest.CLUSTER.workflowId())
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .build());
  }

  @Test
  void givenAnApiServerThatNeverAnswers_whenAStepCallsIt_itShouldStopAfterTheBudgetAndSayWhy() {
    activities.throwOn.put(
        "registerFleet",
        () -> ApplicationFailure.newFailure(UNREACHABLE, FailureType.API_UNREACHABLE.name()));
    MigrationResult result =
        stub().migrate(MigrationWorkflowTest.request(true, null, false, List.of()));

    // the run's own clock, from its first event to its last: the test environment's clock may
    // skip ahead once the run has completed
    var events =
        client
            .fetchHistory(MigrationWorkflowTest.CLUSTER.workflowId())
            .getHistory()
            .getEventsList();
    long spent =
        com.google.protobuf.util.Timestamps.toMillis(events.get(events.size() - 1).getEventTime())
            - com.google.protobuf.util.Timestamps.toMillis(events.get(0).getEventTime());
    assertThat(activities.callsOf("registerFleet")).hasSize(ActivityStubs.MAX_ATTEMPTS);
    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(result.failedStep()).isEqualTo(Step.FLEET_REGISTRATION.id());
    // the cause's words kept, then how many attempts over how long (1+2+4+8+16 s, then 30 s each)
    assertThat(result.error())
        .matches(
            java.util.regex.Pattern.quote("API_UNREACHABLE: " + UNREACHABLE)
                + " \\("
                + ActivityStubs.MAX_ATTEMPTS
                + " attempts over [78] min( \\d+ s)?\\)");
    assertThat(Duration.ofMillis(spent)).isLessThan(Duration.ofMinutes(10));
  }

  @Test
  void givenAPermanentFailure_whenAStepMeetsIt_itShouldBeTriedOnceAndRolledBack() {
    activities.throwOn.put(
        "registerFleet",
        () ->
            ApplicationFailure.newNonRetryableFailure(
                "--backup-dir is unusable: cannot create backup directory /f/b: /f exists and is"
                    + " not a directory; give a writable directory",
                FailureType.BACKUP_UNUSABLE.name()));

    MigrationResult result =
        stub().migrate(MigrationWorkflowTest.request(true, null, false, List.of()));

    assertThat(activities.callsOf("registerFleet")).hasSize(1);
    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(result.error())
        .isEqualTo(
            "BACKUP_UNUSABLE: --backup-dir is unusable: cannot create backup directory /f/b: /f"
                + " exists and is not a directory; give a writable directory");
  }

  @Test
  void givenARunningMigration_itsMemoShouldHoldWhatTheStatusQueryAnswers_whileItRunsAndAtItsEnd() {
    CountDownLatch hold = new CountDownLatch(1);
    activities.holds.put("awaitControlPlane", hold);
    MigrationWorkflow wf = stub();
    WorkflowClient.start(wf::migrate, MigrationWorkflowTest.request(true, null, false, List.of()));
    WorkflowStub untyped = WorkflowStub.fromTyped(wf);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> memo(untyped).map(s -> s.step().equals("control-plane")).orElse(false));
    MigrationStatus running = memo(untyped).orElseThrow();
    assertThat(running).isEqualTo(wf.status());
    assertThat(running.completedSteps()).containsExactly("preflight", "fleet-registration");
    assertThat(running.namespaces())
        .extracting(n -> n.name())
        .containsExactly("app-a", "app-b", "app-c");

    hold.countDown();
    MigrationResult result = untyped.getResult(MigrationResult.class);

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    MigrationStatus ended = memo(untyped).orElseThrow();
    assertThat(ended).isEqualTo(wf.status());
    assertThat(ended.phase()).isEqualTo("DONE");
    assertThat(ended.namespaces()).extracting(n -> n.phase()).containsOnly("VERIFIED");
  }

  private Optional<MigrationStatus> memo(WorkflowStub stub) {
    DescribeWorkflowExecutionResponse d = stub.describe().getRawDescription();
    return StatusMemo.read(
        d.getWorkflowExecutionInfo().getMemo().getFieldsMap(),
        client.getOptions().getDataConverter());
  }
}
