package dev.asmmigrate.activities.meshca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.activities.MeshCaActivities;
import dev.asmmigrate.workflows.activities.MeshCaActivities.MeshCaRequest;
import dev.asmmigrate.workflows.activities.MeshCaActivities.RootDistributionRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Why configure-mesh-ca holds after the root distribution: in a sandbox whose add-on proxies take
 * {@link #PICKUP} to trust a refreshed root bundle, a hold shorter than that lets the frontend move
 * to managed ASM while the add-on gateway still distrusts the Mesh CA, and requests fail until the
 * proxies pick the root up.
 */
class MeshCaHoldTrafficTest {
  static final String APP = "online-boutique";
  static final String ASM_PROXY = "gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3";
  static final Duration PICKUP = Duration.ofSeconds(15);
  static SandboxHarness h;
  static TestActivities activities;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .app(APP)
                .podReadyDelay(Duration.ofMillis(100))
                .controlPlaneProvisionDelay(Duration.ofMillis(500))
                .rootDistributionDelay(Duration.ofMillis(500))
                .proxyRootPickupDelay(PICKUP));
    activities = new TestActivities();
    activities.provisionManagedControlPlane(h);
    assertThat(h.sandbox.awaitSettled(Duration.ofSeconds(180))).isTrue();
  }

  @AfterAll
  static void stop() {
    activities.close();
    h.close();
  }

  @Test
  void
      givenAHoldShorterThanTheProxiesPickup_whenTheFrontendMovesAtOnce_requestsShouldFailUntilPickup() {
    MeshCaActivities tooShort =
        activities.stub(
            MeshCaActivities.class,
            new MeshCaActivitiesImpl(
                h.clients,
                h.backups,
                new MeshCaActivitiesImpl.Settings(
                    Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ZERO, Duration.ZERO)));
    MigrationContext ctx = h.context();
    tooShort.configureMeshCa(new MeshCaRequest(ctx, AddonVersion.V1_4));
    tooShort.awaitRootDistribution(
        new RootDistributionRequest(ctx, AddonVersion.V1_4, Duration.ofSeconds(60)));
    // the proxies' pickup held until the frontend has moved: on a loaded machine its restart can
    // take longer than PICKUP, and a pickup that came first would leave nothing to lose
    h.sandbox.faults().proxyRootPickupHeld = true;
    h.sandbox.trafficProbe().reset();

    moveFrontendToManagedAsm();
    await().atMost(Duration.ofSeconds(60)).until(() -> traffic().path("failed").asLong() > 0);

    JsonNode lost = traffic();
    h.sandbox.faults().proxyRootPickupHeld = false;
    Instant released = Instant.now(); // the proxies pick the root up at most PICKUP after this
    assertThat(lost.path("failures").toString())
        .contains("TLS handshake failed")
        .contains("does not trust the root of online-boutique/frontend-")
        .contains("Mesh CA root");

    // once the proxies picked the root up (what a long enough hold waits for), nothing fails
    await()
        .atMost(PICKUP.plusSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              h.sandbox.trafficProbe().reset();
              return Duration.between(released, Instant.now()).compareTo(PICKUP) > 0;
            });
    await().atMost(Duration.ofSeconds(60)).until(MeshCaHoldTrafficTest::frontendOnAsm);
    long sent = traffic().path("sent").asLong();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> traffic().path("sent").asLong() >= sent + 20);
    assertThat(traffic().path("failed").asLong()).as(traffic().toString()).isZero();
  }

  /** The namespace relabelled for asm-managed and only its frontend restarted onto it. */
  static void moveFrontendToManagedAsm() {
    h.client()
        .namespaces()
        .withName(APP)
        .edit(
            ns -> {
              Map<String, String> labels = new HashMap<>(ns.getMetadata().getLabels());
              labels.remove("istio-injection");
              labels.put("istio.io/rev", "asm-managed");
              ns.getMetadata().setLabels(labels);
              return ns;
            });
    h.client()
        .apps()
        .deployments()
        .inNamespace(APP)
        .withName("frontend")
        .edit(
            d -> {
              Map<String, String> a = new HashMap<>();
              if (d.getSpec().getTemplate().getMetadata().getAnnotations() != null) {
                a.putAll(d.getSpec().getTemplate().getMetadata().getAnnotations());
              }
              a.put("kubectl.kubernetes.io/restartedAt", "hold-test");
              d.getSpec().getTemplate().getMetadata().setAnnotations(a);
              return d;
            });
  }

  static JsonNode traffic() {
    return h.sandbox.trafficProbe().report();
  }

  static boolean frontendOnAsm() {
    return h.sandbox.store().list(ResourceRegistry.PODS, APP).stream()
        .filter(p -> p.path("metadata").path("name").asText().startsWith("frontend-"))
        .allMatch(p -> p.toString().contains(ASM_PROXY));
  }
}
