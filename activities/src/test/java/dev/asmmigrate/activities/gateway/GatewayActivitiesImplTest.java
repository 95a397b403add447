package dev.asmmigrate.activities.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.activities.plan.MadeChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.workflows.activities.GatewayActivities;
import dev.asmmigrate.workflows.activities.GatewayActivities.GatewayRequest;
import dev.asmmigrate.workflows.activities.MeshCaActivities;
import dev.asmmigrate.workflows.activities.MeshCaActivities.MeshCaRequest;
import dev.asmmigrate.workflows.activities.MeshCaActivities.RootDistributionRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * replace-gateway against the sandbox's controllers and traffic probe, on an add-on 1.4 cluster
 * whose control plane already trusts the Mesh CA (the workflow's order: configure-mesh-ca first).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayActivitiesImplTest {
  static final String NS = "istio-system";
  static final String ASM_PROXY = "gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3";
  static SandboxHarness h;
  static TestActivities activities;
  static GatewayActivities gateway;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .app("online-boutique")
                .podReadyDelay(Duration.ofMillis(600))
                .controlPlaneProvisionDelay(Duration.ofMillis(500))
                .rootDistributionDelay(Duration.ofMillis(500)));
    activities = new TestActivities();
    gateway =
        activities.stub(
            GatewayActivities.class,
            new GatewayActivitiesImpl(h.clients, h.backups, Duration.ofMillis(200)));
    activities.provisionManagedControlPlane(h);
    MeshCaActivities meshCa =
        activities.stub(
            MeshCaActivities.class,
            new MeshCaActivitiesImpl(
                h.clients,
                h.backups,
                new MeshCaActivitiesImpl.Settings(
                    Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ZERO, Duration.ZERO)));
    MigrationContext ctx = h.context();
    meshCa.configureMeshCa(new MeshCaRequest(ctx, AddonVersion.V1_4));
    meshCa.awaitRootDistribution(
        new RootDistributionRequest(ctx, AddonVersion.V1_4, Duration.ofSeconds(60)));
  }

  @AfterAll
  static void stop() {
    activities.close();
    h.close();
  }

  static Optional<ObjectNode> get(ResourceType type, String ns, String name) {
    return h.sandbox.store().get(type, ns, name);
  }

  static ObjectNode essence(ResourceType type, String ns, String name) {
    return TestActivities.essence(get(type, ns, name).orElse(null));
  }

  static List<ObjectNode> gatewayPods() {
    return h.sandbox.store().list(ResourceRegistry.PODS, NS).stream()
        .filter(
            p ->
                p.path("metadata")
                    .path("labels")
                    .path("app")
                    .asText()
                    .equals("istio-ingressgateway"))
        .toList();
  }

  static boolean oldPodsGone() {
    return gatewayPods().stream()
        .allMatch(p -> p.path("metadata").path("labels").has("istio.io/rev"));
  }

  static boolean newPodsGone() {
    return gatewayPods().stream()
        .noneMatch(p -> p.path("metadata").path("labels").has("istio.io/rev"));
  }

  static int availableReplicas(String deployment) {
    return get(ResourceRegistry.DEPLOYMENTS, NS, deployment)
        .map(d -> d.path("status").path("availableReplicas").asInt())
        .orElse(0);
  }

  static JsonNode traffic() {
    return h.sandbox.trafficProbe().report();
  }

  static void setHpaMinReplicas(int min) {
    h.client()
        .autoscaling()
        .v2()
        .horizontalPodAutoscalers()
        .inNamespace(NS)
        .withName("istio-ingressgateway")
        .edit(
            hpa -> {
              hpa.getSpec().setMinReplicas(min);
              return hpa;
            });
  }

  @Test
  @Order(1)
  void givenTwoOldReplicasUnderTraffic_whenReplacedTwiceThenRestoredTwice_noRequestShouldFail() {
    // an HPA holding two replicas: the new gateway starts with as many, the undo restores both
    setHpaMinReplicas(2);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> availableReplicas("istio-ingressgateway") == 2);
    ObjectNode oldBefore = essence(ResourceRegistry.DEPLOYMENTS, NS, "istio-ingressgateway");
    ObjectNode hpaBefore = essence(ResourceRegistry.HPAS, NS, "istio-ingressgateway");
    ObjectNode namespaceBefore = essence(ResourceRegistry.NAMESPACES, null, NS);
    ObjectNode serviceBefore = essence(ResourceRegistry.SERVICES, NS, "istio-ingressgateway");
    assertThat(namespaceBefore.path("metadata").path("labels").path("istio-injection").asText())
        .isEqualTo("disabled");
    MigrationContext ctx = h.context();
    GatewayRequest request = new GatewayRequest(ctx, Duration.ofSeconds(90));
    h.sandbox.trafficProbe().reset();

    StepResult first = gateway.replaceGateway(request);
    StepResult second = gateway.replaceGateway(request);
    await().atMost(Duration.ofSeconds(60)).until(GatewayActivitiesImplTest::oldPodsGone);

    assertThat(second.changes()).isEmpty();
    assertThat(second.backups()).containsExactlyInAnyOrderElementsOf(first.backups());
    assertThat(first.backups())
        .extracting(b -> b.kind() + " " + b.name() + ":" + b.absent())
        .containsExactlyInAnyOrder(
            "Deployment istio-ingressgateway:false",
            "Namespace istio-system:false",
            "ServiceAccount asm-ingressgateway:true",
            "Role asm-ingressgateway:true",
            "RoleBinding asm-ingressgateway:true",
            "Deployment asm-ingressgateway:true",
            "HorizontalPodAutoscaler istio-ingressgateway:false");
    // the new gateway: two managed-ASM gateway pods behind the unchanged LoadBalancer Service
    JsonNode asm = get(ResourceRegistry.DEPLOYMENTS, NS, "asm-ingressgateway").orElseThrow();
    assertThat(asm.path("spec").path("replicas").asInt()).isEqualTo(2);
    assertThat(
            asm.path("spec")
                .path("template")
                .path("metadata")
                .path("labels")
                .path("istio.io/rev")
                .asText())
        .isEqualTo("asm-managed");
    assertThat(gatewayPods()).hasSize(2);
    for (ObjectNode pod : gatewayPods()) {
      assertThat(pod.path("spec").path("containers").get(0).path("image").asText())
          .isEqualTo(ASM_PROXY);
    }
    assertThat(get(ResourceRegistry.SERVICEACCOUNTS, NS, "asm-ingressgateway")).isPresent();
    assertThat(
            get(ResourceRegistry.ROLES, NS, "asm-ingressgateway")
                .orElseThrow()
                .path("rules")
                .toString())
        .contains("secrets")
        .contains("watch");
    assertThat(get(ResourceRegistry.ROLEBINDINGS, NS, "asm-ingressgateway")).isPresent();
    assertThat(essence(ResourceRegistry.SERVICES, NS, "istio-ingressgateway"))
        .isEqualTo(serviceBefore);
    // the old one scaled to 0 under an HPA of minReplicas 1; istio-system without injection label
    assertThat(
            get(ResourceRegistry.DEPLOYMENTS, NS, "istio-ingressgateway")
                .orElseThrow()
                .path("spec")
                .path("replicas")
                .asInt())
        .isZero();
    assertThat(
            get(ResourceRegistry.HPAS, NS, "istio-ingressgateway")
                .orElseThrow()
                .path("spec")
                .path("minReplicas")
                .asInt())
        .isEqualTo(1);
    assertThat(
            essence(ResourceRegistry.NAMESPACES, null, NS)
                .path("metadata")
                .path("labels")
                .has("istio-injection"))
        .isFalse();
    // zero downtime across the swap
    JsonNode swapped = traffic();
    assertThat(swapped.path("sent").asLong()).isGreaterThan(10);
    assertThat(swapped.path("failed").asLong()).as(swapped.toString()).isZero();

    h.sandbox.trafficProbe().reset();
    gateway.restoreGateway(request);
    gateway.restoreGateway(request);
    await().atMost(Duration.ofSeconds(60)).until(GatewayActivitiesImplTest::newPodsGone);

    assertThat(essence(ResourceRegistry.DEPLOYMENTS, NS, "istio-ingressgateway"))
        .isEqualTo(oldBefore);
    assertThat(availableReplicas("istio-ingressgateway")).isEqualTo(2);
    assertThat(essence(ResourceRegistry.HPAS, NS, "istio-ingressgateway")).isEqualTo(hpaBefore);
    assertThat(essence(ResourceRegistry.NAMESPACES, null, NS)).isEqualTo(namespaceBefore);
    for (ResourceType type :
        List.of(
            ResourceRegistry.DEPLOYMENTS,
            ResourceRegistry.ROLEBINDINGS,
            ResourceRegistry.ROLES,
            ResourceRegistry.SERVICEACCOUNTS)) {
      assertThat(get(type, NS, "asm-ingressgateway")).as(type.toString()).isEmpty();
    }
    JsonNode restored = traffic();
    assertThat(restored.path("sent").asLong()).isGreaterThan(10);
    assertThat(restored.path("failed").asLong()).as(restored.toString()).isZero();
    setHpaMinReplicas(1);
  }

  @Test
  @Order(2)
  void givenTheOldGatewayScaledDownBeforeTheNewOneIsReady_requestsShouldFail() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> availableReplicas("istio-ingressgateway") >= 1);
    ObjectNode template = StepChanges.template("gateway/deployment.yaml");
    h.client()
        .serviceAccounts()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                .withNewMetadata()
                .withName("asm-ingressgateway")
                .endMetadata()
                .build())
        .create();
    h.sandbox.trafficProbe().reset();
    try {
      // what the step must never do: swap at once, without waiting for the new pods
      h.client()
          .apps()
          .deployments()
          .inNamespace(NS)
          .resource(Restorer.fromTree(template, Deployment.class))
          .create();
      h.client().apps().deployments().inNamespace(NS).withName("istio-ingressgateway").scale(0);

      await().atMost(Duration.ofSeconds(30)).until(() -> traffic().path("failed").asLong() > 0);
      assertThat(traffic().path("failures").toString()).contains("no ready ingress gateway pod");
    } finally {
      h.client().apps().deployments().inNamespace(NS).withName("istio-ingressgateway").scale(1);
      h.client().apps().deployments().inNamespace(NS).withName("asm-ingressgateway").delete();
      h.client().serviceAccounts().inNamespace(NS).withName("asm-ingressgateway").delete();
    }
  }

  /**
   * One computation: what plan lists is what the activity does. Breaking {@link
   * GatewayChanges#desired} fails the plan's assertion here and the outcome's in the first test.
   */
  @Test
  @Order(3)
  void givenTwoOldReplicas_whenPlannedThenReplaced_itShouldMakeExactlyThePlannedChanges() {
    setHpaMinReplicas(2);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> availableReplicas("istio-ingressgateway") == 2);
    MigrationContext ctx = h.context();
    GatewayRequest request = new GatewayRequest(ctx, Duration.ofSeconds(90));
    GatewayActivitiesImpl reader = new GatewayActivitiesImpl(h.clients, h.backups);
    try {
      List<PlannedChange> planned = reader.plan(ctx);
      assertThat(planned)
          .extracting(PlannedChange::describe)
          .containsExactly(
              "patch Namespace istio-system",
              "create ServiceAccount istio-system/asm-ingressgateway",
              "create Role istio-system/asm-ingressgateway",
              "create RoleBinding istio-system/asm-ingressgateway",
              "create Deployment istio-system/asm-ingressgateway",
              "patch HorizontalPodAutoscaler istio-system/istio-ingressgateway",
              "patch Deployment istio-system/istio-ingressgateway");
      assertThat(planned.get(4).body().path("spec").path("replicas").asInt()).isEqualTo(2);
      MadeChanges made = MadeChanges.watch(h.sandbox);

      gateway.replaceGateway(request);

      made.assertMadeExactly(planned);
    } finally {
      gateway.restoreGateway(request);
      setHpaMinReplicas(1);
    }
  }
}
