package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.fleet.ClusterOutcome;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code demo --clusters 3}: the real fleet workflow, worker and activities against three sandbox
 * clusters served from one process with one fake Google. Asserts on the clusters (the seed's checks
 * on each, snapshots for the rolled-back ones, each cluster's traffic probe) and on the order the
 * fleet took them in.
 */
class FleetDemoTest {

  @Test
  void givenThreeClusters_theFleetShouldMigrateTheCanaryAloneThenTheOtherTwoAtOnce()
      throws Exception {
    StringWriter text = new StringWriter();
    PrintWriter out = new PrintWriter(text, true);
    try (FleetDemoRun run = FleetDemoRun.prepare(3, "1.4", Duration.ofMillis(300))) {
      FleetResult result = run.migrate(null, out);
      Map<String, ClusterOutcome> c = byName(result);

      assertThat(result.state()).as(text.toString()).isEqualTo(FleetState.SUCCESS);
      assertThat(c.values()).allMatch(o -> o.state() == ClusterState.SUCCEEDED);
      assertThat(c.values()).allMatch(o -> o.migration() == MigrationState.SUCCESS);
      assertThat(run.check(result, out)).as(text.toString()).isTrue();
      assertThat(run.printTraffic(out)).as(text.toString()).isZero();
      // the canary ended (its soak included) before either of the rest started; those two ran at
      // once: each started before the other ended
      ClusterOutcome canary = c.get("cluster-1");
      ClusterOutcome two = c.get("cluster-2");
      ClusterOutcome three = c.get("cluster-3");
      assertThat(canary.wave()).isEqualTo("canary");
      assertThat(two.wave()).isEqualTo("rest");
      assertThat(canary.endedMillis()).isLessThanOrEqualTo(two.startedMillis());
      assertThat(canary.endedMillis()).isLessThanOrEqualTo(three.startedMillis());
      assertThat(two.startedMillis()).isLessThan(three.endedMillis());
      assertThat(three.startedMillis()).isLessThan(two.endedMillis());
      assertThat(result.soakChecks()).isNotEmpty().allMatch(s -> s.held());
      assertThat(FleetDemoRun.outcomeLine(result)).isEqualTo("fleet: SUCCESS (3/3 clusters)");
    }
  }

  @Test
  void givenAClusterOfWaveTwoFailing_theFleetShouldHaltAndRollBackTheOneInFlight()
      throws Exception {
    StringWriter text = new StringWriter();
    PrintWriter out = new PrintWriter(text, true);
    try (FleetDemoRun run = FleetDemoRun.prepare(3, "1.4", Duration.ofMillis(300))) {
      FleetResult result = run.migrate("cluster-2", out);
      Map<String, ClusterOutcome> c = byName(result);

      assertThat(result.state()).as(text.toString()).isEqualTo(FleetState.HALTED);
      assertThat(c.get("cluster-1").state()).isEqualTo(ClusterState.SUCCEEDED);
      assertThat(c.get("cluster-2").state()).isEqualTo(ClusterState.FAILED);
      assertThat(c.get("cluster-2").migration()).isEqualTo(MigrationState.ROLLED_BACK);
      assertThat(c.get("cluster-3").state()).isEqualTo(ClusterState.HALTED_ROLLED_BACK);
      // the canary migrated, both of wave two equal to their snapshots from before the fleet
      assertThat(run.check(result, out)).as(text.toString()).isTrue();
      assertThat(run.printTraffic(out)).as(text.toString()).isZero();
      assertThat(result.reason()).contains("cluster-2");
    }
  }

  private static Map<String, ClusterOutcome> byName(FleetResult r) {
    return r.clusters().stream()
        .collect(Collectors.toMap(o -> o.cluster().cluster(), Function.identity()));
  }
}
