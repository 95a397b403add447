package dev.asmmigrate.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** The ReplicaSet controller against a running sandbox, through a fabric8 client. */
// each test in its own namespace: the methods run at once (see junit-platform.properties)
@Execution(ExecutionMode.CONCURRENT)
class ReplicaSetControllerTest {
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
  void createsOwnedPodsFromTheTemplateAndReportsThem() {
    t.namespace("rs-create");
    ReplicaSet rs = t.client.resource(replicaSet("rs-create", "front", 3, List.of())).create();
    ReplicaSet done = awaitReady("rs-create", "front", 3);

    assertThat(done.getStatus().getReplicas()).isEqualTo(3);
    assertThat(done.getStatus().getFullyLabeledReplicas()).isEqualTo(3);
    assertThat(done.getStatus().getAvailableReplicas()).isEqualTo(3);
    assertThat(done.getStatus().getObservedGeneration())
        .isEqualTo(done.getMetadata().getGeneration());
    List<Pod> pods = owned("rs-create", rs);
    assertThat(pods)
        .hasSize(3)
        .allSatisfy(
            p -> {
              assertThat(p.getMetadata().getGenerateName()).isEqualTo("front-");
              assertThat(p.getMetadata().getName())
                  .matches("front-[bcdfghjklmnpqrstvwxz2456789]{5}");
              assertThat(p.getMetadata().getLabels())
                  .containsEntry("app", "front")
                  .containsEntry("tier", "web");
              OwnerReference ref = p.getMetadata().getOwnerReferences().get(0);
              assertThat(ref.getKind()).isEqualTo("ReplicaSet");
              assertThat(ref.getUid()).isEqualTo(rs.getMetadata().getUid());
              assertThat(ref.getController()).isTrue();
              assertThat(ref.getBlockOwnerDeletion()).isTrue();
              assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo("nginx:1.21");
            });
  }

  @Test
  void scalingDownDeletesTheNotReadyPodFirst() {
    t.namespace("rs-rank");
    t.client.resource(replicaSet("rs-rank", "front", 2, List.of())).create();
    awaitReady("rs-rank", "front", 2);
    List<String> readyPods = names(t.pods("rs-rank", "front"));

    t.sandbox.faults().crashLoopNamespaces.add("rs-rank"); // the next pod never becomes Ready
    scale("rs-rank", "front", 3);
    await().atMost(WAIT).untilAsserted(() -> assertThat(t.pods("rs-rank", "front")).hasSize(3));
    t.sandbox.faults().crashLoopNamespaces.remove("rs-rank");
    scale("rs-rank", "front", 2);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Pod> left = t.pods("rs-rank", "front");
              assertThat(left).hasSize(2);
              assertThat(names(left)).containsExactlyInAnyOrderElementsOf(readyPods);
            });
  }

  @Test
  void deletionRankingPrefersUnscheduledPendingNotReadyThenNewest() {
    Pod unscheduled = pod("a", null, "Pending", false, "2024-01-01T00:00:00Z", null);
    Pod pending = pod("b", "n", "Pending", false, "2024-01-01T00:00:00Z", null);
    Pod notReady = pod("c", "n", "Running", false, "2024-01-01T00:00:00Z", null);
    Pod readyRecently =
        pod("d", "n", "Running", true, "2024-01-01T00:00:00Z", "2024-01-01T00:10:00Z");
    Pod readyLongOld =
        pod("e", "n", "Running", true, "2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z");
    Pod readyLongNew =
        pod("f", "n", "Running", true, "2024-01-01T00:00:30Z", "2024-01-01T00:01:00Z");
    List<Pod> pods =
        new ArrayList<>(
            List.of(readyLongOld, readyRecently, notReady, readyLongNew, pending, unscheduled));
    pods.sort(ReplicaSetController.DELETION_ORDER);
    assertThat(names(pods)).containsExactly("a", "b", "c", "d", "f", "e");
  }

  @Test
  void releasesAPodThatStopsMatchingAndAdoptsItBack() {
    t.namespace("rs-adopt");
    ReplicaSet rs = t.client.resource(replicaSet("rs-adopt", "front", 2, List.of())).create();
    awaitReady("rs-adopt", "front", 2);
    String stray = t.pods("rs-adopt", "front").get(0).getMetadata().getName();

    editPod(
        "rs-adopt",
        stray,
        p -> {
          p.getMetadata().getLabels().put("app", "elsewhere");
          return p;
        });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Pod released = t.client.pods().inNamespace("rs-adopt").withName(stray).get();
              assertThat(released.getMetadata().getOwnerReferences()).isNullOrEmpty();
              assertThat(owned("rs-adopt", rs))
                  .hasSize(2)
                  .noneMatch(p -> p.getMetadata().getName().equals(stray));
            });
    awaitReady("rs-adopt", "front", 2);

    editPod(
        "rs-adopt",
        stray,
        p -> {
          p.getMetadata().getLabels().put("app", "front");
          return p;
        });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Pod adopted = t.client.pods().inNamespace("rs-adopt").withName(stray).get();
              assertThat(adopted.getMetadata().getOwnerReferences())
                  .singleElement()
                  .satisfies(r -> assertThat(r.getUid()).isEqualTo(rs.getMetadata().getUid()));
              List<Pod> active =
                  owned("rs-adopt", rs).stream().filter(WorkloadSupport::isActive).toList();
              assertThat(active).hasSize(2);
              ReplicaSet now =
                  t.client.apps().replicaSets().inNamespace("rs-adopt").withName("front").get();
              assertThat(now.getStatus().getReplicas()).isEqualTo(2);
            });
  }

  @Test
  void podsBeingDeletedAreNotCounted() {
    t.namespace("rs-term");
    // a finalizer holds deleted pods in Terminating, as a slow preStop hook would
    t.client.resource(replicaSet("rs-term", "front", 3, List.of("sandbox.test/hold"))).create();
    awaitReady("rs-term", "front", 3);
    scale("rs-term", "front", 1);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Pod> pods = t.pods("rs-term", "front");
              assertThat(pods).hasSize(3);
              assertThat(pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() != null))
                  .hasSize(2);
              ReplicaSet now =
                  t.client.apps().replicaSets().inNamespace("rs-term").withName("front").get();
              assertThat(now.getStatus().getReplicas()).isEqualTo(1);
              assertThat(now.getStatus().getReadyReplicas()).isEqualTo(1);
              assertThat(now.getStatus().getAvailableReplicas()).isEqualTo(1);
            });
    for (Pod p : t.pods("rs-term", "front")) {
      editPod(
          "rs-term",
          p.getMetadata().getName(),
          x -> {
            x.getMetadata().setFinalizers(List.of());
            return x;
          });
    }
    await().atMost(WAIT).untilAsserted(() -> assertThat(t.pods("rs-term", "front")).hasSize(1));
  }

  @Test
  void minReadySecondsDelaysAvailableReplicas() {
    t.namespace("rs-minready");
    try (WorkloadWatch<ReplicaSet> history =
        new WorkloadWatch<>(t.client.apps().replicaSets().inNamespace("rs-minready"))) {
      ReplicaSet spec = replicaSet("rs-minready", "front", 2, List.of());
      spec.getSpec().setMinReadySeconds(3);
      t.client.resource(spec).create();
      awaitReady("rs-minready", "front", 2);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(
                          t.client
                              .apps()
                              .replicaSets()
                              .inNamespace("rs-minready")
                              .withName("front")
                              .get()
                              .getStatus()
                              .getAvailableReplicas())
                      .isEqualTo(2));
      history.assertAvailableOnlyAfterMinReady(
          v -> v.getStatus() == null ? null : v.getStatus().getAvailableReplicas(),
          t.pods("rs-minready", "front"),
          3);
    }
  }

  @Test
  void aPodCreationFailureIsReportedAsReplicaFailureUntilItSucceeds() {
    try (dev.asmmigrate.sandbox.Sandbox addon =
        dev.asmmigrate.sandbox.Sandbox.start(
            dev.asmmigrate.sandbox.SandboxSettings.builder()
                .base(dev.asmmigrate.sandbox.SandboxSettings.Base.ADDON_1_4)
                .podReadyDelay(Duration.ofMillis(200))
                .build())) {
      var client = addon.client("rs-failure-test");
      client
          .resource(
              new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                  .withNewMetadata()
                  .withName("meshed")
                  .addToLabels("istio-injection", "enabled")
                  .endMetadata()
                  .build())
          .create();
      addon.faults().injectionWebhookUnavailable = true;
      client.resource(replicaSet("meshed", "front", 1, List.of())).create();
      client.resource(WorkloadTestSandbox.deployment("meshed", "back", 1, "nginx:1.21")).create();

      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                ReplicaSet rs =
                    client.apps().replicaSets().inNamespace("meshed").withName("front").get();
                assertThat(rs.getStatus()).isNotNull();
                assertThat(rs.getStatus().getConditions())
                    .singleElement()
                    .satisfies(
                        c -> {
                          assertThat(c.getType()).isEqualTo("ReplicaFailure");
                          assertThat(c.getStatus()).isEqualTo("True");
                          assertThat(c.getReason()).isEqualTo("FailedCreate");
                          assertThat(c.getMessage()).contains("failed calling webhook");
                        });
                assertThat(rs.getStatus().getReplicas()).isZero();
                var d = client.apps().deployments().inNamespace("meshed").withName("back").get();
                assertThat(d.getStatus()).isNotNull();
                var failure = DeploymentController.condition(d.getStatus(), "ReplicaFailure");
                assertThat(failure)
                    .as("the deployment reports its ReplicaSet's failure")
                    .isNotNull();
                assertThat(failure.getStatus()).isEqualTo("True");
                assertThat(failure.getReason()).isEqualTo("FailedCreate");
              });

      addon.faults().injectionWebhookUnavailable = false;
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                ReplicaSet rs =
                    client.apps().replicaSets().inNamespace("meshed").withName("front").get();
                assertThat(rs.getStatus().getConditions()).isNullOrEmpty();
                assertThat(rs.getStatus().getReadyReplicas()).isEqualTo(1);
                var d = client.apps().deployments().inNamespace("meshed").withName("back").get();
                assertThat(DeploymentController.condition(d.getStatus(), "ReplicaFailure"))
                    .isNull();
                assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(1);
              });
    }
  }

  // ---------------------------------------------------------------------------------------------

  static ReplicaSet replicaSet(String ns, String name, int replicas, List<String> podFinalizers) {
    return new ReplicaSetBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .withMatchLabels(Map.of("app", name))
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(Map.of("app", name, "tier", "web"))
        .withFinalizers(podFinalizers)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("server")
        .withImage("nginx:1.21")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static ReplicaSet awaitReady(String ns, String name, int replicas) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              ReplicaSet rs = t.client.apps().replicaSets().inNamespace(ns).withName(name).get();
              assertThat(rs.getStatus()).isNotNull();
              assertThat(rs.getStatus().getReplicas()).isEqualTo(replicas);
              assertThat(rs.getStatus().getReadyReplicas()).isEqualTo(replicas);
            });
    return t.client.apps().replicaSets().inNamespace(ns).withName(name).get();
  }

  private static void scale(String ns, String name, int replicas) {
    t.client.apps().replicaSets().inNamespace(ns).withName(name).scale(replicas);
  }

  private static void editPod(String ns, String name, UnaryOperator<Pod> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        t.client.pods().inNamespace(ns).withName(name).edit(change);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  private static List<Pod> owned(String ns, ReplicaSet rs) {
    return t.client.pods().inNamespace(ns).list().getItems().stream()
        .filter(p -> WorkloadSupport.isControlledBy(p, rs))
        .toList();
  }

  private static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).toList();
  }

  private static Pod pod(
      String name, String node, String phase, boolean ready, String created, String readySince) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withCreationTimestamp(created)
            .endMetadata()
            .withNewSpec()
            .withNodeName(node)
            .endSpec()
            .withNewStatus()
            .withPhase(phase)
            .endStatus();
    if (readySince != null || ready) {
      b.editStatus()
          .addNewCondition()
          .withType("Ready")
          .withStatus(ready ? "True" : "False")
          .withLastTransitionTime(readySince == null ? Instant.now().toString() : readySince)
          .endCondition()
          .endStatus();
    }
    return b.build();
  }
}
