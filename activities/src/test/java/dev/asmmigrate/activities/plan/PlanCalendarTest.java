package dev.asmmigrate.activities.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.Timeouts;
import dev.asmmigrate.workflows.model.window.Exclusion;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The plan's calendar laid out by hand from the runbook's bounds (default timeouts: rollout 15m,
 * root distribution 10m, gateway 10m, control plane 20m; margin 5m): a namespace wave takes 15m30s
 * (30s + the rollout timeout) and needs 36m left (itself, its undo, the margin); Mesh CA 12m, needs
 * 29m; the gateway 11m, needs 27m; authentication policies 1m, needs 7m.
 */
class PlanCalendarTest {
  static final RecurringWindow SATURDAYS_2H =
      new RecurringWindow(
          "FREQ=WEEKLY;BYDAY=SA",
          LocalDateTime.parse("2026-12-12T02:00"),
          Duration.ofHours(2),
          "Europe/Berlin");

  /** Friday 11 Dec 2026, 13:00 in Berlin. */
  static final Instant FRIDAY = Instant.parse("2026-12-11T12:00:00Z");

  static List<NamespacePlan> namespaces(String prefix, int n) {
    return IntStream.rangeClosed(1, n)
        .mapToObj(i -> new NamespacePlan(prefix + i, AddonVersion.V1_4, 2, 0))
        .toList();
  }

  static PlanCalendar.Request request(
      MaintenanceWindows windows, List<NamespacePlan> first, List<NamespacePlan> remaining) {
    return new PlanCalendar.Request(
        new WindowPolicy(windows, null, null),
        FRIDAY,
        List.of(AddonVersion.V1_4),
        first,
        remaining,
        List.of(),
        4,
        Timeouts.defaults(),
        false);
  }

  static List<String> lines(PlanCalendar.Result r) {
    List<String> out = new ArrayList<>();
    r.slots().forEach(s -> out.add(s.describe()));
    out.add(r.endText());
    return out;
  }

  @Test
  void fortyNamespacesInTwoHourSaturdayWindows_takeTwoSaturdays() {
    PlanCalendar.Result r =
        PlanCalendar.of(
            request(
                new MaintenanceWindows(List.of(SATURDAYS_2H), List.of(), false, null),
                namespaces("app-", 40),
                List.of()));

    // Sat 12: policies 02:00-02:01, Mesh CA 02:01-02:13, waves from 02:13 every 15m30s while one
    // starts by 03:24 (04:00 - 36m): 02:13 ... 03:15, five waves, 20 namespaces; the sixth
    // (03:30:30)
    // waits. Sat 19: five waves from 02:00 to 03:17:30, the gateway (needs 27m, by 03:33) to
    // 03:28:30, the webhook 30s, the marker 10s: 03:29:10.
    assertThat(lines(r))
        .containsExactly(
            "outside the windows, from Fri 11 Dec 13:00 Europe/Berlin: pre-flight, fleet"
                + " registration, control plane, config-check, Galley webhook off",
            "Sat 12 Dec 02:00-04:00 Europe/Berlin: authentication policies, Mesh CA, 20 of 40"
                + " namespaces",
            "Sat 19 Dec 02:00-04:00 Europe/Berlin: 20 of 40 namespaces, ingress gateway, injection"
                + " webhook, SUCCESS marker",
            "should end: Sat 19 Dec 03:29 Europe/Berlin; then it waits for an approval before"
                + " add-on disabled, cleanup");
    assertThat(r.end()).isEqualTo(Instant.parse("2026-12-19T02:29:10Z"));
    assertThat(r.slots().get(1).namespaces()).isEqualTo(20);
    assertThat(r.slots().get(2).steps())
        .containsExactly("migrate-workloads", "replace-gateway", "replace-webhook", "write-marker");
  }

  @Test
  void anExclusionSkipsThatWeeksWindow_andTheRemainingNamespacesFollowTheWebhook() {
    MaintenanceWindows windows =
        new MaintenanceWindows(
            List.of(SATURDAYS_2H),
            List.of(
                new Exclusion(
                    "freeze",
                    Instant.parse("2026-12-18T23:00:00Z"),
                    Instant.parse("2026-12-20T23:00:00Z"))),
            false,
            null);
    PlanCalendar.Result r =
        PlanCalendar.of(request(windows, namespaces("app-", 20), namespaces("late-", 4)));

    // Sat 12 holds the 20 first namespaces (five waves to 03:30:30) and the gateway (to
    // 03:41:30); the webhook follows (03:42), and the remaining wave needs 36m: not before
    // 03:24, so it waits; Sat 19 is frozen; Sat 26 takes it (02:00-02:15:30) and the marker.
    assertThat(lines(r))
        .containsExactly(
            "outside the windows, from Fri 11 Dec 13:00 Europe/Berlin: pre-flight, fleet"
                + " registration, control plane, config-check, Galley webhook off",
            "Sat 12 Dec 02:00-04:00 Europe/Berlin: authentication policies, Mesh CA, 20 of 24"
                + " namespaces, ingress gateway, injection webhook",
            "Sat 26 Dec 02:00-04:00 Europe/Berlin: 4 of 24 namespaces, SUCCESS marker",
            "should end: Sat 26 Dec 02:15 Europe/Berlin; then it waits for an approval before"
                + " add-on disabled, cleanup");
  }

  @Test
  void acrossTheEndOfDaylightSavingTime_theWindowsKeepTheirLocalTime() {
    // last Sunday of October 2026 is the 25th: Saturday 02:00 in Berlin is 00:00Z before, 01:00Z
    // after; a run started on Friday 23 Oct needs two Saturdays for 40 namespaces
    RecurringWindow saturdays =
        new RecurringWindow(
            "FREQ=WEEKLY;BYDAY=SA",
            LocalDateTime.parse("2026-10-03T02:00"),
            Duration.ofHours(2),
            "Europe/Berlin");
    PlanCalendar.Request base =
        request(
            new MaintenanceWindows(List.of(saturdays), List.of(), false, null),
            namespaces("app-", 40),
            List.of());
    PlanCalendar.Result r =
        PlanCalendar.of(
            new PlanCalendar.Request(
                base.policy(),
                Instant.parse("2026-10-23T12:00:00Z"),
                base.addonVersions(),
                base.namespaces(),
                base.remaining(),
                base.canary(),
                base.concurrency(),
                base.timeouts(),
                true));

    assertThat(r.slots()).hasSize(3);
    assertThat(r.slots().get(1).start()).isEqualTo(Instant.parse("2026-10-24T00:00:00Z"));
    assertThat(r.slots().get(2).start()).isEqualTo(Instant.parse("2026-10-31T01:00:00Z"));
    assertThat(r.slots().get(1).describe()).startsWith("Sat 24 Oct 02:00-04:00 Europe/Berlin: ");
    assertThat(r.slots().get(2).describe()).startsWith("Sat 31 Oct 02:00-04:00 Europe/Berlin: ");
    // auto-approved: disable-addon and cleanup run in the second window too
    assertThat(r.slots().get(2).steps()).endsWith("write-marker", "disable-addon", "cleanup");
    assertThat(r.afterApproval()).isEmpty();
    assertThat(r.endText()).startsWith("should end: Sat 31 Oct 0").doesNotContain("approval");
  }

  @Test
  void aWindowTooShortForAnyWave_saysSoInsteadOfAnEnd() {
    RecurringWindow half =
        new RecurringWindow(
            "FREQ=WEEKLY;BYDAY=SA",
            LocalDateTime.parse("2026-12-12T02:00"),
            Duration.ofMinutes(30),
            "Europe/Berlin");
    PlanCalendar.Result r =
        PlanCalendar.of(
            request(
                new MaintenanceWindows(List.of(half), List.of(), false, null),
                namespaces("app-", 4),
                List.of()));

    assertThat(r.end()).isNull();
    assertThat(r.endText())
        .isEqualTo(
            "no end: no window of the next year holds a wave of 4 namespaces (~15m30s + undo"
                + " ~15m30s (the runbook's bound of a namespace) + margin 5m)");
  }

  @Test
  void withoutWindows_everythingRunsAtOnce() {
    PlanCalendar.Result r =
        PlanCalendar.of(request(MaintenanceWindows.anyTime(), namespaces("app-", 8), List.of()));

    assertThat(r.slots()).hasSize(1);
    assertThat(r.slots().get(0).window()).isFalse();
    assertThat(r.slots().get(0).work()).contains("8 of 8 namespaces", "ingress gateway");
    assertThat(r.end()).isAfter(FRIDAY);
  }
}
