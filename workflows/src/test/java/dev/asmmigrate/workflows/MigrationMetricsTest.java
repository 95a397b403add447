package dev.asmmigrate.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.Step;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The migration's counters, recorded from workflow code through Temporal's metrics scope into a
 * Micrometer registry as the worker wires them: steps by id and outcome, namespaces by outcome.
 */
class MigrationMetricsTest {
  SimpleMeterRegistry registry;
  Scope scope;
  TestWorkflowEnvironment env;
  RecordingActivities activities;

  @BeforeEach
  void setUp() {
    registry = new SimpleMeterRegistry();
    scope =
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(registry))
            .reportEvery(com.uber.m3.util.Duration.ofSeconds(1));
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setMetricsScope(scope).build());
    Worker worker = env.newWorker(MigrationWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(WorkflowTypes.all());
    activities = new RecordingActivities();
    worker.registerActivitiesImplementations(activities);
    env.start();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  MigrationResult migrate(boolean continueOnNamespaceFailure) throws Exception {
    MigrationResult result =
        env.getWorkflowClient()
            .newWorkflowStub(
                MigrationWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(MigrationWorkflowTest.CLUSTER.workflowId())
                    .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                    .build())
            .migrate(
                MigrationWorkflowTest.request(true, null, continueOnNamespaceFailure, List.of()));
    scope.close(); // reports what the scope holds
    return result;
  }

  double steps(Step step, String outcome) {
    Counter c =
        registry.find(MigrationMetrics.STEPS).tags("step", step.id(), "outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }

  double namespaces(String outcome) {
    Counter c = registry.find(MigrationMetrics.NAMESPACES).tags("outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void
      givenANamespaceThatFailsItsGate_whenContinuing_itShouldCountEveryStepDoneOnceAndEachNamespace()
          throws Exception {
    activities.failOn.add("verifyNamespace:app-b");

    MigrationResult result = migrate(true);

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    for (Step step : Step.values()) {
      assertThat(steps(step, "done")).as(step.id()).isEqualTo(1.0);
      assertThat(steps(step, "failed")).as(step.id()).isZero();
    }
    assertThat(namespaces("migrated")).isEqualTo(2.0); // app-a, app-c
    assertThat(namespaces("rolled_back")).isEqualTo(1.0); // app-b, rolled back alone
    assertThat(registry.find(MigrationMetrics.STEPS).counters())
        .as("tagged by the SDK's workflow scope")
        .allSatisfy(
            c -> {
              assertThat(c.getId().getTag("task_queue")).isEqualTo(MigrationWorkflow.TASK_QUEUE);
              assertThat(c.getId().getTag("workflow_type")).isNotBlank();
            });
  }

  @Test
  void givenANamespaceThatFailsItsGate_whenStopping_itShouldCountTheFailedStepAndEachRollbackOnce()
      throws Exception {
    activities.failOn.add("verifyNamespace:app-b");

    MigrationResult result = migrate(false);

    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(steps(Step.MIGRATE_WORKLOADS, "failed")).isEqualTo(1.0);
    assertThat(steps(Step.MIGRATE_WORKLOADS, "done")).isZero();
    assertThat(steps(Step.CONFIGURE_MESH_CA, "done")).isEqualTo(1.0);
    assertThat(steps(Step.REPLACE_GATEWAY, "done")).isZero();
    // app-a verified, then app-b failed its gate: app-b rolled back at once and again by the saga,
    // app-a by the saga; each counted once.
    assertThat(namespaces("migrated")).isEqualTo(1.0);
    assertThat(namespaces("rolled_back")).isEqualTo(2.0);
  }
}
