package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plan} on a sandbox whose Mixer objects are the add-on defaults of other add-on versions
 * (digests in the known-default list, specs other than the sandbox's own): nothing to report, exit
 * 0; the same cluster with one field of one of them changed: exit 3, that object named.
 */
class PlanMixerDefaultsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void givenOtherAddonVersionsMixerDefaults_whenPlanned_itShouldExit0ThenExit3NamingTheEditedOne()
      throws Exception {
    long started = System.nanoTime();
    try (Sandbox sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .app("online-boutique")
                .fixtureDirs(List.of(otherAddonVersions()))
                .podReadyDelay(Duration.ofMillis(100))
                .build())) {
      assertThat(sandbox.awaitSettled(Duration.ofMinutes(3))).isTrue();
      Path kubeconfig = sandbox.writeKubeconfig(dir.resolve("sandbox.kubeconfig"));
      List<String> args = new ArrayList<>(List.of("plan"));
      args.addAll(PlanCommandTest.clusterArgs(sandbox, kubeconfig));
      args.addAll(List.of("-o", "json"));

      PlanCommandTest.Run clean = PlanCommandTest.run(args);

      assertThat(clean.code()).as(clean.err() + clean.out()).isZero();
      JsonNode plan = JSON.readTree(clean.out());
      assertThat(plan.path("canMigrate").asBoolean()).isTrue();
      assertThat(plan.path("findings")).isEmpty();

      // one field of the 1.2 add-on's stackdriver-server rule changed: custom configuration
      sandbox
          .client("test-operator")
          .genericKubernetesResources("config.istio.io/v1alpha2", "rule")
          .inNamespace("istio-system")
          .withName("stackdriver-server")
          .edit(
              r -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> spec =
                    (Map<String, Object>) r.getAdditionalProperties().get("spec");
                spec.put("match", spec.get("match") + " && destination.port != 15090");
                return r;
              });

      PlanCommandTest.Run edited = PlanCommandTest.run(args);

      assertThat(edited.code()).as(edited.err()).isEqualTo(ExitCodes.BLOCKED);
      JsonNode findings = JSON.readTree(edited.out()).path("findings");
      assertThat(findings).hasSize(1);
      assertThat(findings.get(0).path("rule").asText()).isEqualTo("mixer-custom-config");
      assertThat(findings.get(0).path("kind").asText()).isEqualTo("rule");
      assertThat(findings.get(0).path("namespace").asText()).isEqualTo("istio-system");
      assertThat(findings.get(0).path("name").asText()).isEqualTo("stackdriver-server");
      List<String> text = new ArrayList<>(args.subList(0, args.size() - 2));
      PlanCommandTest.Run readable = PlanCommandTest.run(text);
      assertThat(readable.code()).isEqualTo(ExitCodes.BLOCKED);
      assertThat(readable.out()).contains("istio-system/stackdriver-server");
    } finally {
      System.out.printf(
          "PlanMixerDefaultsTest: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }
  }

  /** {@code sandbox/src/test/resources/mixer-other-addon-versions}, found from the module. */
  static Path otherAddonVersions() throws java.io.IOException {
    return PlanCommandTest.fixtureDirs()
        .get(0)
        .getParent()
        .getParent()
        .resolve("mixer-other-addon-versions");
  }
}
