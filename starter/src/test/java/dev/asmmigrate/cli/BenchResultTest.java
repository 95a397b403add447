package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.cli.BenchResult.Figure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench's table and JSON from a hand-made result: units, targets, missed and unmeasured. */
class BenchResultTest {
  private final BenchResult result =
      new BenchResult(
          new BenchRun.Size(20, 3, 1, 4, Duration.ofMillis(300)),
          "SUCCESS",
          true,
          List.of(
              new Figure("workloadPhase", 50.182, "s", "migrate-workloads' wall time", null, null),
              new Figure("speedUp", 1.136, "ratio", "manualLoop / workloadPhase", ">= 8", false),
              new Figure("largestRunEvents", 681, "events", "largest run", "<= 10,000", null),
              new Figure("heapAfterFullGc", Double.NaN, "MiB", "heap", null, null)),
          Map.of("requestLogComplete", true),
          List.of("heap: how it is taken"));

  @Test
  void givenFigures_whenTabled_itShouldShowValueUnitTargetVerdictAndMeaning() {
    String table = result.table();

    assertThat(table)
        .contains("20 namespaces x 3 Deployments x 1 pods, concurrency 4")
        .contains("migration SUCCESS; checks passed");
    assertThat(table.lines().filter(l -> l.startsWith("speedUp")).findFirst().orElseThrow())
        .contains("1.14", "ratio", ">= 8 (MISSED)", "manualLoop / workloadPhase");
    assertThat(
            table.lines().filter(l -> l.startsWith("largestRunEvents")).findFirst().orElseThrow())
        .contains("681", "<= 10,000 (n/a)");
    assertThat(table.lines().filter(l -> l.startsWith("heapAfterFullGc")).findFirst().orElseThrow())
        .contains(" - ");
    assertThat(table).contains("note: heap: how it is taken");
  }

  @Test
  void givenFigures_whenJson_itShouldKeepValuesTargetsAndNullForUnmeasured() {
    var json = result.toJson();

    assertThat(json.path("figures").path("workloadPhase").path("value").asDouble())
        .isEqualTo(50.182);
    assertThat(json.path("figures").path("speedUp").path("holds").asBoolean()).isFalse();
    assertThat(json.path("figures").path("largestRunEvents").path("holds").isNull()).isTrue();
    assertThat(json.path("figures").path("heapAfterFullGc").path("value").isNull()).isTrue();
    assertThat(json.path("details").path("requestLogComplete").asBoolean()).isTrue();
    assertThat(result.ok()).isTrue();
  }

  @Test
  void givenTheWorkersFigures_whenTabledAndJson_itShouldShowTheSizeVerdictsAndNotes() {
    BenchWorkerCommand.Result worker =
        new BenchWorkerCommand.Result(
            new BenchWorkerRun.Size(2000, 1, 5, Duration.ofMillis(300)),
            List.of(
                new Figure("preflight", 6.198, "s", "pre-flight", "< 10 s at 200 namespaces", true),
                new Figure("workerCaches", 600.5, "MiB", "caches", "<= 512 MB with 10,000", false)),
            List.of("the sandbox runs in a child JVM"));

    String table = worker.table();
    assertThat(table).contains("bench worker: 2000 namespaces x 1 Deployments x 5 pods");
    assertThat(table.lines().filter(l -> l.startsWith("preflight")).findFirst().orElseThrow())
        .contains("6.20", "< 10 s at 200 namespaces (holds)");
    assertThat(table.lines().filter(l -> l.startsWith("workerCaches")).findFirst().orElseThrow())
        .contains("600.50", "(MISSED)");
    assertThat(table).contains("note: the sandbox runs in a child JVM");
    var json = worker.toJson();
    assertThat(json.path("namespaces").asInt()).isEqualTo(2000);
    assertThat(json.path("figures").path("preflight").path("value").asDouble()).isEqualTo(6.198);
    assertThat(json.path("figures").path("workerCaches").path("holds").asBoolean()).isFalse();
    assertThat(json.path("notes").get(0).asText()).isEqualTo("the sandbox runs in a child JVM");
  }
}
