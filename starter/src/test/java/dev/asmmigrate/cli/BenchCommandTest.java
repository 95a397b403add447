package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code asm-migrate bench} at a tiny size, and its refusals of bad flags. */
class BenchCommandTest {

  @Test
  void givenTwoNamespacesOfOneDeployment_whenBenched_itShouldPrintEveryFigureAsJsonAndExit0()
      throws Exception {
    CliRun r =
        CliRun.of(
            "bench",
            "--namespaces",
            "2",
            "--deployments",
            "1",
            "--replicas",
            "1",
            "--concurrency",
            "2",
            "--api-latency",
            "20ms",
            "-o",
            "json");

    assertThat(r.code()).as(r.err() + r.out()).isEqualTo(ExitCodes.OK);
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.path("apiLatencyMillis").asInt()).isEqualTo(20);
    assertThat(json.path("migrationState").asText()).isEqualTo("SUCCESS");
    assertThat(json.path("checks").asBoolean()).isTrue();
    JsonNode f = json.path("figures");
    for (String name :
        new String[] {
          "workloadPhase",
          "waves",
          "oneNamespaceAlone",
          "criticalPath",
          "phaseOverCriticalPath",
          "manualLoop",
          "speedUp",
          "apiRequestsPerNamespace",
          "apiRequestsPerDeployment",
          "historyEventsPerNamespace",
          "largestRunEvents",
          "heapAfterFullGc",
          "workloadPhaseCpu",
          "cpuPerNamespace",
          "coresBusy",
          "oneNamespaceAloneCpu",
          "cpuBoundPath",
          "phaseOverCpuBoundPath"
        }) {
      assertThat(f.path(name).path("value").isNumber()).as(name + " in " + f).isTrue();
      assertThat(f.path(name).path("unit").asText()).as(name).isNotEmpty();
      assertThat(f.path(name).path("meaning").asText()).as(name).isNotEmpty();
    }
    assertThat(f.path("namespacesMigrated").path("value").asInt()).isEqualTo(2);
    assertThat(f.path("waves").path("value").asInt()).isEqualTo(1);
    assertThat(f.path("workloadPhase").path("value").asDouble()).isPositive();
    // one namespace alone is at least its label patch's round trip
    assertThat(f.path("oneNamespaceAlone").path("value").asDouble()).isGreaterThanOrEqualTo(0.02);
    assertThat(f.path("manualLoop").path("value").asDouble()).isPositive();
    assertThat(f.path("speedUp").path("value").asDouble()).isPositive();
    assertThat(f.path("apiRequestsPerNamespace").path("value").asDouble()).isPositive();
    assertThat(f.path("historyEventsPerNamespace").path("value").asDouble()).isPositive();
    assertThat(f.path("largestRunEvents").path("value").asLong())
        .isGreaterThan(f.path("historyEventsPerNamespace").path("value").asLong());
    assertThat(f.path("heapAfterFullGc").path("value").asDouble()).isPositive();
    // the phase ran the sandbox, the worker and Temporal here: some CPU, at most every core's
    double phaseCpu = f.path("workloadPhaseCpu").path("value").asDouble();
    assertThat(phaseCpu).isPositive();
    assertThat(f.path("cpuPerNamespace").path("value").asDouble())
        .isCloseTo(phaseCpu / 2, org.assertj.core.data.Offset.offset(0.001));
    assertThat(f.path("coresBusy").path("value").asDouble())
        .isPositive()
        .isLessThanOrEqualTo(Runtime.getRuntime().availableProcessors() + 0.5);
    // the machine's bound is never shorter than the waves' critical path
    assertThat(f.path("cpuBoundPath").path("value").asDouble())
        .isGreaterThanOrEqualTo(f.path("criticalPath").path("value").asDouble());
    assertThat(f.path("phaseOverCpuBoundPath").path("value").asDouble())
        .isLessThanOrEqualTo(f.path("phaseOverCriticalPath").path("value").asDouble());
    assertThat(f.path("speedUp").path("target").asText()).isEqualTo(">= 8");
    assertThat(json.path("details").path("manualChecks").asBoolean()).isTrue();
    assertThat(r.err()).contains("bench [").contains("manual loop");
  }

  @ParameterizedTest
  @CsvSource({
    "--namespaces,0,--namespaces must be between 1 and 500",
    "--namespaces,501,--namespaces must be between 1 and 500",
    "--deployments,11,--deployments must be between 1 and 10",
    "--replicas,0,--replicas must be between 1 and 20",
    "--concurrency,0,--concurrency must be between 1 and 50",
    "-o,yaml,-o must be table or json",
    "--api-latency,2s,--api-latency must be between 0 and 1s",
    "--namespaces,many,many"
  })
  void givenABadFlag_whenBenched_itShouldExit2SayingWhy(String flag, String value, String says) {
    CliRun r = CliRun.of("bench", flag, value);

    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains(says);
    assertThat(r.out()).doesNotContain("FIGURE");
  }

  @Test
  void givenOneNamespace_whenTheWorkerIsBenched_itShouldTimePreflightAndWeighTheCachesAsJson()
      throws Exception {
    CliRun r =
        CliRun.of(
            "bench",
            "worker",
            "--namespaces",
            "1",
            "--deployments",
            "1",
            "--replicas",
            "2",
            "--pod-ready-delay",
            "50ms",
            "-o",
            "json");

    assertThat(r.code()).as(r.err() + r.out()).isEqualTo(ExitCodes.OK);
    JsonNode f = new ObjectMapper().readTree(r.out()).path("figures");
    assertThat(f.path("pods").path("value").asInt()).isEqualTo(2);
    assertThat(f.path("preflightNamespaces").path("value").asInt()).isEqualTo(1);
    assertThat(f.path("preflight").path("value").asDouble()).isPositive();
    assertThat(f.path("preflight").path("holds").isNull()).isTrue();
    assertThat(f.path("workerCaches").path("value").isNumber()).isTrue();
    assertThat(f.path("workerCachesAt10000Pods").path("target").asText()).isEqualTo("<= 512 MB");
    assertThat(r.err()).contains("bench worker [").contains("shared watches listed");
  }

  @ParameterizedTest
  @CsvSource({
    "--namespaces,0,--namespaces must be between 1 and 5000",
    "--namespaces,5001,--namespaces must be between 1 and 5000",
    "--replicas,21,--replicas must be between 1 and 20",
    "-o,yaml,-o must be table or json"
  })
  void givenABadFlag_whenTheWorkerIsBenched_itShouldExit2SayingWhy(
      String flag, String value, String says) {
    CliRun r = CliRun.of("bench", "worker", flag, value);

    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains(says);
    assertThat(r.out()).doesNotContain("FIGURE");
  }

  @Test
  void givenHelp_whenAsked_itShouldDescribeTheFlagsAndExit0() {
    CliRun r = CliRun.of("bench", "--help");

    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.out())
        .contains("--namespaces", "--deployments", "--replicas", "--concurrency", "-o");
  }
}
