package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.workflows.MigrationSearchAttributes;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * The fleet commands through {@code Main.commandLine()}, against a port-bound Temporal test server
 * and a worker running {@link FakeFleetWorkflow} (the real fleet workflow replaces it at
 * integration). One server and worker for the class; each test runs its own fleet; the last one
 * stops the worker to read a fleet's status from its memo.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static ServerCommand.Running server;
  static WorkflowServiceStubs service;
  static WorkerFactory factory;
  static String address;
  @TempDir static Path dir;

  @BeforeAll
  static void startServerAndWorker() {
    server = ServerCommand.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    address = server.target();
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    factory = WorkerFactory.newInstance(WorkflowClient.newInstance(service));
    factory
        .newWorker(MigrationWorkflow.TASK_QUEUE)
        .registerWorkflowImplementationTypes(FakeFleetWorkflow.class);
    factory.start();
  }

  @AfterAll
  static void stop() {
    factory.shutdownNow();
    service.shutdownNow();
    server.close();
  }

  static CliRun run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--temporal", address));
    return CliRun.of(all.toArray(String[]::new));
  }

  /** A fleet file of three clusters: c1 the canary, then c2 and c3 by label. */
  static Path file(String name, boolean approval) throws IOException {
    Path f = dir.resolve(name + ".yaml");
    Files.writeString(
        f,
        """
        name: %s
        clusters:
          - {project: p, location: l, name: c1, labels: {env: canary}}
          - {project: p, location: l, name: c2, labels: {env: prod}}
          - {project: p, location: l, name: c3, labels: {env: prod}}
        waves:
          - name: canary
            clusters: [c1]
            soak: 1s
          - name: prod
            selector: env=prod
            maxConcurrent: 2
            approval: %s
        """
            .formatted(name, approval));
    return f;
  }

  static JsonNode status(String name) {
    CliRun r = run("fleet", "status", name, "-o", "json");
    assertThat(r.code()).as(r.err()).isZero();
    try {
      return JSON.readTree(r.out());
    } catch (IOException e) {
      throw new AssertionError(r.out(), e);
    }
  }

  static void awaitPhase(String name, String phase) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> status(name).path("phase").asText().equals(phase));
  }

  @Test
  @Order(1)
  void aFileWithAMistakeStartsNothing() throws IOException {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(
        bad, Files.readString(file("bad", false)).replace("maxConcurrent: 2", "maxConcurrent: 0"));
    CliRun r = run("fleet", "start", bad.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("bad.yaml:12: maxConcurrent must be at least 1");
    assertThat(r.out()).isEmpty();
    CliRun s = run("fleet", "status", "bad");
    assertThat(s.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(s.err()).contains("no fleet workflow 'asm-fleet/bad'");
    // and a rehearsal failure naming no cluster of the file
    CliRun f = run("fleet", "start", file("bad", false).toString(), "--fail-cluster", "c9");
    assertThat(f.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(f.err()).contains("--fail-cluster c9: no cluster 'c9'");
    assertThat(run("fleet", "status", "bad").code()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  @Order(2)
  void startWaitEndsSuccessAndTheReportTellsIt() throws Exception {
    CliRun r = run("fleet", "start", file("ok", false).toString(), "--wait", "--interval", "100ms");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("fleet: asm-fleet/ok\n");
    assertThat(r.out()).contains("p/l/c2 [prod]: SUCCEEDED (SUCCESS)");
    assertThat(r.out()).endsWith("fleet: SUCCESS (3/3 clusters)\n");

    JsonNode s = status("ok");
    assertThat(s.path("state").asText()).isEqualTo("SUCCESS");
    assertThat(s.path("source").asText()).isEqualTo("result");
    assertThat(s.path("clusters")).hasSize(3);
    assertThat(s.path("clusters").get(0).path("wave").asText()).isEqualTo("canary");
    assertThat(s.path("clusters").get(2).path("name").asText()).isEqualTo("c3");
    assertThat(s.path("clusters").get(2).path("outcome").asText()).isEqualTo("SUCCESS");

    CliRun text = run("fleet", "status", "ok");
    assertThat(text.out())
        .contains("CLUSTER")
        .containsPattern("p/l/c1 +canary +SUCCEEDED +- +- +- +SUCCESS");

    CliRun md = run("fleet", "report", "ok", "--format", "md");
    assertThat(md.code()).as(md.err()).isZero();
    assertThat(md.out())
        .contains("# Fleet ok to managed ASM")
        .contains("**SUCCESS** (3/3 clusters succeeded)")
        .contains("## Wave canary")
        .contains("## Wave prod")
        .contains("| p/l/c1 | SUCCEEDED |")
        .contains("## Soak checks");
    CliRun json = run("fleet", "report", "ok", "--format", "json");
    assertThat(JSON.readTree(json.out()).path("soakChecks")).hasSize(1);
    CliRun html = run("fleet", "report", "ok", "--format", "html");
    Document doc =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(new ByteArrayInputStream(html.out().getBytes(StandardCharsets.UTF_8)));
    assertThat(doc.getElementsByTagName("g").getLength()).isEqualTo(2 + 3); // waves + clusters
    assertThat(html.out()).contains("data-cluster=\"c2\" data-state=\"SUCCEEDED\"");
    assertThat(run("fleet", "report", "ok", "--format", "pdf").code()).isEqualTo(2);
  }

  @Test
  @Order(3)
  void operatorsApprovePauseResumeAndAreRefusedWithTheReason() throws Exception {
    CliRun r = run("fleet", "start", file("gated", true).toString());
    assertThat(r.code()).as(r.err()).isZero();
    awaitPhase("gated", "WAITING_FOR_APPROVAL");
    assertThat(status("gated").path("waitingFor").asText()).isEqualTo("approval of wave prod");

    CliRun again = run("fleet", "start", file("gated", true).toString());
    assertThat(again.code()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(again.err()).contains("fleet gated is already running");

    CliRun wrongWave = run("fleet", "approve", "gated", "--by", "alice", "--wave", "canary");
    assertThat(wrongWave.code()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(wrongWave.err()).contains("refused: wave prod waits for approval, not canary");
    CliRun notPaused = run("fleet", "resume", "gated");
    assertThat(notPaused.code()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(notPaused.err()).contains("refused: the fleet is not paused");

    assertThat(run("fleet", "pause", "gated").code()).isZero();
    CliRun approve = run("fleet", "approve", "gated", "--by", "alice", "--wave", "prod");
    assertThat(approve.code()).as(approve.err()).isZero();
    assertThat(approve.out()).isEqualTo("fleet gated: approved wave prod\n");
    awaitPhase("gated", "PAUSED");
    assertThat(run("fleet", "resume", "gated").code()).isZero();
    CliRun watch = run("fleet", "status", "gated", "--watch", "--interval", "100ms");
    assertThat(watch.code()).as(watch.err()).isZero();
    JsonNode s = status("gated");
    assertThat(s.path("state").asText()).isEqualTo("SUCCESS");
    assertThat(s.path("approvals").get(0).path("by").asText()).isEqualTo("alice");

    CliRun late = run("fleet", "abort", "gated", "--reason", "too late");
    assertThat(late.code()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(late.err()).contains("refused: fleet gated already ended (SUCCESS)");
    assertThat(run("fleet", "report", "gated").out()).contains("| wave prod | alice |");
  }

  @Test
  @Order(4)
  void abortEndsTheFleetAborted() throws Exception {
    assertThat(run("fleet", "start", file("stopped", true).toString()).code()).isZero();
    awaitPhase("stopped", "WAITING_FOR_APPROVAL");
    CliRun abort = run("fleet", "abort", "stopped", "--reason", "change freeze");
    assertThat(abort.code()).as(abort.err()).isZero();
    CliRun watch = run("fleet", "status", "stopped", "--watch", "--interval", "100ms");
    assertThat(watch.code()).isEqualTo(ExitCodes.FLEET_ABORTED);
    JsonNode s = status("stopped");
    assertThat(s.path("reason").asText()).isEqualTo("aborted: change freeze");
    assertThat(s.path("clusters").get(1).path("state").asText()).isEqualTo("NOT_STARTED");
  }

  @Test
  @Order(5)
  void aHaltedFleetResumesWithRetryAndSkip() throws Exception {
    CliRun halted =
        run(
            "fleet",
            "start",
            file("halts", false).toString(),
            "--fail-cluster",
            "c2",
            "--wait",
            "--interval",
            "100ms");
    assertThat(halted.code()).as(halted.err()).isEqualTo(ExitCodes.FLEET_HALTED);
    assertThat(halted.out())
        .contains("fleet: HALTED (1/3 clusters): cluster c2 failed")
        .contains("fleet resume halts --retry CLUSTER");
    assertThat(status("halts").path("clusters").get(2).path("state").asText())
        .isEqualTo("NOT_STARTED");

    CliRun unknown = run("fleet", "resume", "halts", "--retry", "c9");
    assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err()).contains("--retry c9: no such cluster in the fleet");
    CliRun notFailed = run("fleet", "resume", "halts", "--retry", "c1");
    assertThat(notFailed.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(notFailed.err()).contains("--retry c1: it ended SUCCEEDED");

    CliRun retry =
        run(
            "fleet",
            "resume",
            "halts",
            "--retry",
            "c2",
            "--by",
            "bob",
            "--wait",
            "--interval",
            "100ms");
    assertThat(retry.code()).as(retry.out() + retry.err()).isZero();
    assertThat(retry.out())
        .contains("resumed by bob, retrying c2")
        .endsWith("fleet: SUCCESS (3/3 clusters)\n");
    FleetRequest second = input("asm-fleet/halts");
    assertThat(second.resume().retry()).containsExactly("c2");
    assertThat(second.resume().skip()).isEmpty();
    assertThat(second.resume().by()).isEqualTo("bob");
    assertThat(second.resume().previous())
        .extracting(c -> c.state())
        .containsExactly(ClusterState.SUCCEEDED, ClusterState.FAILED, ClusterState.NOT_STARTED);
    assertThat(second.failAt()).doesNotContainKey("c2");

    CliRun running = run("fleet", "resume", "halts", "--skip", "c2");
    assertThat(running.code()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(running.err()).contains("ended SUCCESS; --retry and --skip go on from a HALTED");

    // --skip: a second halted fleet, the failed cluster left out
    assertThat(
            run(
                    "fleet",
                    "start",
                    file("skips", false).toString(),
                    "--fail-cluster",
                    "c2:migrate-configs",
                    "--wait",
                    "--interval",
                    "100ms")
                .code())
        .isEqualTo(ExitCodes.FLEET_HALTED);
    CliRun skip = run("fleet", "resume", "skips", "--skip", "c2", "--wait", "--interval", "100ms");
    assertThat(skip.code()).as(skip.err()).isZero();
    assertThat(skip.out()).endsWith("fleet: SUCCESS (2/3 clusters, 1 skipped by an operator)\n");
    assertThat(input("asm-fleet/skips").resume().skip()).containsExactly("c2");
    assertThat(status("skips").path("clusters").get(1).path("state").asText()).isEqualTo("SKIPPED");
  }

  @Test
  @Order(6)
  void startCarriesTheFleetSearchAttributeSoTheUiListsTheFleet() throws Exception {
    CliRun r = run("fleet", "start", file("listed", false).toString(), "--wait");
    assertThat(r.code()).as(r.err()).isZero();
    // what the start request carried (the test server keeps it on the started event and in
    // describe); the fleet workflow gives its children the same value when its start carried it
    HistoryEvent started =
        WorkflowClient.newInstance(service).fetchHistory("asm-fleet/listed").getEvents().get(0);
    var fields = started.getWorkflowExecutionStartedEventAttributes().getSearchAttributes();
    assertThat(fields.getIndexedFieldsMap()).containsKey("AsmFleet");
    assertThat(
            DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
                fields.getIndexedFieldsOrThrow("AsmFleet"), String.class, String.class))
        .isEqualTo("listed");
    var described =
        WorkflowClient.newInstance(service)
            .newUntypedWorkflowStub("asm-fleet/listed")
            .describe()
            .getTypedSearchAttributes();
    assertThat(described.get(MigrationSearchAttributes.FLEET)).isEqualTo("listed");
  }

  /** The request the newest run of {@code id} started with. */
  static FleetRequest input(String id) {
    WorkflowClient client = WorkflowClient.newInstance(service);
    for (HistoryEvent e : client.fetchHistory(id).getEvents()) {
      if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
        return DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
            e.getWorkflowExecutionStartedEventAttributes().getInput().getPayloads(0),
            FleetRequest.class,
            FleetRequest.class);
      }
    }
    throw new AssertionError("no start in " + id);
  }

  @Test
  @Order(99)
  void withoutAWorkerTheRowsComeFromTheMemo() throws Exception {
    assertThat(run("fleet", "start", file("memo", true).toString()).code()).isZero();
    awaitPhase("memo", "WAITING_FOR_APPROVAL");
    factory.shutdownNow();
    factory.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    JsonNode s = status("memo");
    assertThat(s.path("source").asText()).isEqualTo("memo");
    assertThat(s.path("phase").asText()).isEqualTo("WAITING_FOR_APPROVAL");
    assertThat(
            StreamSupport.stream(s.path("clusters").spliterator(), false)
                .map(c -> c.path("name").asText() + "=" + c.path("state").asText()))
        .containsExactly("c1=SUCCEEDED", "c2=WAITING", "c3=WAITING");

    // a fleet no worker ever picked up: --wait waits for it (bounded), status says so
    CliRun waiting =
        run(
            "fleet",
            "start",
            file("unpicked", false).toString(),
            "--wait",
            "--wait-timeout",
            "1s",
            "--interval",
            "200ms");
    assertThat(waiting.code()).isEqualTo(ExitCodes.UNEXPECTED);
    assertThat(waiting.out()).isEqualTo("fleet: asm-fleet/unpicked\n");
    assertThat(waiting.err()).contains("fleet unpicked still runs after 1s of waiting");
    CliRun none = run("fleet", "status", "unpicked");
    assertThat(none.code()).isEqualTo(ExitCodes.UNEXPECTED);
    assertThat(none.err()).contains("fleet unpicked has no status yet");
  }
}
