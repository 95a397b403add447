package dev.asmmigrate.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.sandbox.api.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's manual migration of Online Boutique, typed with kubectl against a served sandbox: the
 * add-on's pods, the managed control plane, the relabel, the rollout restart, and the ASM proxies
 * that come back — with the traffic probe watching.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeedWalkthroughKubectlTest {
  static final String PROXY_14 = "gke.gcr.io/istio/proxyv2:1.4.10-gke.8";
  static final String PROXY_ASM = "gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3";

  @TempDir static Path dir;
  static Sandbox sandbox;
  static Kubectl kubectl;

  @BeforeAll
  static void serve() throws Exception {
    sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .app("online-boutique")
                .podReadyDelay(Duration.ofMillis(200))
                .controlPlaneProvisionDelay(Duration.ofMillis(500))
                .build());
    kubectl = new Kubectl(sandbox.writeKubeconfig(dir.resolve("sandbox.kubeconfig")));
    assertThat(sandbox.awaitSettled(Duration.ofSeconds(180)))
        .as("the add-on cluster settles")
        .isTrue();
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  @Order(1)
  void givenTheAddOnCluster_whenPodsAreListed_twelveShouldRunWithTheAddOnProxy() {
    String table = kubectl.run("-n", "online-boutique", "get", "pods").assertOk().stdout();
    List<String> rows = table.lines().skip(1).toList();
    assertThat(rows).hasSize(12);
    assertThat(rows).allSatisfy(r -> assertThat(r).containsPattern("\\s2/2\\s+Running\\s"));

    JsonNode frontend = frontendPod();
    List<String> images = new ArrayList<>();
    frontend
        .path("status")
        .path("containerStatuses")
        .forEach(c -> images.add(c.path("image").asText()));
    assertThat(images).containsExactlyInAnyOrder(PROXY_14, frontendImage());
  }

  @Test
  @Order(2)
  void givenAControlPlaneRevision_whenApplied_itShouldProvision() {
    String cpr =
        """
        apiVersion: mesh.cloud.google.com/v1beta1
        kind: ControlPlaneRevision
        metadata:
          name: asm-managed
          namespace: istio-system
        spec:
          type: managed_service
          channel: regular
        """;
    kubectl.runWithInput(cpr, "apply", "-f", "-").assertOk();
    kubectl
        .run(
            "wait",
            "--for=condition=ProvisioningFinished",
            "controlplanerevision/asm-managed",
            "-n",
            "istio-system",
            "--timeout=60s")
        .assertOk();
  }

  @Test
  @Order(3)
  void givenTheSeedsCommands_whenRelabelledAndRestarted_everyPodShouldComeBackWithTheAsmProxy() {
    sandbox.trafficProbe().reset();
    kubectl
        .run(
            "label",
            "namespace",
            "online-boutique",
            "istio.io/rev=asm-managed",
            "istio-injection-",
            "--overwrite")
        .assertOk();
    kubectl.run("rollout", "restart", "deployment", "-n", "online-boutique").assertOk();
    for (String d : deployments()) {
      kubectl
          .run("rollout", "status", "deployment/" + d, "-n", "online-boutique", "--timeout=120s")
          .assertOk();
    }
    assertThat(sandbox.awaitSettled(Duration.ofSeconds(60))).isTrue();
    JsonNode pods =
        Json.parse(
            kubectl.run("-n", "online-boutique", "get", "pods", "-o", "json").assertOk().stdout());
    assertThat(pods.path("items")).hasSize(12);
    for (JsonNode pod : pods.path("items")) {
      List<String> images = new ArrayList<>();
      pod.path("status")
          .path("containerStatuses")
          .forEach(
              c -> {
                images.add(c.path("image").asText());
                assertThat(c.path("ready").asBoolean()).isTrue();
              });
      assertThat(images).contains(PROXY_ASM).doesNotContain(PROXY_14);
    }
    JsonNode traffic = sandbox.trafficProbe().report();
    assertThat(traffic.path("sent").asLong()).isPositive();
  }

  static List<String> deployments() {
    String names =
        kubectl
            .run(
                "-n",
                "online-boutique",
                "get",
                "deployments",
                "-o",
                "jsonpath={.items[*].metadata.name}")
            .assertOk()
            .stdout();
    return List.of(names.trim().split("\\s+"));
  }

  static JsonNode frontendPod() {
    String json =
        kubectl
            .run("-n", "online-boutique", "get", "pods", "-l", "app=frontend", "-o", "json")
            .assertOk()
            .stdout();
    JsonNode items = Json.parse(json).path("items");
    assertThat(items).hasSize(1);
    return items.get(0);
  }

  static String frontendImage() {
    return kubectl
        .run(
            "-n",
            "online-boutique",
            "get",
            "deployment",
            "frontend",
            "-o",
            "jsonpath={.spec.template.spec.containers[?(@.name==\"server\")].image}")
        .assertOk()
        .stdout();
  }
}
