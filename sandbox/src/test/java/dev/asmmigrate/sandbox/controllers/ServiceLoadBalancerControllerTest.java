package dev.asmmigrate.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fake cloud provider's LoadBalancer controller against a running sandbox. */
class ServiceLoadBalancerControllerTest {
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static WorkloadTestSandbox t;

  @BeforeAll
  static void start() {
    t = WorkloadTestSandbox.start(Duration.ofMillis(200));
  }

  @AfterAll
  static void stop() {
    if (t != null) {
      t.close();
    }
  }

  @Test
  void aLoadBalancerGetsAnExternalIpThatStaysThroughUpdatesAndRecreation() {
    t.namespace("lb");
    t.client.resource(service("lb", "gateway", "LoadBalancer")).create();
    t.client.resource(service("lb", "other", "LoadBalancer")).create();
    String ip = awaitIp("lb", "gateway");
    assertThat(ip).matches("34\\.120\\.\\d{1,3}\\.\\d{1,3}");
    assertThat(awaitIp("lb", "other")).isNotEqualTo(ip);

    edit(
        "lb",
        "gateway",
        s -> {
          s.getMetadata().getLabels().put("revision", "asm-managed");
          s.getSpec().getPorts().get(0).setPort(8080);
          return s;
        });
    await()
        .during(Duration.ofSeconds(1))
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(ip("lb", "gateway")).isEqualTo(ip));

    t.client.services().inNamespace("lb").withName("gateway").delete();
    await()
        .atMost(WAIT)
        .until(() -> t.client.services().inNamespace("lb").withName("gateway").get() == null);
    t.client.resource(service("lb", "gateway", "LoadBalancer")).create();
    assertThat(awaitIp("lb", "gateway")).as("the same address for the same Service").isEqualTo(ip);
  }

  @Test
  void aRequestedLoadBalancerIpIsHonoured() {
    t.namespace("lb-static");
    Service s = service("lb-static", "gateway", "LoadBalancer");
    s.getSpec().setLoadBalancerIP("35.1.2.3");
    t.client.resource(s).create();
    assertThat(awaitIp("lb-static", "gateway")).isEqualTo("35.1.2.3");
  }

  @Test
  void onlyLoadBalancersHaveAnIngress() {
    t.namespace("lb-type");
    t.client.resource(service("lb-type", "internal", "ClusterIP")).create();
    t.client.resource(service("lb-type", "gateway", "LoadBalancer")).create();
    awaitIp("lb-type", "gateway");
    assertThat(ip("lb-type", "internal")).isNull();

    edit(
        "lb-type",
        "gateway",
        s -> {
          s.getSpec().setType("ClusterIP");
          s.getSpec().getPorts().get(0).setNodePort(null);
          s.getSpec().setExternalTrafficPolicy(null);
          return s;
        });
    await().atMost(WAIT).untilAsserted(() -> assertThat(ip("lb-type", "gateway")).isNull());
  }

  // ---------------------------------------------------------------------------------------------

  private static Service service(String ns, String name, String type) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .withType(type)
        .addToSelector("app", name)
        .addNewPort()
        .withName("http2")
        .withPort(80)
        .endPort()
        .endSpec()
        .build();
  }

  private static String ip(String ns, String name) {
    Service s = t.client.services().inNamespace(ns).withName(name).get();
    if (s == null
        || s.getStatus() == null
        || s.getStatus().getLoadBalancer() == null
        || s.getStatus().getLoadBalancer().getIngress() == null
        || s.getStatus().getLoadBalancer().getIngress().isEmpty()) {
      return null;
    }
    return s.getStatus().getLoadBalancer().getIngress().get(0).getIp();
  }

  private static String awaitIp(String ns, String name) {
    await().atMost(WAIT).until(() -> ip(ns, name) != null);
    return ip(ns, name);
  }

  private static void edit(String ns, String name, UnaryOperator<Service> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        t.client.services().inNamespace(ns).withName(name).edit(change);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }
}
