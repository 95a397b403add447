package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.cli.fleet.FleetFile;
import dev.asmmigrate.workflows.MigrationSearchAttributes;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleCalendarSpec;
import io.temporal.client.schedules.ScheduleRange;
import io.temporal.common.converter.DefaultDataConverter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code schedule create|create-fleet|list|delete}. Temporal's Java test server (the one {@code
 * server}, {@code demo} and these tests run) has no Schedule API: it answers UNIMPLEMENTED to
 * CreateSchedule, ListSchedules and DeleteSchedule, so no test here can see a schedule fire. What
 * is tested instead: the request the command builds ({@link Schedules}: the spec, the action's
 * workflow type, arguments, task queue and workflow ID, the policies, the state), that the command
 * refuses bad input with exit 2 before it contacts Temporal, and that against the test server it
 * says the server has no Schedule API, exit 1. On a real server (docker compose) the README's
 * "Scheduled runs" commands create, list and delete them.
 */
class ScheduleCommandTest {
  /** Nothing listens here: a command that got as far as contacting Temporal would exit 1. */
  static final String NOWHERE = "127.0.0.1:1";

  static final String[] CLUSTER = {
    "--project", "p", "--location", "us-central1-c", "--cluster", "c1"
  };

  @TempDir static Path dir;
  static ServerCommand.Running server;

  @BeforeAll
  static void startServer() {
    server = ServerCommand.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  static String[] args(String[] head, String... tail) {
    List<String> all = new ArrayList<>(List.of(head));
    all.addAll(List.of(tail));
    return all.toArray(String[]::new);
  }

  @Test
  void aMigrationSchedule_startsTheRequestStartWouldStart_onItsCalendar_neverTwiceAtOnce() {
    String[] migration =
        args(
            CLUSTER,
            "--concurrency",
            "2",
            "--auto-approve",
            "--namespaces",
            "a,b",
            "--rollout-timeout",
            "5m",
            "--window",
            "FREQ=WEEKLY;BYDAY=SA 2026-12-12T02:00 4h Europe/Berlin");
    ScheduleCommand.Create create = new ScheduleCommand.Create();
    Main.configure(new CommandLine(create))
        .parseArgs(
            args(
                migration,
                "--cron",
                "0 2 * * SAT",
                "--calendar",
                "MON-FRI 22:30",
                "--time-zone",
                "Europe/Berlin",
                "--paused",
                "--note",
                "waits for the change board"));
    StartCommand start = new StartCommand();
    Main.configure(new CommandLine(start)).parseArgs(migration);
    MigrationRequest request = create.migration.request();
    assertThat(request).isEqualTo(start.request());
    assertThat(request.windows().windows().windows())
        .singleElement()
        .satisfies(w -> assertThat(w.rrule()).isEqualTo("FREQ=WEEKLY;BYDAY=SA"));

    Schedule s =
        Schedules.migration(
            request.cluster().workflowId(),
            request,
            create.schedule.when(),
            create.schedule.paused,
            create.schedule.note,
            true);

    assertThat(s.getSpec().getCronExpressions()).containsExactly("0 2 * * SAT");
    assertThat(s.getSpec().getTimeZoneName()).isEqualTo("Europe/Berlin");
    ScheduleCalendarSpec weekdays = s.getSpec().getCalendars().get(0);
    assertThat(weekdays.getDayOfWeek()).containsExactly(new ScheduleRange(1, 5));
    assertThat(weekdays.getHour()).containsExactly(new ScheduleRange(22));
    assertThat(weekdays.getMinutes()).containsExactly(new ScheduleRange(30));
    assertThat(weekdays.getSeconds()).containsExactly(new ScheduleRange(0));
    assertThat(weekdays.getDayOfMonth()).isEqualTo(ScheduleCalendarSpec.ALL_MONTH_DAYS);
    assertThat(weekdays.getMonth()).isEqualTo(ScheduleCalendarSpec.ALL_MONTHS);

    ScheduleActionStartWorkflow action = (ScheduleActionStartWorkflow) s.getAction();
    assertThat(action.getWorkflowType()).isEqualTo("MigrationWorkflow");
    assertThat(action.getOptions().getWorkflowId()).isEqualTo("asm-migrate/p/us-central1-c/c1");
    assertThat(action.getOptions().getTaskQueue()).isEqualTo(MigrationWorkflow.TASK_QUEUE);
    assertThat(action.getOptions().getTypedSearchAttributes())
        .isEqualTo(MigrationSearchAttributes.initial(request.cluster()));
    // the argument as the server would store it: the request start sends, unchanged
    Optional<Payloads> stored =
        DefaultDataConverter.STANDARD_INSTANCE.toPayloads(
            action.getArguments().get(0, MigrationRequest.class));
    assertThat(
            DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
                0, stored, MigrationRequest.class, MigrationRequest.class))
        .isEqualTo(start.request());

    assertThat(s.getPolicy().getOverlap())
        .isEqualTo(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP);
    assertThat(s.getPolicy().getCatchupWindow()).isEqualTo(Duration.ofHours(1));
    assertThat(s.getPolicy().isPauseOnFailure()).isTrue();
    assertThat(s.getState().isPaused()).isTrue();
    assertThat(s.getState().getNote()).isEqualTo("waits for the change board");
  }

  @Test
  void withoutTheSearchAttributes_theRunsStartUnindexed_asStartDoes() {
    StartCommand start = new StartCommand();
    Main.configure(new CommandLine(start)).parseArgs(CLUSTER);
    Schedule s =
        Schedules.migration(
            "nightly",
            start.request(),
            new Schedules.When(List.of("@daily"), List.of(), null, Duration.ofMinutes(5)),
            false,
            null,
            false);
    ScheduleActionStartWorkflow action = (ScheduleActionStartWorkflow) s.getAction();
    assertThat(action.getOptions().getWorkflowId()).isEqualTo("nightly");
    assertThat(action.getOptions().getTypedSearchAttributes()).isNull();
    assertThat(s.getSpec().getTimeZoneName()).isEqualTo("UTC");
    assertThat(s.getState().isPaused()).isFalse();
  }

  @Test
  void aFleetSchedule_startsTheFleetTheFileDescribes() throws IOException {
    Path file = fleetFile();
    ScheduleCommand.CreateFleet create = new ScheduleCommand.CreateFleet();
    Main.configure(new CommandLine(create))
        .parseArgs(file.toString(), "--calendar", "SAT,SUN 01:00", "--time-zone", "Asia/Tokyo");
    FleetRequest request = create.file.read(List.of());

    Schedule s =
        Schedules.fleet(request.workflowId(), request, create.schedule.when(), false, null);

    ScheduleActionStartWorkflow action = (ScheduleActionStartWorkflow) s.getAction();
    assertThat(action.getWorkflowType()).isEqualTo("FleetMigrationWorkflow");
    assertThat(action.getOptions().getWorkflowId()).isEqualTo("asm-fleet/weekend-fleet");
    assertThat(action.getOptions().getTaskQueue()).isEqualTo(MigrationWorkflow.TASK_QUEUE);
    assertThat(action.getArguments().get(0, FleetRequest.class))
        .isEqualTo(FleetFile.read(file, new FleetFile.Options(null, null, List.of(), null)));
    assertThat(s.getSpec().getCalendars().get(0).getDayOfWeek())
        .containsExactly(new ScheduleRange(6), new ScheduleRange(0));
    assertThat(s.getSpec().getTimeZoneName()).isEqualTo("Asia/Tokyo");
    assertThat(s.getPolicy().getOverlap())
        .isEqualTo(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP);
  }

  /** Each refused before Temporal is contacted: exit 2 and the message, not "cannot reach". */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--cron '0 2 * * SATURDAY'|the day-of-week field 'SATURDAY' is not in 0-7 or SUN-SAT",
        "--cron '0 25 * * SAT'|the hour field '25' is not in 0-23",
        "--cron '0 2 * *'|is not a cron expression of five fields",
        "--cron 'CRON_TZ=Europe/Berlin 0 2 * * SAT'|give the zone with --time-zone",
        "--calendar 'SAT 2am'|is not [DAYS] HH:MM",
        "--calendar 'FRI-MON 02:00'|'FRI-MON' is not a day or a range of days in week order",
        "--cron @daily --time-zone Europe/Berlinn|'Europe/Berlinn' is not an IANA time zone",
        "--cron @daily --time-zone +02:00|'+02:00' is not an IANA time zone",
        "--time-zone UTC|say when the schedule starts a run",
        "--cron @daily --id 'two words'|is not a schedule ID",
        "--cron @daily --catchup-window 1s|--catchup-window must be at least 10s",
        "--cron @daily --concurrency 0|--concurrency must be at least 1",
        "--cron @daily --window 'FREQ=WEEKLY;BYDAY=SA 02:00 4h Mars/Olympus'|unknown time zone 'Mars/Olympus'",
        "--cron @daily --window 'FREQ=WEEKLY;BYDAY=SA 02:00 0m Europe/Berlin'|its duration PT0S is not positive",
      })
  void badInput_isRefusedWithExit2_beforeTemporalIsContacted(String options, String message) {
    CliRun r =
        CliRun.of(
            args(args(new String[] {"schedule", "create"}, CLUSTER), split(options, NOWHERE)));
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains(message).doesNotContain("cannot reach Temporal");
  }

  @Test
  void aFleetFileThatDoesNotParse_isRefusedWithExit2_beforeTemporalIsContacted()
      throws IOException {
    Path bad = dir.resolve("bad-fleet.yaml");
    Files.writeString(bad, "name: bad\nclusters: [\n");
    CliRun r =
        CliRun.of(
            "schedule", "create-fleet", bad.toString(), "--cron", "@weekly", "--temporal", NOWHERE);
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains(bad.toString()).doesNotContain("cannot reach Temporal");

    Path noWaves = dir.resolve("no-waves.yaml");
    Files.writeString(
        noWaves, "name: no-waves\nclusters:\n  - {project: p, location: l, name: c1}\n");
    r =
        CliRun.of(
            "schedule",
            "create-fleet",
            noWaves.toString(),
            "--cron",
            "@weekly",
            "--temporal",
            NOWHERE);
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("no-waves.yaml:").doesNotContain("cannot reach Temporal");
  }

  @Test
  void goodInput_getsAsFarAsTemporal_thenSaysItCannotReachIt() {
    // the other side of the refusals above: the same command line with good values does contact
    // Temporal, so exit 2 there was the refusal and not something else
    CliRun r =
        CliRun.of(
            args(
                args(new String[] {"schedule", "create"}, CLUSTER),
                "--cron",
                "0 2 * * SAT",
                "--time-zone",
                "Europe/Berlin",
                "--temporal",
                NOWHERE));
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.UNEXPECTED);
    assertThat(r.err()).contains("cannot reach Temporal at " + NOWHERE);
  }

  @Test
  void theJavaTestServer_hasNoScheduleApi_andEachCommandSaysSo() throws IOException {
    String address = server.target();
    CliRun create =
        CliRun.of(
            args(
                args(new String[] {"schedule", "create"}, CLUSTER),
                "--calendar",
                "SAT 02:00",
                "--temporal",
                address));
    CliRun fleet =
        CliRun.of(
            "schedule",
            "create-fleet",
            fleetFile().toString(),
            "--cron",
            "@weekly",
            "--temporal",
            address);
    CliRun list = CliRun.of("schedule", "list", "--temporal", address);
    CliRun delete = CliRun.of("schedule", "delete", "nightly", "--temporal", address);

    for (CliRun r : List.of(create, fleet, list, delete)) {
      assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.UNEXPECTED);
      assertThat(r.err())
          .contains("the Temporal server at " + address + " has no Schedule API")
          .contains("docker compose up -d");
      assertThat(r.out()).isEmpty();
    }
    assertThat(create.err()).contains("nothing was created");
  }

  @Test
  void everySubcommandHasHelp() {
    for (String sub : List.of("create", "create-fleet", "list", "delete")) {
      CliRun r = CliRun.of("schedule", sub, "--help");
      assertThat(r.code()).isZero();
      assertThat(r.out()).contains("Usage: asm-migrate schedule " + sub);
    }
    assertThat(CliRun.of("schedule", "create", "--help").out())
        .contains("--cron", "--calendar", "--time-zone", "--paused", "--note", "--auto-approve")
        .contains("-o, --output");
  }

  /** Splits {@code options} on spaces outside single quotes, then adds {@code --temporal}. */
  private static String[] split(String options, String temporal) {
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    for (char c : options.toCharArray()) {
      if (c == '\'') {
        quoted = !quoted;
      } else if (c == ' ' && !quoted) {
        out.add(word.toString());
        word.setLength(0);
      } else {
        word.append(c);
      }
    }
    out.add(word.toString());
    out.add("--temporal");
    out.add(temporal);
    return out.toArray(String[]::new);
  }

  private static Path fleetFile() throws IOException {
    Path f = dir.resolve("weekend-fleet.yaml");
    Files.writeString(
        f,
        """
        name: weekend-fleet
        clusters:
          - {project: p, location: l, name: c1, labels: {env: canary}}
          - {project: p, location: l, name: c2, labels: {env: prod}}
        waves:
          - name: canary
            clusters: [c1]
          - name: prod
            selector: env=prod
        """);
    return f;
  }
}
