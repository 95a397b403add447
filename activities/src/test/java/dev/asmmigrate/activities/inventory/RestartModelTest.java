package dev.asmmigrate.activities.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pre-flight's rollout model of a namespace (the maintenance windows' estimate before the run has
 * measured one), from the Deployments and pods the inventory read: pure, no cluster.
 */
class RestartModelTest {

  static Deployment deployment(
      String name, int replicas, IntOrString surge, IntOrString unavailable, Integer delay) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("apps")
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxSurge(surge)
        .withMaxUnavailable(unavailable)
        .endRollingUpdate()
        .endStrategy()
        .withNewTemplate()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withNewReadinessProbe()
        .withInitialDelaySeconds(delay)
        .withPeriodSeconds(5)
        .endReadinessProbe()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  static Pod pod(String created, String ready) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p")
        .withNamespace("apps")
        .withCreationTimestamp(created)
        .endMetadata()
        .withNewStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .withLastTransitionTime(ready)
        .endCondition()
        .endStatus()
        .build();
  }

  static MeshInventory inventory(List<Pod> pods, Deployment... deployments) {
    return new MeshInventory(
        List.of(), pods, List.of(), List.of(deployments), List.of(), List.of(), List.of());
  }

  @Test
  void theSlowestDeployment_shouldSetTheNamespacesModel_inRoundsOfSurgeAndUnavailable() {
    // web: 4 replicas, 1 + 1 a round: 2 rounds of (10s start + 15s delay + 5s period) = 60s;
    // api: 6 replicas at the 25 % defaults (2 surge, 1 unavailable): 2 rounds of 10s + 5s = 30s
    MeshInventory inv =
        inventory(
            List.of(),
            deployment("web", 4, new IntOrString(1), new IntOrString(1), 15),
            deployment("api", 6, null, null, 0));

    assertThat(inv.restartModel("apps")).isEqualTo(Duration.ofSeconds(60));
    assertThat(inv.restartModel("other")).isEqualTo(Duration.ZERO);
  }

  @Test
  void podsSeenSlowerThanTheirProbe_shouldCount() {
    MeshInventory inv =
        inventory(
            List.of(pod("2026-11-02T10:00:00Z", "2026-11-02T10:01:30Z")),
            deployment("web", 2, new IntOrString("50%"), new IntOrString("0%"), 0));

    // 2 replicas, 50 % surge = 1 a round: 2 rounds of 10s + the 90s seen
    assertThat(inv.restartModel("apps")).isEqualTo(Duration.ofSeconds(200));
    assertThat(inv.plan("apps", dev.asmmigrate.workflows.model.AddonVersion.V1_4).restartModel())
        .isEqualTo(Duration.ofSeconds(200));
  }
}
