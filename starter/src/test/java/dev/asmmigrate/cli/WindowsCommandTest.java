package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.worker.MigrationWorker;
import dev.asmmigrate.workflows.model.window.WindowWait;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance windows from the CLI, against a port-bound Temporal test server (time skipping
 * locked: real time) and a worker running the real workflow with instant fake activities: {@code
 * start} with a window days away waits (status {@code WAITING_FOR_WINDOW until ...}, exit 0),
 * {@code windows set} refuses bad windows (exit 2) and moves the run into an open window, after
 * which it ends SUCCESS and its report lists the wait; {@code --override-window} needs a reason.
 */
class WindowsCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static ServerCommand.Running server;
  static WorkflowServiceStubs service;
  static MigrationWorker worker;
  static FakeActivities activities = new FakeActivities();
  static String address;
  @TempDir static Path dir;

  @BeforeAll
  static void startServerAndWorker() throws IOException {
    server = ServerCommand.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    address = server.target();
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    worker =
        MigrationWorker.start(
            service, new MigrationWorker.Settings("default", true, 20), List.of(activities));
    TestKubeconfig.unreachable(dir.resolve("kubeconfig"), "sandbox");
  }

  @AfterAll
  static void stop() {
    worker.shutdown(Duration.ofSeconds(2));
    service.shutdownNow();
    server.close();
  }

  static CliRun run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--temporal", address));
    return CliRun.of(all.toArray(String[]::new));
  }

  static CliRun start(String cluster, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "start",
                "--kubeconfig",
                dir.resolve("kubeconfig").toString(),
                "--context",
                "sandbox",
                "--project",
                "p",
                "--location",
                "us-central1-c",
                "--cluster",
                cluster,
                "--auto-approve"));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  static JsonNode status(String cluster) throws IOException {
    CliRun r = run("status", "--cluster-id", "p/us-central1-c/" + cluster, "-o", "json");
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  /** A window's first start, in UTC, as the --window option takes it. */
  static String at(Instant t) {
    return LocalDateTime.ofInstant(t.truncatedTo(ChronoUnit.MINUTES), ZoneOffset.UTC).toString();
  }

  @Test
  void givenAWindowDaysAway_startShouldWait_andWindowsSetShouldMoveTheRunIntoAnOpenWindow()
      throws Exception {
    Instant now = Instant.now();
    Instant opens = now.plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.MINUTES);
    CliRun started = start("waits", "--window", "FREQ=WEEKLY " + at(opens) + " 1h UTC");
    assertThat(started.code()).as(started.err()).isZero();

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> status("waits").path("phase").asText().equals("WAITING_FOR_WINDOW"));
    JsonNode waiting = status("waits").path("windows").path("waiting");
    assertThat(waiting.path("until").asLong()).isEqualTo(opens.toEpochMilli());
    assertThat(waiting.path("what").asText()).isEqualTo("step migrate-configs");
    CliRun text = run("status", "--cluster-id", "p/us-central1-c/waits");
    assertThat(text.code()).isZero();
    assertThat(text.out())
        .contains(
            "phase      WAITING_FOR_WINDOW until " + WindowWait.local(opens.toEpochMilli(), "UTC"))
        .contains("waiting    step migrate-configs until ");
    // a waiting run is running: a watch stops at it with 0
    CliRun watched =
        run("status", "--cluster-id", "p/us-central1-c/waits", "--watch", "--interval", "200ms");
    assertThat(watched.code()).as(watched.err()).isZero();
    assertThat(activities.callsOf("waits")).doesNotContain("migrateConfigs");

    // bad windows: exit 2 before anything is sent, nothing changed
    CliRun bad =
        run(
            "windows",
            "set",
            "--cluster-id",
            "p/us-central1-c/waits",
            "--window",
            "FREQ=FORTNIGHTLY 02:00 1h UTC");
    assertThat(bad.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(bad.err()).contains("FREQ=FORTNIGHTLY");
    assertThat(status("waits").path("windows").path("waiting").path("until").asLong())
        .isEqualTo(opens.toEpochMilli());

    // a daily window open since an hour ago: the run goes on now and ends
    CliRun set =
        run(
            "windows",
            "set",
            "--cluster-id",
            "p/us-central1-c/waits",
            "--window",
            "FREQ=DAILY " + at(now.minus(Duration.ofHours(25))) + " 6h UTC");
    assertThat(set.code()).as(set.err()).isZero();
    assertThat(set.out()).contains("windows replaced");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                status("waits").path("state").asText().equals("SUCCESS")
                    && status("waits").path("phase").asText().equals("DONE"));
    assertThat(activities.callsOf("waits")).contains("migrateConfigs", "replaceGateway");

    CliRun report = run("report", "--cluster-id", "p/us-central1-c/waits");
    assertThat(report.code()).as(report.err()).isZero();
    assertThat(report.out())
        .contains("| wait 1 |")
        .contains("step migrate-configs; outside the windows");
  }

  @Test
  void givenAnOverrideWithoutAReason_startShouldRefuseIt() {
    CliRun r = start("no-reason", "--override-window");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--override-window needs --reason");
    CliRun late = start("late", "--not-before", "tomorrow");
    assertThat(late.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(late.err()).contains("--not-before 'tomorrow'");
  }

  @Test
  void givenAnOverride_theRunShouldGoOnNowAndItsReportShouldSayWhy() throws Exception {
    Instant opens = Instant.now().plus(Duration.ofDays(3));
    CliRun started =
        start(
            "override",
            "--window",
            "FREQ=WEEKLY " + at(opens) + " 1h UTC",
            "--override-window",
            "--reason",
            "INC-7: the add-on CA expires tonight");
    assertThat(started.code()).as(started.err()).isZero();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                status("override").path("state").asText().equals("SUCCESS")
                    && status("override").path("phase").asText().equals("DONE"));
    CliRun report = run("report", "--cluster-id", "p/us-central1-c/override");
    assertThat(report.out())
        .contains("| override | windows ignored: INC-7: the add-on CA expires tonight |");
  }
}
