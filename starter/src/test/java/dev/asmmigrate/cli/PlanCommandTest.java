package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.http.RequestLog;
import dev.asmmigrate.workflows.model.Step;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code plan} against one sandbox holding every config-check fixture directory (they load
 * together): every expected finding is reported with its rule and severity, nothing else, exit 3;
 * the plan makes only reads; the converted policies come out as YAML; bad input is a usage error
 * that changes nothing.
 */
class PlanCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> READS = Set.of("get", "list", "watch");

  @TempDir static Path dir;
  static Sandbox sandbox;
  static Path kubeconfig;
  static List<Path> fixtures;

  @BeforeAll
  static void start() throws IOException {
    fixtures = fixtureDirs();
    sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .app("online-boutique")
                .fixtureDirs(fixtures)
                .podReadyDelay(Duration.ofMillis(100))
                .build());
    assertThat(sandbox.awaitSettled(Duration.ofMinutes(3))).isTrue();
    kubeconfig = sandbox.writeKubeconfig(dir.resolve("sandbox.kubeconfig"));
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  /** {@code sandbox/src/test/resources/config-check/*}, found from the module directory. */
  static List<Path> fixtureDirs() throws IOException {
    Path d = Path.of("").toAbsolutePath();
    while (d != null && !Files.isDirectory(d.resolve("sandbox/src/test/resources/config-check"))) {
      d = d.getParent();
    }
    assertThat(d).as("sandbox/src/test/resources/config-check above the module").isNotNull();
    try (Stream<Path> s = Files.list(d.resolve("sandbox/src/test/resources/config-check"))) {
      return s.filter(Files::isDirectory).sorted().toList();
    }
  }

  static List<String> clusterArgs(Sandbox sandbox, Path kubeconfig) {
    var s = sandbox.settings();
    return List.of(
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
        sandbox.googleEndpoint());
  }

  /** Runs the CLI; returns exit code, stdout and stderr. */
  record Run(int code, String out, String err) {}

  static Run run(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  static Run plan(String... extra) {
    List<String> args = new ArrayList<>(List.of("plan"));
    args.addAll(clusterArgs(sandbox, kubeconfig));
    args.addAll(List.of(extra));
    return run(args);
  }

  /** Requests of asm-migrate itself (not the sandbox's controllers) after {@code seq}. */
  static List<RequestLog.Entry> ours(Sandbox sandbox, long after) {
    return sandbox.apiServer().requestLog().entries().stream()
        .filter(e -> e.seq() > after)
        .filter(e -> e.userAgent().startsWith("asm-migrate"))
        .filter(e -> !e.userAgent().startsWith("asm-migrate-sandbox"))
        .toList();
  }

  static long lastSeq(Sandbox sandbox) {
    List<RequestLog.Entry> all = sandbox.apiServer().requestLog().entries();
    return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
  }

  @Test
  void givenEveryConfigCheckFixture_whenPlanned_itShouldReportEachFindingAndExit3ReadingOnly()
      throws IOException {
    long before = lastSeq(sandbox);

    Run r = plan("-o", "json");

    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.BLOCKED);
    JsonNode plan = JSON.readTree(r.out());
    assertThat(plan.path("schema").asText()).isEqualTo(PlanCommand.SCHEMA);
    assertThat(plan.path("canMigrate").asBoolean()).isFalse();
    List<String> expected = new ArrayList<>();
    for (Path f : fixtures) {
      for (String line : Files.readAllLines(f.resolve("expected-findings.txt"))) {
        if (!line.isBlank() && !line.startsWith("#")) {
          expected.add(line.trim());
        }
      }
    }
    List<String> reported = new ArrayList<>();
    for (JsonNode f : plan.path("findings")) {
      String ns = f.path("namespace").asText();
      reported.add(
          String.join(
                  " ",
                  f.path("rule").asText(),
                  f.path("severity").asText(),
                  f.path("kind").asText(),
                  ns.isEmpty() ? "-" : ns,
                  f.path("name").asText())
              + (f.path("rewrite").isObject() ? " rewrite" : ""));
    }
    assertThat(reported).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(plan.path("blocking").asLong())
        .isEqualTo(expected.stream().filter(l -> l.contains(" BLOCKING ")).count());
    // pre-flight itself passes on this cluster; its warnings are informational
    assertThat(plan.path("preflight").findValuesAsText("severity")).doesNotContain("BLOCKING");
    assertThat(plan.path("preflight").findValuesAsText("rule"))
        .contains("preflight-single-replica");
    // the plan still lists the steps, and migrate-configs would fail on the unconvertible policy
    assertThat(plan.path("steps").findValuesAsText("step")).contains("replace-gateway", "cleanup");
    // every step the runbook declares, in its order, titled by its declaration
    List<String> planned = new ArrayList<>();
    plan.path("steps")
        .forEach(st -> planned.add(st.path("step").asText() + ": " + st.path("title").asText()));
    assertThat(planned)
        .containsExactlyElementsOf(
            java.util.Arrays.stream(Step.values()).map(st -> st.id() + ": " + st.title()).toList());
    assertThat(step(plan, "migrate-configs").path("failure").asText())
        .contains("cannot be converted");
    // the plug-in CA's content never appears
    assertThat(r.out()).doesNotContain("cGxhY2Vob2xkZXI=");

    // read only: gets, lists, watches, and SelfSubjectAccessReviews (which persist nothing)
    List<RequestLog.Entry> requests = ours(sandbox, before);
    assertThat(requests).isNotEmpty();
    assertThat(requests)
        .allSatisfy(
            e ->
                assertThat(
                        READS.contains(e.verb())
                            || (e.verb().equals("create")
                                && e.resource().equals("selfsubjectaccessreviews")))
                    .as("%s %s %s/%s", e.verb(), e.resource(), e.namespace(), e.name())
                    .isTrue());
    assertThat(requests).anyMatch(e -> e.resource().equals("selfsubjectaccessreviews"));
  }

  static JsonNode step(JsonNode plan, String id) {
    for (JsonNode s : plan.path("steps")) {
      if (s.path("step").asText().equals(id)) {
        return s;
      }
    }
    throw new AssertionError("no step " + id);
  }

  @Test
  void givenConvertibleAlphaPolicies_whenPlannedAsYamlConverted_itShouldWriteEachConvertedObject()
      throws IOException {
    Path out = dir.resolve("converted.yaml");

    Run r = plan("-o", "yaml", "--converted", "--out", out.toString());

    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(r.out()).isEmpty();
    List<String> objects = new ArrayList<>();
    try (YAMLParser parser = new YAMLFactory().createParser(out.toFile())) {
      ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
      for (JsonNode doc : yaml.readValues(parser, JsonNode.class).readAll()) {
        assertThat(doc.path("apiVersion").asText()).isEqualTo("security.istio.io/v1beta1");
        objects.add(
            doc.path("kind").asText()
                + " "
                + doc.path("metadata").path("namespace").asText()
                + "/"
                + doc.path("metadata").path("name").asText());
      }
    }
    // the add-on's mesh-wide MeshPolicy, and the convertible policies of the alpha fixture
    assertThat(objects).contains("PeerAuthentication istio-system/default");
    assertThat(objects).anyMatch(o -> o.contains("cc-alpha-policy/"));
    assertThat(objects).doesNotHaveDuplicates();
  }

  @Test
  void givenTheDefaultOutput_whenPlanned_itShouldPrintEverySectionReadably() {
    Run r = plan();

    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.BLOCKED);
    assertThat(r.out())
        .contains("cluster: sandbox-project/")
        .contains("pre-flight:")
        .contains(
            "BLOCKING      envoyfilter-unsupported: EnvoyFilter cc-envoyfilter/add-response-header")
        .contains("INFORMATIONAL plugin-ca-cacerts: Secret istio-system/cacerts")
        .contains("converted policies:")
        .contains("  control-plane: 1 change")
        .contains("  # " + Step.CONTROL_PLANE.title() + "\n  control-plane: 1 change")
        .contains("create ControlPlaneRevision istio-system/asm-managed")
        .contains("  migrate-configs: WOULD FAIL")
        .contains("result: ");
  }

  @Test
  void givenAnotherToolsMigrationState_whenPlanned_itShouldRefuseInPreflightAndPlanNoStep()
      throws IOException {
    var client = sandbox.client("test");
    var foreign =
        new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
            .withNewMetadata()
            .withName("asm-addon-migration-state")
            .withNamespace("istio-system")
            .endMetadata()
            .addToData("migrationStatus", "SUCCESS")
            .build();
    client.configMaps().inNamespace("istio-system").resource(foreign).create();
    try {
      Run r = plan("-o", "json");

      assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.BLOCKED);
      JsonNode plan = JSON.readTree(r.out());
      List<String> blocking = new ArrayList<>();
      for (JsonNode f : plan.path("preflight")) {
        if (f.path("severity").asText().equals("BLOCKING")) {
          blocking.add(
              f.path("rule").asText()
                  + " "
                  + f.path("kind").asText()
                  + " "
                  + f.path("namespace").asText()
                  + "/"
                  + f.path("name").asText());
        }
      }
      assertThat(blocking)
          .containsExactly(
              "preflight-state-conflict ConfigMap istio-system/asm-addon-migration-state");
      assertThat(plan.path("steps")).isEmpty();
      // config-check still ran: its findings are reported too
      assertThat(plan.path("findings")).isNotEmpty();
    } finally {
      client
          .configMaps()
          .inNamespace("istio-system")
          .withName("asm-addon-migration-state")
          .delete();
    }
  }

  @Test
  void givenBadInput_whenPlanned_itShouldExit2WithAClearMessageAndChangeNothing()
      throws IOException {
    long before = lastSeq(sandbox);

    Run format = plan("-o", "xml");
    Run converted = plan("-o", "json", "--converted");
    Run channel = plan("--channel", "beta");
    Path broken = dir.resolve("broken.kubeconfig");
    Files.writeString(
        broken, "apiVersion: v1\nkind: Config\nclusters: [this is not: a kubeconfig\n");
    Run kubeconfig =
        run(
            List.of(
                "plan",
                "--kubeconfig",
                broken.toString(),
                "--project",
                "p",
                "--location",
                "l",
                "--cluster",
                "c"));
    Run missing = run(List.of("plan", "--project", "p", "--location", "l"));

    assertThat(format.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(format.err()).contains("-o must be text, json or yaml, got 'xml'");
    assertThat(converted.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(converted.err()).contains("--converted goes with -o yaml");
    assertThat(channel.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(kubeconfig.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(kubeconfig.err()).contains("malformed kubeconfig").doesNotContain("\tat ");
    assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err()).contains("--cluster");
    assertThat(ours(sandbox, before)).isEmpty();
  }

  @Test
  void givenAnUnreachableCluster_whenPlanned_itShouldExit1WithoutAStackTrace() throws IOException {
    Path unreachable = dir.resolve("unreachable.kubeconfig");
    Files.writeString(
        unreachable,
        Files.readString(kubeconfig)
            .replace(sandbox.kubernetesUrl(), "http://127.0.0.1:" + closedPort()));
    var s = sandbox.settings();

    Run r =
        run(
            List.of(
                "plan",
                "--kubeconfig",
                unreachable.toString(),
                "--context",
                "sandbox",
                "--project",
                s.project(),
                "--location",
                s.location(),
                "--cluster",
                s.cluster(),
                "--google-endpoint",
                sandbox.googleEndpoint()));

    assertThat(r.code()).isEqualTo(ExitCodes.UNEXPECTED);
    assertThat(r.err()).startsWith("asm-migrate: plan: ").doesNotContain("\tat ");
  }

  static int closedPort() throws IOException {
    try (var socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
