package dev.asmmigrate.activities.workloads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.activities.workloads.NamespaceChanges.Restart;
import dev.asmmigrate.activities.workloads.NamespaceChanges.Workloads;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartRequest;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The workload phase's one computation of its changes, without a cluster. */
class NamespaceChangesTest {
  static final String MIGRATED = "asm-migrate/m1";

  static Deployment deployment(String name, String restartedAt) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withNewTemplate()
        .withNewMetadata()
        .withAnnotations(
            restartedAt == null
                ? Map.of()
                : Map.of(WorkloadActivitiesImpl.RESTARTED_AT, restartedAt))
        .endMetadata()
        .endTemplate()
        .endSpec()
        .build();
  }

  static StatefulSet set(String name, String restartedAt) {
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withNewTemplate()
        .withNewMetadata()
        .withAnnotations(Map.of(WorkloadActivitiesImpl.RESTARTED_AT, restartedAt))
        .endMetadata()
        .endTemplate()
        .endSpec()
        .build();
  }

  static List<String> actions(List<Restart> restarts) {
    return restarts.stream().map(r -> r.ref() + " " + r.action()).toList();
  }

  @Test
  void givenAMigration_everyDeploymentShouldBeRestartedOnceAndSetsOnlyWhenAsked() {
    Workloads read =
        new Workloads(
            List.of(deployment("web", null), deployment("api", MIGRATED)),
            List.of(set("db", MIGRATED)),
            List.of(),
            List.of());

    List<Restart> withSets =
        NamespaceChanges.restarts(read, RestartRequest.migrate(null, "ns", MIGRATED, true));
    List<Restart> withoutSets =
        NamespaceChanges.restarts(read, RestartRequest.migrate(null, "ns", MIGRATED, false));

    assertThat(actions(withSets))
        .containsExactly(
            "Deployment/api ALREADY_RESTARTED",
            "Deployment/web PATCH",
            "StatefulSet/db ALREADY_RESTARTED");
    assertThat(withSets.get(1).patch().toString())
        .isEqualTo(
            "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":"
                + "{\"kubectl.kubernetes.io/restartedAt\":\"asm-migrate/m1\"}}}}}");
    assertThat(actions(withoutSets))
        .containsExactly("Deployment/api ALREADY_RESTARTED", "Deployment/web PATCH");
  }

  @Test
  void givenARollback_onlyTheWorkloadsTheMigrationRestartedShouldBeRestartedAgain() {
    Workloads read =
        new Workloads(
            List.of(
                deployment("mine", MIGRATED),
                deployment("theirs", "2024-01-01T00:00:00Z"),
                deployment("never", null),
                deployment("done", "rollback-1")),
            List.of(),
            List.of(),
            List.of());

    List<Restart> restarts =
        NamespaceChanges.restarts(
            read, RestartRequest.rollBack(null, "ns", MIGRATED, "rollback-1", true));

    assertThat(actions(restarts))
        .containsExactly(
            "Deployment/done LEFT_ALONE",
            "Deployment/mine PATCH",
            "Deployment/never LEFT_ALONE",
            "Deployment/theirs LEFT_ALONE");
    assertThat(restarts).filteredOn(Restart::restarted).hasSize(1);
  }

  @Test
  void givenANamespaceLabelledForTheRevision_theRelabelShouldChangeNothing() {
    var done =
        new NamespaceBuilder()
            .withNewMetadata()
            .withName("a")
            .withLabels(Map.of("istio.io/rev", "asm-managed"))
            .endMetadata()
            .build();
    var injected =
        new NamespaceBuilder()
            .withNewMetadata()
            .withName("b")
            .withLabels(Map.of("istio-injection", "enabled"))
            .endMetadata()
            .build();

    assertThat(NamespaceChanges.relabel(done, "asm-managed").needed()).isFalse();
    assertThat(NamespaceChanges.relabel(injected, "asm-managed").mergePatch().toString())
        .isEqualTo(
            "{\"metadata\":{\"labels\":{\"istio-injection\":null,\"istio.io/rev\":\"asm-managed\"}}}");
    assertThat(NamespaceChanges.relabel(injected, "asm-managed").describe())
        .isEqualTo(
            "istio.io/rev=asm-managed, removed istio-injection (was istio-injection=enabled)");
  }
}
