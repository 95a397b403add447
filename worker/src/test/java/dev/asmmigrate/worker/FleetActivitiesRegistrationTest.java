package dev.asmmigrate.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.activities.FleetMigrationActivities;
import dev.asmmigrate.workflows.activities.FleetMigrationActivities.ExistingMigration;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The worker serves the fleet's activities with its own Temporal client: a workflow on another
 * queue asks the worker's {@code findMigration} about an ID that never ran and about its own,
 * running, ID.
 */
class FleetActivitiesRegistrationTest {

  @WorkflowInterface
  public interface Probe {
    @WorkflowMethod
    List<ExistingMigration> probe(String otherId);
  }

  public static class ProbeImpl implements Probe {
    @Override
    public List<ExistingMigration> probe(String otherId) {
      FleetMigrationActivities fleet =
          Workflow.newActivityStub(
              FleetMigrationActivities.class,
              ActivityOptions.newBuilder()
                  .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                  .setStartToCloseTimeout(Duration.ofSeconds(30))
                  .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());
      return List.of(
          fleet.findMigration(otherId), fleet.findMigration(Workflow.getInfo().getWorkflowId()));
    }
  }

  @Test
  void givenTheWorkersActivities_findMigrationShouldAnswerThroughTheWorkersClient() {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
        GoogleClients google = new GoogleClients();
        KubeClients clients = new KubeClients();
        MigrationWorker worker =
            MigrationWorker.start(
                env.getWorkflowServiceStubs(),
                new MigrationWorker.Settings(env.getNamespace(), true, 2),
                Activities.create(clients, google))) {
      Worker probes = env.newWorker("probes");
      probes.registerWorkflowImplementationTypes(ProbeImpl.class);
      env.start();
      Probe probe =
          env.getWorkflowClient()
              .newWorkflowStub(
                  Probe.class,
                  WorkflowOptions.newBuilder()
                      .setTaskQueue("probes")
                      .setWorkflowId("asm-migrate/p/l/probe")
                      .setWorkflowExecutionTimeout(Duration.ofMinutes(1))
                      .build());

      List<ExistingMigration> found = probe.probe("asm-migrate/p/l/never-ran");

      assertThat(found)
          .containsExactly(new ExistingMigration(false, null), new ExistingMigration(true, null));
    }
  }
}
