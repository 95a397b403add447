package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.http.RequestLog;
import dev.asmmigrate.worker.Activities;
import dev.asmmigrate.worker.MigrationWorker;
import io.temporal.api.filter.v1.WorkflowTypeFilter;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input against one served add-on 1.4 sandbox and one port-bound Temporal server with a worker
 * running the real activities: each case of the corpus ({@link #corpus()}: a command line, its exit
 * code, a fragment of its one-line message) is refused before anything runs, with zero writes in
 * the sandbox's request log and no workflow started. Then the refusals only pre-flight can make
 * (issue 10 cases 7 and 8): an unknown namespace, a missing permission, no add-on, an add-on
 * control plane not available, each {@code start --wait} exit 3, outcome REFUSED, nothing written.
 */
class BadInputCorpusTest {
  /**
   * Verbs that write nothing: reads, and the access reviews pre-flight asks (persisted nowhere).
   */
  private static final Set<String> READS = Set.of("get", "list", "watch");

  @TempDir static Path dir;
  static Sandbox sandbox;
  static Path kubeconfig;
  static ServerCommand.Running server;
  static WorkflowServiceStubs service;
  static MigrationWorker worker;
  static KubeClients clients = new KubeClients();
  static GoogleClients google = new GoogleClients();
  static String address;
  static long started;

  @BeforeAll
  static void start() throws IOException {
    started = System.nanoTime();
    sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .app("online-boutique")
                .podReadyDelay(Duration.ofMillis(100))
                .build());
    server = ServerCommand.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    address = server.target();
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    worker =
        MigrationWorker.start(
            service,
            new MigrationWorker.Settings("default", true, 20),
            Activities.create(clients, google));
    assertThat(sandbox.awaitSettled(Duration.ofMinutes(3))).isTrue();
    kubeconfig = sandbox.writeKubeconfig(dir.resolve("sandbox.kubeconfig"));
    Files.writeString(
        dir.resolve("broken.kubeconfig"),
        "apiVersion: v1\nkind: Config\nclusters: [this is not: a kubeconfig\n");
    Files.writeString(dir.resolve("a-file"), "not a directory");
  }

  @AfterAll
  static void stop() {
    if (worker != null) {
      worker.shutdown(Duration.ofSeconds(2));
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
    clients.close();
    google.close();
    if (sandbox != null) {
      sandbox.close();
    }
    System.out.printf(
        "BadInputCorpusTest: %d s%n", Duration.ofNanos(System.nanoTime() - started).toSeconds());
  }

  // --- the corpus
  // ----------------------------------------------------------------------------------

  /** Placeholders the cases use, replaced once the sandbox and server are up. */
  private static final String TEMPORAL = "{temporal}";

  private static final String KUBECONFIG = "{kubeconfig}";
  private static final String DIR = "{dir}";
  private static final String GOOGLE = "{google}";

  static String[] resolve(String[] args) {
    return Arrays.stream(args)
        .map(
            a ->
                a.replace(TEMPORAL, address)
                    .replace(KUBECONFIG, kubeconfig.toString())
                    .replace(GOOGLE, sandbox.googleEndpoint())
                    .replace(DIR, dir.toString()))
        .toArray(String[]::new);
  }

  /** {@code start} for the sandbox's cluster, with {@code extra} flags. */
  static String[] start(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "start",
                "--kubeconfig",
                KUBECONFIG,
                "--context",
                "sandbox",
                "--project",
                "sandbox-project",
                "--location",
                "us-central1-c",
                "--cluster",
                "sandbox-cluster",
                "--google-endpoint",
                GOOGLE,
                "--temporal",
                TEMPORAL));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  static String[] plan(String... extra) {
    List<String> args = new ArrayList<>(Arrays.asList(start(extra)));
    args.set(0, "plan");
    int t = args.indexOf("--temporal");
    args.remove(t);
    args.remove(t);
    return args.toArray(String[]::new);
  }

  static String[] cmd(String... args) {
    return args;
  }

  static Arguments bad(String fragment, String... args) {
    return Arguments.of(String.join(" ", args), args, ExitCodes.USAGE, fragment);
  }

  static Stream<Arguments> corpus() {
    return Stream.of(
        // durations: every timeout and interval more than 0, none negative
        bad("'0' must be more than 0", start("--rollout-timeout", "0")),
        bad("'0s' must be more than 0", start("--rollout-timeout", "0s")),
        bad("'PT-5M' is negative", start("--rollout-timeout", "PT-5M")),
        bad("'soon' is not a duration", start("--rollout-timeout", "soon")),
        bad(
            "'0' must be more than 0",
            cmd(
                "status",
                "--cluster-id",
                "p/l/c",
                "--watch",
                "--interval",
                "0",
                "--temporal",
                TEMPORAL)),
        bad(
            "'0ms' must be more than 0",
            cmd("status", "--cluster-id", "p/l/c", "--timeout", "0ms", "--temporal", TEMPORAL)),
        bad(
            "'0' must be more than 0",
            cmd(
                "approve",
                "--cluster-id",
                "p/l/c",
                "--by",
                "me",
                "--answer-timeout",
                "0",
                "--temporal",
                TEMPORAL)),
        bad("--metrics-interval must be positive", cmd("worker", "--metrics-interval", "0s")),
        // canary and namespaces
        bad("--canary no-such-ns: no such namespace", start("--canary", "no-such-ns")),
        bad(
            "--canary names 'online-boutique' twice",
            start("--canary", "online-boutique,online-boutique")),
        bad("--canary 'kube-system' is a system namespace", start("--canary", "kube-system")),
        bad(
            "--canary default not in --namespaces online-boutique",
            start("--namespaces", "online-boutique", "--canary", "default")),
        bad(
            "--namespaces 'istio-system' is a system namespace",
            start("--namespaces", "istio-system")),
        bad("--namespaces 'Shop_1' is not a namespace name", start("--namespaces", "Shop_1")),
        bad(
            "--namespaces names 'online-boutique' twice",
            start("--namespaces", "online-boutique,online-boutique")),
        bad(
            "--namespaces 'kube-system' is a system namespace",
            plan("--namespaces", "kube-system")),
        // names, channel, numbers, steps
        bad(
            "--fleet-project 'My_Fleet' is not a valid GCP name",
            start("--fleet-project", "My_Fleet")),
        bad("--fleet-project 'fleet-' is not a valid GCP name", plan("--fleet-project", "fleet-")),
        bad(
            "--project 'My Project' is not a valid GCP name",
            cmd(
                "start",
                "--kubeconfig",
                KUBECONFIG,
                "--project",
                "My Project",
                "--location",
                "l",
                "--cluster",
                "c",
                "--temporal",
                TEMPORAL)),
        bad("--concurrency must be at least 1", start("--concurrency", "0")),
        bad("--concurrency must be at least 1", start("--concurrency", "-3")),
        bad("--channel must be regular, rapid or stable, got 'beta'", start("--channel", "beta")),
        bad("--channel must be regular, rapid or stable, got 'bogus'", plan("--channel", "bogus")),
        bad("--fail-at must be one of [", start("--fail-at", "no-such-step")),
        bad("got 'preflight'", start("--fail-at", "preflight")),
        // files and endpoints
        bad("is a file, not a directory", start("--backup-dir", DIR + "/a-file")),
        bad("a-file is a file, not a directory", start("--backup-dir", DIR + "/a-file/backups")),
        bad(
            "malformed kubeconfig",
            cmd(
                "start",
                "--kubeconfig",
                DIR + "/broken.kubeconfig",
                "--project",
                "p",
                "--location",
                "l",
                "--cluster",
                "c",
                "--temporal",
                TEMPORAL)),
        bad(
            "does not exist or is not readable",
            cmd(
                "start",
                "--kubeconfig",
                DIR + "/no-such.kubeconfig",
                "--project",
                "p",
                "--location",
                "l",
                "--cluster",
                "c",
                "--temporal",
                TEMPORAL)),
        bad(
            "has no context nope",
            cmd(
                "start",
                "--kubeconfig",
                KUBECONFIG,
                "--context",
                "nope",
                "--project",
                "p",
                "--location",
                "l",
                "--cluster",
                "c",
                "--temporal",
                TEMPORAL)),
        bad(
            "--google-endpoint must be HOST:PORT",
            cmd(
                "start",
                "--kubeconfig",
                KUBECONFIG,
                "--project",
                "p",
                "--location",
                "l",
                "--cluster",
                "c",
                "--google-endpoint",
                "http://x/",
                "--temporal",
                TEMPORAL)),
        bad(
            "--temporal must be HOST:PORT, got 'localhost'",
            cmd("list", "--temporal", "localhost")),
        // the command line itself
        bad(
            "--cluster",
            cmd(
                "start",
                "--kubeconfig",
                KUBECONFIG,
                "--project",
                "p",
                "--location",
                "l",
                "--temporal",
                TEMPORAL)),
        bad("Unknown option: '--no-such-flag'", start("--no-such-flag")),
        bad("-o must be text, json or yaml, got 'xml'", plan("-o", "xml")),
        // list, report, status
        bad(
            "--phase must be one of RUNNING,",
            cmd("list", "--phase", "BOGUS", "--temporal", TEMPORAL)),
        bad(
            "--phase must be one of RUNNING,",
            cmd("list", "--phase", "waiting_for_approval", "--temporal", TEMPORAL)),
        bad("-o must be text or json, got 'xml'", cmd("list", "-o", "xml", "--temporal", TEMPORAL)),
        bad(
            "PROJECT/LOCATION/CLUSTER",
            cmd("status", "--cluster-id", "p/l", "--temporal", TEMPORAL)),
        bad(
            "--format must be md, json or html",
            cmd("report", "--cluster-id", "p/l/c", "--format", "pdf", "--temporal", TEMPORAL)),
        // the sandbox and the other local commands
        bad(
            "--deny 'get deployments' denies nothing",
            cmd("sandbox", "--port", "0", "--deny", "get deployments")),
        bad(
            "did you mean 'patch apps/deployments'?",
            cmd("sandbox", "--port", "0", "--deny", "patch /deployments")),
        bad(
            "--deny 'remove /secrets' denies nothing",
            cmd("sandbox", "--port", "0", "--deny", "remove /secrets")),
        bad(
            "--deny-google 'gkehub features update' is not an IAM permission",
            cmd("sandbox", "--port", "0", "--deny-google", "gkehub features update")),
        bad(
            "the rate must be between 0 and 1",
            cmd("sandbox", "--port", "0", "--api-error-rate", "patch=2")),
        bad("--version must be 1.4, 1.6 or both, got '1.8'", cmd("demo", "--version", "1.8")),
        bad("--abort-during must be one of [", cmd("demo", "--abort-during", "cleanup")),
        bad("--port must be between 0 and 65535", cmd("server", "--port", "70000")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  @Timeout(60)
  void givenBadInput_itShouldBeRefusedBeforeAnythingRuns(
      String name, String[] args, int code, String fragment) {
    String[] resolved = resolve(args);
    long before = lastSeq();
    long workflowsBefore = workflows();

    CliRun run = CliRun.of(resolved);

    assertThat(run.code()).as(run.err()).isEqualTo(code);
    List<String> lines = run.err().strip().lines().toList();
    assertThat(lines).as("one line on stderr").hasSize(1);
    assertThat(lines.get(0)).contains(fragment).doesNotContain("\tat ");
    assertThat(run.out()).as("nothing ran, nothing printed").isEmpty();
    assertThat(writes(before)).as("writes in the request log").isEmpty();
    assertThat(workflows()).as("workflows started").isEqualTo(workflowsBefore);
  }

  // --- refusals only pre-flight can make
  // -----------------------------------------------------------

  @Test
  void
      givenANamespaceThatDoesNotExist_whenStartedAndAwaited_itShouldEndRefusedExit3WritingNothing() {
    long before = lastSeq();

    CliRun run =
        CliRun.of(resolve(start("--namespaces", "no-such-ns", "--auto-approve", "--wait")));

    assertRefused(run, before, "NOT_FOUND: namespace no-such-ns does not exist");
    CliRun status =
        CliRun.of(
            "status",
            "--cluster-id",
            "sandbox-project/us-central1-c/sandbox-cluster",
            "--temporal",
            address);
    assertThat(status.out()).contains("state REFUSED").contains("nothing was changed");
  }

  @Test
  void givenAMissingPermission_whenStartedAndAwaited_itShouldEndRefusedExit3WritingNothing() {
    sandbox.faults().denied.add("patch apps/deployments");
    try {
      long before = lastSeq();

      CliRun run = CliRun.of(resolve(start("--auto-approve", "--wait")));

      assertRefused(run, before, "PERMISSION_DENIED: the migration needs");
      assertThat(run.out()).contains("patch apps/deployments");
    } finally {
      sandbox.faults().denied.clear();
    }
  }

  @Test
  void givenAMissingGooglePermission_whenStartedAndAwaited_itShouldEndRefusedExit3WritingNothing() {
    String project = sandbox.settings().project();
    sandbox.googleApis().iam().deny(project, "container.clusters.update");
    try {
      long before = lastSeq();
      int googleCalls = sandbox.googleApis().calls().size();

      CliRun run = CliRun.of(resolve(start("--auto-approve", "--wait")));

      assertRefused(
          run,
          before,
          "PERMISSION_DENIED: the migration's Google-side steps need 1 IAM permission the caller"
              + " lacks: container.clusters.update on projects/"
              + project);
      assertThat(
              sandbox
                  .googleApis()
                  .calls()
                  .subList(googleCalls, sandbox.googleApis().calls().size()))
          .extracting(c -> c.shortMethod())
          .contains("TestIamPermissions")
          .allMatch(m -> m.startsWith("Get") || m.startsWith("List") || m.startsWith("Test"));
    } finally {
      sandbox.googleApis().iam().grantAll();
    }
  }

  @Test
  void givenAnAddonGalleyScaledToZero_whenPlannedOrStarted_itShouldBeRefusedNamingItExit3()
      throws Exception {
    var galley =
        sandbox
            .client("test")
            .apps()
            .deployments()
            .inNamespace("istio-system")
            .withName("istio-galley");
    galley.scale(0);
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                // one read: two could see the status change between them (a null then)
                Integer available = galley.get().getStatus().getAvailableReplicas();
                return available == null || available == 0;
              });
      long before = lastSeq();

      CliRun plan = CliRun.of(resolve(plan()));
      CliRun run = CliRun.of(resolve(start("--auto-approve", "--wait")));

      assertThat(plan.code()).as(plan.err()).isEqualTo(ExitCodes.BLOCKED);
      assertThat(plan.out())
          .contains("preflight-addon-not-available")
          .contains("add-on 1.4 control plane not available: istio-galley 0/0 available");
      assertRefused(
          run,
          before,
          "ADDON_NOT_AVAILABLE: add-on 1.4 control plane not available: istio-galley 0/0"
              + " available");
      assertThat(run.out()).doesNotContain("istio-pilot").doesNotContain("istio-citadel");
    } finally {
      galley.scale(1);
      assertThat(sandbox.awaitSettled(Duration.ofMinutes(2))).isTrue();
    }
  }

  @Test
  void givenNoAddon_whenStartedAndAwaited_itShouldEndRefusedExit3WritingNothing()
      throws IOException {
    try (Sandbox none =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.NONE)
                .podReadyDelay(Duration.ofMillis(100))
                .build())) {
      Path config = none.writeKubeconfig(dir.resolve("none.kubeconfig"));
      long before = lastSeq(none);
      List<String> args = new ArrayList<>(List.of("start"));
      args.addAll(PlanCommandTest.clusterArgs(none, config));
      args.addAll(List.of("--temporal", address, "--auto-approve", "--wait"));

      CliRun run = CliRun.of(args.toArray(String[]::new));

      assertThat(run.code()).as(run.out() + run.err()).isEqualTo(ExitCodes.BLOCKED);
      assertThat(run.out())
          .contains("migration: REFUSED by pre-flight, nothing was changed")
          .contains("UNSUPPORTED_VERSION: no Istio on GKE add-on found")
          .doesNotContain("ROLLED_BACK");
      assertThat(writes(none, before)).isEmpty();
    }
  }

  /**
   * {@code start --wait} ended REFUSED with exit 3 and the message, and nothing was written: no
   * request but reads and access reviews, no state ConfigMap.
   */
  private static void assertRefused(CliRun run, long before, String message) {
    assertThat(run.code()).as(run.out() + run.err()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(run.out())
        .contains("migration: REFUSED by pre-flight, nothing was changed")
        .contains(message)
        .doesNotContain("ROLLED_BACK")
        .doesNotContain("rollback");
    assertThat(writes(before)).isEmpty();
    assertThat(
            sandbox
                .client("test")
                .configMaps()
                .inNamespace("istio-system")
                .withName("asm-addon-migration-state")
                .get())
        .isNull();
  }

  // --- plumbing
  // ------------------------------------------------------------------------------------

  static long lastSeq() {
    return lastSeq(sandbox);
  }

  static long lastSeq(Sandbox s) {
    List<RequestLog.Entry> all = s.apiServer().requestLog().entries();
    return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
  }

  static List<String> writes(long after) {
    return writes(sandbox, after);
  }

  /**
   * asm-migrate's non-read requests after {@code after} (POST, PUT, PATCH, DELETE), but the
   * SelfSubjectAccessReviews pre-flight asks, which persist nothing.
   */
  static List<String> writes(Sandbox s, long after) {
    return PlanCommandTest.ours(s, after).stream()
        .filter(e -> !READS.contains(e.verb()))
        .filter(e -> !e.resource().equals("selfsubjectaccessreviews"))
        .map(e -> e.verb() + " " + e.group() + "/" + e.resource() + " " + e.name())
        .toList();
  }

  /** Migration workflows the server knows, open or closed. */
  static long workflows() {
    var stub = service.blockingStub();
    WorkflowTypeFilter type =
        WorkflowTypeFilter.newBuilder().setName(ListCommand.WORKFLOW_TYPE).build();
    return stub.listOpenWorkflowExecutions(
                ListOpenWorkflowExecutionsRequest.newBuilder()
                    .setNamespace("default")
                    .setTypeFilter(type)
                    .build())
            .getExecutionsCount()
        + stub.listClosedWorkflowExecutions(
                ListClosedWorkflowExecutionsRequest.newBuilder()
                    .setNamespace("default")
                    .setTypeFilter(type)
                    .build())
            .getExecutionsCount();
  }
}
