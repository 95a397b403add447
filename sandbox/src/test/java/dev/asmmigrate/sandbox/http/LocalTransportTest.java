package dev.asmmigrate.sandbox.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.access.ApiTokens;
import dev.asmmigrate.sandbox.access.ServingTls;
import dev.asmmigrate.sandbox.api.BuiltinAdmission;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's own components reach its API inside the process: the same handler, answers, request
 * log and watch streams as over the socket, without the socket.
 */
class LocalTransportTest {
  private static final String UA = "asm-migrate-sandbox/local-test";

  ObjectStore store;
  ApiServer server;
  final List<KubernetesClient> clients = new ArrayList<>();

  ApiServer serve(ServingTls tls, ApiTokens tokens) {
    store = new ObjectStore(new ResourceRegistry(), Clock.systemUTC());
    store.addAdmissionPlugin(new BuiltinAdmission());
    server = new ApiServer(store, new Faults(), () -> null, 0);
    if (tls != null) {
      server.secure(tls, tokens);
    }
    server.start();
    return server;
  }

  KubernetesClient local(String token) {
    ConfigBuilder config =
        new ConfigBuilder()
            .withMasterUrl((server.isSecure() ? "https" : "http") + "://127.0.0.1:" + server.port())
            .withUserAgent(UA)
            .withRequestRetryBackoffLimit(0);
    if (token != null) {
      config.withOauthToken(token);
    }
    return track(
        new KubernetesClientBuilder()
            .withConfig(config.build())
            .withHttpClientFactory(server.localTransport())
            .build());
  }

  KubernetesClient overSocket() {
    Config config =
        new ConfigBuilder()
            .withMasterUrl("http://127.0.0.1:" + server.port())
            .withUserAgent("asm-migrate-test")
            .withRequestRetryBackoffLimit(0)
            .build();
    return track(new KubernetesClientBuilder().withConfig(config).build());
  }

  private KubernetesClient track(KubernetesClient c) {
    clients.add(c);
    return c;
  }

  @AfterEach
  void stop() {
    clients.forEach(KubernetesClient::close);
    if (server != null) {
      server.close();
    }
  }

  @Test
  void givenALocalClient_itsWritesShouldBeTheServersAndLoggedUnderItsUserAgent() {
    serve(null, null);
    KubernetesClient local = local(null);
    KubernetesClient socket = overSocket();
    createDemo(local);
    ConfigMap created =
        local
            .configMaps()
            .inNamespace("demo")
            .resource(ApiServerClientTest.cm("a", Map.of("app", "x")))
            .create();

    // the socket's client reads what the local one wrote, and the other way round
    assertThat(socket.configMaps().inNamespace("demo").withName("a").get().getMetadata().getUid())
        .isEqualTo(created.getMetadata().getUid());
    socket
        .configMaps()
        .inNamespace("demo")
        .withName("a")
        .edit(cm -> new ConfigMapBuilder(cm).addToData("k", "v2").build());
    assertThat(local.configMaps().inNamespace("demo").withName("a").get().getData())
        .containsEntry("k", "v2");
    // the server's refusals arrive as they would over the socket: a stale update is a 409
    created.setData(Map.of("k", "stale"));
    assertThatThrownBy(() -> local.configMaps().inNamespace("demo").resource(created).update())
        .isInstanceOf(KubernetesClientException.class)
        .extracting(e -> ((KubernetesClientException) e).getCode())
        .isEqualTo(409);
    assertThat(local.configMaps().inNamespace("demo").withName("missing").get()).isNull();
    // a body the size of a list of many objects arrives whole
    IntStream.range(0, 300)
        .forEach(
            i ->
                local
                    .configMaps()
                    .inNamespace("demo")
                    .resource(ApiServerClientTest.cm("many-" + i, Map.of("app", "many")))
                    .create());
    assertThat(local.configMaps().inNamespace("demo").withLabel("app", "many").list().getItems())
        .hasSize(300);

    List<RequestLog.Entry> logged =
        server.requestLog().entries().stream().filter(e -> e.userAgent().equals(UA)).toList();
    assertThat(logged)
        .extracting(e -> e.verb() + " " + e.resource() + " " + e.name() + " " + e.code())
        .contains(
            "create namespaces  201",
            "create configmaps  201",
            "get configmaps a 200",
            "update configmaps a 409",
            "get configmaps missing 404",
            "list configmaps  200");
  }

  @Test
  void givenALocalWatch_itShouldSeeEveryEventInOrder_andItsStreamShouldEndWhenItIsClosed() {
    serve(null, null);
    KubernetesClient local = local(null);
    KubernetesClient socket = overSocket();
    createDemo(socket);
    List<String> seen = new CopyOnWriteArrayList<>();
    Watch watch = local.configMaps().inNamespace("demo").watch(ApiServerClientTest.recording(seen));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      socket
          .configMaps()
          .inNamespace("demo")
          .resource(ApiServerClientTest.cm("w-" + i, Map.of()))
          .create();
      expected.add("ADDED w-" + i);
    }
    socket.configMaps().inNamespace("demo").withName("w-0").delete();
    expected.add("DELETED w-0");
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= expected.size());
    assertThat(seen).containsExactlyElementsOf(expected);
    assertThat(streamThreads()).isEqualTo(1);

    watch.close();

    // as a closed connection ends a watch: its stream's thread stops and the watch is logged
    await().atMost(Duration.ofSeconds(5)).until(() -> streamThreads() == 0);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                server.requestLog().entries().stream()
                    .anyMatch(
                        e ->
                            e.userAgent().equals(UA)
                                && e.verb().equals("watch")
                                && e.resource().equals("configmaps")));
  }

  @Test
  void givenALocalInformer_itShouldListThenFollowTheStore() {
    serve(null, null);
    KubernetesClient local = local(null);
    KubernetesClient socket = overSocket();
    createDemo(socket);
    socket
        .configMaps()
        .inNamespace("demo")
        .resource(ApiServerClientTest.cm("before", Map.of()))
        .create();
    List<String> seen = new CopyOnWriteArrayList<>();
    SharedIndexInformer<ConfigMap> informer =
        local
            .configMaps()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(ConfigMap cm) {
                    seen.add("add " + cm.getMetadata().getName());
                  }

                  @Override
                  public void onUpdate(ConfigMap old, ConfigMap cm) {
                    seen.add("update " + cm.getMetadata().getName());
                  }

                  @Override
                  public void onDelete(ConfigMap cm, boolean unknown) {
                    seen.add("delete " + cm.getMetadata().getName());
                  }
                });
    try {
      socket
          .configMaps()
          .inNamespace("demo")
          .resource(ApiServerClientTest.cm("after", Map.of()))
          .create();
      socket.configMaps().inNamespace("demo").withName("before").delete();

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> seen.contains("add after") && seen.contains("delete before"));
      assertThat(seen).startsWith("add before");
      assertThat(informer.getStore().list())
          .extracting(cm -> cm.getMetadata().getName())
          .containsExactly("after");
    } finally {
      informer.close();
    }
  }

  @Test
  void givenASecureServer_aLocalRequestShouldStillNeedAToken() {
    Clock clock = Clock.systemUTC();
    ApiTokens tokens = new ApiTokens(clock);
    String token = tokens.issue("sandbox-components-", Duration.ofHours(1));
    serve(ServingTls.generate(Instant.now()), tokens);

    assertThat(local(token).namespaces().withName("default").get()).isNull();
    assertThatThrownBy(() -> local(null).namespaces().list())
        .isInstanceOf(KubernetesClientException.class)
        .extracting(e -> ((KubernetesClientException) e).getCode())
        .isEqualTo(401);
  }

  @Test
  void givenAClosedServer_aLocalRequestShouldFailAsAClosedConnection() {
    serve(null, null);
    KubernetesClient local = local(null);
    server.close();

    assertThatThrownBy(() -> local.namespaces().list())
        .isInstanceOf(KubernetesClientException.class)
        .hasRootCauseInstanceOf(java.io.IOException.class);
  }

  private static void createDemo(KubernetesClient client) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName("demo").endMetadata().build())
        .create();
  }

  private long streamThreads() {
    String prefix = "sandbox-api-local-watch-" + server.port() + "-";
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(prefix) && t.isAlive())
        .count();
  }
}
