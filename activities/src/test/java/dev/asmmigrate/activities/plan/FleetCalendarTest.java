package dev.asmmigrate.activities.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.workflows.fleet.FleetWaves;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.Timeouts;
import dev.asmmigrate.workflows.model.fleet.Amount;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.FleetWave;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A fleet of three clusters with the same Saturday windows (02:00-04:00 Europe/Berlin) and eight
 * namespaces each, laid out by hand from the runbook's bounds as {@link PlanCalendarTest} does; the
 * clusters pass their point of no return by themselves, so disable-addon (10m) and cleanup (4m)
 * follow their SUCCESS marker.
 */
class FleetCalendarTest {
  static final MaintenanceWindows SATURDAYS =
      new MaintenanceWindows(List.of(PlanCalendarTest.SATURDAYS_2H), List.of(), false, null);

  static FleetCluster cluster(String name, String env) {
    return new FleetCluster(
        new ClusterRef("p", "l", name),
        new Connection(null, null, null),
        Map.of("env", env),
        null,
        SATURDAYS);
  }

  static Map<String, PlanCalendar.Request> requests(List<FleetCluster> clusters) {
    Map<String, PlanCalendar.Request> out = new LinkedHashMap<>();
    for (FleetCluster c : clusters) {
      out.put(
          c.name(),
          new PlanCalendar.Request(
              new WindowPolicy(c.windows(), null, null),
              PlanCalendarTest.FRIDAY,
              List.of(AddonVersion.V1_4),
              PlanCalendarTest.namespaces(c.name() + "-ns-", 8),
              List.of(),
              List.of(),
              4,
              Timeouts.defaults(),
              true));
    }
    return out;
  }

  static FleetCalendar.Result layout(int prodConcurrency, Map<String, String> notes) {
    List<FleetCluster> clusters =
        List.of(cluster("c1", "canary"), cluster("c2", "prod"), cluster("c3", "prod"));
    FleetWaves.Plan plan =
        FleetWaves.resolve(
            List.of(
                new FleetWave(
                    "canary", List.of("c1"), null, null, Duration.ofMinutes(30), false, null),
                new FleetWave(
                    "prod",
                    List.of(),
                    "env=prod",
                    Amount.count(prodConcurrency),
                    null,
                    true,
                    null)),
            clusters);
    Map<String, PlanCalendar.Request> requests = requests(clusters);
    requests.keySet().removeAll(notes.keySet());
    return FleetCalendar.of(plan, requests, notes, PlanCalendarTest.FRIDAY);
  }

  @Test
  void theWavesFollowEachOther_eachClusterInItsOwnWindows() {
    FleetCalendar.Result r = layout(1, Map.of());

    // c1 on Sat 12: policies 02:00, Mesh CA 02:01-02:13, two waves to 02:44, gateway to 02:55,
    // webhook, marker 02:55:40, disable-addon and cleanup to 03:09:40; then the 30m soak.
    FleetCalendar.WaveRun canary = r.waves().get(0);
    assertThat(canary.end()).isEqualTo(Instant.parse("2026-12-12T02:39:40Z"));
    // c2 starts at 03:39:40 (after the window), its first disturbing step waits for Sat 19;
    // c3 waits for c2 (one at a time): starts Sat 19 03:09:40, inside the window, where its first
    // steps run (to 03:42:56); its policies (need 7m) fit to 03:43:56, Mesh CA (needs 29m) not:
    // Sat 26.
    FleetCalendar.WaveRun prod = r.waves().get(1);
    assertThat(prod.approval()).isTrue();
    assertThat(prod.clusters())
        .extracting(FleetCalendar.ClusterRun::cluster)
        .containsExactly("c2", "c3");
    assertThat(prod.clusters().get(0).calendar().end())
        .isEqualTo(Instant.parse("2026-12-19T02:09:40Z"));
    assertThat(prod.clusters().get(1).start()).isEqualTo(Instant.parse("2026-12-19T02:09:40Z"));
    assertThat(prod.clusters().get(1).calendar().slots())
        .extracting(PlanCalendar.Slot::describe)
        .contains(
            "Sat 19 Dec 02:00-04:00 Europe/Berlin: pre-flight, fleet registration, control plane,"
                + " config-check, Galley webhook off, authentication policies",
            "Sat 26 Dec 02:00-04:00 Europe/Berlin: Mesh CA, 8 of 8 namespaces, ingress gateway,"
                + " injection webhook, SUCCESS marker, add-on disabled, cleanup");
    assertThat(r.end()).isEqualTo(Instant.parse("2026-12-26T02:08:40Z"));
    assertThat(r.why()).isNull();
  }

  @Test
  void twoAtOnce_theProdWaveEndsAWeekEarlier() {
    FleetCalendar.Result r = layout(2, Map.of());
    assertThat(r.waves().get(1).clusters())
        .allSatisfy(c -> assertThat(c.start()).isEqualTo(Instant.parse("2026-12-12T02:39:40Z")));
    assertThat(r.end()).isEqualTo(Instant.parse("2026-12-19T02:09:40Z"));
  }

  @Test
  void aClusterNotPlanned_leavesTheFleetWithoutAnEnd() {
    FleetCalendar.Result r = layout(2, Map.of("c3", "BLOCKED: 2 blocking findings"));
    assertThat(r.end()).isNull();
    assertThat(r.why()).isEqualTo("cluster c3 was not planned");
    assertThat(r.waves().get(1).clusters().get(1).note()).isEqualTo("BLOCKED: 2 blocking findings");
    assertThat(r.waves().get(1).end()).isNull();
  }
}
