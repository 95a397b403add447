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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's transient API faults answer as a real kube-apiserver can: reads get 500 or 429 and
 * never 409; a 409 is a Conflict Status on an update or patch that raced another writer, and is not
 * applied; a 429 carries Retry-After; some 500s on writes come after the write was applied. Seen
 * over raw HTTP, without a client's retries.
 */
class TransientFaultsTest {
  static final String CMS = "/api/v1/namespaces/demo/configmaps";

  ObjectStore store;
  Faults faults;
  ApiServer server;
  HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    store = new ObjectStore(new ResourceRegistry(), Clock.systemUTC());
    store.addAdmissionPlugin(new BuiltinAdmission());
    faults = new Faults();
    server = new ApiServer(store, faults, () -> null, 0);
    server.start();
    ObjectNode ns = Json.object();
    ns.putObject("metadata").put("name", "demo");
    store.create(ResourceRegistry.NAMESPACES, null, ns, false);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  HttpResponse<String> send(String method, String path, String contentType, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("User-Agent", "asm-migrate-test");
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", contentType)
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String configMap(String name, String value, String resourceVersion) {
    ObjectNode cm = Json.object();
    cm.put("apiVersion", "v1");
    cm.put("kind", "ConfigMap");
    ObjectNode meta = cm.putObject("metadata");
    meta.put("name", name);
    if (resourceVersion != null) {
      meta.put("resourceVersion", resourceVersion);
    }
    cm.putObject("data").put("k", value);
    return cm.toString();
  }

  ObjectNode stored(String name) {
    return store.get(ResourceRegistry.CONFIGMAPS, "demo", name).orElse(null);
  }

  String rv(String name) {
    return stored(name).path("metadata").path("resourceVersion").asText();
  }

  void create(String name) {
    store.create(
        ResourceRegistry.CONFIGMAPS,
        "demo",
        (ObjectNode) Json.parse(configMap(name, "v", null).getBytes()),
        false);
  }

  List<RequestLog.Entry> faulted() {
    return server.requestLog().entries().stream()
        .filter(e -> e.fault() != RequestLog.Fault.NONE)
        .toList();
  }

  @Test
  void givenOnly409Faults_readsCreatesDeletesAndUnconditionalUpdates_shouldNeverGetOne()
      throws Exception {
    create("a");
    faults.apiErrorCodes.clear();
    faults.apiErrorCodes.add(409);
    faults.apiErrorRate.put("*", 1.0);

    assertThat(send("GET", CMS + "/a", null, null).statusCode()).isEqualTo(200);
    assertThat(send("GET", CMS, null, null).statusCode()).isEqualTo(200);
    assertThat(send("POST", CMS, "application/json", configMap("b", "v", null)).statusCode())
        .isEqualTo(201);
    assertThat(send("PUT", CMS + "/b", "application/json", configMap("b", "2", null)).statusCode())
        .as("an update without resourceVersion is unconditional")
        .isEqualTo(200);
    assertThat(send("DELETE", CMS + "/b", null, null).statusCode()).isEqualTo(200);
    assertThat(
            send("PATCH", CMS + "/gone", "application/merge-patch+json", "{\"data\":{\"k\":\"x\"}}")
                .statusCode())
        .as("a patch of a missing object is a 404, never a conflict")
        .isEqualTo(404);
    assertThat(faulted()).isEmpty();
  }

  @Test
  void givenA409Fault_aConditionalUpdateShouldGetAConflictStatus_notBeApplied_andNeedAReRead()
      throws Exception {
    create("a");
    String before = rv("a");
    faults.apiErrorCodes.clear();
    faults.apiErrorCodes.add(409);
    faults.apiErrorRate.put("update", 1.0);

    HttpResponse<String> r =
        send("PUT", CMS + "/a", "application/json", configMap("a", "new", before));

    assertThat(r.statusCode()).isEqualTo(409);
    JsonNode status = Json.parse(r.body().getBytes());
    assertThat(status.path("kind").asText()).isEqualTo("Status");
    assertThat(status.path("status").asText()).isEqualTo("Failure");
    assertThat(status.path("reason").asText()).isEqualTo("Conflict");
    assertThat(status.path("code").asInt()).isEqualTo(409);
    assertThat(status.path("details").path("name").asText()).isEqualTo("a");
    assertThat(status.path("details").path("kind").asText()).isEqualTo("configmaps");
    assertThat(status.path("message").asText())
        .isEqualTo(
            "Operation cannot be fulfilled on configmaps \"a\": the object has been modified;"
                + " please apply your changes to the latest version and try again");
    assertThat(stored("a").path("data").path("k").asText()).as("not applied").isEqualTo("v");
    assertThat(rv("a")).as("another writer got in first").isNotEqualTo(before);
    assertThat(faulted())
        .singleElement()
        .satisfies(e -> assertThat(e.fault()).isEqualTo(RequestLog.Fault.INJECTED));

    faults.apiErrorRate.clear();
    assertThat(
            send("PUT", CMS + "/a", "application/json", configMap("a", "new", before)).statusCode())
        .as("the same request again, without faults: still stale")
        .isEqualTo(409);
    assertThat(
            send("PUT", CMS + "/a", "application/json", configMap("a", "new", rv("a")))
                .statusCode())
        .as("re-read and re-applied")
        .isEqualTo(200);
    assertThat(stored("a").path("data").path("k").asText()).isEqualTo("new");
  }

  @Test
  void givenA409Fault_aPatchShouldGetAConflictAndNotBeApplied() throws Exception {
    create("a");
    faults.apiErrorCodes.clear();
    faults.apiErrorCodes.add(409);
    faults.apiErrorRate.put("patch", 1.0);

    HttpResponse<String> r =
        send("PATCH", CMS + "/a", "application/merge-patch+json", "{\"data\":{\"k\":\"x\"}}");

    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(Json.parse(r.body().getBytes()).path("reason").asText()).isEqualTo("Conflict");
    assertThat(stored("a").path("data").path("k").asText()).isEqualTo("v");
  }

  @Test
  void givenOnlyConflictAndThrottlingFaults_readsShouldBeThrottledWithRetryAfter()
      throws Exception {
    create("a");
    faults.apiErrorCodes.clear();
    faults.apiErrorCodes.addAll(List.of(409, 429));
    faults.apiErrorRate.put("*", 1.0);

    for (String path : List.of(CMS + "/a", CMS, CMS + "?watch=true&timeoutSeconds=1")) {
      HttpResponse<String> r = send("GET", path, null, null);
      assertThat(r.statusCode()).as(path).isEqualTo(429);
      assertThat(r.headers().firstValue("Retry-After")).as(path).contains("1");
      JsonNode status = Json.parse(r.body().getBytes());
      assertThat(status.path("reason").asText()).isEqualTo("TooManyRequests");
      assertThat(status.path("details").path("retryAfterSeconds").asInt()).isEqualTo(1);
    }
    assertThat(faulted()).hasSize(3).allMatch(e -> e.code() == 429);
  }

  @Test
  void givenA500AfterTheWrite_theWriteShouldBeAppliedAndTheAnswerA500() throws Exception {
    create("a");
    faults.apiErrorCodes.clear();
    faults.apiErrorCodes.add(500);
    faults.apiErrorAppliedFraction = 1.0;
    faults.apiErrorRate.put("create", 1.0);
    faults.apiErrorRate.put("patch", 1.0);
    faults.apiErrorRate.put("delete", 1.0);
    faults.apiErrorRate.put("get", 1.0);

    assertThat(send("POST", CMS, "application/json", configMap("b", "v", null)).statusCode())
        .isEqualTo(500);
    assertThat(stored("b")).as("created all the same").isNotNull();
    assertThat(
            send("PATCH", CMS + "/a", "application/merge-patch+json", "{\"data\":{\"k\":\"x\"}}")
                .statusCode())
        .isEqualTo(500);
    assertThat(stored("a").path("data").path("k").asText()).isEqualTo("x");
    assertThat(send("DELETE", CMS + "/b", null, null).statusCode()).isEqualTo(500);
    assertThat(stored("b")).as("deleted all the same").isNull();
    assertThat(send("GET", CMS + "/a", null, null).statusCode())
        .as("a read is never 'applied'")
        .isEqualTo(500);

    assertThat(send("POST", CMS, "application/json", configMap("a", "v", null)).statusCode())
        .as("a create refused for its own reason gets its real answer")
        .isEqualTo(409);
    assertThat(faulted())
        .extracting(RequestLog.Entry::verb, RequestLog.Entry::fault)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("create", RequestLog.Fault.APPLIED),
            org.assertj.core.groups.Tuple.tuple("patch", RequestLog.Fault.APPLIED),
            org.assertj.core.groups.Tuple.tuple("delete", RequestLog.Fault.APPLIED),
            org.assertj.core.groups.Tuple.tuple("get", RequestLog.Fault.INJECTED));
  }

  @Test
  void givenHalfOfThe500sAfterTheWrite_theyShouldAlternate_andTheOthersChangeNothing()
      throws Exception {
    faults.apiErrorCodes.clear();
    faults.apiErrorCodes.add(500);
    faults.apiErrorRate.put("create", 1.0);
    assertThat(faults.apiErrorAppliedFraction).as("the default").isEqualTo(0.5);

    for (String name : List.of("c1", "c2", "c3", "c4")) {
      assertThat(send("POST", CMS, "application/json", configMap(name, "v", null)).statusCode())
          .isEqualTo(500);
    }

    assertThat(store.list(ResourceRegistry.CONFIGMAPS, "demo"))
        .extracting(o -> o.path("metadata").path("name").asText())
        .containsExactlyInAnyOrder("c1", "c3");
    assertThat(faulted())
        .extracting(RequestLog.Entry::fault)
        .containsExactly(
            RequestLog.Fault.APPLIED,
            RequestLog.Fault.INJECTED,
            RequestLog.Fault.APPLIED,
            RequestLog.Fault.INJECTED);
  }

  @Test
  void givenTheFaultsEndpoint_theAppliedFractionShouldBeSettableAndBounded() throws Exception {
    assertThat(
            send("PUT", "/sandbox/faults", "application/json", "{\"apiErrorAppliedFraction\":0.25}")
                .statusCode())
        .isEqualTo(200);
    assertThat(faults.apiErrorAppliedFraction).isEqualTo(0.25);
    assertThat(
            send("PUT", "/sandbox/faults", "application/json", "{\"apiErrorAppliedFraction\":2}")
                .statusCode())
        .isEqualTo(400);
    assertThat(faults.apiErrorAppliedFraction).isEqualTo(0.25);
  }
}
