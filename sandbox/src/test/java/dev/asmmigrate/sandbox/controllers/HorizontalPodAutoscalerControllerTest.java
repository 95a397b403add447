package dev.asmmigrate.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerCondition;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HPA controller against a running sandbox: replicas within bounds, a zero target left alone.
 */
class HorizontalPodAutoscalerControllerTest extends ControllerSandboxTest {

  @BeforeAll
  static void serve() {
    serve("hpa-test", settings());
  }

  @Override
  String namespacePrefix() {
    return "hpa";
  }

  @Test
  void targetBelowMinReplicas_isScaledUpToMin() {
    deployment("web", 1);
    hpa("web", 3, 5);

    await().atMost(TIMEOUT).until(() -> replicas("web") == 3);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                status("web") != null
                    && Integer.valueOf(3).equals(status("web").getCurrentReplicas()));
    var status = status("web");
    assertThat(status.getDesiredReplicas()).isEqualTo(3);
    assertThat(status.getLastScaleTime()).isNotNull();
    assertThat(status.getObservedGeneration()).isEqualTo(1L);
    assertThat(condition("web", "AbleToScale").getStatus()).isEqualTo("True");
    assertThat(condition("web", "ScalingActive").getStatus()).isEqualTo("True");
    assertThat(condition("web", "ScalingLimited").getReason()).isEqualTo("DesiredWithinRange");
  }

  @Test
  void targetAboveMaxReplicas_isScaledDownToMax() {
    deployment("api", 6);
    hpa("api", 1, 4);

    await().atMost(TIMEOUT).until(() -> replicas("api") == 4);
    HorizontalPodAutoscalerCondition able = awaitCondition("api", "AbleToScale", "True");
    assertThat(able.getReason()).isIn("SucceededRescale", "SucceededGetScale");
  }

  @Test
  void targetScaledToZero_isLeftAtZero_withScalingDisabled() {
    deployment("gateway", 2);
    hpa("gateway", 1, 5);
    awaitCondition("gateway", "ScalingActive", "True");

    // what the migration does to the old ingress gateway under its HPA
    client.apps().deployments().inNamespace(ns).withName("gateway").scale(0);
    client
        .autoscaling()
        .v2()
        .horizontalPodAutoscalers()
        .inNamespace(ns)
        .withName("gateway")
        .edit(
            h -> {
              h.getMetadata().setAnnotations(Map.of("touched", "yes")); // makes the HPA sync now
              return h;
            });

    HorizontalPodAutoscalerCondition active = awaitCondition("gateway", "ScalingActive", "False");
    assertThat(active.getReason()).isEqualTo("ScalingDisabled");
    assertThat(active.getMessage())
        .isEqualTo("scaling is disabled since the replica count of the target is zero");
    assertThat(status("gateway").getDesiredReplicas()).isZero();
    assertThat(status("gateway").getCurrentReplicas()).isZero();
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> replicas("gateway") == 0);

    // scaled back (the migration's undo): the HPA is active again
    client.apps().deployments().inNamespace(ns).withName("gateway").scale(2);
    client
        .autoscaling()
        .v2()
        .horizontalPodAutoscalers()
        .inNamespace(ns)
        .withName("gateway")
        .edit(
            h -> {
              h.getMetadata().setAnnotations(Map.of("touched", "again"));
              return h;
            });
    awaitCondition("gateway", "ScalingActive", "True");
    assertThat(replicas("gateway")).isEqualTo(2);
  }

  @Test
  void hpaCreatedThroughAutoscalingV1_isReconciledToo() {
    deployment("legacy", 1);
    var v1 =
        new io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscalerBuilder()
            .withNewMetadata()
            .withName("legacy")
            .endMetadata()
            .withNewSpec()
            .withMinReplicas(2)
            .withMaxReplicas(3)
            .withTargetCPUUtilizationPercentage(80)
            .withNewScaleTargetRef()
            .withApiVersion("apps/v1")
            .withKind("Deployment")
            .withName("legacy")
            .endScaleTargetRef()
            .endSpec()
            .build();
    client.autoscaling().v1().horizontalPodAutoscalers().inNamespace(ns).resource(v1).create();

    await().atMost(TIMEOUT).until(() -> replicas("legacy") == 2);
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              var read =
                  client
                      .autoscaling()
                      .v1()
                      .horizontalPodAutoscalers()
                      .inNamespace(ns)
                      .withName("legacy")
                      .get();
              return read.getStatus() != null
                  && Integer.valueOf(2).equals(read.getStatus().getCurrentReplicas());
            });
  }

  @Test
  void missingTarget_cannotScale() {
    hpa("ghost", 1, 2);
    HorizontalPodAutoscalerCondition able = awaitCondition("ghost", "AbleToScale", "False");
    assertThat(able.getReason()).isEqualTo("FailedGetScale");
    assertThat(able.getMessage())
        .startsWith("the HPA controller was unable to get the target's current scale");
  }

  // ---------------------------------------------------------------------------------------------

  private void deployment(String name, int replicas) {
    Deployment d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withReplicas(replicas)
            .withNewSelector()
            .addToMatchLabels("app", name)
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", name)
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("app")
            .withImage("registry.example/" + name + ":1")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    client.apps().deployments().inNamespace(ns).resource(d).create();
  }

  private void hpa(String target, int min, int max) {
    HorizontalPodAutoscaler h =
        new HorizontalPodAutoscalerBuilder()
            .withNewMetadata()
            .withName(target)
            .endMetadata()
            .withNewSpec()
            .withMinReplicas(min)
            .withMaxReplicas(max)
            .withNewScaleTargetRef()
            .withApiVersion("apps/v1")
            .withKind("Deployment")
            .withName(target)
            .endScaleTargetRef()
            .endSpec()
            .build();
    client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).resource(h).create();
  }

  private int replicas(String deployment) {
    return client
        .apps()
        .deployments()
        .inNamespace(ns)
        .withName(deployment)
        .get()
        .getSpec()
        .getReplicas();
  }

  private io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerStatus status(
      String name) {
    return client
        .autoscaling()
        .v2()
        .horizontalPodAutoscalers()
        .inNamespace(ns)
        .withName(name)
        .get()
        .getStatus();
  }

  private HorizontalPodAutoscalerCondition condition(String name, String type) {
    var status = status(name);
    if (status == null || status.getConditions() == null) {
      return null;
    }
    return status.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  private HorizontalPodAutoscalerCondition awaitCondition(String name, String type, String value) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              var c = condition(name, type);
              return c != null && value.equals(c.getStatus());
            });
    return condition(name, type);
  }
}
