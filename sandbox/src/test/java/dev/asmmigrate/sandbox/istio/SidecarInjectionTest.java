package dev.asmmigrate.sandbox.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sidecar injection as Istio's webhooks decide it, on the built-in add-on fixtures. */
class SidecarInjectionTest {
  IstioTestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void givenAddon14_whenAPodIsCreatedInAnInjectedNamespace_itShouldGetThe14Sidecar() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop", "istio-injection", "enabled");

    ObjectNode pod = cluster.pod("shop", "web", "", false);

    assertThat(image(pod, "containers", "istio-proxy"))
        .isEqualTo("gke.gcr.io/istio/proxyv2:1.4.10-gke.8");
    assertThat(image(pod, "initContainers", "istio-init"))
        .isEqualTo("gke.gcr.io/istio/proxyv2:1.4.10-gke.8");
    assertThat(names(pod.path("spec").path("containers"))).containsExactly("server", "istio-proxy");
    JsonNode proxy = container(pod, "containers", "istio-proxy");
    assertThat(proxy.path("ports").get(0).path("containerPort").asInt()).isEqualTo(15090);
    assertThat(proxy.path("readinessProbe").path("httpGet").path("port").asInt()).isEqualTo(15020);
    assertThat(texts(proxy.path("args")))
        .contains("proxy", "sidecar", "--applicationPorts", "8080");
    JsonNode certs = volume(pod, "istio-certs");
    assertThat(certs.path("secret").path("secretName").asText()).isEqualTo("istio.default");
    JsonNode status =
        Json.parse(
            pod.path("metadata").path("annotations").path("sidecar.istio.io/status").asText());
    assertThat(texts(status.path("initContainers"))).containsExactly("istio-init");
    assertThat(texts(status.path("containers"))).containsExactly("istio-proxy");
    assertThat(texts(status.path("volumes"))).containsExactly("istio-envoy", "istio-certs");
    assertThat(status.path("revision").asText()).isEqualTo("default");
    JsonNode labels = pod.path("metadata").path("labels");
    assertThat(labels.path("security.istio.io/tlsMode").asText()).isEqualTo("istio");
    assertThat(labels.has("istio.io/rev")).isFalse();
    // what the API server defaults after the webhook, and what it persisted
    assertThat(proxy.path("terminationMessagePath").asText()).isEqualTo("/dev/termination-log");
    assertThat(cluster.store.require(ResourceRegistry.PODS, "shop", "web")).isEqualTo(pod);
  }

  @Test
  void givenAddon16_whenAPodIsCreatedInARevisionNamespace_itShouldGetThe16SidecarFromItsValues() {
    cluster = IstioTestCluster.addon16();
    cluster.addOnRunning();
    cluster.namespace("shop", "istio.io/rev", "istio-1611");

    ObjectNode pod = cluster.pod("shop", "web", "labels: {app: web, version: v2}", false);

    assertThat(image(pod, "containers", "istio-proxy"))
        .isEqualTo("gke.gcr.io/istio/proxyv2:1.6.14-gke.4");
    JsonNode proxy = container(pod, "containers", "istio-proxy");
    assertThat(proxy.path("readinessProbe").path("httpGet").path("port").asInt()).isEqualTo(15021);
    assertThat(env(proxy, "JWT_POLICY")).isEqualTo("first-party-jwt"); // the 1.6 add-on's values
    assertThat(volume(pod, "istiod-ca-cert").path("configMap").path("name").asText())
        .isEqualTo("istio-ca-root-cert");
    assertThat(volume(pod, "istio-certs").isMissingNode()).isTrue();
    JsonNode labels = pod.path("metadata").path("labels");
    assertThat(labels.path("istio.io/rev").asText()).isEqualTo("istio-1611");
    assertThat(labels.path("service.istio.io/canonical-name").asText()).isEqualTo("web");
    assertThat(labels.path("service.istio.io/canonical-revision").asText()).isEqualTo("v2");
    assertThat(labels.path("security.istio.io/tlsMode").asText()).isEqualTo("istio");
  }

  @Test
  void givenTheInjectorValuesChange_whenAPodIsCreated_itShouldGetTheImageTheValuesName() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop", "istio-injection", "enabled");
    cluster.store.mutate(
        ResourceRegistry.CONFIGMAPS,
        "istio-system",
        "istio-sidecar-injector",
        cm -> {
          String values = cm.path("data").path("values").asText();
          ((ObjectNode) cm.get("data"))
              .put(
                  "values",
                  values.replace("\"tag\":\"1.4.10-gke.8\"", "\"tag\":\"1.4.10-gke.99\""));
          return cm;
        },
        null,
        false);

    ObjectNode pod = cluster.pod("shop", "web", "", false);

    assertThat(image(pod, "containers", "istio-proxy"))
        .isEqualTo("gke.gcr.io/istio/proxyv2:1.4.10-gke.99");
  }

  @Test
  void givenAProvisionedManagedRevision_whenAPodIsCreatedInItsNamespace_itShouldGetTheAsmProxy() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    managedRevision("asm-managed", true);
    managedRevision("asm-managed-rapid", true);
    cluster.namespace("regular", "istio.io/rev", "asm-managed");
    cluster.namespace("rapid", "istio.io/rev", "asm-managed-rapid");

    ObjectNode regular = cluster.pod("regular", "web", "", false);
    ObjectNode rapid = cluster.pod("rapid", "web", "", false);

    assertThat(image(regular, "containers", "istio-proxy"))
        .isEqualTo("gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3");
    assertThat(image(rapid, "containers", "istio-proxy"))
        .isEqualTo("gcr.io/gke-release/asm/proxyv2:1.12.4-asm.2");
    JsonNode proxy = container(regular, "containers", "istio-proxy");
    assertThat(env(proxy, "CA_ADDR")).isEqualTo("meshca.googleapis.com:443");
    assertThat(volume(regular, "istio-token").path("projected").toString())
        .contains("sandbox-project.svc.id.goog");
    assertThat(regular.path("metadata").path("labels").path("istio.io/rev").asText())
        .isEqualTo("asm-managed");
  }

  @Test
  void
      givenTheDefaultRevisionTag_whenTheAddonWebhookWasEmptied_itShouldInjectAsmIntoIstioInjectionNamespaces() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    managedRevision("asm-managed", true);
    cluster.namespace("shop", "istio-injection", "enabled");
    cluster.store.mutate(
        ResourceRegistry.MUTATING_WEBHOOKS,
        null,
        "istio-sidecar-injector",
        mwc -> {
          mwc.putArray("webhooks"); // migrate-addon's replace-webhook empties the list
          return mwc;
        },
        null,
        false);
    revisionTag("asm-managed");

    ObjectNode pod = cluster.pod("shop", "web", "", false);

    assertThat(image(pod, "containers", "istio-proxy"))
        .isEqualTo("gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3");
  }

  @Test
  void givenTheAddonWebhookAndTheRevisionTagBothMatch_whenAPodIsCreated_itShouldFailNamingBoth() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    managedRevision("asm-managed", true);
    cluster.namespace("shop", "istio-injection", "enabled");
    revisionTag("asm-managed");

    assertThatThrownBy(() -> cluster.pod("shop", "web", "", false))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(422))
        .hasMessageContaining("istio-sidecar-injector")
        .hasMessageContaining("istio-revision-tag-default")
        .hasMessageContaining("overlapping");
    assertThat(cluster.store.get(ResourceRegistry.PODS, "shop", "web")).isEmpty();
  }

  @Test
  void givenAnInjectedNamespace_whenThePodOptsOutByAnnotation_itShouldGetNoSidecar() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop", "istio-injection", "enabled");

    ObjectNode optedOut =
        cluster.pod("shop", "batch", "annotations: {sidecar.istio.io/inject: \"false\"}", false);
    // Istio 1.4 read only the annotation: a label does not opt out of the add-on's injector
    ObjectNode labelOnly =
        cluster.pod("shop", "labelled", "labels: {sidecar.istio.io/inject: \"false\"}", false);

    assertThat(names(optedOut.path("spec").path("containers"))).containsExactly("server");
    assertThat(optedOut.path("spec").has("initContainers")).isFalse();
    assertThat(optedOut.path("metadata").path("annotations").has("sidecar.istio.io/status"))
        .isFalse();
    assertThat(names(labelOnly.path("spec").path("containers")))
        .containsExactly("server", "istio-proxy");
  }

  @Test
  void givenAManagedNamespace_whenThePodOptsOutByLabel_itShouldGetNoSidecar() {
    cluster = IstioTestCluster.addon14();
    managedRevision("asm-managed", true);
    cluster.namespace("shop", "istio.io/rev", "asm-managed");

    ObjectNode pod =
        cluster.pod("shop", "batch", "labels: {sidecar.istio.io/inject: \"false\"}", false);

    assertThat(names(pod.path("spec").path("containers"))).containsExactly("server");
  }

  @Test
  void givenTheInjectorPolicyDisabled_whenPodsAreCreated_onlyThoseAskingForItShouldBeInjected() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop", "istio-injection", "enabled");
    cluster.store.mutate(
        ResourceRegistry.CONFIGMAPS,
        "istio-system",
        "istio-sidecar-injector",
        cm -> {
          String config = cm.path("data").path("config").asText();
          ((ObjectNode) cm.get("data"))
              .put("config", config.replace("policy: enabled", "policy: disabled"));
          return cm;
        },
        null,
        false);

    ObjectNode plain = cluster.pod("shop", "plain", "", false);
    ObjectNode asking =
        cluster.pod("shop", "asking", "annotations: {sidecar.istio.io/inject: \"true\"}", false);

    assertThat(names(plain.path("spec").path("containers"))).containsExactly("server");
    assertThat(names(asking.path("spec").path("containers")))
        .containsExactly("server", "istio-proxy");
  }

  @Test
  void givenANamespaceNoWebhookSelects_whenAPodIsCreated_itShouldGetNoSidecar() {
    cluster = IstioTestCluster.addon16();
    cluster.addOnRunning();
    cluster.namespace("plain");

    ObjectNode pod = cluster.pod("plain", "web", "", false);

    assertThat(names(pod.path("spec").path("containers"))).containsExactly("server");
    assertThat(pod.path("metadata").path("labels").has("security.istio.io/tlsMode")).isFalse();
  }

  @Test
  void givenTheInjectorHasNoAvailableReplicas_whenAPodIsCreated_itShouldFailAsTheWebhookDoes() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.setAvailable("istio-system", "istio-sidecar-injector", 0);
    cluster.namespace("shop", "istio-injection", "enabled");
    cluster.namespace("plain");

    assertThatThrownBy(() -> cluster.pod("shop", "web", "", false))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(500))
        .hasMessageContaining("failed calling webhook \"sidecar-injector.istio.io\"")
        .hasMessageContaining("no endpoints available for service \"istio-sidecar-injector\"");
    assertThat(cluster.store.get(ResourceRegistry.PODS, "shop", "web")).isEmpty();
    // a namespace the webhook does not select is not affected
    assertThat(names(cluster.pod("plain", "web", "", false).path("spec").path("containers")))
        .containsExactly("server");
  }

  @Test
  void givenAnUnprovisionedRevision_whenAPodIsCreatedInItsNamespace_itShouldFail() {
    cluster = IstioTestCluster.addon14();
    managedRevision("asm-managed", false);
    cluster.namespace("shop", "istio.io/rev", "asm-managed");

    assertThatThrownBy(() -> cluster.pod("shop", "web", "", false))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("rev.namespace.sidecar-injector.istio.io")
        .hasMessageContaining("meshconfig.googleapis.com");
  }

  @Test
  void givenTheWebhookUnavailableFault_whenAPodIsCreated_itShouldFail_unlessItsPolicyIsIgnore() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop", "istio-injection", "enabled");
    cluster.faults.injectionWebhookUnavailable = true;

    assertThatThrownBy(() -> cluster.pod("shop", "web", "", false))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("failed calling webhook");

    cluster.store.mutate(
        ResourceRegistry.MUTATING_WEBHOOKS,
        null,
        "istio-sidecar-injector",
        mwc -> {
          ((ObjectNode) mwc.path("webhooks").get(0)).put("failurePolicy", "Ignore");
          return mwc;
        },
        null,
        false);
    ObjectNode pod = cluster.pod("shop", "web", "", false);
    assertThat(names(pod.path("spec").path("containers"))).containsExactly("server");
  }

  @Test
  void givenAnAsmGatewayPod_whenCreated_itShouldResolveImageAutoAndAddNoInitContainer() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    managedRevision("asm-managed", true);
    // replace-gateway first removes GKE's istio-injection=disabled from istio-system
    cluster.store.mutate(
        ResourceRegistry.NAMESPACES,
        null,
        "istio-system",
        ns -> {
          ((ObjectNode) ns.path("metadata").path("labels")).remove("istio-injection");
          return ns;
        },
        null,
        false);
    String yaml =
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: asm-ingressgateway-abc
          namespace: istio-system
          labels: {app: istio-ingressgateway, istio: ingressgateway, istio.io/rev: asm-managed}
          annotations: {inject.istio.io/templates: gateway}
        spec:
          serviceAccountName: asm-ingressgateway
          containers:
          - name: istio-proxy
            image: auto
            volumeMounts:
            - {name: ingressgateway-certs, mountPath: /etc/istio/ingressgateway-certs, readOnly: true}
          volumes:
          - name: ingressgateway-certs
            secret: {secretName: istio-ingressgateway-certs, optional: true}
        """;

    ObjectNode pod = cluster.create(ResourceRegistry.PODS, "istio-system", yaml, false);

    assertThat(names(pod.path("spec").path("containers"))).containsExactly("istio-proxy");
    assertThat(pod.path("spec").path("initContainers").size()).isZero();
    JsonNode proxy = container(pod, "containers", "istio-proxy");
    assertThat(proxy.path("image").asText())
        .isEqualTo("gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3");
    assertThat(texts(proxy.path("args"))).contains("proxy", "router");
    assertThat(names(proxy.path("volumeMounts")))
        .contains("ingressgateway-certs", "istiod-ca-cert", "istio-token");
    assertThat(names(pod.path("spec").path("volumes")))
        .contains("ingressgateway-certs", "istio-envoy", "istiod-ca-cert", "istio-token");
    assertThat(env(proxy, "ISTIO_META_CLUSTER_ID"))
        .isEqualTo("cn-sandbox-project-us-central1-c-sandbox-cluster");
    JsonNode status =
        Json.parse(
            pod.path("metadata").path("annotations").path("sidecar.istio.io/status").asText());
    assertThat(status.path("initContainers").isNull()).isTrue();
    assertThat(status.path("revision").asText()).isEqualTo("asm-managed");
  }

  @Test
  void givenADryRunCreate_whenInjected_itShouldReturnTheInjectedPodAndStoreNothing() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop", "istio-injection", "enabled");
    long before = cluster.store.resourceVersion();

    ObjectNode pod = cluster.pod("shop", "web", "", true);

    assertThat(names(pod.path("spec").path("containers"))).containsExactly("server", "istio-proxy");
    assertThat(cluster.store.get(ResourceRegistry.PODS, "shop", "web")).isEmpty();
    assertThat(cluster.store.resourceVersion()).isEqualTo(before);
  }

  @Test
  void givenAnAlreadyInjectedPod_whenCreated_itShouldNotBeInjectedTwice() {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    cluster.namespace("shop", "istio-injection", "enabled");
    ObjectNode injected = cluster.pod("shop", "web", "", true);
    injected.path("metadata").path("name");
    ((ObjectNode) injected.get("metadata")).put("name", "restored");
    for (String f : List.of("uid", "resourceVersion", "creationTimestamp")) {
      ((ObjectNode) injected.get("metadata")).remove(f);
    }

    ObjectNode pod = cluster.store.create(ResourceRegistry.PODS, "shop", injected, false);

    assertThat(names(pod.path("spec").path("containers"))).containsExactly("server", "istio-proxy");
  }

  // ---------------------------------------------------------------------------------------------

  /** A ControlPlaneRevision, provisioned or not, with the webhook its control plane installs. */
  private void managedRevision(String rev, boolean provisioned) {
    cluster.managedRevision(rev, provisioned);
  }

  /** The revision tag {@code default}, as {@code istioctl tag set default} makes it. */
  private void revisionTag(String rev) {
    ObjectNode tag =
        RevisionTags.defaultTag(ManagedControlPlane.injectionWebhook(rev, cluster.settings), rev);
    cluster.store.create(ResourceRegistry.MUTATING_WEBHOOKS, null, tag, false);
  }

  static JsonNode container(JsonNode pod, String list, String name) {
    for (JsonNode c : pod.path("spec").path(list)) {
      if (c.path("name").asText().equals(name)) {
        return c;
      }
    }
    return Json.object().path("missing");
  }

  static String image(JsonNode pod, String list, String name) {
    return container(pod, list, name).path("image").asText(null);
  }

  static JsonNode volume(JsonNode pod, String name) {
    for (JsonNode v : pod.path("spec").path("volumes")) {
      if (v.path("name").asText().equals(name)) {
        return v;
      }
    }
    return Json.object().path("missing");
  }

  static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e.path("value").asText();
      }
    }
    return null;
  }

  static List<String> names(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.forEach(n -> out.add(n.path("name").asText()));
    return out;
  }

  static List<String> texts(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.forEach(n -> out.add(n.asText()));
    return out;
  }
}
