package dev.asmmigrate.sandbox.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.api.BuiltinAdmission;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The API server through fabric8, the client the product uses. */
class ApiServerClientTest {
  ObjectStore store;
  Faults faults;
  ApiServer server;
  KubernetesClient client;

  @BeforeEach
  void start() {
    store = new ObjectStore(new ResourceRegistry(), Clock.systemUTC());
    store.addAdmissionPlugin(new BuiltinAdmission());
    faults = new Faults();
    server = new ApiServer(store, faults, () -> null, 0);
    server.start();
    client = client("asm-migrate-test");
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName("demo").endMetadata().build())
        .create();
  }

  KubernetesClient client(String userAgent) {
    Config config =
        new ConfigBuilder()
            .withMasterUrl("http://127.0.0.1:" + server.port())
            .withUserAgent(userAgent)
            .withRequestRetryBackoffLimit(0)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  /** A watcher adding "ACTION name" to {@code seen} for each event. */
  static Watcher<ConfigMap> recording(List<String> seen) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap cm) {
        seen.add(action + " " + cm.getMetadata().getName());
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

  static ConfigMap cm(String name, Map<String, String> labels) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .addToData("k", "v")
        .build();
  }

  /**
   * Requests on a kept-alive connection are answered at once: with Nagle's algorithm on (the JDK
   * server's default) each answer after the first waited for the client's delayed ACK, 40 ms.
   */
  @Test
  void givenAKeptAliveConnection_requestsShouldNotWaitForDelayedAcks() {
    client.configMaps().inNamespace("demo").resource(cm("a", Map.of())).create();
    List<Long> micros = new java.util.ArrayList<>();
    for (int i = 0; i < 21; i++) {
      long t = System.nanoTime();
      client.configMaps().inNamespace("demo").withName("a").get();
      micros.add((System.nanoTime() - t) / 1_000);
    }
    List<Long> sorted = micros.subList(1, micros.size()).stream().sorted().toList();
    assertThat(sorted.get(sorted.size() / 2)).as("median of %s µs", micros).isLessThan(25_000L);
  }

  /**
   * The garbage collector deletes a dependent none of whose owners exists: a controller acting on a
   * cache that had not yet seen its owner's deletion (a ReplicaSet deleted with its Deployment)
   * must not leave a pod behind for good.
   */
  @Test
  void givenAnOwnerThatIsGone_aDependentCreatedForItShouldBeCollected() {
    ConfigMap owner =
        client.configMaps().inNamespace("demo").resource(cm("owner", Map.of())).create();
    ConfigMap orphan = cm("orphan", Map.of());
    orphan
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                    .withApiVersion("apps/v1")
                    .withKind("ReplicaSet")
                    .withName("web-123")
                    .withUid("6c1e1b0e-0000-0000-0000-000000000000")
                    .withController(true)
                    .build()));
    ConfigMap owned = cm("owned", Map.of());
    owned
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("ConfigMap")
                    .withName("owner")
                    .withUid(owner.getMetadata().getUid())
                    .build()));
    client.configMaps().inNamespace("demo").resource(orphan).create();
    client.configMaps().inNamespace("demo").resource(owned).create();
    assertThat(client.configMaps().inNamespace("demo").withName("orphan").get()).isNull();
    assertThat(client.configMaps().inNamespace("demo").withName("owned").get()).isNotNull();
  }

  @Test
  void givenAStaleResourceVersion_whenUpdating_itShouldAnswer409AndKeepTheNewerObject() {
    ConfigMap created =
        client.configMaps().inNamespace("demo").resource(cm("a", Map.of())).create();
    client
        .configMaps()
        .inNamespace("demo")
        .withName("a")
        .edit(c -> new ConfigMapBuilder(c).addToData("k", "v2").build());
    created.getData().put("k", "stale");
    assertThatThrownBy(() -> client.configMaps().inNamespace("demo").resource(created).update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(client.configMaps().inNamespace("demo").withName("a").get().getData())
        .containsEntry("k", "v2");
  }

  /**
   * fabric8 asks for a WebSocket first: the sandbox declines with an ordinary 200 (HTTP lets a
   * server ignore an Upgrade), so even a client that retries failed requests falls back to the HTTP
   * watch at once: one declined request and one HTTP watch, not a 503 retried before the fallback.
   */
  @Test
  void givenARetryingClient_whenItWatches_itShouldFallBackToAnHttpWatchWithoutRetrying() {
    Config config =
        new ConfigBuilder()
            .withMasterUrl("http://127.0.0.1:" + server.port())
            .withUserAgent("asm-migrate-watcher")
            .withRequestRetryBackoffLimit(5)
            .build();
    List<String> seen = new CopyOnWriteArrayList<>();
    try (KubernetesClient retrying = new KubernetesClientBuilder().withConfig(config).build();
        Watch watch = retrying.configMaps().inNamespace("demo").watch(recording(seen))) {
      client.configMaps().inNamespace("demo").resource(cm("watched", Map.of())).create();

      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("ADDED watched"));
    }
    List<RequestLog.Entry> watches =
        server.requestLog().entries().stream()
            .filter(e -> e.userAgent().equals("asm-migrate-watcher"))
            .filter(e -> e.verb().equals("watch"))
            .toList();
    // the declined WebSocket is logged at once; the HTTP watch when its stream has ended, maybe
    // later: a retried 503 would have left six 503 entries here
    assertThat(watches)
        .isNotEmpty()
        .hasSizeLessThanOrEqualTo(2)
        .allSatisfy(e -> assertThat(e.code()).isEqualTo(200));
  }

  @Test
  void givenALabelSelectorWatch_whenObjectsStartAndStopMatching_itShouldSeeAddedAndDeleted() {
    List<String> events = new CopyOnWriteArrayList<>();
    Watch watch =
        client.configMaps().inNamespace("demo").withLabel("team", "mesh").watch(recording(events));
    try {
      client.configMaps().inNamespace("demo").resource(cm("x", Map.of("team", "other"))).create();
      client
          .configMaps()
          .inNamespace("demo")
          .withName("x")
          .edit(
              c ->
                  new ConfigMapBuilder(c)
                      .editMetadata()
                      .addToLabels("team", "mesh")
                      .endMetadata()
                      .build());
      client
          .configMaps()
          .inNamespace("demo")
          .withName("x")
          .edit(c -> new ConfigMapBuilder(c).addToData("more", "1").build());
      client
          .configMaps()
          .inNamespace("demo")
          .withName("x")
          .edit(
              c ->
                  new ConfigMapBuilder(c)
                      .editMetadata()
                      .addToLabels("team", "gone")
                      .endMetadata()
                      .build());
      await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 3);
      assertThat(events).containsExactly("ADDED x", "MODIFIED x", "DELETED x");
    } finally {
      watch.close();
    }
  }

  @Test
  void givenAStrategicMergePatchOfOneContainer_itShouldKeepTheOthersAndMergeEnvByName() {
    Deployment d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("d")
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .addToMatchLabels("app", "d")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", "d")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("discovery")
            .withImage("pilot:1")
            .addNewEnv()
            .withName("A")
            .withValue("1")
            .endEnv()
            .endContainer()
            .addNewContainer()
            .withName("istio-proxy")
            .withImage("proxy:1")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    client.apps().deployments().inNamespace("demo").resource(d).create();
    client
        .apps()
        .deployments()
        .inNamespace("demo")
        .withName("d")
        .patch(
            PatchContext.of(PatchType.STRATEGIC_MERGE),
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"discovery\",\"image\":\"pilot:2\",\"env\":[{\"name\":\"B\",\"value\":\"2\"}]}]}}}}");
    Deployment after = client.apps().deployments().inNamespace("demo").withName("d").get();
    assertThat(after.getSpec().getTemplate().getSpec().getContainers())
        .extracting(c -> c.getName() + "=" + c.getImage())
        .containsExactly("discovery=pilot:2", "istio-proxy=proxy:1");
    assertThat(after.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .containsExactly("A=1", "B=2");
    assertThat(after.getMetadata().getGeneration()).isEqualTo(2L);
  }

  @Test
  void givenAMergePatchWithNull_itShouldDeleteTheKey_andAStatusUpdateShouldNotTouchSpec() {
    client
        .apps()
        .deployments()
        .inNamespace("demo")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("d")
                .addToLabels("x", "1")
                .endMetadata()
                .withNewSpec()
                .withReplicas(2)
                .withNewSelector()
                .addToMatchLabels("app", "d")
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "d")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("c")
                .withImage("i:1")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    client
        .apps()
        .deployments()
        .inNamespace("demo")
        .withName("d")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"x\":null}}}");
    assertThat(
            client
                .apps()
                .deployments()
                .inNamespace("demo")
                .withName("d")
                .get()
                .getMetadata()
                .getLabels())
        .doesNotContainKey("x");

    Deployment d = client.apps().deployments().inNamespace("demo").withName("d").get();
    d.getSpec().setReplicas(9);
    d.setStatus(
        new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(2).build());
    client.apps().deployments().inNamespace("demo").resource(d).updateStatus();
    Deployment after = client.apps().deployments().inNamespace("demo").withName("d").get();
    assertThat(after.getSpec().getReplicas()).isEqualTo(2);
    assertThat(after.getStatus().getReplicas()).isEqualTo(2);
  }

  @Test
  void givenTheScaleSubresource_whenScaledToZero_specReplicasShouldFollow() {
    client
        .apps()
        .deployments()
        .inNamespace("demo")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("gw")
                .endMetadata()
                .withNewSpec()
                .withReplicas(3)
                .withNewSelector()
                .addToMatchLabels("app", "gw")
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "gw")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("c")
                .withImage("i:1")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    client.apps().deployments().inNamespace("demo").withName("gw").scale(0);
    assertThat(
            client
                .apps()
                .deployments()
                .inNamespace("demo")
                .withName("gw")
                .get()
                .getSpec()
                .getReplicas())
        .isZero();
  }

  @Test
  void givenACrd_whenCreated_itsResourceShouldBeServedAndDeletingTheCrdShouldRemoveIt() {
    String crd =
        """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget}
          versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
        """;
    client.load(new java.io.ByteArrayInputStream(crd.getBytes())).create();
    GenericKubernetesResource w = new GenericKubernetesResource();
    w.setApiVersion("example.com/v1");
    w.setKind("Widget");
    w.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("w1")
            .withNamespace("demo")
            .build());
    w.setAdditionalProperty("spec", Map.of("size", 3));
    client
        .genericKubernetesResources("example.com/v1", "Widget")
        .inNamespace("demo")
        .resource(w)
        .create();
    assertThat(
            client
                .genericKubernetesResources("example.com/v1", "Widget")
                .inNamespace("demo")
                .list()
                .getItems())
        .hasSize(1);
    assertThatThrownBy(
            () ->
                client
                    .genericKubernetesResources("example.com/v1", "Widget")
                    .inNamespace("demo")
                    .withName("w1")
                    .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), "{\"spec\":{\"size\":4}}"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(415));
  }

  @Test
  void givenOwnerReferences_whenTheOwnerIsDeleted_dependentsShouldBeCollected() {
    ConfigMap owner =
        client.configMaps().inNamespace("demo").resource(cm("owner", Map.of())).create();
    ConfigMap dep = cm("dependent", Map.of());
    dep.getMetadata()
        .setOwnerReferences(
            List.of(
                new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("ConfigMap")
                    .withName("owner")
                    .withUid(owner.getMetadata().getUid())
                    .build()));
    client.configMaps().inNamespace("demo").resource(dep).create();
    client.configMaps().inNamespace("demo").withName("owner").delete();
    assertThat(client.configMaps().inNamespace("demo").withName("dependent").get()).isNull();
  }

  /**
   * The collector follows the owner graph as it is when the owner goes: a dependent whose reference
   * was removed meanwhile, or one in another namespace (a namespaced owner's dependents live in its
   * namespace), stays; with propagationPolicy Orphan the dependents stay without the reference.
   */
  @Test
  void givenOwnerReferencesThatChanged_onlyTheOwnersDependentsNowAreCollected() {
    ConfigMap owner =
        client.configMaps().inNamespace("demo").resource(cm("owner2", Map.of())).create();
    var ref =
        new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
            .withApiVersion("v1")
            .withKind("ConfigMap")
            .withName("owner2")
            .withUid(owner.getMetadata().getUid())
            .build();
    for (String name : List.of("kept", "collected")) {
      ConfigMap dep = cm(name, Map.of());
      dep.getMetadata().setOwnerReferences(List.of(ref));
      client.configMaps().inNamespace("demo").resource(dep).create();
    }
    client
        .configMaps()
        .inNamespace("demo")
        .withName("kept")
        .edit(
            c ->
                new ConfigMapBuilder(c).editMetadata().withOwnerReferences().endMetadata().build());

    client.configMaps().inNamespace("demo").withName("owner2").delete();
    assertThat(client.configMaps().inNamespace("demo").withName("collected").get()).isNull();
    assertThat(client.configMaps().inNamespace("demo").withName("kept").get()).isNotNull();

    ConfigMap owner3 =
        client.configMaps().inNamespace("demo").resource(cm("owner3", Map.of())).create();
    ConfigMap orphan = cm("orphan", Map.of());
    orphan
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder(ref)
                    .withName("owner3")
                    .withUid(owner3.getMetadata().getUid())
                    .build()));
    client.configMaps().inNamespace("demo").resource(orphan).create();
    client
        .configMaps()
        .inNamespace("demo")
        .withName("owner3")
        .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.ORPHAN)
        .delete();
    ConfigMap left = client.configMaps().inNamespace("demo").withName("orphan").get();
    assertThat(left).isNotNull();
    assertThat(left.getMetadata().getOwnerReferences()).isNullOrEmpty();
  }

  @Test
  void givenInjectedFaults_clientsShouldSeeThem_butTheSandboxsOwnComponentsShouldNot() {
    faults.apiErrorRate.put("patch", 1.0);
    faults.apiErrorCodes.clear();
    faults.apiErrorCodes.add(500);
    faults.apiErrorAppliedFraction = 0; // answered before the patch is applied
    client.configMaps().inNamespace("demo").resource(cm("f", Map.of())).create();
    assertThatThrownBy(
            () ->
                client
                    .configMaps()
                    .inNamespace("demo")
                    .withName("f")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"k\":\"2\"}}"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(500));
    assertThat(
            store.require(ResourceRegistry.CONFIGMAPS, "demo", "f").path("data").path("k").asText())
        .isEqualTo("v");
    try (KubernetesClient own = client("asm-migrate-sandbox/test")) {
      own.configMaps()
          .inNamespace("demo")
          .withName("f")
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"k\":\"2\"}}");
    }
    assertThat(
            store.require(ResourceRegistry.CONFIGMAPS, "demo", "f").path("data").path("k").asText())
        .isEqualTo("2");
    assertThat(server.requestLog().entries())
        .anySatisfy(
            e -> {
              assertThat(e.verb()).isEqualTo("patch");
              assertThat(e.code()).isEqualTo(500);
            });
  }

  /**
   * The fault apiLatency holds each request of a client of the cluster that long, as a round trip
   * to a remote API server; the sandbox's own components are the cluster's and never wait.
   */
  @Test
  void givenApiLatency_aClientsRequestShouldTakeIt_butTheSandboxsOwnComponentsShouldNot() {
    client.configMaps().inNamespace("demo").resource(cm("slow", Map.of())).create();
    faults.apiLatency = Duration.ofMillis(800);

    long t = System.nanoTime();
    assertThat(client.configMaps().inNamespace("demo").withName("slow").get()).isNotNull();
    long clientMillis = (System.nanoTime() - t) / 1_000_000;
    long ownMillis;
    try (KubernetesClient own = client("asm-migrate-sandbox/test")) {
      own.configMaps().inNamespace("demo").withName("slow").get(); // a first request: connected
      t = System.nanoTime();
      assertThat(own.configMaps().inNamespace("demo").withName("slow").get()).isNotNull();
      ownMillis = (System.nanoTime() - t) / 1_000_000;
    }

    assertThat(clientMillis).isGreaterThanOrEqualTo(800);
    assertThat(ownMillis).isLessThan(800);
  }

  @Test
  void givenADeniedPermission_accessReviewsAndRequestsShouldBothSayNo() {
    faults.denied.add("delete /secrets");
    SelfSubjectAccessReview review =
        client
            .authorization()
            .v1()
            .selfSubjectAccessReview()
            .create(
                new SelfSubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withNewResourceAttributes()
                    .withVerb("delete")
                    .withGroup("")
                    .withResource("secrets")
                    .withNamespace("demo")
                    .endResourceAttributes()
                    .endSpec()
                    .build());
    assertThat(review.getStatus().getAllowed()).isFalse();
    SelfSubjectAccessReview allowed =
        client
            .authorization()
            .v1()
            .selfSubjectAccessReview()
            .create(
                new SelfSubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withNewResourceAttributes()
                    .withVerb("get")
                    .withGroup("")
                    .withResource("secrets")
                    .withNamespace("demo")
                    .endResourceAttributes()
                    .endSpec()
                    .build());
    assertThat(allowed.getStatus().getAllowed()).isTrue();
    assertThatThrownBy(() -> client.secrets().inNamespace("demo").withName("any").delete())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
  }

  @Test
  void givenServerSideApply_itShouldCreateThenMergeWithoutTouchingOtherFields() {
    ConfigMap applied = cm("ssa", Map.of("a", "1"));
    client
        .configMaps()
        .inNamespace("demo")
        .resource(applied)
        .fieldManager("asm-migrate")
        .forceConflicts()
        .serverSideApply();
    client
        .configMaps()
        .inNamespace("demo")
        .withName("ssa")
        .edit(c -> new ConfigMapBuilder(c).addToData("other", "kept").build());
    applied.getData().put("k", "v2");
    client
        .configMaps()
        .inNamespace("demo")
        .resource(applied)
        .fieldManager("asm-migrate")
        .forceConflicts()
        .serverSideApply();
    ObjectNode stored = store.require(ResourceRegistry.CONFIGMAPS, "demo", "ssa");
    assertThat(stored.path("data").path("k").asText()).isEqualTo("v2");
    assertThat(stored.path("data").path("other").asText()).isEqualTo("kept");
    assertThat(Json.write(stored)).contains("\"a\":\"1\"");
  }
}
