package dev.asmmigrate.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Endpoints controller against a running sandbox. */
class EndpointsControllerTest {
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static WorkloadTestSandbox t;

  @BeforeAll
  static void start() {
    t = WorkloadTestSandbox.start(Duration.ofMillis(400));
  }

  @AfterAll
  static void stop() {
    if (t != null) {
      t.close();
    }
  }

  @Test
  void endpointsListNotReadyPodsThenReadyOnesWithResolvedPorts() {
    t.namespace("ep");
    try (WorkloadWatch<Endpoints> history =
        new WorkloadWatch<>(t.client.endpoints().inNamespace("ep"))) {
      t.client.resource(service("ep", "web", Map.of("app", "web"))).create();
      t.client.resource(WorkloadTestSandbox.deployment("ep", "web", 2, "nginx:1.21")).create();

      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Endpoints ep = t.client.endpoints().inNamespace("ep").withName("web").get();
                assertThat(ep).isNotNull();
                assertThat(ep.getSubsets())
                    .singleElement()
                    .satisfies(
                        s -> {
                          assertThat(s.getAddresses()).hasSize(2);
                          assertThat(s.getNotReadyAddresses()).isNullOrEmpty();
                        });
              });
      Endpoints ep = t.client.endpoints().inNamespace("ep").withName("web").get();
      assertThat(ep.getMetadata().getLabels()).containsEntry("team", "shop");
      EndpointSubset subset = ep.getSubsets().get(0);
      assertThat(subset.getPorts())
          .extracting(EndpointPort::getName, EndpointPort::getPort, EndpointPort::getProtocol)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("http", 8080, "TCP"),
              org.assertj.core.groups.Tuple.tuple("metrics", 9090, "TCP"));
      Map<String, Pod> pods =
          t.pods("ep", "web").stream()
              .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
      for (EndpointAddress a : subset.getAddresses()) {
        Pod p = pods.get(a.getTargetRef().getName());
        assertThat(p).isNotNull();
        assertThat(a.getIp()).isEqualTo(p.getStatus().getPodIP());
        assertThat(a.getNodeName()).isEqualTo(p.getSpec().getNodeName());
        assertThat(a.getTargetRef().getKind()).isEqualTo("Pod");
        assertThat(a.getTargetRef().getNamespace()).isEqualTo("ep");
        assertThat(a.getTargetRef().getUid()).isEqualTo(p.getMetadata().getUid());
      }
      assertThat(history.versions())
          .as("pods that are not Ready yet are listed apart")
          .anySatisfy(
              v -> {
                assertThat(v.getSubsets()).isNotEmpty();
                assertThat(v.getSubsets().get(0).getNotReadyAddresses()).isNotEmpty();
              });
    }
  }

  @Test
  void aTerminatingPodLeavesTheEndpointsAtOnce() {
    t.namespace("ep-term");
    t.client.resource(service("ep-term", "held", Map.of("app", "held"))).create();
    for (String name : List.of("held-a", "held-b")) {
      t.client
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .withNamespace("ep-term")
                  .addToLabels("app", "held")
                  .withFinalizers("sandbox.test/hold")
                  .endMetadata()
                  .withNewSpec()
                  .addNewContainer()
                  .withName("server")
                  .withImage("nginx:1.21")
                  .addNewPort()
                  .withName("http")
                  .withContainerPort(8080)
                  .endPort()
                  .endContainer()
                  .endSpec()
                  .build())
          .create();
    }
    await().atMost(WAIT).until(() -> addresses("ep-term", "held").size() == 2);
    String leaving =
        t.client.pods().inNamespace("ep-term").withName("held-a").get().getStatus().getPodIP();

    t.client.pods().inNamespace("ep-term").withName("held-a").delete();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Pod p = t.client.pods().inNamespace("ep-term").withName("held-a").get();
              assertThat(p).as("still there, held by its finalizer").isNotNull();
              assertThat(p.getMetadata().getDeletionTimestamp()).isNotNull();
              assertThat(addresses("ep-term", "held")).doesNotContain(leaving).hasSize(1);
              assertThat(notReadyAddresses("ep-term", "held")).doesNotContain(leaving);
            });
    for (String name : List.of("held-a", "held-b")) {
      removeFinalizers("ep-term", name);
    }
  }

  @Test
  void endpointsComeBackWhenDeletedAndGoWithTheirService() {
    t.namespace("ep-life");
    t.client.resource(service("ep-life", "web", Map.of("app", "web"))).create();
    t.client.resource(WorkloadTestSandbox.deployment("ep-life", "web", 1, "nginx:1.21")).create();
    await().atMost(WAIT).until(() -> addresses("ep-life", "web").size() == 1);
    String uid =
        t.client.endpoints().inNamespace("ep-life").withName("web").get().getMetadata().getUid();

    t.client.endpoints().inNamespace("ep-life").withName("web").delete();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Endpoints ep = t.client.endpoints().inNamespace("ep-life").withName("web").get();
              assertThat(ep).isNotNull();
              assertThat(ep.getMetadata().getUid()).isNotEqualTo(uid);
              assertThat(ep.getSubsets())
                  .singleElement()
                  .satisfies(s -> assertThat(s.getAddresses()).hasSize(1));
            });

    t.client.services().inNamespace("ep-life").withName("web").delete();
    await()
        .atMost(WAIT)
        .until(() -> t.client.endpoints().inNamespace("ep-life").withName("web").get() == null);
  }

  @Test
  void theEndpointsOfAServiceWithoutSelectorAreLeftToTheirOwner() {
    t.namespace("ep-manual");
    Service svc =
        new ServiceBuilder()
            .withNewMetadata()
            .withName("external")
            .withNamespace("ep-manual")
            .endMetadata()
            .withNewSpec()
            .addNewPort()
            .withName("db")
            .withPort(5432)
            .endPort()
            .endSpec()
            .build();
    t.client.resource(svc).create();
    Endpoints manual =
        new EndpointsBuilder()
            .withNewMetadata()
            .withName("external")
            .withNamespace("ep-manual")
            .endMetadata()
            .addNewSubset()
            .addNewAddress()
            .withIp("192.0.2.10")
            .endAddress()
            .addNewPort()
            .withName("db")
            .withPort(5432)
            .endPort()
            .endSubset()
            .build();
    t.client.resource(manual).create();
    await()
        .during(Duration.ofSeconds(2))
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(addresses("ep-manual", "external")).containsExactly("192.0.2.10"));
  }

  @Test
  void aNamedTargetPortAPodDoesNotDeclareIsLeftOut() {
    Service svc = service("x", "web", Map.of("app", "web"));
    svc.getSpec()
        .getPorts()
        .add(
            new ServicePortBuilder()
                .withName("grpc")
                .withPort(9555)
                .withTargetPort(new IntOrString("grpc"))
                .withProtocol("TCP")
                .build());
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("web-1")
            .withNamespace("x")
            .withUid("u1")
            .endMetadata()
            .withNewSpec()
            .withNodeName("n")
            .addNewContainer()
            .withName("server")
            .withImage("i")
            .addNewPort()
            .withName("http")
            .withContainerPort(8080)
            .withProtocol("TCP")
            .endPort()
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPodIP("10.8.0.9")
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .endStatus()
            .build();
    List<EndpointSubset> subsets = EndpointsController.subsets(svc, List.of(pod));
    assertThat(subsets)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getPorts())
                  .extracting(EndpointPort::getName)
                  .containsExactlyInAnyOrder("http", "metrics");
              assertThat(s.getAddresses())
                  .extracting(EndpointAddress::getIp)
                  .containsExactly("10.8.0.9");
            });
  }

  // ---------------------------------------------------------------------------------------------

  /** A Service of http (named target port) and metrics (numbered target port). */
  private static Service service(String ns, String name, Map<String, String> selector) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .addToLabels("team", "shop")
        .endMetadata()
        .withNewSpec()
        .withSelector(selector)
        .withPorts(
            new ArrayList<>(
                List.of(
                    new ServicePortBuilder()
                        .withName("http")
                        .withPort(80)
                        .withTargetPort(new IntOrString("http"))
                        .withProtocol("TCP")
                        .build(),
                    new ServicePortBuilder()
                        .withName("metrics")
                        .withPort(9090)
                        .withTargetPort(new IntOrString(9090))
                        .withProtocol("TCP")
                        .build())))
        .endSpec()
        .build();
  }

  private static List<String> addresses(String ns, String name) {
    Endpoints ep = t.client.endpoints().inNamespace(ns).withName(name).get();
    if (ep == null || ep.getSubsets() == null) {
      return List.of();
    }
    return ep.getSubsets().stream()
        .flatMap(
            s ->
                s.getAddresses() == null
                    ? java.util.stream.Stream.<EndpointAddress>empty()
                    : s.getAddresses().stream())
        .map(EndpointAddress::getIp)
        .toList();
  }

  private static Set<String> notReadyAddresses(String ns, String name) {
    Endpoints ep = t.client.endpoints().inNamespace(ns).withName(name).get();
    if (ep == null || ep.getSubsets() == null) {
      return Set.of();
    }
    return ep.getSubsets().stream()
        .flatMap(
            s ->
                s.getNotReadyAddresses() == null
                    ? java.util.stream.Stream.<EndpointAddress>empty()
                    : s.getNotReadyAddresses().stream())
        .map(EndpointAddress::getIp)
        .collect(Collectors.toSet());
  }

  private static void removeFinalizers(String ns, String name) {
    for (int attempt = 1; ; attempt++) {
      try {
        t.client
            .pods()
            .inNamespace(ns)
            .withName(name)
            .edit(
                p -> {
                  p.getMetadata().setFinalizers(List.of());
                  return p;
                });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }
}
