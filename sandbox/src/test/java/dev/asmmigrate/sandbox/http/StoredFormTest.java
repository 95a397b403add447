package dev.asmmigrate.sandbox.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.api.BuiltinAdmission;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Objects read back over HTTP as a real API server returns them after the round trip through its Go
 * types: empty omitempty lists and maps left out, empty non-omitempty lists as null, empty objects
 * kept, quantities canonical. Raw HTTP, so absent, null and empty are told apart.
 */
class StoredFormTest {
  static final String MWCS = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";
  static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/demo/deployments";
  static ApiServer server;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    ObjectStore store = new ObjectStore(new ResourceRegistry(), Clock.systemUTC());
    store.addAdmissionPlugin(new BuiltinAdmission());
    server = new ApiServer(store, new Faults(), () -> null, 0);
    server.start();
    ObjectNode ns = Json.object();
    ns.putObject("metadata").put("name", "demo");
    store.create(ResourceRegistry.NAMESPACES, null, ns, false);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> send(String method, String path, String contentType, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", contentType)
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
    return Json.parse(response.body());
  }

  static JsonNode get(String path) throws Exception {
    return ok(send("GET", path, null, null));
  }

  static String webhookConfiguration(String name) {
    return """
        {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
         "metadata": {"name": "%s", "labels": {"app": "sidecarInjectorWebhook"}},
         "webhooks": [
           {"name": "sidecar-injector.istio.io",
            "clientConfig": {"service": {"name": "istio-sidecar-injector", "namespace": "demo"}},
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"],
                       "resources": ["pods"]}],
            "namespaceSelector": {"matchLabels": {"istio-injection": "enabled"}},
            "objectSelector": {"matchLabels": {}},
            "sideEffects": "None", "admissionReviewVersions": ["v1beta1"]},
           {"name": "second.istio.io",
            "clientConfig": {"service": {"name": "istio-sidecar-injector", "namespace": "demo"}},
            "sideEffects": "None", "admissionReviewVersions": ["v1"]}]}
        """
        .formatted(name);
  }

  static JsonNode createWebhookConfiguration(String name) throws Exception {
    return ok(send("POST", MWCS, "application/json", webhookConfiguration(name)));
  }

  @Test
  void givenWebhooks_whenCreated_itShouldKeepEmptyObjectsAndDropEmptyListsAndMapsInside()
      throws Exception {
    JsonNode created = createWebhookConfiguration("created");
    JsonNode second = created.path("webhooks").get(1);
    assertThat(second.has("rules")).as("no rules: left out").isFalse();
    assertThat(second.path("namespaceSelector").isObject()).isTrue();
    assertThat(second.path("namespaceSelector").isEmpty()).as("defaulted {} is kept").isTrue();
    JsonNode first = get(MWCS + "/created").path("webhooks").get(0);
    assertThat(first.path("objectSelector").isObject()).isTrue();
    assertThat(first.path("objectSelector").has("matchLabels"))
        .as("empty matchLabels left out, the selector kept")
        .isFalse();
    assertThat(first.path("rules").get(0).path("apiGroups").get(0).asText()).isEmpty();
  }

  @Test
  void givenWebhooks_whenMergePatchedToEmpty_itShouldReadBackWithoutTheField() throws Exception {
    createWebhookConfiguration("merge");
    JsonNode patched =
        ok(send("PATCH", MWCS + "/merge", "application/merge-patch+json", "{\"webhooks\": []}"));
    assertThat(patched.has("webhooks")).isFalse();
    assertThat(get(MWCS + "/merge").has("webhooks")).isFalse();
    assertThat(get(MWCS).path("items").get(0).has("webhooks")).as("in lists too").isFalse();
  }

  @Test
  void givenWebhooks_whenJsonPatchedToEmpty_itShouldReadBackWithoutTheField() throws Exception {
    createWebhookConfiguration("json");
    ok(
        send(
            "PATCH",
            MWCS + "/json",
            "application/json-patch+json",
            "[{\"op\": \"replace\", \"path\": \"/webhooks\", \"value\": []}]"));
    assertThat(get(MWCS + "/json").has("webhooks")).isFalse();
  }

  @Test
  void givenWebhooks_whenStrategicPatchReplacesThemWithNone_itShouldReadBackWithoutTheField()
      throws Exception {
    createWebhookConfiguration("strategic");
    ok(
        send(
            "PATCH",
            MWCS + "/strategic",
            "application/strategic-merge-patch+json",
            "{\"webhooks\": [{\"$patch\": \"replace\"}]}"));
    assertThat(get(MWCS + "/strategic").has("webhooks")).isFalse();
  }

  @Test
  void givenWebhooks_whenUpdatedToEmpty_itShouldReadBackWithoutTheField_andLabelsRemovedLikewise()
      throws Exception {
    ObjectNode current = (ObjectNode) createWebhookConfiguration("update");
    current.putArray("webhooks");
    ok(send("PUT", MWCS + "/update", "application/json", current.toString()));
    assertThat(get(MWCS + "/update").has("webhooks")).isFalse();
    ok(
        send(
            "PATCH",
            MWCS + "/update",
            "application/merge-patch+json",
            "{\"metadata\": {\"labels\": {\"app\": null}}}"));
    JsonNode meta = get(MWCS + "/update").path("metadata");
    assertThat(meta.has("labels")).as("labels emptied: left out").isFalse();
  }

  @Test
  void givenRbacObjects_whenEmptyListsAreStored_itShouldReadBackAsTheGoTypesTagThem()
      throws Exception {
    String rbac = "/apis/rbac.authorization.k8s.io/v1";
    JsonNode role =
        ok(
            send(
                "POST",
                rbac + "/clusterroles",
                "application/json",
                """
                {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                 "metadata": {"name": "empty"}, "rules": []}
                """));
    assertThat(role.has("rules")).as("json:\"rules\" without omitempty").isTrue();
    assertThat(role.get("rules").isNull()).isTrue();
    assertThat(get(rbac + "/clusterroles/empty").get("rules").isNull()).isTrue();
    JsonNode binding =
        ok(
            send(
                "POST",
                rbac + "/namespaces/demo/rolebindings",
                "application/json",
                """
                {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                 "metadata": {"name": "nobody"}, "subjects": [],
                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                             "name": "empty"}}
                """));
    assertThat(binding.has("subjects")).as("json:\"subjects,omitempty\"").isFalse();
  }

  static String deployment(String cpu, String memory) {
    return """
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"selector": {"matchLabels": {"app": "web"}},
           "template": {"metadata": {"labels": {"app": "web"}, "annotations": {}},
             "spec": {"volumes": [{"name": "tmp", "emptyDir": {}}],
               "containers": [{"name": "web", "image": "web:1", "env": [], "args": [],
                 "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                 "resources": {"requests": {"cpu": %s, "memory": "%s"},
                               "limits": {"cpu": 0.5, "memory": "1e3"}}},
                 {"name": "idle", "image": "idle:1", "resources": {"limits": {}}}]}}}}
        """
        .formatted(cpu, memory);
  }

  @Test
  void givenAPodTemplate_whenStored_itShouldReadBackCanonicalQuantitiesAndNoEmptyLists()
      throws Exception {
    ok(send("POST", DEPLOYMENTS, "application/json", deployment("\"1000m\"", "2048Mi")));
    JsonNode spec = get(DEPLOYMENTS + "/web").path("spec").path("template").path("spec");
    JsonNode web = spec.path("containers").get(0);
    assertThat(web.path("resources").path("requests").path("cpu").asText()).isEqualTo("1");
    assertThat(web.path("resources").path("requests").path("memory").asText()).isEqualTo("2Gi");
    assertThat(web.path("resources").path("limits").path("cpu").isTextual()).isTrue();
    assertThat(web.path("resources").path("limits").path("cpu").asText()).isEqualTo("500m");
    assertThat(web.path("resources").path("limits").path("memory").asText()).isEqualTo("1e3");
    assertThat(web.has("env")).isFalse();
    assertThat(web.has("args")).isFalse();
    assertThat(web.path("volumeMounts").size()).isEqualTo(1);
    JsonNode idle = spec.path("containers").get(1);
    assertThat(idle.path("resources").isObject()).as("resources: {} is kept").isTrue();
    assertThat(idle.path("resources").has("limits")).isFalse();
    assertThat(spec.path("volumes").get(0).path("emptyDir").isObject())
        .as("emptyDir: {} is kept")
        .isTrue();
    JsonNode templateMeta =
        get(DEPLOYMENTS + "/web").path("spec").path("template").path("metadata");
    assertThat(templateMeta.has("annotations")).isFalse();

    ok(
        send(
            "PATCH",
            DEPLOYMENTS + "/web",
            "application/strategic-merge-patch+json",
            """
            {"spec": {"template": {"spec": {"containers": [
              {"name": "web", "resources": {"requests": {"memory": "1024Mi", "cpu": "0.25"}}}]}}}}
            """));
    web = get(DEPLOYMENTS + "/web").path("spec").path("template").path("spec").path("containers");
    assertThat(web.get(0).path("resources").path("requests").path("memory").asText())
        .isEqualTo("1Gi");
    assertThat(web.get(0).path("resources").path("requests").path("cpu").asText())
        .isEqualTo("250m");
  }

  @Test
  void givenAnUnparseableQuantity_whenCreated_itShouldBeRefusedWith400AndNothingStored()
      throws Exception {
    HttpResponse<String> refused =
        send(
            "POST",
            DEPLOYMENTS,
            "application/json",
            deployment("\"1000m\"", "2 Gi").replaceFirst("\"name\": \"web\"", "\"name\": \"bad\""));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("quantities must match the regular expression");
    assertThat(send("GET", DEPLOYMENTS + "/bad", null, null).statusCode()).isEqualTo(404);
  }
}
