package dev.asmmigrate.activities.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.activities.StateActivities;
import dev.asmmigrate.workflows.activities.StateActivities.WriteStateRequest;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StateActivitiesImplTest {
  static SandboxHarness h;
  static TestActivities activities;
  static StateActivities state;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .podReadyDelay(Duration.ofMillis(100)));
    activities = new TestActivities();
    state = activities.stub(StateActivities.class, new StateActivitiesImpl(h.clients, h.backups));
  }

  @AfterAll
  static void stop() {
    activities.close();
    h.close();
  }

  @AfterEach
  void removeState() {
    h.client().configMaps().inNamespace("istio-system").withName(StateConfigMap.NAME).delete();
  }

  JsonNode stored() {
    return h.sandbox
        .store()
        .get(ResourceRegistry.CONFIGMAPS, "istio-system", StateConfigMap.NAME)
        .orElse(null);
  }

  @Test
  void givenNoState_whenWrittenTwice_itShouldCreateTheSeedsConfigMapOnceAndChangeNothingMore() {
    MigrationContext ctx = h.context();

    state.writeState(new WriteStateRequest(ctx, MigrationState.PENDING, "fleet-registration"));
    JsonNode once = stored();
    state.writeState(new WriteStateRequest(ctx, MigrationState.PENDING, "fleet-registration"));
    JsonNode twice = stored();

    assertThat(once.path("data"))
        .isEqualTo(
            new ObjectMapper()
                .valueToTree(
                    Map.of(
                        "migrationStatus", "PENDING",
                        "migrationId", ctx.migrationId(),
                        "step", "fleet-registration")));
    assertThat(twice.path("metadata").path("resourceVersion"))
        .isEqualTo(once.path("metadata").path("resourceVersion"));
    assertThat(once.path("metadata").path("labels").path("app.kubernetes.io/managed-by").asText())
        .isEqualTo("asm-migrate");
  }

  @Test
  void givenAState_whenANewOneIsWritten_itShouldUpdateItAndKeepForeignKeys() {
    MigrationContext ctx = h.context();
    state.writeState(new WriteStateRequest(ctx, MigrationState.PENDING, "write-marker"));
    h.client()
        .configMaps()
        .inNamespace("istio-system")
        .withName(StateConfigMap.NAME)
        .edit(
            cm -> {
              cm.getData().put("note", "kept");
              return cm;
            });

    state.writeState(new WriteStateRequest(ctx, MigrationState.SUCCESS, "write-marker"));

    assertThat(stored().path("data").path("migrationStatus").asText()).isEqualTo("SUCCESS");
    assertThat(stored().path("data").path("note").asText()).isEqualTo("kept");
    assertThat(new StateConfigMap(h.client()).read())
        .hasValueSatisfying(
            c -> {
              assertThat(c.state()).isEqualTo(MigrationState.SUCCESS);
              assertThat(c.migrationId()).isEqualTo(ctx.migrationId());
              assertThat(c.step()).isEqualTo("write-marker");
            });
  }

  @Test
  void givenAWrittenState_whenReadWithTheSeedsKubectlCommand_itShouldShowMigrationStatus()
      throws Exception {
    Assumptions.assumeTrue(
        new ProcessBuilder("kubectl", "version", "--client").start().waitFor(30, TimeUnit.SECONDS),
        "kubectl is not installed");
    MigrationContext ctx = h.context();
    state.writeState(new WriteStateRequest(ctx, MigrationState.ROLLED_BACK, "cleanup"));

    Process kubectl =
        new ProcessBuilder(
                "kubectl",
                "--kubeconfig",
                h.connection.kubeconfig(),
                "get",
                "cm/asm-addon-migration-state",
                "-n",
                "istio-system",
                "-ojsonpath={.data}")
            .redirectErrorStream(true)
            .start();
    assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(kubectl.exitValue()).as(out).isZero();
    JsonNode data = new ObjectMapper().readTree(out);
    assertThat(data.path("migrationStatus").asText()).isEqualTo("ROLLED_BACK");
    assertThat(data.path("migrationId").asText()).isEqualTo(ctx.migrationId());
  }
}
