package dev.asmmigrate.activities.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.container.v1beta1.DailyMaintenanceWindow;
import com.google.container.v1beta1.MaintenancePolicy;
import com.google.container.v1beta1.MaintenanceWindow;
import com.google.container.v1beta1.RecurringTimeWindow;
import com.google.container.v1beta1.TimeWindow;
import com.google.protobuf.Timestamp;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.workflows.activities.WindowActivities;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.window.Exclusion;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.Opening;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import dev.asmmigrate.workflows.model.window.WindowCalendar;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code fromCluster}: the policy set on the sandbox's GKE cluster comes back as windows. */
class WindowActivitiesImplTest {
  private static SandboxHarness h;
  private static TestActivities activities;
  private static GoogleClients google;
  private static WindowActivities windows;
  private static ClusterRef cluster;

  @BeforeAll
  static void start() {
    h = SandboxHarness.start(SandboxSettings.builder().base(SandboxSettings.Base.NONE));
    activities = new TestActivities();
    google = new GoogleClients();
    windows = activities.stub(WindowActivities.class, new WindowActivitiesImpl(google));
    cluster = h.context().cluster();
  }

  @AfterAll
  static void stop() {
    google.close();
    activities.close();
    h.close();
  }

  private static Timestamp at(String instant) {
    Instant t = Instant.parse(instant);
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  private static TimeWindow window(String start, String end) {
    return TimeWindow.newBuilder().setStartTime(at(start)).setEndTime(at(end)).build();
  }

  @Test
  void aRecurringWindowAndExclusionsComeBackAsTheSameWindows() {
    h.sandbox
        .gkeCluster()
        .setMaintenancePolicy(
            MaintenancePolicy.newBuilder()
                .setWindow(
                    MaintenanceWindow.newBuilder()
                        .setRecurringWindow(
                            RecurringTimeWindow.newBuilder()
                                .setWindow(window("2026-12-05T01:00:00Z", "2026-12-05T05:00:00Z"))
                                .setRecurrence("FREQ=WEEKLY;BYDAY=SA,SU"))
                        .putMaintenanceExclusions(
                            "year-end freeze",
                            window("2026-12-19T00:00:00Z", "2027-01-04T00:00:00Z"))
                        .putMaintenanceExclusions(
                            "black friday", window("2026-11-27T00:00:00Z", "2026-11-30T00:00:00Z")))
                .build());

    MaintenanceWindows got = windows.clusterMaintenanceWindows(cluster, h.connection);

    assertThat(got.windows())
        .containsExactly(
            new RecurringWindow(
                "FREQ=WEEKLY;BYDAY=SA,SU",
                LocalDateTime.parse("2026-12-05T01:00"),
                Duration.ofHours(4),
                "UTC"));
    assertThat(got.exclusions())
        .containsExactly(
            new Exclusion(
                "black friday",
                Instant.parse("2026-11-27T00:00:00Z"),
                Instant.parse("2026-11-30T00:00:00Z")),
            new Exclusion(
                "year-end freeze",
                Instant.parse("2026-12-19T00:00:00Z"),
                Instant.parse("2027-01-04T00:00:00Z")));
    assertThat(got.fromCluster()).isFalse();
    // and the calendar follows it: Sat 12 Dec opens, Sat 19 Dec is frozen, 9 Jan opens again
    WindowCalendar calendar = WindowCalendar.of(got, Instant.parse("2026-12-07T00:00:00Z"));
    assertThat(calendar.nextOpening(Instant.parse("2026-12-07T00:00:00Z")))
        .contains(
            new Opening(
                Instant.parse("2026-12-12T01:00:00Z"),
                Instant.parse("2026-12-12T05:00:00Z"),
                "UTC"));
    assertThat(calendar.nextOpening(Instant.parse("2026-12-14T00:00:00Z")).orElseThrow().start())
        .isEqualTo(Instant.parse("2027-01-09T01:00:00Z"));
  }

  @Test
  void aDailyWindowIsDailyAtItsStartTimeInUtc() {
    h.sandbox
        .gkeCluster()
        .setMaintenancePolicy(
            MaintenancePolicy.newBuilder()
                .setWindow(
                    MaintenanceWindow.newBuilder()
                        .setDailyMaintenanceWindow(
                            DailyMaintenanceWindow.newBuilder()
                                .setStartTime("03:30")
                                .setDuration("PT4H0M0S")))
                .build());

    MaintenanceWindows got = windows.clusterMaintenanceWindows(cluster, h.connection);

    LocalDate created =
        LocalDate.ofInstant(h.sandbox.gkeCluster().createTime(), java.time.ZoneOffset.UTC);
    assertThat(got.windows())
        .containsExactly(
            new RecurringWindow("FREQ=DAILY", created.atTime(3, 30), Duration.ofHours(4), "UTC"));
    assertThat(got.exclusions()).isEmpty();
  }

  @Test
  void noPolicyGivesNoWindowsAndAnUnusableOneIsRefusedByName() {
    h.sandbox.gkeCluster().setMaintenancePolicy(null);
    MaintenanceWindows none = windows.clusterMaintenanceWindows(cluster, h.connection);
    assertThat(none.windows()).isEmpty();
    assertThat(none.exclusions()).isEmpty();

    h.sandbox
        .gkeCluster()
        .setMaintenancePolicy(
            MaintenancePolicy.newBuilder()
                .setWindow(
                    MaintenanceWindow.newBuilder()
                        .setRecurringWindow(
                            RecurringTimeWindow.newBuilder()
                                .setWindow(window("2026-12-05T01:00:00Z", "2026-12-05T05:00:00Z"))
                                .setRecurrence("FREQ=FORTNIGHTLY")))
                .build());
    ApplicationFailure failure =
        TestActivities.applicationFailure(
            catchThrowable(() -> windows.clusterMaintenanceWindows(cluster, h.connection)));
    assertThat(failure.getType()).isEqualTo("INVALID_INPUT");
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .contains("the GKE maintenance policy of cluster")
        .contains("window 1 (FREQ=FORTNIGHTLY): invalid RRULE");

    ApplicationFailure unknown =
        TestActivities.applicationFailure(
            catchThrowable(
                () ->
                    windows.clusterMaintenanceWindows(
                        new ClusterRef(cluster.project(), cluster.location(), "no-such-cluster"),
                        h.connection)));
    assertThat(unknown.getType()).isEqualTo("NOT_FOUND");
    h.sandbox.gkeCluster().setMaintenancePolicy(null);
  }
}
