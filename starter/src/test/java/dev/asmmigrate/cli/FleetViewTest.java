package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.fleet.ClusterOutcome;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetState;
import dev.asmmigrate.workflows.model.fleet.FleetStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A fleet's rows take each started cluster's phase, step and namespaces from its own migration. */
class FleetViewTest {
  @Test
  void aRunningClustersRowShowsItsMigrationsPhaseStepAndNamespaces() {
    ClusterRef c1 = new ClusterRef("p", "l", "c1");
    ClusterRef c2 = new ClusterRef("p", "l", "c2");
    MigrationStatus m =
        new MigrationStatus(
            "m",
            c1,
            "MIGRATING_WORKLOADS",
            MigrationState.PENDING,
            "migrate-workloads",
            List.of(),
            List.of(
                new NamespaceStatus("a", null, "VERIFIED", 2, 2, null, Map.of()),
                new NamespaceStatus("b", null, "VERIFIED", 1, 1, null, Map.of()),
                new NamespaceStatus("c", null, "RESTARTED", 0, 3, null, Map.of())),
            List.of(),
            null,
            null,
            1_000L,
            null,
            List.of(),
            null,
            null,
            false,
            null,
            null,
            List.of(),
            List.of(),
            List.of(),
            null,
            null /* windows */);
    FleetStatus status =
        new FleetStatus(
            "asm-fleet/f",
            FleetState.RUNNING,
            "WAVE",
            "canary",
            null,
            List.of(
                new ClusterOutcome(
                    c1, "canary", ClusterState.RUNNING, c1.workflowId(), null, null, 1_000L, 0),
                new ClusterOutcome(
                    c2, "prod", ClusterState.WAITING, c2.workflowId(), null, null, 0, 0)),
            List.of(),
            List.of(),
            null);
    FleetView view =
        new FleetView(
            new Fleets.Look("asm-fleet/f", "RUNNING", status, "query", Map.of(c1.workflowId(), m)));

    assertThat(view.text())
        .contains("state: RUNNING  phase: WAVE  wave: canary  (0/2 clusters succeeded)")
        .containsPattern(
            "p/l/c1 +canary +RUNNING +MIGRATING_WORKLOADS +migrate-workloads +2/3 +-\n")
        .containsPattern("p/l/c2 +prod +WAITING +- +- +- +-\n");
    JsonNode row = view.json().path("clusters").get(0);
    assertThat(row.path("phase").asText()).isEqualTo("MIGRATING_WORKLOADS");
    assertThat(row.path("step").asText()).isEqualTo("migrate-workloads");
    assertThat(row.path("namespacesDone").asInt()).isEqualTo(2);
    assertThat(row.path("namespacesTotal").asInt()).isEqualTo(3);
    assertThat(row.path("migrationWorkflowId").asText()).isEqualTo("asm-migrate/p/l/c1");
  }
}
