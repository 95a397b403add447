package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepTiming;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code status} and the report title each step as the runbook ({@link Step}) declares it. */
class StepTitlesTest {

  @Test
  void givenAMigrationInItsWorkloadStep_whenShownOrReported_eachStepShouldCarryItsDeclaredTitle()
      throws Exception {
    MigrationStatus s =
        new MigrationStatus(
            "m",
            new ClusterRef("p", "l", "c"),
            "RUNNING",
            MigrationState.PENDING,
            "migrate-workloads",
            List.of("preflight", "disable-galley-webhook"),
            List.of(),
            List.of(),
            null,
            null,
            1_000L,
            null,
            List.of(
                new StepTiming("preflight", 1_000L, 2_000L, "DONE"),
                new StepTiming("disable-galley-webhook", 2_000L, 2_000L, "SKIPPED"),
                new StepTiming("migrate-workloads", 2_000L, null, "RUNNING")),
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
    StatusView view = new StatusView("id", "RUNNING", s, Map.of(), List.of(), null);

    assertThat(view.text(3_000L))
        .contains("step migrate-workloads\n           " + Step.MIGRATE_WORKLOADS.title() + "\n");

    Report report = new Report(view, 3_000L);
    assertThat(report.markdown())
        .contains("| step | title | started | duration | outcome |")
        .contains("| preflight | " + Step.PREFLIGHT.title() + " | ")
        .contains("| disable-galley-webhook | " + Step.DISABLE_GALLEY_WEBHOOK.title() + " | ");
    JsonNode json = new ObjectMapper().readTree(report.json());
    List<String> titles = new ArrayList<>();
    json.path("steps").forEach(t -> titles.add(t.path("title").asText()));
    assertThat(titles)
        .containsExactly(
            Step.PREFLIGHT.title(),
            Step.DISABLE_GALLEY_WEBHOOK.title(),
            Step.MIGRATE_WORKLOADS.title());
    assertThat(report.html())
        .contains(
            "migrate-workloads (" + Report.esc(Step.MIGRATE_WORKLOADS.title()) + "): RUNNING");
  }
}
