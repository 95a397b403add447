package dev.asmmigrate.sandbox.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.BuiltinAdmission;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.fixtures.FixtureLoader;
import dev.asmmigrate.sandbox.istio.MeshCa;
import dev.asmmigrate.sandbox.istio.Pem;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The probe's network model on a hand-set cluster state: Services, Endpoints and pods as the
 * controllers would leave them, proxies as injection would make them, roots as Citadel would
 * distribute them.
 */
class TrafficProbeTest {
  static final String PROXY_14 = "gke.gcr.io/istio/proxyv2:1.4.10-gke.8";
  static final String PROXY_ASM = "gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3";

  ObjectStore store;
  ScheduledExecutorService scheduler;
  TrafficProbe probe;
  String addOnRoot;

  @BeforeEach
  void setUp() {
    store = new ObjectStore(new ResourceRegistry(), Clock.systemUTC());
    store.addAdmissionPlugin(new BuiltinAdmission());
    FixtureLoader loader = new FixtureLoader(store);
    loader.applySet("base");
    loader.applySet("crds");
    loader.applySet("addon-1.4");
    scheduler = Executors.newSingleThreadScheduledExecutor();
    SandboxSettings settings = SandboxSettings.builder().build();
    probe = new TrafficProbe(new SandboxContext(settings, new Faults(), null, scheduler, store));
    addOnRoot =
        Pem.secretValue(
            store.require(ResourceRegistry.SECRETS, "istio-system", "istio-ca-secret"),
            "ca-cert.pem");
    // the state of a healthy add-on 1.4 cluster running Online Boutique
    namespace("online-boutique");
    service("online-boutique", "frontend", "app: frontend");
    loadBalancerIp("203.0.113.10");
    pod("istio-system", "istio-ingressgateway-a", PROXY_14);
    pod("online-boutique", "frontend-a", PROXY_14);
    endpoints("istio-system", "istio-ingressgateway", "istio-ingressgateway-a");
    endpoints("online-boutique", "frontend", "frontend-a");
    istioDefault("istio-system", addOnRoot);
    istioDefault("online-boutique", addOnRoot);
  }

  @AfterEach
  void tearDown() {
    probe.close();
    scheduler.shutdownNow();
  }

  @Test
  void givenAHealthyMesh_requestsShouldSucceed() {
    assertThat(probe.sendOne()).isEqualTo(TrafficProbe.Outcome.OK);
  }

  @Test
  void givenTheTargetNamespaceOrTheGatewayServiceIsMissing_theProbeShouldIdle() {
    store.delete(
        ResourceRegistry.SERVICES, "istio-system", "istio-ingressgateway", null, null, false);
    assertThat(probe.sendOne()).isEqualTo(TrafficProbe.Outcome.IDLE);

    ObjectStore empty = new ObjectStore(new ResourceRegistry(), Clock.systemUTC());
    TrafficProbe idle =
        new TrafficProbe(
            new SandboxContext(
                SandboxSettings.builder().build(), new Faults(), null, scheduler, empty));
    assertThat(idle.sendOne().sent()).isFalse();
  }

  @Test
  void givenNoReadyGatewayPod_requestsShouldFail() {
    endpoints("istio-system", "istio-ingressgateway");

    TrafficProbe.Outcome outcome = probe.sendOne();

    assertThat(outcome.failed()).isTrue();
    assertThat(outcome.failure()).contains("no ready ingress gateway pod");
  }

  @Test
  void givenNoIngressIp_requestsShouldFail() {
    loadBalancerIp(null);

    assertThat(probe.sendOne().failure()).contains("has no ingress IP");
  }

  @Test
  void givenTheTargetHasNoReadyEndpoint_requestsShouldFail() {
    endpoints("online-boutique", "frontend");

    assertThat(probe.sendOne().failure()).contains("503 no healthy upstream");
  }

  @Test
  void givenAnEndpointWhosePodIsGone_requestsToItShouldFail_butATerminatingPodStillServes() {
    store.mutate(
        ResourceRegistry.PODS,
        "online-boutique",
        "frontend-a",
        p -> {
          ((ObjectNode) p.get("metadata")).put("deletionTimestamp", "2030-01-01T00:00:00Z");
          return p;
        },
        null,
        false);
    assertThat(probe.sendOne()).isEqualTo(TrafficProbe.Outcome.OK);

    endpoints("online-boutique", "frontend", "frontend-gone");
    assertThat(probe.sendOne().failure()).contains("frontend-gone is gone");
  }

  @Test
  void givenAnAsmTargetBehindA14Gateway_withoutMeshCaTrust_requestsShouldFail_andWithItSucceed() {
    pod("online-boutique", "frontend-b", PROXY_ASM);
    endpoints("online-boutique", "frontend", "frontend-b");

    TrafficProbe.Outcome untrusted = probe.sendOne();

    assertThat(untrusted.failure())
        .contains("TLS handshake failed")
        .contains("istio-system/istio-ingressgateway-a (add-on 1.4 proxy) does not trust")
        .contains("Mesh CA root");

    istioDefault("istio-system", addOnRoot + MeshCa.ROOT_PEM); // Citadel distributed the root
    assertThat(probe.sendOne()).isEqualTo(TrafficProbe.Outcome.OK);
  }

  @Test
  void givenAPickupDelay_aProxyStartedBeforeItsBundleExistedShouldTrustTheFirstBundleAtOnce() {
    SandboxSettings slowPickup =
        SandboxSettings.builder().proxyRootPickupDelay(java.time.Duration.ofMinutes(10)).build();
    TrafficProbe delayed =
        new TrafficProbe(new SandboxContext(slowPickup, new Faults(), null, scheduler, store));
    store.delete(ResourceRegistry.SECRETS, "istio-system", "istio.default", null, null, false);

    assertThat(delayed.sendOne().failure()).contains("does not trust"); // no bundle: no trust

    // Citadel writes the gateway's bundle: a proxy cannot have started without it, so it started
    // with this one, not one a pickup delay later
    istioDefault("istio-system", addOnRoot);
    assertThat(delayed.sendOne()).isEqualTo(TrafficProbe.Outcome.OK);

    // a later change is picked up only after the delay
    pod("online-boutique", "frontend-b", PROXY_ASM);
    endpoints("online-boutique", "frontend", "frontend-b");
    istioDefault("istio-system", addOnRoot + MeshCa.ROOT_PEM);
    assertThat(delayed.sendOne().failure()).contains("does not trust").contains("Mesh CA root");
  }

  @Test
  void givenA14TargetBehindAnAsmGateway_itShouldNeedTheTargetToTrustTheMeshCaRoot() {
    pod("istio-system", "asm-ingressgateway-a", PROXY_ASM);
    endpoints("istio-system", "istio-ingressgateway", "asm-ingressgateway-a");

    assertThat(probe.sendOne().failure())
        .contains(
            "online-boutique/frontend-a (add-on 1.4 proxy) does not trust the root of"
                + " istio-system/asm-ingressgateway-a");

    istioDefault("online-boutique", addOnRoot + MeshCa.ROOT_PEM);
    assertThat(probe.sendOne()).isEqualTo(TrafficProbe.Outcome.OK);
  }

  @Test
  void givenMixedTargets_theProbeShouldPickThemRoundRobin() {
    pod("online-boutique", "frontend-b", PROXY_ASM);
    endpoints("online-boutique", "frontend", "frontend-a", "frontend-b");

    int failures = 0;
    for (int i = 0; i < 10; i++) {
      failures += probe.sendOne().failed() ? 1 : 0;
    }

    assertThat(failures).isEqualTo(5);
  }

  @Test
  void givenATargetWithoutSidecar_itShouldBeReachedInPlaintext() {
    pod("online-boutique", "frontend-plain", null);
    endpoints("online-boutique", "frontend", "frontend-plain");

    assertThat(probe.sendOne()).isEqualTo(TrafficProbe.Outcome.OK);
  }

  @Test
  void givenTheSchedule_theReportShouldCountSentAndFailedWithTimesAndReasons_andResetForget() {
    probe.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> probe.report().path("sent").asLong() >= 3);
    assertThat(probe.report().path("failed").asLong()).isZero();

    endpoints("istio-system", "istio-ingressgateway");
    await().atMost(Duration.ofSeconds(20)).until(() -> probe.report().path("failed").asLong() >= 2);

    JsonNode report = probe.report();
    assertThat(report.path("target").asText()).isEqualTo("online-boutique/frontend");
    assertThat(report.path("sent").asLong()).isGreaterThan(report.path("failed").asLong());
    JsonNode failure = report.path("failures").get(0);
    assertThat(failure.path("reason").asText()).contains("no ready ingress gateway pod");
    assertThat(java.time.Instant.parse(failure.path("time").asText())).isNotNull();
    assertThat(report.path("failures").size()).isEqualTo(report.path("failed").asInt());

    probe.close();
    probe.reset();
    assertThat(probe.report().path("sent").asLong()).isZero();
    assertThat(probe.report().path("failures").size()).isZero();
  }

  @Test
  void givenTheClusterStillBooting_theProbeShouldCountNothingUntilItsFirstSuccess() {
    endpoints("istio-system", "istio-ingressgateway"); // the gateway pod is not ready yet
    probe.start();
    await()
        .during(Duration.ofMillis(800))
        .atMost(Duration.ofSeconds(10))
        .until(() -> probe.report().path("sent").asLong() == 0);
    assertThat(probe.report().path("warmingUp").asBoolean()).isTrue();

    endpoints("istio-system", "istio-ingressgateway", "istio-ingressgateway-a");
    await().atMost(Duration.ofSeconds(20)).until(() -> probe.report().path("sent").asLong() >= 2);
    assertThat(probe.report().path("warmingUp").asBoolean()).isFalse();
    assertThat(probe.report().path("failed").asLong()).isZero();

    // once warmed up, an outage counts, even right after a reset
    endpoints("istio-system", "istio-ingressgateway");
    probe.reset();
    await().atMost(Duration.ofSeconds(20)).until(() -> probe.report().path("failed").asLong() >= 2);
  }

  // ---------------------------------------------------------------------------------------------

  private void namespace(String name) {
    ObjectNode ns = Json.object().put("apiVersion", "v1").put("kind", "Namespace");
    ns.putObject("metadata").put("name", name);
    store.create(ResourceRegistry.NAMESPACES, null, ns, false);
  }

  private void service(String ns, String name, String selector) {
    store.create(
        ResourceRegistry.SERVICES,
        ns,
        (ObjectNode)
            Json.readYamlDocuments(
                    """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: %s, namespace: %s}
                    spec: {selector: {%s}, ports: [{port: 80, targetPort: 8080}]}
                    """
                        .formatted(name, ns, selector))
                .get(0),
        false);
  }

  private void loadBalancerIp(String ip) {
    store.mutate(
        ResourceRegistry.SERVICES,
        "istio-system",
        "istio-ingressgateway",
        s -> {
          ObjectNode lb = Json.with(s, "status", "loadBalancer");
          lb.remove("ingress");
          if (ip != null) {
            lb.putArray("ingress").addObject().put("ip", ip);
          }
          return s;
        },
        "status",
        false);
  }

  private void pod(String ns, String name, String proxyImage) {
    ObjectNode pod = Json.object().put("apiVersion", "v1").put("kind", "Pod");
    pod.putObject("metadata").put("name", name).put("namespace", ns);
    var containers = pod.putObject("spec").putArray("containers");
    containers.addObject().put("name", "app").put("image", "app:1");
    if (proxyImage != null) {
      containers.addObject().put("name", "istio-proxy").put("image", proxyImage);
    }
    store.create(ResourceRegistry.PODS, ns, pod, false);
  }

  private void endpoints(String ns, String name, String... pods) {
    ObjectNode ep = Json.object().put("apiVersion", "v1").put("kind", "Endpoints");
    ep.putObject("metadata").put("name", name).put("namespace", ns);
    if (pods.length > 0) {
      var addresses = ep.putArray("subsets").addObject().putArray("addresses");
      int i = 1;
      for (String p : pods) {
        ObjectNode a = addresses.addObject().put("ip", "10.8.0." + i++);
        a.putObject("targetRef").put("kind", "Pod").put("namespace", ns).put("name", p);
      }
    }
    store
        .get(ResourceRegistry.ENDPOINTS, ns, name)
        .ifPresent(e -> store.delete(ResourceRegistry.ENDPOINTS, ns, name, null, null, false));
    store.create(ResourceRegistry.ENDPOINTS, ns, ep, false);
  }

  private void istioDefault(String ns, String roots) {
    store
        .get(ResourceRegistry.SECRETS, ns, "istio.default")
        .ifPresent(
            s -> store.delete(ResourceRegistry.SECRETS, ns, "istio.default", null, null, false));
    ObjectNode secret = Json.object().put("apiVersion", "v1").put("kind", "Secret");
    secret.putObject("metadata").put("name", "istio.default").put("namespace", ns);
    secret.put("type", "istio.io/key-and-cert");
    secret
        .putObject("data")
        .put(
            "root-cert.pem",
            Base64.getEncoder().encodeToString(roots.getBytes(StandardCharsets.UTF_8)));
    store.create(ResourceRegistry.SECRETS, ns, secret, false);
  }
}
