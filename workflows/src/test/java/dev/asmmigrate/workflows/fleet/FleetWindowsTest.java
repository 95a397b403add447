package dev.asmmigrate.workflows.fleet;

import static dev.asmmigrate.workflows.fleet.FleetTesting.cluster;
import static dev.asmmigrate.workflows.fleet.FleetTesting.request;
import static dev.asmmigrate.workflows.fleet.FleetTesting.wave;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.workflows.fleet.FakeMigration.Behaviour;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetState;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import dev.asmmigrate.workflows.model.window.WindowsChange;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code windows set --fleet}: the running cluster's migration gets the windows at once (its {@code
 * windowsSignal}), the clusters not started yet start with them; an override or an unknown cluster
 * is refused and changes nothing.
 */
class FleetWindowsTest {
  final FleetTesting t = new FleetTesting().start();

  @AfterEach
  void close() {
    t.close();
  }

  @Test
  void windowsSetOnAFleet_shouldReachTheRunningClusterAtOnceAndTheLaterOnesWhenTheyStart() {
    FakeMigration.BEHAVIOUR.put("c1", Behaviour.SLOW);
    FleetRequest req =
        request(
            "win",
            List.of(cluster("c1"), cluster("c2"), cluster("c3")),
            List.of(wave("all", List.of("c1", "c2", "c3"), null, 1)),
            null,
            null);
    FleetMigrationWorkflow fleet = t.stub("win");
    WorkflowClient.start(fleet::migrateFleet, req);
    await().until(() -> FakeMigration.starts("c1") == 1);
    MaintenanceWindows saturdays =
        new MaintenanceWindows(
            List.of(
                new RecurringWindow(
                    "FREQ=WEEKLY;BYDAY=SA",
                    LocalDateTime.parse("2026-10-03T02:00"),
                    Duration.ofHours(4),
                    "Europe/Berlin")),
            List.of(),
            false,
            null);

    assertThatThrownBy(() -> fleet.setWindows(new WindowsChange(saturdays, "INC-1"), null))
        .hasStackTraceContaining("an override is one migration's emergency");
    assertThatThrownBy(() -> fleet.setWindows(new WindowsChange(saturdays, null), "nope"))
        .hasStackTraceContaining("no cluster nope in the fleet");
    String answer = fleet.setWindows(new WindowsChange(saturdays, null), null);

    assertThat(answer).contains("running c1 (at once)").contains("to start c2, c3");
    await().until(() -> FakeMigration.WINDOWS_SET.containsKey("c1"));
    assertThat(FakeMigration.WINDOWS_SET.get("c1"))
        .containsExactly(new WindowsChange(saturdays, null));
    FleetResult r = WorkflowStub.fromTyped(fleet).getResult(FleetResult.class);
    assertThat(r.state()).isEqualTo(FleetState.SUCCESS);
    assertThat(FakeMigration.REQUESTED_WINDOWS.get("c1")).isEqualTo(MaintenanceWindows.anyTime());
    assertThat(FakeMigration.REQUESTED_WINDOWS.get("c2")).isEqualTo(saturdays);
    assertThat(FakeMigration.REQUESTED_WINDOWS.get("c3")).isEqualTo(saturdays);
  }

  /** fleet start --not-before and --override-window reach every cluster's migration request. */
  @Test
  void aFleetsEarliestStartAndOverride_shouldReachEachClustersRequest() {
    java.time.Instant notBefore = java.time.Instant.parse("2026-12-12T01:00:00Z");
    var options =
        dev.asmmigrate.workflows.model.fleet.MigrationOptions.defaults()
            .withWindowRun(notBefore, "INC-9");
    var c = cluster("c1");

    var policy = options.requestFor(c, true, null).windows();

    assertThat(policy.notBefore()).isEqualTo(notBefore);
    assertThat(policy.overrideReason()).isEqualTo("INC-9");
    assertThat(policy.windows()).isEqualTo(c.windows());
    assertThat(
            dev.asmmigrate.workflows.model.fleet.MigrationOptions.defaults()
                .requestFor(c, true, null)
                .windows())
        .isEqualTo(dev.asmmigrate.workflows.model.window.WindowPolicy.anyTime());
  }
}
