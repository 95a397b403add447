package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plan --gke-access}, and {@code fleet plan} of a cluster listed without kubeconfig or
 * context, against a secure sandbox (HTTPS, bearer tokens required): no kubeconfig, the endpoint
 * and CA from the fake ClusterManager, a token for the sandbox's service account key from its token
 * endpoint; and the usage errors of the new options.
 */
class GkeAccessCliTest {
  @TempDir static Path dir;
  static Sandbox sandbox;
  static Path keyFile;

  @BeforeAll
  static void start() throws IOException {
    sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .podReadyDelay(Duration.ofMillis(100))
                .secure(true)
                .build());
    assertThat(sandbox.awaitSettled(Duration.ofMinutes(2))).isTrue();
    keyFile = sandbox.writeServiceAccountKey(dir.resolve("key.json"));
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  static PlanCommandTest.Run plan(String... extra) {
    var s = sandbox.settings();
    List<String> args =
        new ArrayList<>(
            List.of(
                "plan",
                "--project",
                s.project(),
                "--location",
                s.location(),
                "--cluster",
                s.cluster(),
                "--google-endpoint",
                sandbox.googleEndpoint()));
    args.addAll(List.of(extra));
    return PlanCommandTest.run(args);
  }

  @Test
  void givenGkeAccessAndAKeyFile_whenPlanned_itShouldReadTheClusterWithoutAKubeconfig()
      throws IOException {
    long before = PlanCommandTest.lastSeq(sandbox);
    int grants = sandbox.tokenEndpoint().log().size();

    PlanCommandTest.Run r =
        plan("--gke-access", "--google-credentials", keyFile.toString(), "-o", "json");

    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    JsonNode plan = new ObjectMapper().readTree(r.out());
    assertThat(plan.path("canMigrate").asBoolean()).as(r.out()).isTrue();
    assertThat(PlanCommandTest.ours(sandbox, before)).isNotEmpty();
    assertThat(sandbox.tokenEndpoint().log().subList(grants, sandbox.tokenEndpoint().log().size()))
        .isNotEmpty()
        .allSatisfy(g -> assertThat(g.issued()).isTrue());
  }

  @Test
  void givenGkeAccessWithAKubeconfigOrAMissingKeyFile_whenPlanned_itShouldBeAUsageError() {
    PlanCommandTest.Run both =
        plan("--gke-access", "--kubeconfig", dir.resolve("any.kubeconfig").toString());
    assertThat(both.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(both.err()).contains("--gke-access").contains("--kubeconfig");

    PlanCommandTest.Run missing =
        plan("--gke-access", "--google-credentials", dir.resolve("missing.json").toString());
    assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err()).contains("missing.json");
  }

  @Test
  void
      givenAFleetClusterWithoutKubeconfigOrContext_whenFleetPlanned_itShouldBeReachedThroughGoogle()
          throws IOException {
    var s = sandbox.settings();
    Path file =
        Files.writeString(
            dir.resolve("fleet.yaml"),
            """
            name: through-google
            clusters:
              - {project: %s, location: %s, name: %s}
            waves:
              - {name: all, clusters: [%s]}
            """
                .formatted(s.project(), s.location(), s.cluster(), s.cluster()));
    long before = PlanCommandTest.lastSeq(sandbox);
    int grants = sandbox.tokenEndpoint().log().size();

    CliRun r =
        CliRun.of(
            "fleet",
            "plan",
            file.toString(),
            "--google-endpoint",
            sandbox.googleEndpoint(),
            "--google-credentials",
            keyFile.toString());

    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out())
        .contains("  can be migrated (")
        .contains("result: every cluster of fleet through-google can be migrated");
    assertThat(PlanCommandTest.ours(sandbox, before)).isNotEmpty();
    assertThat(sandbox.tokenEndpoint().log().subList(grants, sandbox.tokenEndpoint().log().size()))
        .isNotEmpty()
        .allSatisfy(g -> assertThat(g.issued()).isTrue());

    CliRun missing =
        CliRun.of(
            "fleet",
            "plan",
            file.toString(),
            "--google-credentials",
            dir.resolve("missing.json").toString());
    assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err()).contains("--google-credentials").contains("missing.json");
  }
}
