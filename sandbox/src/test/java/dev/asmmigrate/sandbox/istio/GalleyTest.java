package dev.asmmigrate.sandbox.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Galley (add-on 1.4): its webhook comes back while it may write it, and it validates. */
class GalleyTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  IstioTestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void givenGalleyRunsWithItsClusterRole_whenItsWebhookIsDeleted_itShouldRecreateItAsItWas() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    ObjectNode original =
        cluster.store.require(ResourceRegistry.VALIDATING_WEBHOOKS, null, "istio-galley");
    Galley galley = cluster.start(new Galley(cluster.serve()));
    await().atMost(WAIT).until(galley::knowsWebhook);

    cluster.store.delete(
        ResourceRegistry.VALIDATING_WEBHOOKS, null, "istio-galley", null, null, false);

    await()
        .atMost(WAIT)
        .until(
            () ->
                cluster
                    .store
                    .get(ResourceRegistry.VALIDATING_WEBHOOKS, null, "istio-galley")
                    .isPresent());
    ObjectNode recreated =
        cluster.store.require(ResourceRegistry.VALIDATING_WEBHOOKS, null, "istio-galley");
    assertThat(recreated.path("webhooks")).isEqualTo(original.path("webhooks"));
    assertThat(recreated.path("metadata").path("labels"))
        .isEqualTo(original.path("metadata").path("labels"));
    assertThat(recreated.path("metadata").path("uid"))
        .isNotEqualTo(original.path("metadata").path("uid"));
  }

  @Test
  void givenTheClusterRoleRuleNarrowedToGet_whenTheWebhookIsDeleted_itShouldStayDeleted() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    Galley galley = cluster.start(new Galley(cluster.serve()));
    await().atMost(WAIT).until(() -> galley.knowsWebhook() && galley.seesWritePermission());

    // disable_galley_webhook: rules/2/verbs/0 "*" -> "get", then delete the webhook
    cluster.store.mutate(
        ResourceRegistry.CLUSTERROLES,
        null,
        "istio-galley-istio-system",
        role -> {
          ObjectNode rule = (ObjectNode) role.path("rules").get(2);
          assertThat(rule.path("resources").get(0).asText())
              .isEqualTo("validatingwebhookconfigurations");
          ((ArrayNode) rule.get("verbs")).set(0, "get");
          return role;
        },
        null,
        false);
    await().atMost(WAIT).until(() -> !galley.seesWritePermission());
    cluster.store.delete(
        ResourceRegistry.VALIDATING_WEBHOOKS, null, "istio-galley", null, null, false);

    await()
        .during(Duration.ofMillis(2000))
        .atMost(Duration.ofSeconds(6))
        .until(
            () ->
                cluster
                    .store
                    .get(ResourceRegistry.VALIDATING_WEBHOOKS, null, "istio-galley")
                    .isEmpty());
  }

  @Test
  void
      givenGalleyIsDownAndItsWebhookPresent_whenIstioConfigIsWritten_itShouldFailUntilTheWebhookGoes() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop");
    cluster.setAvailable("istio-system", "istio-galley", 0);
    ResourceType virtualServices =
        cluster
            .store
            .registry()
            .find("networking.istio.io", "v1alpha3", "virtualservices")
            .orElseThrow();
    String vs =
        """
        apiVersion: networking.istio.io/v1alpha3
        kind: VirtualService
        metadata: {name: web, namespace: shop}
        spec: {hosts: [web], http: [{route: [{destination: {host: web}}]}]}
        """;

    assertThatThrownBy(() -> cluster.create(virtualServices, "shop", vs, true))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(500))
        .hasMessageContaining("failed calling webhook")
        .hasMessageContaining("istio-galley");
    // objects outside Istio's groups are not Galley's business
    cluster.create(
        ResourceRegistry.CONFIGMAPS,
        "shop",
        "{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: shop}}",
        false);

    cluster.store.delete(
        ResourceRegistry.VALIDATING_WEBHOOKS, null, "istio-galley", null, null, false);
    ObjectNode created = cluster.create(virtualServices, "shop", vs, false);
    assertThat(created.path("metadata").path("name").asText()).isEqualTo("web");
  }

  @Test
  void givenGalleyRuns_whenIstioConfigIsWritten_itShouldBeAccepted() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop");
    ResourceType virtualServices =
        cluster
            .store
            .registry()
            .find("networking.istio.io", "v1alpha3", "virtualservices")
            .orElseThrow();

    ObjectNode created =
        cluster.create(
            virtualServices,
            "shop",
            "{apiVersion: networking.istio.io/v1alpha3, kind: VirtualService, metadata: {name: web,"
                + " namespace: shop}, spec: {hosts: [web]}}",
            false);

    assertThat(created.path("spec").path("hosts").get(0).asText()).isEqualTo("web");
  }
}
