package dev.asmmigrate.activities.meshca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.activities.MeshCaActivities;
import dev.asmmigrate.workflows.activities.MeshCaActivities.MeshCaRequest;
import dev.asmmigrate.workflows.activities.MeshCaActivities.RootDistributionRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Why configure-mesh-ca exists: a namespace moving to managed ASM (relabel, rolling restart) behind
 * the add-on's gateway serves every request only if the add-on trusts the Mesh CA first. The
 * namespace moves are driven directly, as the workload step would do them.
 */
class MeshCaTrafficTest {
  static final String APP = "online-boutique";
  static final String ASM_PROXY = "gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3";
  static final String ADDON_PROXY = "gke.gcr.io/istio/proxyv2:1.4.10-gke.8";
  static final AtomicInteger RESTARTS = new AtomicInteger();
  static SandboxHarness h;
  static TestActivities activities;
  static MeshCaActivities meshCa;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .app(APP)
                .podReadyDelay(Duration.ofMillis(300))
                .controlPlaneProvisionDelay(Duration.ofMillis(500))
                .rootDistributionDelay(Duration.ofMillis(500)));
    activities = new TestActivities();
    meshCa =
        activities.stub(
            MeshCaActivities.class,
            new MeshCaActivitiesImpl(
                h.clients,
                h.backups,
                new MeshCaActivitiesImpl.Settings(
                    Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ZERO, Duration.ZERO)));
    activities.provisionManagedControlPlane(h);
  }

  @AfterAll
  static void stop() {
    activities.close();
    h.close();
  }

  /**
   * Relabels the app's namespace for {@code revision} (null: back to the add-on) and restarts it.
   */
  static void moveAppTo(String revision, String proxy) {
    h.client()
        .namespaces()
        .withName(APP)
        .edit(
            ns -> {
              Map<String, String> labels = new HashMap<>(ns.getMetadata().getLabels());
              if (revision == null) {
                labels.remove("istio.io/rev");
                labels.put("istio-injection", "enabled");
              } else {
                labels.remove("istio-injection");
                labels.put("istio.io/rev", revision);
              }
              ns.getMetadata().setLabels(labels);
              return ns;
            });
    String restartedAt = "test-restart-" + RESTARTS.incrementAndGet();
    for (Deployment d : h.client().apps().deployments().inNamespace(APP).list().getItems()) {
      h.client()
          .apps()
          .deployments()
          .inNamespace(APP)
          .withName(d.getMetadata().getName())
          .edit(
              x -> {
                Map<String, String> a = new HashMap<>();
                if (x.getSpec().getTemplate().getMetadata().getAnnotations() != null) {
                  a.putAll(x.getSpec().getTemplate().getMetadata().getAnnotations());
                }
                a.put("kubectl.kubernetes.io/restartedAt", restartedAt);
                x.getSpec().getTemplate().getMetadata().setAnnotations(a);
                return x;
              });
    }
    await().atMost(Duration.ofSeconds(120)).until(() -> allPodsReadyOn(proxy));
  }

  /** Twelve pods, none terminating, all Ready with {@code proxy}. */
  static boolean allPodsReadyOn(String proxy) {
    List<ObjectNode> pods = h.sandbox.store().list(ResourceRegistry.PODS, APP);
    if (pods.size() != 12) {
      return false;
    }
    for (ObjectNode p : pods) {
      boolean ready = false;
      for (JsonNode c : p.path("status").path("conditions")) {
        ready |=
            c.path("type").asText().equals("Ready") && c.path("status").asText().equals("True");
      }
      String image = "";
      for (JsonNode c : p.path("spec").path("containers")) {
        if (c.path("name").asText().equals("istio-proxy")) {
          image = c.path("image").asText();
        }
      }
      if (!ready || !image.equals(proxy) || p.path("metadata").has("deletionTimestamp")) {
        return false;
      }
    }
    return true;
  }

  static String describePods() {
    StringBuilder b = new StringBuilder();
    for (ObjectNode p : h.sandbox.store().list(ResourceRegistry.PODS, APP)) {
      b.append(p.path("metadata").path("name").asText())
          .append(' ')
          .append(p.path("status").path("phase").asText())
          .append(' ');
      for (JsonNode c : p.path("spec").path("containers")) {
        b.append(c.path("name").asText()).append('=').append(c.path("image").asText()).append(' ');
      }
      b.append('\n');
    }
    return b.toString();
  }

  static JsonNode traffic() {
    return h.sandbox.trafficProbe().report();
  }

  /** Lets at least {@code n} more requests go through the probe. */
  static void moreRequests(int n) {
    long target = traffic().path("sent").asLong() + n;
    await().atMost(Duration.ofSeconds(30)).until(() -> traffic().path("sent").asLong() >= target);
  }

  @Test
  void givenANamespaceMovingToManagedAsm_itShouldLoseRequestsWithoutTheTrustStepAndNoneWithIt() {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(allPodsReadyOn(ADDON_PROXY)).as(describePods()).isTrue());

    // without configure-mesh-ca: the add-on gateway does not trust the Mesh CA's frontend
    h.sandbox.trafficProbe().reset();
    moveAppTo("asm-managed", ASM_PROXY);
    moreRequests(10);
    JsonNode untrusted = traffic();
    assertThat(untrusted.path("failed").asLong()).isPositive();
    assertThat(untrusted.path("failures").toString()).contains("TLS handshake failed");
    moveAppTo(null, ADDON_PROXY);

    // with it: not one request lost while the namespace moves
    MigrationContext ctx = h.context();
    h.sandbox.trafficProbe().reset();
    meshCa.configureMeshCa(new MeshCaRequest(ctx, AddonVersion.V1_4));
    meshCa.awaitRootDistribution(
        new RootDistributionRequest(ctx, AddonVersion.V1_4, Duration.ofSeconds(60)));
    moveAppTo("asm-managed", ASM_PROXY);
    moreRequests(10);

    JsonNode trusted = traffic();
    assertThat(trusted.path("sent").asLong()).isGreaterThan(20);
    assertThat(trusted.path("failed").asLong()).as(trusted.toString()).isZero();
  }
}
