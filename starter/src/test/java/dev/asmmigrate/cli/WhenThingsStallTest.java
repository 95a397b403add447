package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.worker.Activities;
import dev.asmmigrate.worker.MigrationWorker;
import dev.asmmigrate.worker.codec.CodecKeys;
import dev.asmmigrate.worker.codec.EncryptionCodec;
import dev.asmmigrate.workflows.model.MigrationState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 cases 3, 4 and 5: what an operator sees when a migration cannot go on. A Temporal server
 * ({@code asm-migrate server}'s) in this JVM, workers started and stopped by each test, the CLI run
 * as typed: an unusable backup directory fails once with its cause; an API server that does not
 * answer is retried in sight (status shows the attempt and the last error); status, report and list
 * answer without a worker and say none polls; start --wait warns when no worker polls, or when the
 * worker lacks the codec key.
 */
class WhenThingsStallTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static ServerCommand.Running server;
  static WorkflowServiceStubs service;
  static WorkflowClient client;
  static String address;
  @TempDir static Path dir;

  private final List<MigrationWorker> workers = new ArrayList<>();
  private final List<String> started = new ArrayList<>();

  @BeforeAll
  static void startServer() {
    server = ServerCommand.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    address = server.target();
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().build());
  }

  @AfterAll
  static void stopServer() {
    service.shutdownNow();
    server.close();
  }

  @AfterEach
  void stopWorkersAndMigrations() {
    for (String id : started) {
      try {
        client.newUntypedWorkflowStub(id).terminate("test over");
      } catch (RuntimeException ended) {
        // it ended on its own
      }
    }
    workers.forEach(w -> w.shutdown(Duration.ofSeconds(2)));
  }

  MigrationWorker realWorker(KubeClients clients) {
    MigrationWorker w =
        MigrationWorker.start(
            service,
            new MigrationWorker.Settings("default", true, 20),
            Activities.create(clients, new GoogleClients(), DemoRun.MESH_CA));
    workers.add(w);
    return w;
  }

  static CliRun cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--temporal", address));
    return CliRun.of(all.toArray(String[]::new));
  }

  /** {@code start} of cluster {@code cluster} through {@code kubeconfig}, with extra options. */
  CliRun start(Path kubeconfig, String cluster, String... extra) {
    started.add("asm-migrate/p/us-central1-c/" + cluster);
    List<String> args =
        new ArrayList<>(
            List.of(
                "start",
                "--kubeconfig",
                kubeconfig.toString(),
                "--context",
                "sandbox",
                "--project",
                "p",
                "--location",
                "us-central1-c",
                "--cluster",
                cluster));
    args.addAll(List.of(extra));
    return cli(args.toArray(String[]::new));
  }

  static Path kubeconfig(String name, String server) throws IOException {
    return Files.writeString(
        dir.resolve(name),
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: c
          cluster: {server: "%s", insecure-skip-tls-verify: true}
        contexts:
        - name: sandbox
          context: {cluster: c, user: u}
        current-context: sandbox
        users:
        - name: u
          user: {token: t}
        """
            .formatted(server));
  }

  static JsonNode json(CliRun r) throws IOException {
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  // --- case 3 --------------------------------------------------------------------------------

  @Test
  void
      givenAnApiServerThatRefusesConnections_whileTemporalRetries_statusAndWaitShouldShowTheAttempt()
          throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path closed = kubeconfig("closed.kubeconfig", "https://127.0.0.1:" + port);
    String unreachable = "cannot reach the API server at https://127.0.0.1:" + port;
    try (KubeClients clients = new KubeClients();
        LogCapture log = LogCapture.debug()) {
      realWorker(clients);

      // --wait shows each failed attempt as it happens, then gives up waiting (not the migration)
      CliRun waited = start(closed, "unreachable", "--wait", "--wait-timeout", "6s");

      assertThat(waited.code()).as(waited.err()).isEqualTo(ExitCodes.UNEXPECTED);
      assertThat(waited.out())
          .containsPattern(
              "retrying Preflight attempt 2/20 \\((scheduled|started)\\): attempt 1 failed: "
                  + java.util.regex.Pattern.quote(unreachable + ": connection refused"));

      // status, from Temporal's records: the step, the attempt, the last error in words
      String id = "asm-migrate/p/us-central1-c/unreachable";
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  json(cli("status", "--workflow-id", id, "-o", "json"))
                          .path("retries")
                          .path(0)
                          .path("attempt")
                          .asInt()
                      >= 4);
      JsonNode status = json(cli("status", "--workflow-id", id, "-o", "json"));
      assertThat(status.path("step").asText()).isEqualTo("preflight");
      JsonNode retry = status.path("retries").path(0);
      assertThat(retry.path("activity").asText()).isEqualTo("Preflight");
      assertThat(retry.path("maximumAttempts").asInt()).isEqualTo(20);
      assertThat(retry.path("lastFailure").asText())
          .isEqualTo(unreachable + ": connection refused");
      CliRun text = cli("status", "--workflow-id", id);
      assertThat(text.out())
          .containsPattern(
              "retrying   Preflight attempt \\d+/20 \\(\\w+\\): attempt \\d+ failed: "
                  + java.util.regex.Pattern.quote(unreachable + ": connection refused"));

      // the worker: one line per failed attempt, no stack trace
      String logged = log.text();
      List<String> lines =
          logged
              .lines()
              .filter(l -> l.contains("AttemptReporting") && l.contains("unreachable"))
              .toList();
      assertThat(lines)
          .first()
          .asString()
          .endsWith(
              "activity Preflight of "
                  + id
                  + " attempt 1/20 failed, retried in 1 s: "
                  + unreachable
                  + ": connection refused");
      assertThat(lines)
          .extracting(l -> l.replaceAll(".* attempt (\\d+)/20 .*", "$1"))
          .doesNotHaveDuplicates();
      // (each event's stack trace, if any, follows its line in LogCapture's text; the SDK's own
      // warning with one is kept out of a worker's log by logback.xml: io.temporal.internal ERROR)
      List<String> all = logged.lines().toList();
      for (int i = 0; i < all.size() - 1; i++) {
        if (all.get(i).startsWith("dev.asmmigrate.workflows.AttemptReporting ")) {
          assertThat(all.get(i + 1))
              .doesNotContain("Failure: message=")
              .doesNotContain("Exception");
        }
      }
    }
  }

  @Test
  void givenABackupDirUnderAFile_whenStartWaits_itShouldFailInOneAttemptWithAOneLineCause()
      throws Exception {
    try (Sandbox sandbox =
            Sandbox.start(
                SandboxSettings.builder()
                    .base(SandboxSettings.Base.ADDON_1_4)
                    .apps(List.of())
                    .controlPlaneProvisionDelay(Duration.ofMillis(500))
                    .build());
        KubeClients clients = new KubeClients()) {
      assertThat(sandbox.awaitSettled(Duration.ofMinutes(2))).isTrue();
      Path kubeconfig = sandbox.writeKubeconfig(dir.resolve("sandbox.kubeconfig"));
      Path file = dir.resolve("a-file");
      realWorker(clients);
      SandboxSettings s = sandbox.settings();
      String id = "asm-migrate/" + s.project() + "/" + s.location() + "/" + s.cluster();
      started.add(id);

      // The CLI refuses a --backup-dir under a file before anything runs (BadInputCorpusTest), but
      // the worker may run elsewhere and find its directory unusable on its own: the request is
      // built as start builds it while the path is clear, the file appears before the worker's
      // first backup, and the migration is followed as start --wait follows it.
      StartCommand start = new StartCommand();
      Main.configure(new picocli.CommandLine(start))
          .parseArgs(
              "--kubeconfig",
              kubeconfig.toString(),
              "--context",
              "sandbox",
              "--project",
              s.project(),
              "--location",
              s.location(),
              "--cluster",
              s.cluster(),
              "--google-endpoint",
              sandbox.googleEndpoint(),
              "--backup-dir",
              file.resolve("backups").toString(),
              "--auto-approve");
      var request = start.request();
      Files.writeString(file, "not a directory");
      java.io.StringWriter printed = new java.io.StringWriter();
      var result =
          new ProgressPrinter(client, "the test server", new java.io.PrintWriter(printed, true))
              .follow(StartCommand.start(client, request), Duration.ofMinutes(3));

      assertThat(result.state()).as(printed::toString).isEqualTo(MigrationState.ROLLED_BACK);
      assertThat(result.failedStep() + ": " + result.error())
          .matches(
              "[a-z-]+: BACKUP_UNUSABLE: --backup-dir is unusable: cannot"
                  + " create backup directory "
                  + java.util.regex.Pattern.quote(file.resolve("backups").toString())
                  + "/\\S+: "
                  + java.util.regex.Pattern.quote(file.toString())
                  + " exists and is not a directory; give a writable directory");
      assertThat(printed.toString()).doesNotContain("Exception");
      // one attempt: no activity of the run was retried
      List<HistoryEvent> events = client.fetchHistory(id).getEvents();
      assertThat(events)
          .filteredOn(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
          .isNotEmpty()
          .allSatisfy(
              e -> assertThat(e.getActivityTaskStartedEventAttributes().getAttempt()).isEqualTo(1));
    }
  }

  // --- case 4 --------------------------------------------------------------------------------

  @Test
  void
      givenAMigrationWaitingForApproval_whenItsWorkerIsStopped_statusReportAndListShouldAnswerAtOnce()
          throws Exception {
    FakeActivities activities = new FakeActivities();
    MigrationWorker worker =
        MigrationWorker.start(
            service, new MigrationWorker.Settings("default", true, 20), List.of(activities));
    workers.add(worker);
    Path kubeconfig = kubeconfig("fake.kubeconfig", "https://127.0.0.1:1");
    String id = "asm-migrate/p/us-central1-c/no-worker";
    assertThat(start(kubeconfig, "no-worker").code()).isZero();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                json(cli("status", "--workflow-id", id, "-o", "json"))
                    .path("phase")
                    .asText()
                    .equals("WAITING_FOR_APPROVAL"));

    worker.shutdown(Duration.ofSeconds(5));

    // the server forgets a poller 3 s after its last poll (PollerTracking.FORGET)
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                !json(cli("status", "--workflow-id", id, "-o", "json"))
                    .path("workers")
                    .path("polling")
                    .asBoolean(true));
    long t0 = System.nanoTime();
    CliRun status = cli("status", "--workflow-id", id);
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(status.code()).as(status.err()).isZero();
    assertThat(took).isLessThan(Duration.ofSeconds(5));
    assertThat(status.out())
        .contains("phase      WAITING_FOR_APPROVAL")
        .contains("step approval")
        .contains("no worker is polling task queue asm-migrate (namespace default)")
        .contains("asm-migrate worker --temporal " + address);

    t0 = System.nanoTime();
    CliRun report = cli("report", "--workflow-id", id, "--format", "md");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(report.code()).as(report.err()).isZero();
    assertThat(report.out()).contains("p/us-central1-c/no-worker").contains("WAITING_FOR_APPROVAL");

    t0 = System.nanoTime();
    CliRun list = cli("list");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(list.out()).contains(id);
  }

  // --- case 5 --------------------------------------------------------------------------------

  @Test
  void givenNoWorker_whenStartWaits_itShouldWarnThatNoWorkerPollsAndHowToStartOne()
      throws Exception {
    Path kubeconfig = kubeconfig("fake.kubeconfig", "https://127.0.0.1:1");
    // no worker of an earlier test still listed
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                !Boolean.TRUE.equals(
                    Migrations.over(client, address)
                        .workers(dev.asmmigrate.workflows.MigrationWorkflow.TASK_QUEUE)
                        .polling()));

    CliRun run =
        start(kubeconfig, "nobody-polls", "--wait", "--warn-after", "1s", "--wait-timeout", "5s");

    assertThat(run.code()).isEqualTo(ExitCodes.UNEXPECTED);
    assertThat(run.out())
        .contains("workflow: asm-migrate/p/us-central1-c/nobody-polls")
        .contains(
            "warning: no worker is polling task queue asm-migrate (namespace default): start one"
                + " with 'asm-migrate worker --temporal "
                + address
                + "'");
  }

  @Test
  void givenAWorkerWithAnotherCodecKey_whenStartWaits_itShouldWarnAndNameTheFlag()
      throws Exception {
    Path starterKey = keyFile("starter.key");
    Path workerKey = keyFile("worker.key");
    try (LogCapture log = LogCapture.debug()) {
      MigrationWorker worker =
          MigrationWorker.start(
              service,
              new MigrationWorker.Settings("default", true, 20),
              List.of(new FakeActivities()),
              EncryptionCodec.dataConverter(
                  CodecKeys.load(List.of(workerKey), null).orElseThrow()));
      workers.add(worker);
      Path kubeconfig = kubeconfig("fake.kubeconfig", "https://127.0.0.1:1");

      CliRun run =
          start(
              kubeconfig,
              "other-key",
              "--codec-key-file",
              starterKey.toString(),
              "--wait",
              "--warn-after",
              "1s",
              "--wait-timeout",
              "8s");

      assertThat(run.code()).isEqualTo(ExitCodes.UNEXPECTED);
      assertThat(run.out())
          .contains("warning: the worker cannot decode this migration's payloads")
          .contains("start the worker with the same --codec-key-file as this command")
          .doesNotContain("no worker is polling");
      // the worker says so too, in one line naming the flag
      assertThat(log.text())
          .containsPattern(
              "EncryptionCodec codec: a payload is encrypted with key \\S+, which is not among the"
                  + " configured codec keys \\[\\S+\\]; give this process the key the migration"
                  + " was started with: --codec-key-file FILE");
    }
  }

  private static Path keyFile(String name) throws IOException {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path file = dir.resolve(name);
    Files.write(file, key);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }
}
