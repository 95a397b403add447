package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.worker.MigrationWorker;
import dev.asmmigrate.workflows.MigrationWorkflowImpl;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.WorkflowReplayer;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The operator commands, run through {@code Main.commandLine()} against a port-bound Temporal test
 * server and a worker running the real workflow with instant fake activities. One server and worker
 * for the class; each test migrates its own cluster.
 */
class OperatorCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static ServerCommand.Running server;
  static WorkflowServiceStubs service;
  static MigrationWorker worker;
  static FakeActivities activities = new FakeActivities();
  static String address;
  @TempDir static Path dir;

  record Run(int code, String out, String err) {
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + out, e);
      }
    }
  }

  @BeforeAll
  static void startServerAndWorker() throws IOException {
    // time skipping locked, so that nothing times out while the migration waits for us; port 0:
    // the server binds a free port itself
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
    activities.holds.values().forEach(CountDownLatch::countDown);
    worker.shutdown(Duration.ofSeconds(2));
    service.shutdownNow();
    server.close();
  }

  static Run run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!List.of(args).contains("--help")) {
      all.addAll(List.of("--temporal", address));
    }
    CliRun run = CliRun.of(all.toArray(String[]::new));
    return new Run(run.code(), run.out(), run.err());
  }

  static Run start(String cluster, String... extra) {
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
                cluster));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  static String id(String cluster) {
    return "asm-migrate/p/us-central1-c/" + cluster;
  }

  static JsonNode status(String cluster) {
    Run r = run("status", "--cluster-id", "p/us-central1-c/" + cluster, "-o", "json");
    assertThat(r.code()).as(r.err()).isZero();
    return r.json();
  }

  static void awaitPhase(String cluster, String phase) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> status(cluster).path("phase").asText().equals(phase));
  }

  @Test
  void givenAStartedMigration_theOperatorShouldApproveItAndGetItsReportAndHistory()
      throws Exception {
    Run started = start("approve-me");
    assertThat(started.code()).as(started.err()).isZero();
    assertThat(started.out()).contains("workflow: " + id("approve-me"));

    Run again = start("approve-me");
    assertThat(again.code()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(again.err()).contains("already running").contains(id("approve-me"));

    awaitPhase("approve-me", "WAITING_FOR_APPROVAL");
    Run text =
        run("status", "--project", "p", "--location", "us-central1-c", "--cluster", "approve-me");
    assertThat(text.code()).isZero();
    assertThat(text.out())
        .contains("phase      WAITING_FOR_APPROVAL", "state SUCCESS", "3/3 verified")
        .contains("asm-migrate approve --by NAME")
        .containsPattern("app-a +1\\.4 +VERIFIED +\\[#+\\] 4/4");

    Run approved = run("approve", "--workflow-id", id("approve-me"), "--by", "alice@example.com");
    assertThat(approved.code()).as(approved.err()).isZero();
    assertThat(approved.out()).contains("approved by alice@example.com");

    Run watched =
        run(
            "status",
            "--cluster-id",
            "p/us-central1-c/approve-me",
            "--watch",
            "--interval",
            "200ms",
            "-o",
            "json");
    assertThat(watched.code()).as(watched.err()).isZero();
    String[] docs = watched.out().split("\n(?=\\{)");
    JsonNode last = JSON.readTree(docs[docs.length - 1]);
    assertThat(last.path("state").asText()).isEqualTo("SUCCESS");
    assertThat(last.path("workflowStatus").asText()).isEqualTo("COMPLETED");
    assertThat(last.path("approvedBy").asText()).isEqualTo("alice@example.com");
    assertThat(activities.callsOf("approve-me")).containsSubsequence("disableAddon", "cleanup");

    // what cleanup kept, with the reason and the command to delete it by hand
    Run done = run("status", "--workflow-id", id("approve-me"));
    assertThat(done.code()).as(done.err()).isZero();
    assertThat(done.out())
        .contains(
            "kept       1 object(s) cleanup did not delete",
            "rule istio-system/audit-denials: labelled k8s-app=istio, but its spec is none of",
            "delete by hand: kubectl delete rule.v1alpha2.config.istio.io audit-denials -n"
                + " istio-system");
    assertThat(last.path("kept").get(0).path("deleteCommand").asText())
        .isEqualTo(FakeActivities.KEPT.deleteCommand());

    Run late = run("approve", "--workflow-id", id("approve-me"), "--by", "bob");
    assertThat(late.code()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(late.err()).contains("already ended (SUCCESS)");

    // report: HTML parsed as XML, one timeline row per namespace and per step
    Path html = dir.resolve("report.html");
    Run report =
        run(
            "report",
            "--workflow-id",
            id("approve-me"),
            "--format",
            "html",
            "--out",
            html.toString());
    assertThat(report.code()).as(report.err()).isZero();
    Document page = parse(Files.readString(html));
    Element nsTimeline = svg(page, "namespace-timeline");
    NodeList rows = nsTimeline.getElementsByTagName("g");
    assertThat(rows.getLength()).isEqualTo(3);
    for (int i = 0; i < rows.getLength(); i++) {
      Element row = (Element) rows.item(i);
      assertThat(row.getAttribute("data-phase")).isEqualTo("VERIFIED");
      // relabel, restart and verify bars
      assertThat(row.getElementsByTagName("rect").getLength()).isEqualTo(3);
    }
    assertThat(List.of(attrs(nsTimeline, "data-namespace")))
        .containsExactly("app-a", "app-b", "app-c");
    assertThat(svg(page, "steps-timeline").getElementsByTagName("g").getLength()).isEqualTo(15);
    assertThat(Files.readString(html)).contains("alice@example.com");
    assertThat(Files.readString(html))
        .contains(
            "<h2>Kept by cleanup</h2>",
            "rule istio-system/audit-denials: labelled k8s-app=istio",
            "<code>kubectl delete rule.v1alpha2.config.istio.io audit-denials -n"
                + " istio-system</code>");

    Run md = run("report", "--workflow-id", id("approve-me"));
    assertThat(md.out())
        .contains(
            "# Migration of p/us-central1-c/approve-me",
            "| state | **SUCCESS** |",
            "| app-b | 1.4 | VERIFIED | 2/2 |",
            "## Kept by cleanup",
            "- rule istio-system/audit-denials: labelled k8s-app=istio",
            "delete by hand: `kubectl delete rule.v1alpha2.config.istio.io audit-denials -n"
                + " istio-system`");
    JsonNode json = run("report", "--workflow-id", id("approve-me"), "--format", "json").json();
    assertThat(json.path("state").asText()).isEqualTo("SUCCESS");
    assertThat(json.path("steps")).hasSize(15);
    assertThat(json.path("kept").get(0).path("name").asText()).isEqualTo("audit-denials");
    assertThat(json.path("kept").get(0).path("reason").asText()).contains("k8s-app=istio");
    assertThat(json.path("steps").get(0).has("durationMillis")).isTrue();
    assertThat(json.path("namespaces").get(0).path("times").has("VERIFIED")).isTrue();

    // history: loadable by WorkflowReplayer, and it replays against today's code
    Path history = dir.resolve("history.json");
    Run exported = run("history", id("approve-me"), "-o", "json", "--out", history.toString());
    assertThat(exported.code()).as(exported.err()).isZero();
    WorkflowReplayer.replayWorkflowExecution(
        WorkflowExecutionHistory.fromJson(Files.readString(history)), MigrationWorkflowImpl.class);
    assertThat(Files.readString(history)).contains("EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES");

    // list: through the visibility API, with the search attributes the workflow upserted
    Run list = run("list", "-o", "json");
    assertThat(list.code()).as(list.err()).isZero();
    JsonNode mine = null;
    for (JsonNode n : list.json()) {
      if (n.path("workflowId").asText().equals(id("approve-me"))) {
        mine = n;
      }
    }
    assertThat(mine).as(list.out()).isNotNull();
    assertThat(mine.path("AsmCluster").asText()).isEqualTo("p/us-central1-c/approve-me");
    assertThat(mine.path("AsmPhase").asText()).isEqualTo("SUCCESS");
    Run filtered = run("list", "--phase", "SUCCESS");
    assertThat(filtered.out()).contains(id("approve-me"));
    assertThat(run("list", "--phase", "PAUSED").out()).doesNotContain(id("approve-me"));
  }

  @Test
  void givenBlockingFindings_refusedUpdatesShouldSayWhyAndRecheckAndAbortShouldAct() {
    activities.blockingChecks.put("blocked", new AtomicInteger(1));
    activities.blockingChecks.put("aborted", new AtomicInteger(100));
    assertThat(start("blocked").code()).isZero();
    assertThat(start("aborted").code()).isZero();
    awaitPhase("blocked", "WAITING_FOR_RECHECK");
    awaitPhase("aborted", "WAITING_FOR_RECHECK");

    Run watch = run("status", "--cluster-id", "p/us-central1-c/blocked", "--watch");
    assertThat(watch.code()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(watch.out()).contains("BLOCKING [envoyfilter-custom] EnvoyFilter app-a/lua-filter");

    Run approve = run("approve", "--cluster-id", "p/us-central1-c/blocked", "--by", "alice");
    assertThat(approve.code()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(approve.err()).contains("refused: the migration is not waiting for approval");
    Run rollback = run("rollback", "--cluster-id", "p/us-central1-c/blocked");
    assertThat(rollback.code()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(rollback.err()).contains("use abort");
    Run resume = run("resume", "--cluster-id", "p/us-central1-c/blocked");
    assertThat(resume.code()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(resume.err()).contains("not paused");
    assertThat(status("blocked").path("approvedBy").isNull()).isTrue();

    Run recheck = run("recheck", "--cluster-id", "p/us-central1-c/blocked");
    assertThat(recheck.code()).as(recheck.err()).isZero();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> activities.callsOf("blocked").contains("disableGalleyWebhook"));
    // blocked before any change, clean on recheck, and clean again at the config-check step
    assertThat(activities.callsOf("blocked").stream().filter(c -> c.equals("checkConfigs")))
        .hasSize(3);
    assertThat(activities.callsOf("blocked").indexOf("checkConfigs"))
        .isLessThan(activities.callsOf("blocked").indexOf("registerFleet"));
    Run recheckAgain = run("recheck", "--cluster-id", "p/us-central1-c/blocked");
    assertThat(recheckAgain.code()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(recheckAgain.err()).contains("not held by blocking configuration findings");

    Run abort =
        run(
            "abort",
            "--cluster-id",
            "p/us-central1-c/aborted",
            "--reason",
            "EnvoyFilter stays this quarter");
    assertThat(abort.code()).as(abort.err()).isZero();
    Run ended =
        run(
            "status",
            "--cluster-id",
            "p/us-central1-c/aborted",
            "--watch",
            "--interval",
            "200ms",
            "-o",
            "json");
    assertThat(ended.code()).isEqualTo(ExitCodes.OUTCOME);
    String[] docs = ended.out().split("\n(?=\\{)");
    JsonNode last = readJson(docs[docs.length - 1]);
    assertThat(last.path("state").asText()).isEqualTo("ROLLED_BACK");
    assertThat(last.path("abortReason").asText()).isEqualTo("EnvoyFilter stays this quarter");
    // held before any change: an abort has nothing to undo
    assertThat(activities.callsOf("aborted"))
        .doesNotContain("registerFleet", "applyControlPlaneRevision", "disableGalleyWebhook");
  }

  @Test
  void givenAPauseDuringAWave_itShouldHoldBeforeTheNextWaveUntilResumedThenRollBackOnRequest() {
    CountDownLatch verifying = new CountDownLatch(1);
    activities.holds.put("paused:verifyNamespace:app-a", verifying);
    assertThat(start("paused", "--concurrency", "2").code()).isZero();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> activities.callsOf("paused").contains("verifyNamespace:app-a"));

    Run pause = run("pause", "--cluster-id", "p/us-central1-c/paused");
    assertThat(pause.code()).as(pause.err()).isZero();
    assertThat(pause.out()).contains("next safe point");
    assertThat(status("paused").path("pauseRequested").asBoolean()).isTrue();
    verifying.countDown();
    awaitPhase("paused", "PAUSED");
    JsonNode paused = status("paused");
    assertThat(paused.path("namespaces").findValuesAsText("phase"))
        .containsExactly("VERIFIED", "VERIFIED", "PENDING");
    assertThat(activities.callsOf("paused")).doesNotContain("relabelNamespace:app-c");
    Run watch = run("status", "--cluster-id", "p/us-central1-c/paused", "--watch");
    assertThat(watch.code()).isZero();
    assertThat(watch.out()).contains("asm-migrate resume");

    assertThat(run("resume", "--cluster-id", "p/us-central1-c/paused").code()).isZero();
    awaitPhase("paused", "WAITING_FOR_APPROVAL");
    Run rollback =
        run("rollback", "--cluster-id", "p/us-central1-c/paused", "--reason", "canary errors");
    assertThat(rollback.code()).as(rollback.err()).isZero();
    Run ended =
        run("status", "--cluster-id", "p/us-central1-c/paused", "--watch", "--interval", "200ms");
    assertThat(ended.code()).isEqualTo(ExitCodes.OUTCOME);
    assertThat(ended.out()).contains("state ROLLED_BACK");
    assertThat(activities.callsOf("paused"))
        .contains("restoreWebhook", "restoreGateway", "restoreNamespaceLabels:app-c")
        .doesNotContain("disableAddon");
  }

  /**
   * The namespaces run in a group of waves, a child workflow: the migration learns them when the
   * group ends, so status merges in the running group's own memo, where each wave's namespaces are
   * as soon as the wave ended.
   */
  @Test
  void givenAGroupOfWavesRunning_statusShouldShowTheNamespacesItsWavesMigratedSoFar() {
    CountDownLatch verifying = new CountDownLatch(1);
    activities.holds.put("live:verifyNamespace:app-b", verifying);
    assertThat(start("live", "--concurrency", "1", "--auto-approve").code()).isZero();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> activities.callsOf("live").contains("verifyNamespace:app-b"));

    JsonNode live = status("live");
    assertThat(live.path("step").asText()).isEqualTo("migrate-workloads");
    assertThat(live.path("namespaces").findValuesAsText("phase"))
        .containsExactly("VERIFIED", "PENDING", "PENDING");
    // the migration's own memo does not have app-a yet: the group's is what status shows
    io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse own =
        io.temporal.client.WorkflowClient.newInstance(service)
            .newUntypedWorkflowStub(id("live"))
            .describe()
            .getRawDescription();
    assertThat(own.getPendingChildrenCount()).isEqualTo(1);
    assertThat(
            dev.asmmigrate.workflows.StatusMemo.read(
                    own.getWorkflowExecutionInfo().getMemo().getFieldsMap(),
                    io.temporal.common.converter.DefaultDataConverter.newDefaultInstance())
                .orElseThrow()
                .namespaces())
        .extracting(n -> n.phase())
        .containsExactly("PENDING", "PENDING", "PENDING");

    verifying.countDown();
    Run ended =
        run("status", "--cluster-id", "p/us-central1-c/live", "--watch", "--interval", "200ms");
    assertThat(ended.out()).contains("state SUCCESS");
  }

  @Test
  void givenBadInput_theCommandsShouldExplainAndExitWithUsageOrNotFound() {
    Run unknown = run("status", "--workflow-id", "asm-migrate/p/l/nope");
    assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err()).contains("no migration workflow 'asm-migrate/p/l/nope'");
    Run twice = run("approve", "--workflow-id", "x", "--cluster-id", "p/l/c", "--by", "a");
    assertThat(twice.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(twice.err()).contains("name the migration once");
    assertThat(run("approve", "--cluster-id", "p/l", "--by", "a").err())
        .contains("PROJECT/LOCATION/CLUSTER");
    assertThat(run("approve", "--cluster-id", "p/l/c").code()).isEqualTo(ExitCodes.USAGE);
    assertThat(run("report", "--cluster-id", "p/l/c", "--format", "pdf").code())
        .isEqualTo(ExitCodes.USAGE);
    assertThat(run("history", "--workflow-id", "asm-migrate/p/l/nope").code())
        .isEqualTo(ExitCodes.USAGE);
    assertThat(run("status", "--cluster-id", "p/l/c", "-o", "yaml").code())
        .isEqualTo(ExitCodes.USAGE);
    for (String command :
        List.of(
            "status",
            "approve",
            "pause",
            "resume",
            "abort",
            "rollback",
            "recheck",
            "report",
            "history",
            "list")) {
      Run help = run(command, "--help");
      assertThat(help.code()).isZero();
      assertThat(help.out()).contains("Usage: asm-migrate " + command);
    }
  }

  static JsonNode readJson(String s) {
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      throw new AssertionError(s, e);
    }
  }

  static Document parse(String xml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(false);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    return f.newDocumentBuilder()
        .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
  }

  static Element svg(Document page, String id) {
    NodeList svgs = page.getElementsByTagName("svg");
    for (int i = 0; i < svgs.getLength(); i++) {
      Element e = (Element) svgs.item(i);
      if (e.getAttribute("id").equals(id)) {
        return e;
      }
    }
    throw new AssertionError("no <svg id=" + id + ">");
  }

  static String[] attrs(Element parent, String name) {
    NodeList rows = parent.getElementsByTagName("g");
    String[] out = new String[rows.getLength()];
    for (int i = 0; i < rows.getLength(); i++) {
      out[i] = ((Element) rows.item(i)).getAttribute(name);
    }
    return out;
  }
}
