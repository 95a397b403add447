package dev.asmmigrate.sandbox.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The managed control plane answering ControlPlaneRevisions, through the API. */
class ManagedControlPlaneTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  IstioTestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void
      givenAControlPlaneRevision_itShouldProvisionAfterTheDelay_bringItsObjects_andTakeThemOnDelete() {
    cluster =
        IstioTestCluster.of(
            IstioTestCluster.fastSettings()
                .controlPlaneProvisionDelay(Duration.ofSeconds(1))
                .project("acme-prod")
                .build(),
            "base",
            "crds",
            "addon-1.4");
    cluster.start(new ManagedControlPlane(cluster.serve()));
    Instant applied = Instant.now();

    apply("asm-managed", "regular");

    await().atMost(WAIT).until(() -> condition("asm-managed").isPresent());
    if (Duration.between(applied, Instant.now()).compareTo(Duration.ofMillis(900)) < 0) {
      assertThat(condition("asm-managed").get().path("status").asText()).isEqualTo("False");
      assertThat(condition("asm-managed").get().path("reason").asText()).isEqualTo("Provisioning");
    }
    await().atMost(WAIT).until(() -> "True".equals(status("asm-managed")));
    assertThat(Duration.between(applied, Instant.now()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(condition("asm-managed").get().path("reason").asText()).isEqualTo("Provisioned");
    await()
        .atMost(WAIT)
        .until(
            () ->
                cluster
                        .store
                        .get(ResourceRegistry.MUTATING_WEBHOOKS, null, "istiod-asm-managed")
                        .isPresent()
                    && cluster
                        .store
                        .get(ResourceRegistry.CONFIGMAPS, "istio-system", "env-asm-managed")
                        .isPresent()
                    && cluster
                        .store
                        .get(ResourceRegistry.CONFIGMAPS, "istio-system", "istio-asm-managed")
                        .isPresent());
    JsonNode env =
        cluster.store.require(ResourceRegistry.CONFIGMAPS, "istio-system", "env-asm-managed");
    assertThat(env.path("data").path("TRUST_DOMAIN").asText()).isEqualTo("acme-prod.svc.id.goog");
    assertThat(env.path("data").path("CA").asText()).isEqualTo("MESHCA");
    assertThat(
            cluster
                .store
                .require(ResourceRegistry.CONFIGMAPS, "istio-system", "istio-asm-managed")
                .path("data")
                .path("mesh")
                .asText())
        .contains("trustDomain: acme-prod.svc.id.goog");
    JsonNode mwc =
        cluster.store.require(ResourceRegistry.MUTATING_WEBHOOKS, null, "istiod-asm-managed");
    assertThat(mwc.path("metadata").path("labels").path("istio.io/rev").asText())
        .isEqualTo("asm-managed");
    assertThat(mwc.path("webhooks").get(0).path("name").asText())
        .isEqualTo("rev.namespace.sidecar-injector.istio.io");
    assertThat(mwc.path("webhooks").get(1).path("name").asText())
        .isEqualTo("rev.object.sidecar-injector.istio.io");
    assertThat(mwc.path("webhooks").get(0).path("clientConfig").path("url").asText())
        .startsWith("https://meshconfig.googleapis.com/v1alpha1/projects/acme-prod/");

    cluster.store.delete(cpr(), "istio-system", "asm-managed", null, null, false);

    await()
        .atMost(WAIT)
        .until(
            () ->
                cluster
                        .store
                        .get(ResourceRegistry.MUTATING_WEBHOOKS, null, "istiod-asm-managed")
                        .isEmpty()
                    && cluster
                        .store
                        .get(ResourceRegistry.CONFIGMAPS, "istio-system", "env-asm-managed")
                        .isEmpty()
                    && cluster
                        .store
                        .get(ResourceRegistry.CONFIGMAPS, "istio-system", "istio-asm-managed")
                        .isEmpty());
  }

  @Test
  void givenABadSpec_itShouldReportProvisioningFinishedFalseWithTheReason() {
    cluster = IstioTestCluster.addon14();
    cluster.start(new ManagedControlPlane(cluster.serve()));

    apply("asm-managed-rapid", "stable");

    await().atMost(WAIT).until(() -> "False".equals(status("asm-managed-rapid")));
    JsonNode c = condition("asm-managed-rapid").orElseThrow();
    assertThat(c.path("reason").asText()).isEqualTo("ChannelMismatch");
    assertThat(c.path("message").asText()).contains("rapid");
    await()
        .during(Duration.ofMillis(1200))
        .atMost(Duration.ofSeconds(5))
        .until(() -> "False".equals(status("asm-managed-rapid")));
    assertThat(
            cluster.store.get(ResourceRegistry.MUTATING_WEBHOOKS, null, "istiod-asm-managed-rapid"))
        .isEmpty();
  }

  @Test
  void givenTheNeverProvisionedFault_itShouldStayProvisioning() {
    cluster = IstioTestCluster.addon14();
    cluster.faults.controlPlaneNeverProvisioned = true;
    cluster.start(new ManagedControlPlane(cluster.serve()));

    apply("asm-managed", "regular");

    await().atMost(WAIT).until(() -> "False".equals(status("asm-managed")));
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(6))
        .until(() -> "Provisioning".equals(condition("asm-managed").get().path("reason").asText()));
    cluster.faults.controlPlaneNeverProvisioned = false;
    await().atMost(WAIT).until(() -> "True".equals(status("asm-managed")));
  }

  @Test
  void givenAClusterWithoutTheCrd_itShouldInstallIt() {
    cluster = IstioTestCluster.of(IstioTestCluster.fastSettings().build(), "base");
    assertThat(ClusterState.controlPlaneRevisions(cluster.store)).isEmpty();

    cluster.start(new ManagedControlPlane(cluster.serve()));

    await().atMost(WAIT).until(() -> ClusterState.controlPlaneRevisions(cluster.store).isPresent());
    assertThat(
            cluster
                .store
                .require(ResourceRegistry.CRDS, null, ManagedControlPlane.CRD_NAME)
                .path("spec")
                .path("versions")
                .get(0)
                .path("subresources")
                .has("status"))
        .isTrue();
  }

  // ---------------------------------------------------------------------------------------------

  private ResourceType cpr() {
    return ClusterState.controlPlaneRevisions(cluster.store).orElseThrow();
  }

  private void apply(String name, String channel) {
    cluster.create(
        cpr(),
        "istio-system",
        """
        apiVersion: mesh.cloud.google.com/v1beta1
        kind: ControlPlaneRevision
        metadata: {name: %s, namespace: istio-system}
        spec: {type: managed_service, channel: %s}
        """
            .formatted(name, channel),
        false);
  }

  private Optional<JsonNode> condition(String name) {
    return cluster
        .store
        .get(cpr(), "istio-system", name)
        .flatMap(
            o -> {
              for (JsonNode c : o.path("status").path("conditions")) {
                if (c.path("type").asText().equals("ProvisioningFinished")) {
                  return Optional.of(c);
                }
              }
              return Optional.empty();
            });
  }

  private String status(String name) {
    return condition(name).map(c -> c.path("status").asText()).orElse(null);
  }
}
