package dev.asmmigrate.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.SandboxSettings;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The simulated nodes of a sandbox, as their kubelets register and report them. */
class NodeControllerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  static Sandbox sandbox;
  static KubernetesClient client;

  @BeforeAll
  static void serve() {
    sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.NONE)
                .nodes(2)
                .masterVersion("1.18.16-gke.1600")
                .location("europe-west1-b")
                .build());
    client = sandbox.client("node-test");
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void nodes_areRegisteredReady_atTheMastersVersion() {
    await().atMost(TIMEOUT).until(() -> client.nodes().list().getItems().size() == 2);
    List<Node> nodes = client.nodes().list().getItems();
    assertThat(nodes)
        .extracting(n -> n.getMetadata().getName())
        .containsExactlyInAnyOrder("sandbox-node-0", "sandbox-node-1");
    for (Node n : nodes) {
      assertThat(n.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo("v1.18.16-gke.1600");
      assertThat(n.getStatus().getNodeInfo().getKubeProxyVersion()).isEqualTo("v1.18.16-gke.1600");
      assertThat(ready(n).getStatus()).isEqualTo("True");
      assertThat(ready(n).getReason()).isEqualTo("KubeletReady");
      assertThat(n.getMetadata().getLabels())
          .containsEntry("kubernetes.io/hostname", n.getMetadata().getName())
          .containsEntry("topology.kubernetes.io/zone", "europe-west1-b")
          .containsEntry("topology.kubernetes.io/region", "europe-west1")
          .containsEntry("cloud.google.com/gke-nodepool", "default-pool");
      assertThat(n.getStatus().getAllocatable()).containsKeys("cpu", "memory", "pods");
      assertThat(n.getStatus().getCapacity().get("cpu").toString()).isEqualTo("4");
      assertThat(n.getStatus().getAddresses())
          .extracting(a -> a.getType())
          .contains("InternalIP", "ExternalIP", "Hostname");
      assertThat(n.getSpec().getProviderID())
          .isEqualTo("gce://sandbox-project/europe-west1-b/" + n.getMetadata().getName());
    }
  }

  @Test
  void heartbeat_renewsTheConditions_butKeepsAStatusSomeoneSet() throws Exception {
    await().atMost(TIMEOUT).until(() -> client.nodes().withName("sandbox-node-1").get() != null);
    Node node = client.nodes().withName("sandbox-node-1").get();
    String before = ready(node).getLastHeartbeatTime();
    // a test marks the node NotReady, as a broken kubelet would leave it
    ready(node).setStatus("False");
    ready(node).setReason("KubeletNotReady");
    client.nodes().resource(node).updateStatus();

    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    SandboxContext ctx =
        new SandboxContext(
            sandbox.settings(),
            sandbox.faults(),
            sandbox.client("node-test-2"),
            timers,
            sandbox.store());
    NodeController second = new NodeController(ctx);
    try {
      await()
          .atMost(TIMEOUT)
          .until(
              () -> {
                second.reconcile("sandbox-node-1");
                return !before.equals(
                    ready(client.nodes().withName("sandbox-node-1").get()).getLastHeartbeatTime());
              });
      Node after = client.nodes().withName("sandbox-node-1").get();
      assertThat(ready(after).getStatus()).isEqualTo("False");
      assertThat(ready(after).getReason()).isEqualTo("KubeletNotReady");
      assertThat(after.getMetadata().getUid()).isEqualTo(node.getMetadata().getUid());
    } finally {
      Node restore = client.nodes().withName("sandbox-node-1").get();
      ready(restore).setStatus("True");
      ready(restore).setReason("KubeletReady");
      client.nodes().resource(restore).updateStatus();
      timers.shutdownNow();
    }
  }

  @Test
  void startingAgain_registersMissingNodes_andLeavesExistingOnes() {
    await().atMost(TIMEOUT).until(() -> client.nodes().list().getItems().size() == 2);
    String uid0 = client.nodes().withName("sandbox-node-0").get().getMetadata().getUid();
    client.nodes().withName("sandbox-node-1").delete();
    await().atMost(TIMEOUT).until(() -> client.nodes().withName("sandbox-node-1").get() == null);

    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    SandboxContext ctx =
        new SandboxContext(
            sandbox.settings(),
            sandbox.faults(),
            sandbox.client("node-test-3"),
            timers,
            sandbox.store());
    try (NodeController again = new NodeController(ctx)) {
      again.start();
      await().atMost(TIMEOUT).until(() -> client.nodes().withName("sandbox-node-1").get() != null);
      assertThat(ready(client.nodes().withName("sandbox-node-1").get()).getStatus())
          .isEqualTo("True");
      assertThat(client.nodes().withName("sandbox-node-0").get().getMetadata().getUid())
          .isEqualTo(uid0);
    } finally {
      timers.shutdownNow();
    }
  }

  private static NodeCondition ready(Node n) {
    return n.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("Ready"))
        .findFirst()
        .orElseThrow();
  }
}
