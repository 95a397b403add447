package dev.asmmigrate.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.sandbox.Kubectl;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** The Deployment controller against a running sandbox, through a fabric8 client and kubectl. */
// each test in its own namespace: the methods run at once (see junit-platform.properties)
@Execution(ExecutionMode.CONCURRENT)
class DeploymentControllerTest {
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String HASH = "[bcdfghjklmnpqrstvwxz2456789]{10}";
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
  void createsItsReplicaSetAndReadyPodsThenReportsAvailable() {
    t.namespace("create");
    try (WorkloadWatch<Deployment> history =
        new WorkloadWatch<>(t.client.apps().deployments().inNamespace("create"))) {
      t.client.resource(WorkloadTestSandbox.deployment("create", "web", 3, "nginx:1.21")).create();
      Deployment d = awaitComplete("create", "web", 3);

      List<ReplicaSet> rss = replicaSets("create");
      assertThat(rss).hasSize(1);
      ReplicaSet rs = rss.get(0);
      assertThat(rs.getMetadata().getName()).matches("web-" + HASH);
      String hash = rs.getMetadata().getName().substring("web-".length());
      assertThat(rs.getMetadata().getLabels())
          .containsEntry("pod-template-hash", hash)
          .containsEntry("app", "web");
      assertThat(rs.getSpec().getSelector().getMatchLabels())
          .containsEntry("pod-template-hash", hash);
      assertThat(rs.getSpec().getTemplate().getMetadata().getLabels())
          .containsEntry("pod-template-hash", hash);
      assertThat(rs.getSpec().getReplicas()).isEqualTo(3);
      OwnerReference ref = rs.getMetadata().getOwnerReferences().get(0);
      assertThat(ref.getKind()).isEqualTo("Deployment");
      assertThat(ref.getName()).isEqualTo("web");
      assertThat(ref.getUid()).isEqualTo(d.getMetadata().getUid());
      assertThat(ref.getController()).isTrue();
      assertThat(ref.getBlockOwnerDeletion()).isTrue();
      assertThat(rs.getMetadata().getAnnotations())
          .containsEntry(DeploymentController.REVISION, "1");
      assertThat(d.getMetadata().getAnnotations())
          .containsEntry(DeploymentController.REVISION, "1");

      List<Pod> pods = t.pods("create", "web");
      assertThat(pods).hasSize(3);
      for (Pod p : pods) {
        assertThat(p.getMetadata().getName()).startsWith(rs.getMetadata().getName() + "-");
        assertThat(p.getMetadata().getGenerateName()).isEqualTo(rs.getMetadata().getName() + "-");
        assertThat(p.getMetadata().getLabels()).containsEntry("pod-template-hash", hash);
        assertThat(p.getMetadata().getOwnerReferences().get(0).getUid())
            .isEqualTo(rs.getMetadata().getUid());
        assertThat(p.getStatus().getPhase()).isEqualTo("Running");
        assertThat(WorkloadSupport.isReady(p)).isTrue();
      }

      assertThat(d.getStatus().getObservedGeneration()).isEqualTo(d.getMetadata().getGeneration());
      assertThat(d.getStatus().getReplicas()).isEqualTo(3);
      assertThat(d.getStatus().getUpdatedReplicas()).isEqualTo(3);
      assertThat(d.getStatus().getReadyReplicas()).isEqualTo(3);
      assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(3);
      assertThat(d.getStatus().getUnavailableReplicas()).as("zero is omitted").isNull();
      assertThat(condition(d, "Available").getStatus()).isEqualTo("True");
      assertThat(condition(d, "Available").getReason()).isEqualTo("MinimumReplicasAvailable");
      assertThat(condition(d, "Progressing").getStatus()).isEqualTo("True");
      assertThat(condition(d, "Progressing").getReason()).isEqualTo("NewReplicaSetAvailable");
      assertThat(condition(d, "Progressing").getMessage())
          .isEqualTo(
              "ReplicaSet \"" + rs.getMetadata().getName() + "\" has successfully progressed.");
      assertThat(condition(d, "Progressing").getLastUpdateTime()).isNotNull();
      assertThat(condition(d, "Progressing").getLastTransitionTime()).isNotNull();

      // on the way there: created, then unavailable while the pods start
      List<Deployment> seen = history.versions();
      assertThat(seen)
          .anySatisfy(v -> assertThat(reason(v, "Progressing")).isEqualTo("NewReplicaSetCreated"))
          .anySatisfy(
              v -> {
                assertThat(reason(v, "Available")).isEqualTo("MinimumReplicasUnavailable");
                assertThat(v.getStatus()).isNotNull();
                assertThat(v.getStatus().getUnavailableReplicas()).isEqualTo(3);
              });
    }
  }

  @Test
  void aTemplateChangeRollsThePodsOverTimeWithinMaxSurgeAndMaxUnavailable() {
    t.namespace("rolling");
    Deployment spec = WorkloadTestSandbox.deployment("rolling", "web", 4, "nginx:1.21");
    spec.getSpec()
        .setStrategy(
            new io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder()
                .withType("RollingUpdate")
                .withNewRollingUpdate()
                .withMaxSurge(new IntOrString(1))
                .withMaxUnavailable(new IntOrString(1))
                .endRollingUpdate()
                .build());
    t.client.resource(spec).create();
    awaitComplete("rolling", "web", 4);
    String oldHash =
        replicaSets("rolling").get(0).getMetadata().getLabels().get("pod-template-hash");

    try (WorkloadWatch<Pod> pods = new WorkloadWatch<>(t.client.pods().inNamespace("rolling"));
        WorkloadWatch<ReplicaSet> sets =
            new WorkloadWatch<>(t.client.apps().replicaSets().inNamespace("rolling"))) {
      edit(
          "rolling",
          "web",
          d -> {
            d.getSpec()
                .getTemplate()
                .getMetadata()
                .setAnnotations(
                    new java.util.HashMap<>(
                        java.util.Map.of(
                            "kubectl.kubernetes.io/restartedAt", Instant.now().toString())));
            return d;
          });
      Deployment d = awaitComplete("rolling", "web", 4);
      await().atMost(WAIT).until(() -> t.pods("rolling", "web").size() == 4);

      String newHash =
          replicaSets("rolling").stream()
              .filter(rs -> rs.getSpec().getReplicas() == 4)
              .findFirst()
              .orElseThrow()
              .getMetadata()
              .getLabels()
              .get("pod-template-hash");
      assertThat(newHash).isNotEqualTo(oldHash);
      boolean bothAtOnce = false;
      for (List<Pod> state : pods.states()) {
        List<Pod> running =
            state.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
        long ready = running.stream().filter(WorkloadWatch::ready).count();
        assertThat(ready)
            .as("Ready pods at every instant (replicas - maxUnavailable)")
            .isGreaterThanOrEqualTo(3);
        Set<String> hashes = running.stream().map(WorkloadWatch::hash).collect(Collectors.toSet());
        bothAtOnce |= hashes.contains(oldHash) && hashes.contains(newHash);
      }
      assertThat(bothAtOnce).as("old and new pods side by side during the rollout").isTrue();
      // maxSurge bounds what the Deployment controller asks of its ReplicaSets, as in Kubernetes:
      // the pods follow each ReplicaSet's controller on its own, so for an instant the new set's
      // pod can exist before the old set's surplus pod is deleted
      List<List<ReplicaSet>> setStates = sets.states();
      assertThat(setStates).hasSizeGreaterThan(2);
      for (List<ReplicaSet> state : setStates) {
        assertThat(state.stream().mapToInt(rs -> rs.getSpec().getReplicas()).sum())
            .as("ReplicaSets' replicas at every instant (replicas + maxSurge)")
            .isLessThanOrEqualTo(5);
      }
      assertThat(setStates)
          .as("the surge is used")
          .anySatisfy(
              state ->
                  assertThat(state.stream().mapToInt(rs -> rs.getSpec().getReplicas()).sum())
                      .isEqualTo(5));
      assertThat(d.getMetadata().getAnnotations())
          .containsEntry(DeploymentController.REVISION, "2");
      assertThat(t.pods("rolling", "web"))
          .allSatisfy(
              p -> {
                assertThat(WorkloadWatch.hash(p)).isEqualTo(newHash);
                assertThat(p.getMetadata().getAnnotations())
                    .containsKey("kubectl.kubernetes.io/restartedAt");
              });
      ReplicaSet old =
          replicaSets("rolling").stream()
              .filter(rs -> oldHash.equals(rs.getMetadata().getLabels().get("pod-template-hash")))
              .findFirst()
              .orElseThrow();
      assertThat(old.getSpec().getReplicas()).isZero();
      assertThat(old.getMetadata().getAnnotations())
          .containsEntry(DeploymentController.REVISION, "1");
    }
  }

  @Test
  void scalesToZeroAndBackWithTheSameReplicaSet() {
    t.namespace("scale");
    t.client.resource(WorkloadTestSandbox.deployment("scale", "web", 2, "nginx:1.21")).create();
    awaitComplete("scale", "web", 2);
    String rsName = replicaSets("scale").get(0).getMetadata().getName();

    t.client.apps().deployments().inNamespace("scale").withName("web").scale(0);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(t.client.pods().inNamespace("scale").list().getItems()).isEmpty();
              Deployment d = get("scale", "web");
              assertThat(d.getStatus().getObservedGeneration())
                  .isEqualTo(d.getMetadata().getGeneration());
              assertThat(d.getStatus().getReplicas()).isNull();
              assertThat(d.getStatus().getAvailableReplicas()).isNull();
              assertThat(condition(d, "Available").getStatus()).isEqualTo("True");
            });
    assertThat(replicaSets("scale"))
        .singleElement()
        .satisfies(
            rs -> {
              assertThat(rs.getMetadata().getName()).isEqualTo(rsName);
              assertThat(rs.getSpec().getReplicas()).isZero();
            });

    t.client.apps().deployments().inNamespace("scale").withName("web").scale(2);
    Deployment d = awaitComplete("scale", "web", 2);
    assertThat(replicaSets("scale"))
        .singleElement()
        .satisfies(rs -> assertThat(rs.getMetadata().getName()).isEqualTo(rsName));
    assertThat(d.getMetadata().getAnnotations()).containsEntry(DeploymentController.REVISION, "1");
    assertThat(t.pods("scale", "web"))
        .hasSize(2)
        .allSatisfy(p -> assertThat(WorkloadSupport.isReady(p)).isTrue());
  }

  @Test
  void recreateRemovesEveryOldPodBeforeStartingNewOnes() {
    t.namespace("recreate");
    Deployment spec = WorkloadTestSandbox.deployment("recreate", "web", 3, "nginx:1.21");
    spec.getSpec()
        .setStrategy(
            new io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder()
                .withType("Recreate")
                .build());
    t.client.resource(spec).create();
    awaitComplete("recreate", "web", 3);

    try (WorkloadWatch<Pod> pods = new WorkloadWatch<>(t.client.pods().inNamespace("recreate"))) {
      setImage("recreate", "web", "nginx:1.22");
      awaitComplete("recreate", "web", 3);
      await().atMost(WAIT).until(() -> t.pods("recreate", "web").size() == 3);
      boolean emptied = false;
      for (List<Pod> state : pods.states()) {
        Set<String> hashes = state.stream().map(WorkloadWatch::hash).collect(Collectors.toSet());
        assertThat(hashes).as("old and new pods never exist together").hasSizeLessThanOrEqualTo(1);
        emptied |= state.isEmpty();
      }
      assertThat(emptied).as("every old pod gone before the new ones").isTrue();
      assertThat(t.pods("recreate", "web"))
          .allSatisfy(
              p ->
                  assertThat(p.getSpec().getContainers().get(0).getImage())
                      .isEqualTo("nginx:1.22"));
    }
  }

  @Test
  void returningToAnOldTemplateReusesItsReplicaSetWithTheNextRevision() {
    t.namespace("rollback");
    t.client.resource(WorkloadTestSandbox.deployment("rollback", "web", 2, "nginx:1.21")).create();
    awaitComplete("rollback", "web", 2);
    String first = replicaSets("rollback").get(0).getMetadata().getName();
    setImage("rollback", "web", "nginx:1.22");
    awaitComplete("rollback", "web", 2);
    setImage("rollback", "web", "nginx:1.21");
    Deployment d = awaitComplete("rollback", "web", 2);

    List<ReplicaSet> rss = replicaSets("rollback");
    assertThat(rss).hasSize(2);
    ReplicaSet v1 =
        rss.stream()
            .filter(rs -> rs.getMetadata().getName().equals(first))
            .findFirst()
            .orElseThrow();
    ReplicaSet v2 =
        rss.stream()
            .filter(rs -> !rs.getMetadata().getName().equals(first))
            .findFirst()
            .orElseThrow();
    assertThat(v1.getMetadata().getAnnotations())
        .containsEntry(DeploymentController.REVISION, "3")
        .containsEntry(DeploymentController.REVISION_HISTORY, "1");
    assertThat(v1.getSpec().getReplicas()).isEqualTo(2);
    assertThat(v2.getMetadata().getAnnotations()).containsEntry(DeploymentController.REVISION, "2");
    assertThat(v2.getSpec().getReplicas()).isZero();
    assertThat(d.getMetadata().getAnnotations()).containsEntry(DeploymentController.REVISION, "3");
  }

  @Test
  void revisionHistoryLimitDeletesTheOldestReplicaSets() {
    t.namespace("history");
    Deployment spec = WorkloadTestSandbox.deployment("history", "web", 1, "nginx:1.20");
    spec.getSpec().setRevisionHistoryLimit(1);
    t.client.resource(spec).create();
    awaitComplete("history", "web", 1);
    setImage("history", "web", "nginx:1.21");
    awaitComplete("history", "web", 1);
    setImage("history", "web", "nginx:1.22");
    awaitComplete("history", "web", 1);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<ReplicaSet> rss = replicaSets("history");
              assertThat(rss).hasSize(2);
              assertThat(rss)
                  .extracting(
                      rs -> rs.getMetadata().getAnnotations().get(DeploymentController.REVISION))
                  .containsExactlyInAnyOrder("2", "3");
            });
  }

  @Test
  void aPausedDeploymentScalesButDoesNotRollOutUntilResumed() {
    t.namespace("paused");
    t.client.resource(WorkloadTestSandbox.deployment("paused", "web", 2, "nginx:1.21")).create();
    awaitComplete("paused", "web", 2);
    try (WorkloadWatch<Deployment> history =
        new WorkloadWatch<>(t.client.apps().deployments().inNamespace("paused"))) {
      edit(
          "paused",
          "web",
          d -> {
            d.getSpec().setPaused(true);
            return d;
          });
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                DeploymentCondition c = condition(get("paused", "web"), "Progressing");
                assertThat(c.getReason()).isEqualTo("DeploymentPaused");
                assertThat(c.getStatus()).isEqualTo("Unknown");
                assertThat(c.getMessage()).isEqualTo("Deployment is paused");
              });
      edit(
          "paused",
          "web",
          d -> {
            d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("nginx:1.22");
            d.getSpec().setReplicas(3);
            return d;
          });
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(t.pods("paused", "web"))
                    .hasSize(3)
                    .allSatisfy(
                        p -> {
                          assertThat(p.getSpec().getContainers().get(0).getImage())
                              .isEqualTo("nginx:1.21");
                          assertThat(WorkloadSupport.isReady(p)).isTrue();
                        });
                assertThat(get("paused", "web").getStatus().getObservedGeneration())
                    .isEqualTo(get("paused", "web").getMetadata().getGeneration());
              });
      assertThat(replicaSets("paused")).hasSize(1);

      edit(
          "paused",
          "web",
          d -> {
            d.getSpec().setPaused(false);
            return d;
          });
      awaitComplete("paused", "web", 3);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(t.pods("paused", "web"))
                      .hasSize(3)
                      .allSatisfy(
                          p ->
                              assertThat(p.getSpec().getContainers().get(0).getImage())
                                  .isEqualTo("nginx:1.22")));
      assertThat(history.versions())
          .anySatisfy(v -> assertThat(reason(v, "Progressing")).isEqualTo("DeploymentResumed"));
    }
  }

  @Test
  void progressDeadlineExceededWhenThePodsNeverBecomeReady() {
    t.namespace("stuck");
    t.sandbox.faults().crashLoopNamespaces.add("stuck");
    Deployment spec = WorkloadTestSandbox.deployment("stuck", "web", 2, "nginx:1.21");
    spec.getSpec().setProgressDeadlineSeconds(2);
    t.client.resource(spec).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Deployment d = get("stuck", "web");
              DeploymentCondition progressing = condition(d, "Progressing");
              assertThat(progressing.getStatus()).isEqualTo("False");
              assertThat(progressing.getReason()).isEqualTo("ProgressDeadlineExceeded");
              assertThat(progressing.getMessage())
                  .matches("ReplicaSet \"web-" + HASH + "\" has timed out progressing\\.");
              assertThat(condition(d, "Available").getStatus()).isEqualTo("False");
              assertThat(d.getStatus().getUnavailableReplicas()).isEqualTo(2);
            });
  }

  @Test
  void minReadySecondsDelaysAvailability() {
    t.namespace("minready");
    try (WorkloadWatch<Deployment> history =
        new WorkloadWatch<>(t.client.apps().deployments().inNamespace("minready"))) {
      Deployment spec = WorkloadTestSandbox.deployment("minready", "web", 2, "nginx:1.21");
      spec.getSpec().setMinReadySeconds(3);
      t.client.resource(spec).create();
      awaitComplete("minready", "web", 2);
      assertThat(replicaSets("minready").get(0).getSpec().getMinReadySeconds()).isEqualTo(3);

      history.assertAvailableOnlyAfterMinReady(
          v -> v.getStatus() == null ? null : v.getStatus().getAvailableReplicas(),
          t.pods("minready", "web"),
          3);
    }
  }

  @Test
  void theSameTemplateHashesTheSameInAnyDeployment() {
    t.namespace("hash-a");
    t.namespace("hash-b");
    t.client.resource(WorkloadTestSandbox.deployment("hash-a", "web", 1, "nginx:1.21")).create();
    t.client.resource(WorkloadTestSandbox.deployment("hash-b", "web", 1, "nginx:1.21")).create();
    t.client.resource(WorkloadTestSandbox.deployment("hash-b", "api", 1, "nginx:1.21")).create();
    await()
        .atMost(WAIT)
        .until(() -> replicaSets("hash-a").size() == 1 && replicaSets("hash-b").size() == 2);
    String a = replicaSets("hash-a").get(0).getMetadata().getLabels().get("pod-template-hash");
    List<String> b =
        replicaSets("hash-b").stream()
            .map(rs -> rs.getMetadata().getLabels().get("pod-template-hash"))
            .toList();
    assertThat(a).matches(HASH);
    assertThat(b).contains(a).doesNotHaveDuplicates();
  }

  @Test
  void fencepostsRoundSurgeUpAndUnavailabilityDown() {
    assertThat(fenceposts(10, "25%", "25%")).containsExactly(3, 2);
    assertThat(fenceposts(1, "25%", "25%")).containsExactly(1, 0);
    assertThat(fenceposts(4, "0%", "0%")).containsExactly(0, 1);
    assertThat(fenceposts(4, 2, 0)).containsExactly(2, 0);
    assertThat(fenceposts(3, "50%", "50%")).containsExactly(2, 1);
  }

  @Test
  void kubectlRolloutRestartReplacesThePodsAndRolloutStatusReturns(@TempDir Path dir)
      throws Exception {
    t.namespace("kubectl");
    t.client.resource(WorkloadTestSandbox.deployment("kubectl", "web", 2, "nginx:1.21")).create();
    Kubectl kubectl = new Kubectl(t.sandbox.writeKubeconfig(dir.resolve("kubeconfig")));
    kubectl.run("-n", "kubectl", "rollout", "status", "deployment/web", "--timeout=60s").assertOk();
    Set<String> before =
        t.pods("kubectl", "web").stream()
            .map(p -> p.getMetadata().getName())
            .collect(Collectors.toSet());

    kubectl.run("-n", "kubectl", "rollout", "restart", "deployment/web").assertOk();
    Kubectl.Result status =
        kubectl
            .run("-n", "kubectl", "rollout", "status", "deployment/web", "--timeout=60s")
            .assertOk();
    assertThat(status.stdout()).contains("successfully rolled out");
    kubectl
        .run(
            "-n", "kubectl", "wait", "--for=condition=Available", "deployment/web", "--timeout=30s")
        .assertOk();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(t.pods("kubectl", "web"))
                    .hasSize(2)
                    .allSatisfy(
                        p -> {
                          assertThat(before).doesNotContain(p.getMetadata().getName());
                          assertThat(p.getMetadata().getAnnotations())
                              .containsKey("kubectl.kubernetes.io/restartedAt");
                        }));
    Kubectl.Result pods = kubectl.run("-n", "kubectl", "get", "pods", "--no-headers").assertOk();
    assertThat(pods.stdout().lines().toList())
        .hasSize(2)
        .allSatisfy(
            line ->
                assertThat(line).matches("web-" + HASH + "-\\w{5}\\s+1/1\\s+Running\\s+0\\s+.*"));
  }

  // ---------------------------------------------------------------------------------------------

  private static int[] fenceposts(int replicas, Object surge, Object unavailable) {
    Deployment d =
        new DeploymentBuilder()
            .withNewSpec()
            .withReplicas(replicas)
            .withNewStrategy()
            .withType("RollingUpdate")
            .withNewRollingUpdate()
            .withMaxSurge(WorkloadTestSandbox.intOrString(surge))
            .withMaxUnavailable(WorkloadTestSandbox.intOrString(unavailable))
            .endRollingUpdate()
            .endStrategy()
            .endSpec()
            .build();
    return new int[] {DeploymentController.maxSurge(d), DeploymentController.maxUnavailable(d)};
  }

  private static Deployment get(String ns, String name) {
    return t.client.apps().deployments().inNamespace(ns).withName(name).get();
  }

  /** An edit as a user makes it: read, change, write; again on a conflict with the controllers. */
  private static void edit(String ns, String name, UnaryOperator<Deployment> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        t.client.apps().deployments().inNamespace(ns).withName(name).edit(change);
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  private static void setImage(String ns, String name, String image) {
    edit(
        ns,
        name,
        d -> {
          d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
          return d;
        });
  }

  private static List<ReplicaSet> replicaSets(String ns) {
    return t.client.apps().replicaSets().inNamespace(ns).list().getItems();
  }

  /** Waits until the rollout is complete, as {@code kubectl rollout status} decides it. */
  @Test
  void aRolloutReadsTheSharedCachesAndCreatesEachPodOnce() {
    t.namespace("reads");
    t.client.resource(WorkloadTestSandbox.deployment("reads", "web", 3, "nginx:1.21")).create();
    awaitComplete("reads", "web", 3);
    long since = t.sandbox.apiServer().requestLog().entries().size();
    edit(
        "reads",
        "web",
        d -> {
          d.getSpec()
              .getTemplate()
              .getMetadata()
              .setAnnotations(
                  new java.util.HashMap<>(
                      java.util.Map.of(
                          "kubectl.kubernetes.io/restartedAt", Instant.now().toString())));
          return d;
        });
    awaitComplete("reads", "web", 3);
    await().atMost(WAIT).until(() -> t.pods("reads", "web").size() == 3);
    var controllers =
        t.sandbox.apiServer().requestLog().entries().stream()
            .skip(since)
            .filter(e -> "reads".equals(e.namespace()))
            .filter(e -> e.userAgent().contains("controllers"))
            .toList();
    // as kube-controller-manager's listers: the Deployment, ReplicaSet and pod controllers (and
    // the kubelet) read from the shared informers, never one get or list per reconcile
    assertThat(
            controllers.stream()
                .filter(e -> e.verb().equals("get") || e.verb().equals("list"))
                .map(e -> e.verb() + " " + e.resource()))
        .isEmpty();
    // the ReplicaSet controller's expectations: a cache that has not yet seen its pods does not
    // make it create them again; the scheduler binds each new pod once (pods/binding)
    assertThat(
            controllers.stream()
                .filter(e -> e.verb().equals("create"))
                .map(
                    e ->
                        e.subresource().isEmpty()
                            ? e.resource()
                            : e.resource() + "/" + e.subresource()))
        .containsExactlyInAnyOrder(
            "replicasets", "pods", "pods", "pods", "pods/binding", "pods/binding", "pods/binding");
  }

  private static Deployment awaitComplete(String ns, String name, int replicas) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Deployment d = get(ns, name);
              assertThat(d.getStatus()).isNotNull();
              assertThat(d.getStatus().getObservedGeneration())
                  .isEqualTo(d.getMetadata().getGeneration());
              assertThat(d.getStatus().getUpdatedReplicas()).isEqualTo(replicas);
              assertThat(d.getStatus().getReplicas()).isEqualTo(replicas);
              assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(replicas);
              assertThat(reason(d, "Progressing")).isEqualTo("NewReplicaSetAvailable");
            });
    return get(ns, name);
  }

  private static DeploymentCondition condition(Deployment d, String type) {
    DeploymentCondition c =
        d.getStatus() == null ? null : DeploymentController.condition(d.getStatus(), type);
    assertThat(c).as(type + " condition").isNotNull();
    return c;
  }

  private static String reason(Deployment d, String type) {
    DeploymentCondition c =
        d.getStatus() == null ? null : DeploymentController.condition(d.getStatus(), type);
    return c == null ? null : c.getReason();
  }
}
