package dev.asmmigrate.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** The disruption controller against a running sandbox: budgets over Ready pods, and evictions. */
// each test in its own namespace: the methods run at once (see junit-platform.properties)
@Execution(ExecutionMode.CONCURRENT)
class PodDisruptionBudgetControllerTest extends ControllerSandboxTest {

  /** Evicts without retrying: fabric8 retries a 429 by default, which would hide the refusal. */
  static KubernetesClient evictor;

  @BeforeAll
  static void serve() {
    serve("pdb-test", settings());
    evictor =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl(sandbox.kubernetesUrl())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build();
  }

  @AfterAll
  static void closeEvictor() {
    if (evictor != null) {
      evictor.close();
    }
  }

  @Override
  String namespacePrefix() {
    return "pdb";
  }

  @Test
  void minAvailable_overReadyPods_allowsTheSurplus_andEvictionsSpendIt() {
    statefulSet("db", 3);
    awaitReadyPods("db", 3);
    pdb("db", new IntOrString(2), null);

    PodDisruptionBudgetStatus st = awaitStatus("db", s -> s.getCurrentHealthy() == 3);
    assertThat(st.getDesiredHealthy()).isEqualTo(2);
    assertThat(st.getExpectedPods()).isEqualTo(3);
    assertThat(st.getDisruptionsAllowed()).isEqualTo(1);
    assertThat(st.getObservedGeneration()).isEqualTo(1L);
    assertThat(allowed(st).getStatus()).isEqualTo("True");
    assertThat(allowed(st).getReason()).isEqualTo("SufficientPods");

    // one eviction spends the one allowed disruption; the next, right after it, is refused (429)
    try (SetEventLog log =
        new SetEventLog().watch(client.policy().v1().podDisruptionBudget().inNamespace(ns))) {
      assertThat(evictor.pods().inNamespace(ns).withName("db-2").evict()).isTrue();
      assertThat(evictor.pods().inNamespace(ns).withName("db-1").evict()).isFalse();
      assertThat(
              client
                  .pods()
                  .inNamespace(ns)
                  .withName("db-1")
                  .get()
                  .getMetadata()
                  .getDeletionTimestamp())
          .isNull();
      // the controller saw the evicted pod go: the budget said 2 healthy, nothing allowed
      await()
          .atMost(TIMEOUT)
          .until(
              () ->
                  log.events().stream()
                      .map(e -> ((PodDisruptionBudget) e.object()).getStatus())
                      .anyMatch(
                          s ->
                              s != null
                                  && Integer.valueOf(2).equals(s.getCurrentHealthy())
                                  && Integer.valueOf(0).equals(s.getDisruptionsAllowed())
                                  && allowed(s).getReason().equals("InsufficientPods")));
      // and never allowed more than one disruption
      assertThat(log.events())
          .allSatisfy(
              e -> {
                var s = ((PodDisruptionBudget) e.object()).getStatus();
                assertThat(s.getDisruptionsAllowed()).isLessThanOrEqualTo(1);
              });
    }

    // the StatefulSet brings db-2 back; once Ready the budget allows one disruption again
    PodDisruptionBudgetStatus healed = awaitStatus("db", s -> s.getCurrentHealthy() == 3);
    assertThat(healed.getDisruptionsAllowed()).isEqualTo(1);
  }

  @Test
  void maxUnavailable_countsTheReplicasOfThePodsController() {
    deployment("web", 3);
    awaitReadyPods("web", 3);
    pdb("web", null, new IntOrString(1));

    PodDisruptionBudgetStatus st = awaitStatus("web", s -> s.getCurrentHealthy() == 3);
    assertThat(st.getExpectedPods()).isEqualTo(3);
    assertThat(st.getDesiredHealthy()).isEqualTo(2);
    assertThat(st.getDisruptionsAllowed()).isEqualTo(1);

    // expectedPods follows the Deployment's replicas, not the pods that happen to exist
    client.apps().deployments().inNamespace(ns).withName("web").scale(5);
    PodDisruptionBudgetStatus scaled =
        awaitStatus("web", s -> s.getExpectedPods() == 5 && s.getCurrentHealthy() == 5);
    assertThat(scaled.getDesiredHealthy()).isEqualTo(4);
    assertThat(scaled.getDisruptionsAllowed()).isEqualTo(1);
  }

  @Test
  void percentages_roundUp_overTheControllersScale() {
    statefulSet("cache", 3);
    awaitReadyPods("cache", 3);
    pdb("cache-min", "cache", new IntOrString("50%"), null);
    pdb("cache-max", "cache", null, new IntOrString("34%"));

    PodDisruptionBudgetStatus min = awaitStatus("cache-min", s -> s.getCurrentHealthy() == 3);
    assertThat(min.getExpectedPods()).isEqualTo(3);
    assertThat(min.getDesiredHealthy()).isEqualTo(2); // ceil(1.5)
    assertThat(min.getDisruptionsAllowed()).isEqualTo(1);

    PodDisruptionBudgetStatus max = awaitStatus("cache-max", s -> s.getCurrentHealthy() == 3);
    assertThat(max.getExpectedPods()).isEqualTo(3);
    assertThat(max.getDesiredHealthy()).isEqualTo(1); // 3 - ceil(1.02)
    assertThat(max.getDisruptionsAllowed()).isEqualTo(2);
  }

  @Test
  void maxUnavailable_overBarePods_cannotBeComputed_andAllowsNothing() {
    for (String name : List.of("bare-a", "bare-b")) {
      Pod pod =
          new PodBuilder()
              .withNewMetadata()
              .withName(name)
              .addToLabels("app", "bare")
              .endMetadata()
              .withNewSpec()
              .addNewContainer()
              .withName("app")
              .withImage("registry.example/bare:1")
              .endContainer()
              .endSpec()
              .build();
      client.pods().inNamespace(ns).resource(pod).create();
    }
    awaitReadyPods("bare", 2);
    pdb("bare", null, new IntOrString(1));

    PodDisruptionBudgetStatus st =
        awaitStatus("bare", s -> s.getConditions() != null && !s.getConditions().isEmpty());
    assertThat(allowed(st).getStatus()).isEqualTo("False");
    assertThat(allowed(st).getReason()).isEqualTo("SyncFailed");
    assertThat(st.getDisruptionsAllowed()).isZero();
    assertThat(evictor.pods().inNamespace(ns).withName("bare-a").evict()).isFalse();
  }

  // ---------------------------------------------------------------------------------------------

  private void pdb(String app, IntOrString minAvailable, IntOrString maxUnavailable) {
    pdb(app, app, minAvailable, maxUnavailable);
  }

  private void pdb(String name, String app, IntOrString minAvailable, IntOrString maxUnavailable) {
    PodDisruptionBudget pdb =
        new PodDisruptionBudgetBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withMinAvailable(minAvailable)
            .withMaxUnavailable(maxUnavailable)
            .withNewSelector()
            .addToMatchLabels("app", app)
            .endSelector()
            .endSpec()
            .build();
    client.policy().v1().podDisruptionBudget().inNamespace(ns).resource(pdb).create();
  }

  private void statefulSet(String name, int replicas) {
    client
        .apps()
        .statefulSets()
        .inNamespace(ns)
        .resource(
            new StatefulSetBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withServiceName(name)
                .withPodManagementPolicy("Parallel")
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
                .build())
        .create();
  }

  private void deployment(String name, int replicas) {
    client
        .apps()
        .deployments()
        .inNamespace(ns)
        .resource(
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
                .build())
        .create();
  }

  private void awaitReadyPods(String app, int n) {
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client.pods().inNamespace(ns).withLabel("app", app).list().getItems().stream()
                        .filter(p -> !SetPods.isTerminating(p) && SetPods.isReady(p))
                        .count()
                    == n);
  }

  private PodDisruptionBudgetStatus awaitStatus(
      String name, java.util.function.Predicate<PodDisruptionBudgetStatus> test) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              PodDisruptionBudget pdb =
                  client.policy().v1().podDisruptionBudget().inNamespace(ns).withName(name).get();
              return pdb.getStatus() != null
                  && pdb.getStatus().getCurrentHealthy() != null
                  && test.test(pdb.getStatus());
            });
    return client
        .policy()
        .v1()
        .podDisruptionBudget()
        .inNamespace(ns)
        .withName(name)
        .get()
        .getStatus();
  }

  private static Condition allowed(PodDisruptionBudgetStatus st) {
    return st.getConditions().stream()
        .filter(c -> c.getType().equals("DisruptionAllowed"))
        .findFirst()
        .orElseThrow();
  }
}
