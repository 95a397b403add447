package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.window.Exclusion;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --window}, {@code --exclusion}, {@code --windows-from-cluster} and {@code --window-margin}
 * on {@code start} and {@code plan}: bad windows exit 2 with a message naming the window, before
 * the cluster or Temporal is contacted (the kubeconfig and Temporal point at a port nothing serves,
 * and the canary namespace would be read from the cluster); good ones reach the request.
 */
class WindowOptionsCliTest {
  @TempDir static Path dir;
  private static Path kubeconfig;

  @BeforeAll
  static void kubeconfig() throws IOException {
    kubeconfig = TestKubeconfig.unreachable(dir.resolve("kubeconfig"), "c");
  }

  private static String[] args(String command, String... more) {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            command,
            "--project",
            "p",
            "--location",
            "europe-west3",
            "--cluster",
            "c1",
            "--kubeconfig",
            kubeconfig.toString()));
    if (command.equals("start")) {
      args.addAll(List.of("--temporal", "127.0.0.1:1", "--canary", "shop"));
    }
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private static void assertRefused(String message, String... windowArgs) {
    for (String command : List.of("start", "plan")) {
      CliRun run = CliRun.of(args(command, windowArgs));
      assertThat(run.code()).as(command + ": " + run.err()).isEqualTo(ExitCodes.USAGE);
      assertThat(run.err())
          .as(command)
          .contains(message)
          .doesNotContain("could not read the canary")
          .doesNotContain("Temporal")
          .doesNotContain("Exception");
      assertThat(run.out()).as(command).doesNotContain("workflow:");
    }
  }

  @Test
  void anInvalidRruleIsRefusedNamingTheWindow() {
    assertRefused(
        "maintenance windows refused, nothing was done: window 2 (FREQ=WEEKLY;BYDAY=XX): invalid"
            + " RRULE",
        "--window",
        "FREQ=DAILY 22:00 2h UTC",
        "--window",
        "FREQ=WEEKLY;BYDAY=XX 02:00 4h Europe/Berlin");
  }

  @Test
  void anUnknownTimeZoneIsRefused() {
    assertRefused(
        "window 1 (FREQ=WEEKLY;BYDAY=SA): unknown time zone 'Europe/Berlinn'",
        "--window",
        "FREQ=WEEKLY;BYDAY=SA 02:00 4h Europe/Berlinn");
  }

  @Test
  void aZeroDurationIsRefused() {
    assertRefused(
        "window 1 (FREQ=WEEKLY;BYDAY=SA): its duration PT0S is not positive",
        "--window",
        "FREQ=WEEKLY;BYDAY=SA 02:00 0m Europe/Berlin");
  }

  @Test
  void windowsThatNeverOccurInTheNextYearAreRefused() {
    assertRefused(
        "window 1 (FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30): never opens in the year after",
        "--window",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30 02:00 4h Europe/Berlin");
    assertRefused(
        "window 1 (FREQ=WEEKLY;BYDAY=SA;COUNT=2): never opens in the year after",
        "--window",
        "FREQ=WEEKLY;BYDAY=SA;COUNT=2 2020-01-04T02:00 4h Europe/Berlin");
  }

  @Test
  void unreadableWindowsExclusionsAndMarginsAreRefused() {
    assertRefused(
        "--window 'FREQ=WEEKLY;BYDAY=SA 02:00 Europe/Berlin': expected RRULE START DURATION ZONE",
        "--window",
        "FREQ=WEEKLY;BYDAY=SA 02:00 Europe/Berlin");
    assertRefused(
        "--window 'FREQ=WEEKLY;BYDAY=SA 2am 4h UTC': start '2am' is neither HH:MM nor",
        "--window",
        "FREQ=WEEKLY;BYDAY=SA 2am 4h UTC");
    assertRefused(
        "--exclusion 'freeze=2026-12-20': expected NAME=FROM/TO",
        "--window",
        "FREQ=WEEKLY;BYDAY=SA 02:00 4h UTC",
        "--exclusion",
        "freeze=2026-12-20");
    assertRefused(
        "exclusion 1 (freeze): its end",
        "--window",
        "FREQ=WEEKLY;BYDAY=SA 02:00 4h UTC",
        "--exclusion",
        "freeze=2027-01-03T00:00Z/2026-12-20T00:00Z");
    assertRefused(
        "--window-margin",
        "--window",
        "FREQ=WEEKLY;BYDAY=SA 02:00 4h UTC",
        "--window-margin",
        "-5m");
  }

  @Test
  void goodWindowsReachTheRequest() {
    StartCommand start =
        parsedStart(
            args(
                "start",
                "--window",
                "FREQ=WEEKLY;BYDAY=SA 02:00 4h Europe/Berlin",
                "--window",
                "FREQ=MONTHLY;INTERVAL=2;BYDAY=1SU 2026-12-06T22:30 90m UTC",
                "--exclusion",
                "year-end=2026-12-20/2027-01-03",
                "--exclusion",
                "release=2027-02-01T08:00/2027-02-01T12:00 America/New_York",
                "--windows-from-cluster",
                "--window-margin",
                "10m"));
    Instant before = Instant.now();
    MigrationRequest request = start.request();

    MaintenanceWindows windows = request.windows().windows();
    assertThat(windows.windows())
        .hasSize(2)
        .last()
        .isEqualTo(
            new RecurringWindow(
                "FREQ=MONTHLY;INTERVAL=2;BYDAY=1SU",
                LocalDateTime.parse("2026-12-06T22:30"),
                Duration.ofMinutes(90),
                "UTC"));
    RecurringWindow saturdays = windows.windows().get(0);
    assertThat(saturdays.rrule()).isEqualTo("FREQ=WEEKLY;BYDAY=SA");
    assertThat(saturdays.duration()).isEqualTo(Duration.ofHours(4));
    assertThat(saturdays.zone()).isEqualTo("Europe/Berlin");
    // HH:MM anchors the rule today, in the window's zone
    assertThat(saturdays.firstStart().toLocalTime()).hasToString("02:00");
    assertThat(saturdays.firstStart().toLocalDate())
        .isIn(
            LocalDate.ofInstant(before, ZoneId.of("Europe/Berlin")),
            LocalDate.ofInstant(Instant.now(), ZoneId.of("Europe/Berlin")));
    assertThat(windows.exclusions())
        .containsExactly(
            // dates in the first window's zone, both days excluded
            new Exclusion(
                "year-end",
                Instant.parse("2026-12-19T23:00:00Z"),
                Instant.parse("2027-01-03T23:00:00Z")),
            new Exclusion(
                "release",
                Instant.parse("2027-02-01T13:00:00Z"),
                Instant.parse("2027-02-01T17:00:00Z")));
    assertThat(windows.fromCluster()).isTrue();
    assertThat(windows.margin()).isEqualTo(Duration.ofMinutes(10));
    assertThat(request.windows().notBefore()).isNull();
    assertThat(request.windows().overridden()).isFalse();
  }

  @Test
  void noWindowOptionsMeanAnyTime() {
    StartCommand start = parsedStart(args("start"));
    assertThat(start.request().windows().windows().isAnyTime()).isTrue();
  }

  /** {@code start} as the CLI parses it, without the canary (which request() would read). */
  private static StartCommand parsedStart(String[] args) {
    CommandLine cl = Main.commandLine();
    cl.parseArgs(
        Stream.of(args)
            .filter(a -> !a.equals("--canary") && !a.equals("shop"))
            .toArray(String[]::new));
    return cl.getSubcommands().get("start").getCommand();
  }
}
