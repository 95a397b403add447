package dev.asmmigrate.activities.fleetmigration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.workflows.activities.FleetMigrationActivities;
import dev.asmmigrate.workflows.activities.FleetMigrationActivities.ExistingMigration;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code awaitMigration} and {@code findMigration} against Temporal's test server, with a trivial
 * workflow standing in for a cluster's {@code MigrationWorkflow}: it returns the result it is
 * signalled.
 */
class MigrationFollowingTest {
  static final String QUEUE = "following";

  @WorkflowInterface
  public interface Stand {
    @WorkflowMethod
    MigrationResult run();

    @SignalMethod
    void finish(MigrationResult result);
  }

  public static class StandImpl implements Stand {
    private MigrationResult result;

    @Override
    public MigrationResult run() {
      Workflow.await(() -> result != null);
      return result;
    }

    @Override
    public void finish(MigrationResult r) {
      result = r;
    }
  }

  static TestWorkflowEnvironment env;
  static WorkflowClient client;
  static TestActivities activities;
  static FleetMigrationActivities fleet;

  @BeforeAll
  static void start() {
    // without time skipping: the activity's client waits in real time, and skipping would let the
    // server time the stand-in's run out while the activity waits for it
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(StandImpl.class);
    env.start();
    client = env.getWorkflowClient();
    activities = new TestActivities();
    fleet =
        activities.stub(
            FleetMigrationActivities.class,
            new FleetMigrationActivitiesImpl(null, null).boundTo(client));
  }

  @AfterAll
  static void stop() {
    activities.close();
    env.close();
  }

  static Stand begin(String id) {
    Stand stand =
        client.newWorkflowStub(
            Stand.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
    WorkflowClient.start(stand::run);
    return stand;
  }

  static MigrationResult result(String id, MigrationState state) {
    return new MigrationResult(id, state, List.of("preflight"), List.of(), null, null);
  }

  @Test
  void givenNoRunOfTheId_itShouldFindNoneAndRefuseToWait() {
    String id = "asm-migrate/p/l/never";

    assertThat(fleet.findMigration(id)).isEqualTo(new ExistingMigration(false, null));
    assertThatThrownBy(() -> fleet.awaitMigration(id))
        .satisfies(
            t -> {
              ApplicationFailure f = TestActivities.applicationFailure(t);
              assertThat(f.getType()).isEqualTo("NOT_FOUND");
              assertThat(f.isNonRetryable()).isTrue();
            });
  }

  @Test
  void givenARunningMigration_itShouldFindItRunningAndWaitHeartbeatingForItsResult()
      throws Exception {
    String id = "asm-migrate/p/l/running";
    Stand stand = begin(id);

    assertThat(fleet.findMigration(id)).isEqualTo(new ExistingMigration(true, null));
    activities.clearHeartbeats();
    CompletableFuture<MigrationResult> awaited =
        CompletableFuture.supplyAsync(() -> fleet.awaitMigration(id));
    // one wait for the result times out, and the activity heartbeats, before the run ends
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> activities.heartbeats().contains("waiting for migration " + id));
    assertThat(awaited).isNotDone();
    stand.finish(result(id, MigrationState.ROLLED_BACK));

    assertThat(awaited.get(30, TimeUnit.SECONDS)).isEqualTo(result(id, MigrationState.ROLLED_BACK));
    assertThat(fleet.findMigration(id))
        .isEqualTo(new ExistingMigration(false, result(id, MigrationState.ROLLED_BACK)));
    // ended: the wait answers at once
    assertThat(fleet.awaitMigration(id)).isEqualTo(result(id, MigrationState.ROLLED_BACK));
  }

  @Test
  void givenARunTerminated_itShouldFindNoResultAndFailTheWaitSayingSo() {
    String id = "asm-migrate/p/l/terminated";
    begin(id);
    WorkflowStub.fromTyped(client.newWorkflowStub(Stand.class, id)).terminate("operator");

    assertThat(fleet.findMigration(id)).isEqualTo(new ExistingMigration(false, null));
    assertThatThrownBy(() -> fleet.awaitMigration(id))
        .satisfies(
            t -> {
              ApplicationFailure f = TestActivities.applicationFailure(t);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("migration " + id + " closed without a result (terminated)");
            });
  }
}
