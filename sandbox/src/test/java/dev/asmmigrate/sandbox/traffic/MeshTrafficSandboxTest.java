package dev.asmmigrate.sandbox.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.istio.MeshCa;
import dev.asmmigrate.sandbox.istio.Pem;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole sandbox (fixtures, workload controllers, Istio simulation, probe) driven through the
 * API as the migration drives it: the probe sees the zero-downtime promise kept or broken.
 */
class MeshTrafficSandboxTest {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final ResourceDefinitionContext CPR =
      new ResourceDefinitionContext.Builder()
          .withGroup("mesh.cloud.google.com")
          .withVersion("v1beta1")
          .withPlural("controlplanerevisions")
          .withKind("ControlPlaneRevision")
          .withNamespaced(true)
          .build();

  Sandbox sandbox;
  KubernetesClient client;
  TrafficProbe probe;

  @BeforeEach
  void start() {
    sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .podReadyDelay(Duration.ofMillis(200))
                .rootDistributionDelay(Duration.ofMillis(500))
                .controlPlaneProvisionDelay(Duration.ofMillis(500))
                .build());
    client = sandbox.client("test");
    probe = sandbox.trafficProbe();
    deployFrontend();
    await().atMost(WAIT).until(() -> frontendReady(2));
    await().atMost(WAIT).until(this::meshPathReady);
  }

  @AfterEach
  void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void
      givenTheMigrationsTrustStep_theProbeShouldSeeFailuresWithoutIt_noneWithIt_andTheGatewayGone() {
    // steady state on the add-on: every request succeeds
    probe.reset();
    await().atMost(WAIT).until(() -> probe.report().path("sent").asLong() >= 10);
    assertThat(probe.report().path("failed").asLong()).as(probe.report().toString()).isZero();

    // an ASM-injected frontend behind the 1.4 gateway, before the Mesh CA trust step: failures
    provisionAsmManaged();
    client
        .namespaces()
        .withName("online-boutique")
        .edit(
            ns -> {
              ns.getMetadata().getLabels().remove("istio-injection");
              ns.getMetadata().getLabels().put("istio.io/rev", "asm-managed");
              return ns;
            });
    restartFrontend();
    await().atMost(WAIT).until(this::frontendOnlyAsm);
    probe.reset();
    await()
        .atMost(WAIT)
        .until(
            () ->
                anyFailure(
                    "istio-ingressgateway",
                    "(add-on 1.4 proxy) does not trust the root of online-boutique/frontend",
                    "(managed ASM proxy, Mesh CA root)"));

    // Citadel configured with the Mesh CA root: once distributed, no failures
    configureCitadelWithMeshCaRoot();
    await()
        .atMost(WAIT)
        .until(
            () ->
                sandbox
                    .store()
                    .get(ResourceRegistry.SECRETS, "istio-system", "istio.default")
                    .map(s -> Pem.secretValue(s, "root-cert.pem"))
                    .filter(
                        r ->
                            r.contains(
                                "8zyiCcMm1i2yVVphwE1kczFwunAh0JB896VaXGVxXeKEAMQoXHjgDdCYp8"))
                    .isPresent());
    probe.reset();
    await().atMost(WAIT).until(() -> probe.report().path("sent").asLong() >= 10);
    assertThat(probe.report().path("failed").asLong()).as(probe.report().toString()).isZero();

    // the gateway scaled to zero: failures
    removeHpaFloor();
    client
        .apps()
        .deployments()
        .inNamespace("istio-system")
        .withName("istio-ingressgateway")
        .scale(0);
    // (a request may first reach a pod that is gone before the Endpoints drop it: refused)
    await().atMost(WAIT).until(() -> anyFailure("no ready ingress gateway pod"));
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * What a request needs, as the controllers report it: the LoadBalancer's IP, ready endpoints for
   * the gateway and the frontend, and Citadel's secrets on both sides.
   */
  private boolean meshPathReady() {
    var gateway =
        client.services().inNamespace("istio-system").withName("istio-ingressgateway").get();
    boolean ip =
        gateway.getStatus() != null
            && gateway.getStatus().getLoadBalancer() != null
            && gateway.getStatus().getLoadBalancer().getIngress() != null
            && !gateway.getStatus().getLoadBalancer().getIngress().isEmpty();
    return ip
        && readyAddresses("istio-system", "istio-ingressgateway") > 0
        && readyAddresses("online-boutique", "frontend") > 0
        && client.secrets().inNamespace("istio-system").withName("istio.default").get() != null
        && client.secrets().inNamespace("online-boutique").withName("istio.default").get() != null;
  }

  private int readyAddresses(String ns, String name) {
    var ep = client.endpoints().inNamespace(ns).withName(name).get();
    if (ep == null || ep.getSubsets() == null) {
      return 0;
    }
    return ep.getSubsets().stream()
        .mapToInt(s -> s.getAddresses() == null ? 0 : s.getAddresses().size())
        .sum();
  }

  /**
   * Online Boutique's frontend alone (the probe's target), in a namespace the 1.4 add-on injects.
   */
  private void deployFrontend() {
    client
        .resourceList(
            client
                .getKubernetesSerialization()
                .unmarshal(
                    """
                    apiVersion: v1
                    kind: List
                    items:
                    - apiVersion: v1
                      kind: Namespace
                      metadata: {name: online-boutique, labels: {istio-injection: enabled}}
                    - apiVersion: apps/v1
                      kind: Deployment
                      metadata: {name: frontend, namespace: online-boutique}
                      spec:
                        selector: {matchLabels: {app: frontend}}
                        template:
                          metadata: {labels: {app: frontend}}
                          spec:
                            containers:
                            - name: server
                              image: gcr.io/google-samples/microservices-demo/frontend:v0.3.4
                              ports: [{containerPort: 8080}]
                    - apiVersion: v1
                      kind: Service
                      metadata: {name: frontend, namespace: online-boutique}
                      spec:
                        selector: {app: frontend}
                        ports: [{name: http, port: 80, targetPort: 8080}]
                    """,
                    io.fabric8.kubernetes.api.model.KubernetesList.class))
        .create();
  }

  private boolean anyFailure(String... parts) {
    for (var f : probe.report().path("failures")) {
      String reason = f.path("reason").asText();
      boolean all = true;
      for (String p : parts) {
        all &= reason.contains(p);
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  private boolean frontendReady(int containers) {
    List<Pod> pods =
        client.pods().inNamespace("online-boutique").withLabel("app", "frontend").list().getItems();
    return !pods.isEmpty()
        && pods.stream()
            .allMatch(
                p ->
                    p.getStatus() != null
                        && p.getStatus().getContainerStatuses() != null
                        && p.getStatus().getContainerStatuses().size() == containers
                        && p.getStatus().getContainerStatuses().stream()
                            .allMatch(c -> Boolean.TRUE.equals(c.getReady())));
  }

  private boolean frontendOnlyAsm() {
    List<Pod> pods =
        client.pods().inNamespace("online-boutique").withLabel("app", "frontend").list().getItems();
    return !pods.isEmpty()
        && frontendReady(2)
        && pods.stream()
            .allMatch(
                p ->
                    p.getSpec().getContainers().stream()
                        .anyMatch(
                            c ->
                                c.getName().equals("istio-proxy")
                                    && c.getImage()
                                        .equals("gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3")));
  }

  private void removeHpaFloor() {
    // the add-on's HPA keeps minReplicas 1; migrate-addon patches it before scaling to zero
    client
        .autoscaling()
        .v2()
        .horizontalPodAutoscalers()
        .inNamespace("istio-system")
        .withName("istio-ingressgateway")
        .delete();
  }

  private void provisionAsmManaged() {
    GenericKubernetesResource cpr =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("mesh.cloud.google.com/v1beta1")
            .withKind("ControlPlaneRevision")
            .withNewMetadata()
            .withName("asm-managed")
            .withNamespace("istio-system")
            .endMetadata()
            .addToAdditionalProperties(
                "spec", Map.of("type", "managed_service", "channel", "regular"))
            .build();
    client.genericKubernetesResources(CPR).inNamespace("istio-system").resource(cpr).create();
    await()
        .atMost(WAIT)
        .until(
            () -> {
              GenericKubernetesResource r =
                  client
                      .genericKubernetesResources(CPR)
                      .inNamespace("istio-system")
                      .withName("asm-managed")
                      .get();
              Object conditions = r == null ? null : r.get("status", "conditions");
              return conditions != null && conditions.toString().contains("Provisioned");
            });
  }

  private void restartFrontend() {
    client
        .apps()
        .deployments()
        .inNamespace("online-boutique")
        .withName("frontend")
        .rolling()
        .restart();
  }

  private void configureCitadelWithMeshCaRoot() {
    client
        .secrets()
        .inNamespace("istio-system")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("meshca-root")
                .withNamespace("istio-system")
                .endMetadata()
                .addToStringData("meshca-root.pem", MeshCa.ROOT_PEM)
                .build())
        .create();
    client
        .apps()
        .deployments()
        .inNamespace("istio-system")
        .withName("istio-citadel")
        .edit(
            d -> {
              var spec = d.getSpec().getTemplate().getSpec();
              var citadel = spec.getContainers().get(0);
              citadel.getArgs().add("--root-cert=/var/run/root-certs/meshca-root.pem");
              citadel
                  .getVolumeMounts()
                  .add(
                      new VolumeMountBuilder()
                          .withName("meshca-root")
                          .withMountPath("/var/run/root-certs")
                          .withReadOnly(true)
                          .build());
              spec.getVolumes()
                  .add(
                      new VolumeBuilder()
                          .withName("meshca-root")
                          .withNewSecret()
                          .withSecretName("meshca-root")
                          .endSecret()
                          .build());
              return d;
            });
  }
}
