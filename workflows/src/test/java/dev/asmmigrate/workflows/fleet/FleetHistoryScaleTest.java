package dev.asmmigrate.workflows.fleet;

import static dev.asmmigrate.workflows.fleet.FleetTesting.cluster;
import static dev.asmmigrate.workflows.fleet.FleetTesting.request;
import static dev.asmmigrate.workflows.fleet.FleetTesting.soaked;
import static dev.asmmigrate.workflows.fleet.FleetTesting.wave;
import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetState;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A fleet of 300 clusters keeps every run's history bounded by continuing as new. */
class FleetHistoryScaleTest {

  @Test
  void aFleetOf300Clusters_shouldContinueAsNew_noRunOver10000Events_eachClusterMigratedOnce() {
    try (FleetTesting t = new FleetTesting().start()) {
      FakeMigration.quick = Duration.ZERO;
      List<FleetCluster> clusters = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        clusters.add(
            cluster(
                String.format("c%03d", i), "group=" + (i == 0 ? "canary" : i < 150 ? "a" : "b")));
      }
      FleetRequest req =
          request(
              "big",
              clusters,
              List.of(
                  wave("canary", List.of(), "group=canary", 1),
                  soaked(wave("a", List.of(), "group=a", 50), Duration.ofMinutes(2)),
                  soaked(wave("b", List.of(), "group=b", 50), Duration.ofMinutes(2))),
              null,
              null);
      FleetMigrationWorkflow stub = t.stub("big");
      WorkflowExecution first = WorkflowClient.start(stub::migrateFleet, req);
      FleetResult r =
          t.client.newUntypedWorkflowStub(req.workflowId()).getResult(FleetResult.class);

      assertThat(r.state()).isEqualTo(FleetState.SUCCESS);
      assertThat(r.clusters()).hasSize(300).allMatch(c -> c.state() == ClusterState.SUCCEEDED);
      for (FleetCluster c : clusters) {
        assertThat(FakeMigration.starts(c.name())).as(c.name()).isEqualTo(1);
      }
      // every run of the fleet, from the first along its continue-as-new chain
      List<Integer> lengths = new ArrayList<>();
      String runId = first.getRunId();
      while (runId != null) {
        List<HistoryEvent> events = t.client.fetchHistory(req.workflowId(), runId).getEvents();
        lengths.add(events.size());
        HistoryEvent last = events.get(events.size() - 1);
        runId =
            last.hasWorkflowExecutionContinuedAsNewEventAttributes()
                ? last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId()
                : null;
      }
      System.out.println("fleet of 300: runs' history lengths " + lengths);
      assertThat(lengths).hasSizeGreaterThan(1).allMatch(n -> n < 10_000);
      assertThat(r.soakChecks()).hasSize(299 * 3);
    }
  }
}
