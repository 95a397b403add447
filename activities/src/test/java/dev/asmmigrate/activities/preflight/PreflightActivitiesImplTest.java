package dev.asmmigrate.activities.preflight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.activities.state.StateConfigMap;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.http.RequestLog;
import dev.asmmigrate.workflows.activities.PreflightActivities;
import dev.asmmigrate.workflows.activities.PreflightActivities.PreflightRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PodToRecreate;
import dev.asmmigrate.workflows.model.PreflightReport;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepModel;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PreflightActivitiesImplTest {
  static SandboxHarness h;
  static TestActivities activities;
  static GoogleClients google;
  static PreflightActivities preflight;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
                SandboxSettings.builder()
                    .base(SandboxSettings.Base.ADDON_1_4)
                    .app("online-boutique")
                    .podReadyDelay(Duration.ofMillis(100)))
            .settle();
    activities = new TestActivities();
    google = new GoogleClients();
    preflight =
        activities.stub(
            PreflightActivities.class, new PreflightActivitiesImpl(h.clients, h.backups, google));
  }

  @AfterAll
  static void stop() {
    activities.close();
    google.close();
    h.close();
  }

  @AfterEach
  void clearFaults() {
    h.sandbox.faults().denied.clear();
    h.sandbox.googleApis().iam().grantAll();
    h.sandbox.googleApis().cluster().setMasterVersion("1.19.8-gke.1600");
    h.client().configMaps().inNamespace("istio-system").withName(StateConfigMap.NAME).delete();
  }

  static String failureType(Throwable t) {
    return TestActivities.applicationFailure(t).getType();
  }

  @Test
  void
      givenTheAddon14WithOnlineBoutique_whenPreflightRunsTwice_itShouldReportTheSamePlanAndChangeNothing() {
    MigrationContext ctx = h.context();
    long since = h.sandbox.apiServer().requestLog().entries().size();

    PreflightReport first = preflight.preflight(new PreflightRequest(ctx, List.of()));
    PreflightReport second = preflight.preflight(new PreflightRequest(ctx, List.of()));

    assertThat(first).isEqualTo(second);
    assertThat(first.addonVersions()).containsExactly(AddonVersion.V1_4);
    assertThat(first.masterVersion()).isEqualTo("1.19.8-gke.1600");
    assertThat(first.namespaces())
        .containsExactly(new NamespacePlan("online-boutique", AddonVersion.V1_4, 12, 0));
    assertThat(first.existingMigrationId()).isNull();
    assertThat(first.existingState()).isNull();
    assertThat(first.warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("online-boutique: 12 single-replica Deployments")
                    .contains("frontend")
                    .contains("redis-cart"));

    // read only: the activities' requests were reads and access reviews
    List<RequestLog.Entry> ours =
        h.sandbox.apiServer().requestLog().entries().stream()
            .skip(since)
            .filter(e -> e.userAgent() != null && e.userAgent().startsWith("asm-migrate"))
            .filter(e -> !e.userAgent().startsWith("asm-migrate-sandbox"))
            .toList();
    assertThat(ours).isNotEmpty();
    Set<String> writes =
        ours.stream()
            .filter(e -> !Set.of("get", "list").contains(e.verb()))
            .map(e -> e.verb() + " " + e.group() + "/" + e.resource())
            .collect(Collectors.toSet());
    assertThat(writes).containsOnly("create authorization.k8s.io/selfsubjectaccessreviews");
  }

  /**
   * Pre-flight's model of the disturbing steps other than the workload phase's comes from the
   * cluster: the 1.4 add-on's istio-pilot (1 replica, maxSurge 100 %, readiness probe 5 s + 5 s)
   * and istio-citadel (no probe) rollouts, the Mesh CA settings' poll and hold, and the
   * istio-ingressgateway's replicas and readiness probe (1 s + 2 s); migrate-configs only writes.
   */
  @Test
  void preflight_shouldModelTheDisturbingStepsFromTheGatewayAndControlPlaneDeployments() {
    MeshCaActivitiesImpl.Settings ca =
        MeshCaActivitiesImpl.Settings.defaults()
            .withHolds(Duration.ofSeconds(7), Duration.ofSeconds(3));
    PreflightReport report =
        new PreflightActivitiesImpl(h.clients, h.backups, google, ca)
            .preflight(new PreflightRequest(h.context(), List.of()));

    // pods Ready within ~100 ms here, so the probes and the pod start set the figures
    StepModel meshCa = report.stepModel(Step.CONFIGURE_MESH_CA);
    assertThat(meshCa.basis())
        .contains("istio-pilot rollout ~20s", "istio-citadel rollout ~", "hold 7s");
    // pilot 10 s start + 10 s probe, citadel 10 s start + its pods' observed readiness, 1 s poll,
    // the configured 7 s hold (a 1.4 cluster: the proxies' pickup, not the 1.6 trigger's 3 s)
    assertThat(meshCa.work()).isBetween(Duration.ofSeconds(38), Duration.ofSeconds(40));

    StepModel gateway = report.stepModel(Step.REPLACE_GATEWAY);
    assertThat(gateway.basis()).startsWith("new gateway of 1 replica(s) Ready ~13s");
    // 10 s start + (1 s delay + 2 s period), then the switch's writes
    assertThat(gateway.work()).isEqualTo(Duration.ofSeconds(15));

    assertThat(report.stepModel(Step.MIGRATE_CONFIGS).work()).isEqualTo(Duration.ofSeconds(2));
    assertThat(report.stepModel(Step.REPLACE_WEBHOOK)).isNull();

    // a pilot with 3 replicas rolled one at a time takes three rounds: the model follows the
    // cluster, not a constant
    editPilot(
        d -> {
          d.getSpec().setReplicas(3);
          d.getSpec().getStrategy().getRollingUpdate().setMaxSurge(new IntOrString(1));
          d.getSpec().getStrategy().getRollingUpdate().setMaxUnavailable(new IntOrString(0));
          return d;
        });
    try {
      StepModel three =
          new PreflightActivitiesImpl(h.clients, h.backups, google, ca)
              .preflight(new PreflightRequest(h.context(), List.of()))
              .stepModel(Step.CONFIGURE_MESH_CA);
      assertThat(three.basis()).contains("istio-pilot rollout ~1m");
      assertThat(three.work()).isEqualTo(meshCa.work().plus(Duration.ofSeconds(40)));
    } finally {
      editPilot(
          d -> {
            d.getSpec().setReplicas(1);
            d.getSpec().getStrategy().getRollingUpdate().setMaxSurge(new IntOrString("100%"));
            d.getSpec().getStrategy().getRollingUpdate().setMaxUnavailable(new IntOrString("25%"));
            return d;
          });
    }
  }

  /**
   * Edits istio-pilot as kubectl does: read, change, write with the read's resourceVersion, again
   * on a conflict (the sandbox's controllers write its status meanwhile).
   */
  private static void editPilot(
      java.util.function.UnaryOperator<io.fabric8.kubernetes.api.model.apps.Deployment> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        h.client()
            .apps()
            .deployments()
            .inNamespace("istio-system")
            .withName("istio-pilot")
            .edit(change);
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  @Test
  void givenMissingGooglePermissions_whenPreflightRuns_itShouldFailNamingThemAndWriteNothing() {
    String project = h.context().cluster().project();
    h.sandbox
        .googleApis()
        .iam()
        .deny(project, "gkehub.features.update", "container.clusters.update");
    long since = h.sandbox.apiServer().requestLog().entries().size();
    int calls = h.sandbox.googleApis().calls().size();

    assertThatThrownBy(() -> preflight.preflight(new PreflightRequest(h.context(), List.of())))
        .satisfies(t -> assertThat(failureType(t)).isEqualTo("PERMISSION_DENIED"))
        .satisfies(
            t ->
                assertThat(TestActivities.applicationFailure(t).getOriginalMessage())
                    .isEqualTo(
                        "the migration's Google-side steps need 2 IAM permissions the caller"
                            + " lacks: gkehub.features.update on projects/"
                            + project
                            + ", container.clusters.update on projects/"
                            + project));
    // asked of Google once (fleet and cluster project are the same); nothing written anywhere
    var google =
        h.sandbox.googleApis().calls().subList(calls, h.sandbox.googleApis().calls().size());
    assertThat(google)
        .filteredOn(c -> c.shortMethod().equals("TestIamPermissions"))
        .extracting(c -> c.resource())
        .containsExactly("projects/" + project);
    assertThat(google)
        .extracting(c -> c.shortMethod())
        .allMatch(m -> m.startsWith("Get") || m.startsWith("List") || m.startsWith("Test"));
    assertThat(
            h.sandbox.apiServer().requestLog().entries().stream()
                .skip(since)
                .filter(e -> e.userAgent().startsWith("asm-migrate"))
                .filter(e -> !e.userAgent().startsWith("asm-migrate-sandbox"))
                .filter(e -> !Set.of("get", "list").contains(e.verb()))
                .filter(e -> !e.resource().equals("selfsubjectaccessreviews")))
        .as("pre-flight writes nothing")
        .isEmpty();
    // plan's examination lists it as a blocking finding
    var exam =
        new PreflightActivitiesImpl(h.clients, h.backups, PreflightActivitiesImplTest.google)
            .examine(new PreflightRequest(h.context(), List.of()));
    assertThat(exam.report()).isNull();
    assertThat(exam.findings())
        .filteredOn(f -> f.blocking())
        .singleElement()
        .satisfies(f -> assertThat(f.message()).contains("container.clusters.update on projects/"));
  }

  @Test
  void givenAnotherFleetProject_whenPreflightRuns_itShouldAskForTheHubPermissionsThere() {
    String project = h.context().cluster().project();
    var iam = h.sandbox.googleApis().iam();
    // the cluster's project lacks what only the fleet project needs: no matter
    iam.deny(project, "gkehub.memberships.create");
    int calls = h.sandbox.googleApis().calls().size();
    assertThat(
            preflight
                .preflight(new PreflightRequest(h.context(), List.of(), List.of(), "fleet-host"))
                .namespaces())
        .isNotEmpty();
    assertThat(h.sandbox.googleApis().calls().subList(calls, h.sandbox.googleApis().calls().size()))
        .filteredOn(c -> c.shortMethod().equals("TestIamPermissions"))
        .extracting(c -> c.resource())
        .containsExactlyInAnyOrder("projects/fleet-host", "projects/" + project);

    iam.grantAll();
    iam.deny("fleet-host", "gkehub.memberships.create", "container.clusters.get");
    assertThatThrownBy(
            () ->
                preflight.preflight(
                    new PreflightRequest(h.context(), List.of(), List.of(), "fleet-host")))
        .satisfies(t -> assertThat(failureType(t)).isEqualTo("PERMISSION_DENIED"))
        .satisfies(
            t ->
                assertThat(TestActivities.applicationFailure(t).getOriginalMessage())
                    .endsWith(
                        "1 IAM permission the caller lacks: gkehub.memberships.create on"
                            + " projects/fleet-host"));
  }

  @Test
  void givenMissingPermissions_whenPreflightRuns_itShouldFailListingEveryMissingOne() {
    h.sandbox.faults().denied.add("patch apps/deployments");
    h.sandbox.faults().denied.add("delete /secrets");
    h.sandbox.faults().denied.add("* mesh.cloud.google.com/controlplanerevisions");

    assertThatThrownBy(() -> preflight.preflight(new PreflightRequest(h.context(), List.of())))
        .satisfies(t -> assertThat(failureType(t)).isEqualTo("PERMISSION_DENIED"))
        .satisfies(
            t ->
                assertThat(TestActivities.applicationFailure(t).getOriginalMessage())
                    .contains("patch apps/deployments")
                    .contains("delete secrets")
                    .contains("create mesh.cloud.google.com/controlplanerevisions")
                    .contains("delete mesh.cloud.google.com/controlplanerevisions")
                    .doesNotContain("get apps/deployments"));
  }

  @Test
  void
      givenNamespacesThatDoNotExistOrAreNotInjected_whenRequested_itShouldFailWithNotFoundNamingThem() {
    assertThatThrownBy(
            () ->
                preflight.preflight(
                    new PreflightRequest(
                        h.context(), List.of("online-boutique", "no-such-ns", "default"))))
        .satisfies(t -> assertThat(failureType(t)).isEqualTo("NOT_FOUND"))
        .satisfies(
            t ->
                assertThat(TestActivities.applicationFailure(t).getOriginalMessage())
                    .contains("namespace no-such-ns does not exist")
                    .contains("namespace default is not injected")
                    .doesNotContain("online-boutique"));
  }

  @Test
  void givenCanaryNamespacesThatAreNotMigrated_whenPreflightRuns_itShouldRefuseNamingEach() {
    // a start that bypasses the CLI's own check: a canary that is not migrated was ignored
    assertThatThrownBy(
            () ->
                preflight.preflight(
                    new PreflightRequest(
                        h.context(),
                        List.of(),
                        List.of("online-boutique", "no-such-ns", "default"))))
        .satisfies(t -> assertThat(failureType(t)).isEqualTo("NOT_FOUND"))
        .satisfies(
            t ->
                assertThat(TestActivities.applicationFailure(t).getOriginalMessage())
                    .isEqualTo(
                        "canary namespace no-such-ns does not exist; canary namespace default is"
                            + " not injected by the add-on"));
  }

  @Test
  void givenAnOldGkeVersion_whenPreflightRuns_itShouldRefuseTheCluster() {
    h.sandbox.googleApis().cluster().setMasterVersion("1.19.7-gke.2503");

    assertThatThrownBy(() -> preflight.preflight(new PreflightRequest(h.context(), List.of())))
        .satisfies(t -> assertThat(failureType(t)).isEqualTo("UNSUPPORTED_CLUSTER_VERSION"))
        .hasStackTraceContaining("1.19.7-gke.2503");

    h.sandbox.googleApis().cluster().setMasterVersion("1.20.4-gke.400");
    assertThat(preflight.preflight(new PreflightRequest(h.context(), List.of())).masterVersion())
        .isEqualTo("1.20.4-gke.400");
  }

  @Test
  void givenAnExistingMigrationState_whenPreflightRuns_itShouldReportItForResuming() {
    new StateConfigMap(h.client())
        .write("earlier-run", MigrationState.PENDING, "migrate-workloads");

    PreflightReport report = preflight.preflight(new PreflightRequest(h.context(), List.of()));

    assertThat(report.existingMigrationId()).isEqualTo("earlier-run");
    assertThat(report.existingState()).isEqualTo(MigrationState.PENDING);
  }

  @Test
  void givenAnAddonControlPlaneNotAvailable_whenPreflightRuns_itShouldRefuseNamingEachDeployment() {
    // Citadel and the injector: no HorizontalPodAutoscaler scales them back up
    var deployments = h.sandbox.client("test").apps().deployments().inNamespace("istio-system");
    List<String> down = List.of("istio-citadel", "istio-sidecar-injector");
    down.forEach(n -> deployments.withName(n).scale(0));
    try {
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  down.stream()
                      .map(n -> deployments.withName(n).get().getStatus().getAvailableReplicas())
                      .allMatch(a -> a == null || a == 0));
      long since = h.sandbox.apiServer().requestLog().entries().size();

      assertThatThrownBy(() -> preflight.preflight(new PreflightRequest(h.context(), List.of())))
          .satisfies(t -> assertThat(failureType(t)).isEqualTo("ADDON_NOT_AVAILABLE"))
          .satisfies(
              t ->
                  assertThat(TestActivities.applicationFailure(t).getOriginalMessage())
                      .startsWith(
                          "add-on 1.4 control plane not available: istio-citadel 0/0 available,"
                              + " istio-sidecar-injector 0/0 available (deployments in"
                              + " istio-system)")
                      .doesNotContain("istio-pilot")
                      .doesNotContain("istio-galley")
                      .doesNotContain("istio-ingressgateway"));
      assertThat(
              h.sandbox.apiServer().requestLog().entries().stream()
                  .skip(since)
                  .filter(e -> e.userAgent().startsWith("asm-migrate"))
                  .filter(e -> !e.userAgent().startsWith("asm-migrate-sandbox"))
                  .filter(e -> !Set.of("get", "list").contains(e.verb()))
                  .filter(e -> !e.resource().equals("selfsubjectaccessreviews")))
          .as("pre-flight writes nothing")
          .isEmpty();
    } finally {
      down.forEach(n -> deployments.withName(n).scale(1));
      h.settle();
    }
  }

  @Test
  void givenAStateWrittenByAnotherTool_whenPreflightRuns_itShouldRefuseWithStateConflict() {
    h.client()
        .configMaps()
        .inNamespace("istio-system")
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName(StateConfigMap.NAME)
                .endMetadata()
                .addToData("migrationStatus", "SUCCESS")
                .build())
        .create();

    assertThatThrownBy(() -> preflight.preflight(new PreflightRequest(h.context(), List.of())))
        .satisfies(t -> assertThat(failureType(t)).isEqualTo("STATE_CONFLICT"))
        .hasStackTraceContaining("without a migrationId");
  }

  @Test
  void givenStatefulSetsBarePodsAndStrictPdbs_whenPreflightRuns_itShouldCountAndWarn() {
    String ns = "preflight-extra";
    h.client()
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(ns)
                .addToLabels("istio-injection", "enabled")
                .endMetadata()
                .build())
        .create();
    h.client()
        .apps()
        .statefulSets()
        .inNamespace(ns)
        .resource(
            new StatefulSetBuilder()
                .withNewMetadata()
                .withName("db")
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withServiceName("db")
                .withNewSelector()
                .addToMatchLabels("app", "db")
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "db")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("db")
                .withImage("redis:6")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    h.client()
        .pods()
        .inNamespace(ns)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName("debug")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("shell")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .build())
        .create();
    h.client()
        .policy()
        .v1()
        .podDisruptionBudget()
        .inNamespace(ns)
        .resource(
            new PodDisruptionBudgetBuilder()
                .withNewMetadata()
                .withName("db")
                .endMetadata()
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(0))
                .withNewSelector()
                .addToMatchLabels("app", "db")
                .endSelector()
                .endSpec()
                .build())
        .create();
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                h.client().pods().inNamespace(ns).list().getItems().stream()
                        .filter(PreflightActivitiesImplTest::hasSidecar)
                        .count()
                    == 2);

    PreflightReport report = preflight.preflight(new PreflightRequest(h.context(), List.of(ns)));

    assertThat(report.namespaces()).containsExactly(new NamespacePlan(ns, AddonVersion.V1_4, 1, 1));
    assertThat(report.warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("namespace " + ns + ": injected pods not owned by a Deployment")
                    .contains("StatefulSet db")
                    .contains("Pod debug (no controller)"))
        .anySatisfy(w -> assertThat(w).contains("PodDisruptionBudget db allows 0 disruptions"));
    // the bare pod is to be recreated by hand; the StatefulSet's pod is restarted
    assertThat(report.podsToRecreate())
        .filteredOn(p -> p.namespace().equals(ns))
        .containsExactly(PodToRecreate.bare(ns, "debug"));
  }

  static boolean hasSidecar(Pod pod) {
    return pod.getSpec().getContainers().stream().anyMatch(c -> "istio-proxy".equals(c.getName()));
  }
}
