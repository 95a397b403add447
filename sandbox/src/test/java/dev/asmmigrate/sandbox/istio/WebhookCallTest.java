package dev.asmmigrate.sandbox.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the API server calls admission webhooks, as the sandbox simulates it for Istio's: every
 * webhook of every configuration whose rules cover the request and whose selectors (matchLabels,
 * matchExpressions) match is called; its {@code clientConfig} decides which control plane answers;
 * the call needs a caBundle holding the backend's serving CA, or it fails as a TLS failure (refused
 * with {@code failurePolicy: Fail}, skipped with {@code Ignore}).
 */
class WebhookCallTest {
  static final String ASM = "gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3";
  static final String ASM_RAPID = "gcr.io/gke-release/asm/proxyv2:1.12.4-asm.2";
  static final String ADDON_14 = "gke.gcr.io/istio/proxyv2:1.4.10-gke.8";
  static final String X509 = "x509: certificate signed by unknown authority";
  IstioTestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void givenTheDefaultTagAsIstioctlWritesIt_whenPodsAreCreated_eachOfItsFourWebhooksShouldInject() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.managedRevision("asm-managed", true);
    mutateWebhook("istio-sidecar-injector", mwc -> mwc.putArray("webhooks"));
    ObjectNode managed =
        cluster.store.require(ResourceRegistry.MUTATING_WEBHOOKS, null, "istiod-asm-managed");
    cluster.store.create(
        ResourceRegistry.MUTATING_WEBHOOKS,
        null,
        RevisionTags.defaultTag(managed, "asm-managed"),
        false);
    cluster.namespace("tagged", "istio.io/rev", "default");
    cluster.namespace("legacy", "istio-injection", "enabled");
    cluster.namespace("disabled", "istio-injection", "disabled");
    cluster.namespace("plain");

    // rev.namespace, namespace, rev.object, object
    assertThat(proxy(cluster.pod("tagged", "a", "", false))).isEqualTo(ASM);
    assertThat(proxy(cluster.pod("legacy", "a", "", false))).isEqualTo(ASM);
    assertThat(proxy(cluster.pod("plain", "a", "labels: {istio.io/rev: default}", false)))
        .isEqualTo(ASM);
    assertThat(
            proxy(cluster.pod("plain", "b", "labels: {sidecar.istio.io/inject: \"true\"}", false)))
        .isEqualTo(ASM);
    // what none of them selects
    assertThat(proxy(cluster.pod("disabled", "a", "", false))).isNull();
    assertThat(
            proxy(
                cluster.pod("disabled", "b", "labels: {sidecar.istio.io/inject: \"true\"}", false)))
        .isNull();
    assertThat(proxy(cluster.pod("plain", "c", "", false))).isNull();
    assertThat(
            proxy(
                cluster.pod("tagged", "b", "labels: {sidecar.istio.io/inject: \"false\"}", false)))
        .isNull();
    // the revision's own webhook, not the tag's (no overlap)
    assertThat(proxy(cluster.pod("plain", "d", "labels: {istio.io/rev: asm-managed}", false)))
        .isEqualTo(ASM);
  }

  @Test
  void givenAWebhookLabelledOneRevisionCallingAnother_whenAPodIsCreated_theCalledOneShouldInject() {
    cluster = IstioTestCluster.addon14();
    cluster.managedRevision("asm-managed", true);
    cluster.managedRevision("asm-managed-rapid", true);
    JsonNode rapid =
        cluster
            .store
            .require(ResourceRegistry.MUTATING_WEBHOOKS, null, "istiod-asm-managed-rapid")
            .path("webhooks")
            .get(0)
            .path("clientConfig");
    // labelled asm-managed, but its webhooks call the rapid revision's endpoint
    mutateWebhook(
        "istiod-asm-managed",
        mwc -> mwc.path("webhooks").forEach(w -> ((ObjectNode) w).set("clientConfig", rapid)));
    cluster.store.delete(
        ResourceRegistry.MUTATING_WEBHOOKS, null, "istiod-asm-managed-rapid", null, null, false);
    cluster.namespace("shop", "istio.io/rev", "asm-managed");

    ObjectNode pod = cluster.pod("shop", "web", "", false);

    assertThat(proxy(pod)).isEqualTo(ASM_RAPID);
  }

  @Test
  void givenTheInjectorsCaBundleLostOrWrong_whenAPodIsCreated_itShouldFailAsTls_unlessIgnored() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop", "istio-injection", "enabled");
    cluster.namespace("plain");
    String good = caBundle("istio-sidecar-injector");
    assertThat(proxy(cluster.pod("shop", "before", "", false))).isEqualTo(ADDON_14);

    mutateWebhook("istio-sidecar-injector", mwc -> clientConfig(mwc).remove("caBundle"));
    assertThatThrownBy(() -> cluster.pod("shop", "lost", "", false))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(500))
        .hasMessageContaining("failed calling webhook \"sidecar-injector.istio.io\"")
        .hasMessageContaining("istio-sidecar-injector.istio-system.svc:443/inject")
        .hasMessageContaining(X509);
    assertThat(cluster.store.get(ResourceRegistry.PODS, "shop", "lost")).isEmpty();
    assertThat(proxy(cluster.pod("plain", "unselected", "", false))).isNull();

    // a bundle of another CA (the Mesh CA root), and one that is no PEM at all
    mutateWebhook(
        "istio-sidecar-injector",
        mwc -> clientConfig(mwc).put("caBundle", WebhookTls.caBundle(MeshCa.ROOT_PEM)));
    assertThatThrownBy(() -> cluster.pod("shop", "other-ca", "", false)).hasMessageContaining(X509);
    mutateWebhook(
        "istio-sidecar-injector",
        mwc -> clientConfig(mwc).put("caBundle", WebhookTls.caBundle("not a certificate")));
    assertThatThrownBy(() -> cluster.pod("shop", "no-pem", "", false)).hasMessageContaining(X509);

    mutateWebhook(
        "istio-sidecar-injector",
        mwc -> ((ObjectNode) mwc.path("webhooks").get(0)).put("failurePolicy", "Ignore"));
    assertThat(proxy(cluster.pod("shop", "ignored", "", false))).isNull();

    mutateWebhook("istio-sidecar-injector", mwc -> clientConfig(mwc).put("caBundle", good));
    assertThat(proxy(cluster.pod("shop", "restored", "", false))).isEqualTo(ADDON_14);
  }

  @Test
  void givenAManagedWebhookWithoutItsCaBundle_whenAPodIsCreated_itShouldFailAsTls() {
    cluster = IstioTestCluster.addon14();
    cluster.managedRevision("asm-managed", true);
    cluster.namespace("shop", "istio.io/rev", "asm-managed");
    mutateWebhook(
        "istiod-asm-managed",
        mwc ->
            mwc.path("webhooks")
                .forEach(w -> ((ObjectNode) w.get("clientConfig")).remove("caBundle")));

    assertThatThrownBy(() -> cluster.pod("shop", "web", "", false))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("rev.namespace.sidecar-injector.istio.io")
        .hasMessageContaining("meshconfig.googleapis.com")
        .hasMessageContaining(X509);
  }

  @Test
  void givenGalleysCaBundleLost_whenIstioConfigIsWritten_itShouldFailAsTls() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop");
    ResourceType virtualServices =
        cluster
            .store
            .registry()
            .find("networking.istio.io", "v1alpha3", "virtualservices")
            .orElseThrow();
    String vs =
        "{apiVersion: networking.istio.io/v1alpha3, kind: VirtualService, metadata: {name: web,"
            + " namespace: shop}, spec: {hosts: [web]}}";
    cluster.create(virtualServices, "shop", vs, true);
    cluster.store.mutate(
        ResourceRegistry.VALIDATING_WEBHOOKS,
        null,
        "istio-galley",
        vwc -> {
          vwc.path("webhooks")
              .forEach(w -> ((ObjectNode) w.get("clientConfig")).remove("caBundle"));
          return vwc;
        },
        null,
        false);

    assertThatThrownBy(() -> cluster.create(virtualServices, "shop", vs, false))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(500))
        .hasMessageContaining("failed calling webhook \"pilot.validation.istio.io\"")
        .hasMessageContaining(X509);
  }

  @Test
  void givenRulesThatDoNotCoverPodCreation_whenAPodIsCreated_theWebhookShouldNotBeCalled() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop", "istio-injection", "enabled");

    mutateWebhook(
        "istio-sidecar-injector",
        mwc ->
            ((ObjectNode) mwc.path("webhooks").get(0).path("rules").get(0))
                .put("scope", "Cluster"));
    assertThat(proxy(cluster.pod("shop", "cluster-scope", "", false))).isNull();

    mutateWebhook(
        "istio-sidecar-injector",
        mwc -> {
          ObjectNode rule = (ObjectNode) mwc.path("webhooks").get(0).path("rules").get(0);
          rule.put("scope", "Namespaced");
          rule.putArray("operations").add("UPDATE");
        });
    assertThat(proxy(cluster.pod("shop", "update-only", "", false))).isNull();

    mutateWebhook(
        "istio-sidecar-injector",
        mwc ->
            ((ObjectNode) mwc.path("webhooks").get(0).path("rules").get(0))
                .putArray("operations")
                .add("*"));
    assertThat(proxy(cluster.pod("shop", "any-operation", "", false))).isEqualTo(ADDON_14);
  }

  @Test
  void
      givenEveryBase_everyWebhookOfItsFixturesAndOfTheManagedControlPlane_shouldPassTheHandshake() {
    cluster = IstioTestCluster.addon16();
    ObjectStore store = cluster.store;
    store.create(
        ResourceRegistry.MUTATING_WEBHOOKS,
        null,
        ManagedControlPlane.injectionWebhook("asm-managed", cluster.settings),
        false);
    WebhookTls tls = new WebhookTls(store);
    int webhooks = 0;
    for (ResourceType type :
        new ResourceType[] {
          ResourceRegistry.MUTATING_WEBHOOKS, ResourceRegistry.VALIDATING_WEBHOOKS
        }) {
      for (ObjectNode configuration : store.list(type, null)) {
        for (JsonNode w : configuration.path("webhooks")) {
          webhooks++;
          assertThat(w.path("clientConfig").path("caBundle").asText())
              .as("caBundle of %s", w.path("name"))
              .isNotEmpty();
          assertThat(tls.handshakeFailure(w))
              .as("%s of %s", w.path("name"), configuration.path("metadata").path("name"))
              .isNull();
        }
      }
    }
    assertThat(webhooks).as("1.4 injector, 1.6 injector, Galley's two, managed two").isEqualTo(6);
    // caBundle is []byte in JSON: what is not base64 is refused, as the API server refuses it
    ObjectNode bad = ManagedControlPlane.injectionWebhook("asm-managed-rapid", cluster.settings);
    ((ObjectNode) bad.path("webhooks").get(0).path("clientConfig")).put("caBundle", "not base64!");
    assertThatThrownBy(() -> store.create(ResourceRegistry.MUTATING_WEBHOOKS, null, bad, false))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400))
        .hasMessageContaining("caBundle");
  }

  // ---------------------------------------------------------------------------------------------

  private void mutateWebhook(String name, Consumer<ObjectNode> change) {
    cluster.store.mutate(
        ResourceRegistry.MUTATING_WEBHOOKS,
        null,
        name,
        mwc -> {
          change.accept(mwc);
          return mwc;
        },
        null,
        false);
  }

  private String caBundle(String name) {
    return clientConfig(cluster.store.require(ResourceRegistry.MUTATING_WEBHOOKS, null, name))
        .path("caBundle")
        .asText();
  }

  private static ObjectNode clientConfig(JsonNode mwc) {
    return (ObjectNode) mwc.path("webhooks").get(0).path("clientConfig");
  }

  /** The image of the pod's istio-proxy container, or null without one. */
  private static String proxy(JsonNode pod) {
    return SidecarInjectionTest.image(pod, "containers", "istio-proxy");
  }
}
