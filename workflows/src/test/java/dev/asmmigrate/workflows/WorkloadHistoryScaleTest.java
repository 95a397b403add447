package dev.asmmigrate.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.NamespacePlan;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The history a migration's workload phase costs per namespace, with recording activities and time
 * skipping (issue 12 item 3 asks at most 12 events per namespace). The marginal cost is measured:
 * the events of a migration of {@link #MANY} namespaces less those of one of {@link #FEW}, divided
 * by the namespaces between, so the fixed events of the other steps do not dilute it. At
 * concurrency 1 no two namespaces share a workflow task, the worst case (recording activities
 * answer at once, so at a higher concurrency the namespaces of a wave would share tasks a real
 * cluster does not).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkloadHistoryScaleTest {
  static final int FEW = 10;
  static final int MANY = 210;

  TestWorkflowEnvironment env;
  RecordingActivities activities;
  WorkflowClient client;

  @BeforeAll
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(MigrationWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(MigrationWorkflowImpl.class);
    activities = new RecordingActivities();
    worker.registerActivitiesImplementations(activities);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterAll
  void tearDown() {
    env.close();
  }

  /** The events of one migration of {@code n} namespaces at {@code concurrency}. */
  private long eventsOf(int n, int concurrency) {
    activities.namespaces =
        IntStream.range(0, n)
            .mapToObj(i -> new NamespacePlan("ns-" + i, AddonVersion.V1_4, 1, 0))
            .toList();
    String id = "history-" + n + "-" + concurrency;
    MigrationRequest request =
        new MigrationRequest(
            MigrationWorkflowTest.CLUSTER,
            new Connection("/k", "sandbox", null),
            null,
            "regular",
            List.of(),
            List.of(),
            concurrency,
            true,
            false,
            true,
            null,
            null,
            null);
    MigrationResult result =
        client
            .newWorkflowStub(
                MigrationWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                    .build())
            .migrate(request);
    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(result.namespaces()).hasSize(n);
    assertThat(result.namespaces()).allMatch(ns -> ns.phase().equals("VERIFIED"));
    return client.fetchHistory(id).getEvents().size();
  }

  /**
   * Per namespace: the relabel, the restart and the verification (3 events each), the workflow task
   * each completion starts (3 each), and the namespaces' memo upsert once per wave (version {@code
   * status-memo-per-wave}): 18 + 1 / concurrency. Before, the memo was upserted at each of a
   * namespace's four phases: 22 at concurrency 1. Issue 12's 12 per namespace needs fewer
   * activities per namespace as well (relabel and restart as one: 12 + 1 / concurrency).
   */
  @Test
  void givenManyNamespaces_eachShouldCostItsActivitiesAndTheirTasksAndOneMemoUpsertPerWave() {
    for (int concurrency : new int[] {1, 10}) {
      long few = eventsOf(FEW, concurrency);
      long many = eventsOf(MANY, concurrency);
      double perNamespace = (double) (many - few) / (MANY - FEW);
      System.out.printf(
          "WorkloadHistoryScaleTest concurrency %d: %d namespaces %d events, %d namespaces %d"
              + " events, %.2f events per namespace%n",
          concurrency, FEW, few, MANY, many, perNamespace);
      assertThat(perNamespace).isLessThanOrEqualTo(18.0 + 1.0 / concurrency);
    }
  }
}
