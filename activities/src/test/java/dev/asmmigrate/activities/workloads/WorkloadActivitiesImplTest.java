package dev.asmmigrate.activities.workloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.ClusterBackupStore;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.MigrationMetrics;
import dev.asmmigrate.workflows.activities.WorkloadActivities;
import dev.asmmigrate.workflows.activities.WorkloadActivities.Direction;
import dev.asmmigrate.workflows.activities.WorkloadActivities.MigrateNamespaceRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.MigrateNamespaceResult;
import dev.asmmigrate.workflows.activities.WorkloadActivities.NamespaceRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RemainingRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartResult;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RollBackNamespaceRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyResult;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The workload phase against the sandbox: Online Boutique on add-on 1.4 relabelled, restarted and
 * verified onto the managed control plane, then rolled back; a crash-looping namespace; a stuck
 * rollout; StatefulSets and pods no controller owns.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkloadActivitiesImplTest {
  static final String BOUTIQUE = "online-boutique";
  static final String ASM_PROXY = "gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3";
  static final String ADDON_14_PROXY = "gke.gcr.io/istio/proxyv2:1.4.10-gke.8";
  static final String MIGRATED_AT = "2024-05-01T10:00:00Z";

  static SandboxHarness h;
  static TestActivities activities;
  static WorkloadActivities workloads;
  static MigrationContext ctx;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .app(BOUTIQUE)
                .podReadyDelay(Duration.ofMillis(100))
                .controlPlaneProvisionDelay(Duration.ofMillis(300)));
    activities = new TestActivities();
    workloads =
        activities.stub(WorkloadActivities.class, new WorkloadActivitiesImpl(h.clients, h.backups));
    ctx = h.context();
    assertThat(h.sandbox.awaitSettled(Duration.ofSeconds(120))).isTrue();
    TestWorkloads.provisionManagedControlPlane(h, "asm-managed");
  }

  @AfterAll
  static void stop() {
    activities.close();
    h.close();
  }

  @Test
  @Order(1)
  void givenOnlineBoutiqueOnTheAddon_whenListingRemaining_itShouldFindItUnlessAlreadyMigrated() {
    List<NamespacePlan> all = workloads.remainingNamespaces(new RemainingRequest(ctx, List.of()));
    List<NamespacePlan> rest =
        workloads.remainingNamespaces(new RemainingRequest(ctx, List.of(BOUTIQUE)));

    assertThat(all).contains(new NamespacePlan(BOUTIQUE, AddonVersion.V1_4, 12, 0));
    assertThat(all).extracting(NamespacePlan::name).doesNotContain("istio-system", "kube-system");
    assertThat(rest).extracting(NamespacePlan::name).doesNotContain(BOUTIQUE);
  }

  @Test
  @Order(2)
  void
      givenOnlineBoutique_whenRelabelledRestartedAndVerifiedTwice_itShouldRunEveryPodOnTheAsmProxyAfterOneRollout() {
    NamespaceRequest relabel = new NamespaceRequest(ctx, BOUTIQUE);
    StepResult firstRelabel = workloads.relabelNamespace(relabel);
    StepResult secondRelabel = workloads.relabelNamespace(relabel);

    assertThat(TestWorkloads.labels(h, BOUTIQUE))
        .containsEntry("istio.io/rev", "asm-managed")
        .doesNotContainKey("istio-injection");
    assertThat(firstRelabel.backups()).hasSize(1);
    assertThat(secondRelabel.backups()).isEqualTo(firstRelabel.backups());

    Map<String, Integer> replicaSetsBefore = TestWorkloads.replicaSetsPerDeployment(h, BOUTIQUE);
    RestartRequest restart = RestartRequest.migrate(ctx, BOUTIQUE, MIGRATED_AT, true);
    RestartResult first = workloads.restartWorkloads(restart);
    RestartResult second = workloads.restartWorkloads(restart);

    assertThat(first.workloads())
        .hasSize(12)
        .contains("Deployment/frontend", "Deployment/redis-cart");
    assertThat(first.unmanagedPods()).isEmpty();
    assertThat(second).isEqualTo(first);

    activities.clearHeartbeats();
    double podsVerifiedBefore =
        activities.counter(MigrationMetrics.PODS_VERIFIED, "proxy", "managed");
    VerifyResult verified =
        workloads.verifyNamespace(
            new VerifyRequest(
                ctx, BOUTIQUE, Direction.MIGRATE, AddonVersion.V1_4, Duration.ofSeconds(60), true));

    assertThat(verified).isEqualTo(new VerifyResult(12, 12));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(activities.counter(MigrationMetrics.PODS_VERIFIED, "proxy", "managed"))
                    .as("pods verified, counted by the activity")
                    .isEqualTo(podsVerifiedBefore + 12));
    Map<String, Integer> replicaSetsAfter = TestWorkloads.replicaSetsPerDeployment(h, BOUTIQUE);
    assertThat(replicaSetsAfter.keySet()).hasSize(12);
    replicaSetsBefore.forEach(
        (deployment, count) ->
            assertThat(replicaSetsAfter.get(deployment))
                .as("ReplicaSets of %s after two restarts", deployment)
                .isEqualTo(count + 1));
    List<ObjectNode> pods = TestWorkloads.livePods(h, BOUTIQUE);
    assertThat(pods).hasSize(12);
    for (ObjectNode pod : pods) {
      assertThat(TestWorkloads.proxyImage(pod)).as(TestWorkloads.name(pod)).isEqualTo(ASM_PROXY);
      assertThat(TestWorkloads.readyContainers(pod)).as(TestWorkloads.name(pod)).isEqualTo("2/2");
    }
    // Temporal throttles heartbeats, so the last ones sent may not be delivered: check the form.
    assertThat(activities.heartbeats())
        .isNotEmpty()
        .allMatch(beat -> beat.matches(BOUTIQUE + ": \\d+/12 pods verified"));
    assertThat(workloads.remainingNamespaces(new RemainingRequest(ctx, List.of())))
        .extracting(NamespacePlan::name)
        .doesNotContain(BOUTIQUE);
  }

  @Test
  @Order(3)
  void givenAMigratedNamespace_whenRolledBack_itShouldGetItsLabelsBackAndRunTheAddonProxyAgain() {
    NamespaceRequest restore = new NamespaceRequest(ctx, BOUTIQUE);
    workloads.restoreNamespaceLabels(restore);
    workloads.restoreNamespaceLabels(restore);

    assertThat(TestWorkloads.labels(h, BOUTIQUE))
        .containsEntry("istio-injection", "enabled")
        .doesNotContainKey("istio.io/rev");

    RestartResult restarted =
        workloads.restartWorkloads(
            RestartRequest.rollBack(ctx, BOUTIQUE, MIGRATED_AT, "2024-05-01T11:00:00Z", true));
    VerifyResult verified =
        workloads.verifyNamespace(
            new VerifyRequest(
                ctx,
                BOUTIQUE,
                Direction.ROLL_BACK,
                AddonVersion.V1_4,
                Duration.ofSeconds(60),
                true));

    assertThat(restarted.workloads()).hasSize(12);
    assertThat(verified).isEqualTo(new VerifyResult(12, 12));
    for (ObjectNode pod : TestWorkloads.livePods(h, BOUTIQUE)) {
      assertThat(TestWorkloads.proxyImage(pod))
          .as(TestWorkloads.name(pod))
          .isEqualTo(ADDON_14_PROXY);
    }
  }

  @Test
  @Order(4)
  void
      givenARestartLimitedToTheMigrationsOwn_whenAWorkloadCarriesAnotherValue_itShouldLeaveItAlone() {
    RestartResult none =
        workloads.restartWorkloads(
            RestartRequest.rollBack(
                ctx, BOUTIQUE, "1999-01-01T00:00:00Z", "2024-05-01T12:00:00Z", true));

    assertThat(none.workloads()).isEmpty();
    assertThat(
            TestWorkloads.templateAnnotation(
                h, BOUTIQUE, "frontend", WorkloadActivitiesImpl.RESTARTED_AT))
        .isEqualTo("2024-05-01T11:00:00Z");
  }

  @Test
  @Order(5)
  void givenACrashLoopingNamespace_whenVerified_itShouldFailFastNamingWorkloadPodAndReason() {
    String ns = "crashy";
    TestWorkloads.createInjectedNamespace(h, ns);
    TestWorkloads.createDeployment(h, ns, "api", Map.of());
    await().atMost(Duration.ofSeconds(30)).until(() -> TestWorkloads.readyPods(h, ns) == 1);
    h.sandbox.faults().crashLoopNamespaces.add(ns);
    try {
      workloads.relabelNamespace(new NamespaceRequest(ctx, ns));
      workloads.restartWorkloads(RestartRequest.migrate(ctx, ns, MIGRATED_AT, true));

      Instant started = Instant.now();
      Throwable thrown =
          catchThrowable(
              () ->
                  workloads.verifyNamespace(
                      new VerifyRequest(
                          ctx,
                          ns,
                          Direction.MIGRATE,
                          AddonVersion.V1_4,
                          Duration.ofSeconds(60),
                          true)));

      ApplicationFailure failure = TestActivities.applicationFailure(thrown);
      assertThat(failure.getType()).isEqualTo(FailureType.VERIFICATION_FAILED.name());
      assertThat(failure.isNonRetryable()).isTrue();
      assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(30));
      String crashing =
          TestWorkloads.livePods(h, ns).stream()
              .filter(p -> TestWorkloads.restarts(p) > 0)
              .map(TestWorkloads::name)
              .findFirst()
              .orElseThrow();
      assertThat(failure.getOriginalMessage())
          .contains("namespace " + ns)
          .contains("Deployment/api")
          .contains("pod " + crashing)
          .containsAnyOf("CrashLoopBackOff", "restarted");
    } finally {
      h.sandbox.faults().crashLoopNamespaces.remove(ns);
    }
  }

  @Test
  @Order(6)
  void givenARolloutThatCannotComplete_whenVerified_itShouldTimeOutNamingWhatIsMissing() {
    String ns = "stuck";
    TestWorkloads.createInjectedNamespace(h, ns);
    TestWorkloads.createDeployment(h, ns, "pending", Map.of("pool", "does-not-exist"));
    await().atMost(Duration.ofSeconds(30)).until(() -> TestWorkloads.livePods(h, ns).size() == 1);

    Instant started = Instant.now();
    Throwable thrown =
        catchThrowable(
            () ->
                workloads.verifyNamespace(
                    new VerifyRequest(
                        ctx,
                        ns,
                        Direction.ROLL_BACK,
                        AddonVersion.V1_4,
                        Duration.ofSeconds(2),
                        true)));

    ApplicationFailure failure = TestActivities.applicationFailure(thrown);
    assertThat(failure.getType()).isEqualTo(FailureType.VERIFICATION_FAILED.name());
    assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(15));
    assertThat(failure.getOriginalMessage())
        .contains("verify namespace stuck: timed out after PT2S")
        .contains("0/1 pods verified")
        .contains("Deployment pending: 0 of 1 updated replicas available")
        .contains(
            "Deployment/pending pod " + TestWorkloads.name(TestWorkloads.livePods(h, ns).get(0)))
        .contains("Pending, not scheduled");
    assertThat(activities.heartbeats()).contains("stuck: 0/1 pods verified");
  }

  @Test
  @Order(7)
  void
      givenAStatefulSetAndABarePod_whenRestarted_itShouldRestartTheSetAndReportTheBarePodUntouched() {
    String ns = "mixed";
    TestWorkloads.createInjectedNamespace(h, ns);
    TestWorkloads.createStatefulSet(h, ns, "db");
    TestWorkloads.createBarePod(h, ns, "debug");
    await().atMost(Duration.ofSeconds(30)).until(() -> TestWorkloads.readyPods(h, ns) == 2);

    workloads.relabelNamespace(new NamespaceRequest(ctx, ns));
    RestartResult withoutSets =
        workloads.restartWorkloads(RestartRequest.migrate(ctx, ns, MIGRATED_AT, false));
    RestartResult restarted =
        workloads.restartWorkloads(RestartRequest.migrate(ctx, ns, MIGRATED_AT, true));
    VerifyResult verified =
        workloads.verifyNamespace(
            new VerifyRequest(
                ctx, ns, Direction.MIGRATE, AddonVersion.V1_4, Duration.ofSeconds(60), true));

    assertThat(withoutSets.workloads()).isEmpty();
    assertThat(withoutSets.unmanagedPods()).containsExactly("debug (no controller)");
    assertThat(restarted.workloads()).containsExactly("StatefulSet/db");
    assertThat(restarted.unmanagedPods()).containsExactly("debug (no controller)");
    assertThat(verified).isEqualTo(new VerifyResult(1, 1));
    Map<String, String> images = new TreeMap<>();
    for (ObjectNode pod : TestWorkloads.livePods(h, ns)) {
      images.put(TestWorkloads.name(pod), TestWorkloads.proxyImage(pod));
    }
    assertThat(images).containsEntry("db-0", ASM_PROXY).containsEntry("debug", ADDON_14_PROXY);
  }

  @Test
  @Order(8)
  void
      givenRestartOfSetsOff_whenVerified_itShouldPassOnTheDeploymentsAndReportTheSetPodsOnTheOldProxy() {
    String ns = "sets-kept";
    TestWorkloads.createInjectedNamespace(h, ns);
    TestWorkloads.createDeployment(h, ns, "web", Map.of());
    TestWorkloads.createStatefulSet(h, ns, "db");
    await().atMost(Duration.ofSeconds(30)).until(() -> TestWorkloads.readyPods(h, ns) == 2);

    workloads.relabelNamespace(new NamespaceRequest(ctx, ns));
    RestartResult restarted =
        workloads.restartWorkloads(RestartRequest.migrate(ctx, ns, MIGRATED_AT, false));
    VerifyRequest withoutSets =
        new VerifyRequest(
            ctx, ns, Direction.MIGRATE, AddonVersion.V1_4, Duration.ofSeconds(60), false);
    VerifyResult first = workloads.verifyNamespace(withoutSets);
    VerifyResult second = workloads.verifyNamespace(withoutSets);
    // what the gate did before the flag reached it: it judged the set it was told not to restart
    Throwable judgedSets =
        catchThrowable(
            () ->
                workloads.verifyNamespace(
                    new VerifyRequest(
                        ctx,
                        ns,
                        Direction.MIGRATE,
                        AddonVersion.V1_4,
                        Duration.ofSeconds(60),
                        true)));

    assertThat(restarted.workloads()).containsExactly("Deployment/web");
    assertThat(first)
        .isEqualTo(new VerifyResult(1, 1, List.of("StatefulSet/db pod db-0: " + ADDON_14_PROXY)));
    assertThat(second).isEqualTo(first);
    ApplicationFailure failure = TestActivities.applicationFailure(judgedSets);
    assertThat(failure.getType()).isEqualTo(FailureType.VERIFICATION_FAILED.name());
    assertThat(failure.getOriginalMessage()).contains("StatefulSet/db pod db-0");
    Map<String, String> images = new TreeMap<>();
    for (ObjectNode pod : TestWorkloads.livePods(h, ns)) {
      images.put(TestWorkloads.name(pod), TestWorkloads.proxyImage(pod));
    }
    assertThat(images).containsEntry("db-0", ADDON_14_PROXY);
    assertThat(
            images.entrySet().stream()
                .filter(e -> e.getKey().startsWith("web-"))
                .map(Map.Entry::getValue)
                .toList())
        .isNotEmpty()
        .containsOnly(ASM_PROXY);
  }

  @Test
  @Order(9)
  void givenAMissingNamespace_whenRelabelled_itShouldFailPermanentlyNamingIt() {
    Throwable thrown =
        catchThrowable(() -> workloads.relabelNamespace(new NamespaceRequest(ctx, "no-such-ns")));

    ApplicationFailure failure = TestActivities.applicationFailure(thrown);
    assertThat(failure.getType()).isEqualTo(FailureType.NOT_FOUND.name());
    assertThat(failure.getOriginalMessage()).contains("no-such-ns");
  }

  /**
   * Plan and migration share one computation ({@link NamespaceChanges}): the plan of a namespace
   * lists its label patch and the restart of its Deployment and meshed StatefulSet, and relabel and
   * restart then make exactly those changes (each mutating request the sandbox answered, the
   * backups aside) and no other, leaving the objects as planned.
   */
  @Test
  @Order(10)
  void
      givenANamespace_whenPlannedThenRelabelledAndRestarted_theChangesMadeShouldBeThePlannedOnes() {
    String ns = "planned";
    TestWorkloads.createInjectedNamespace(h, ns);
    TestWorkloads.createDeployment(h, ns, "web", Map.of());
    TestWorkloads.createStatefulSet(h, ns, "db");
    TestWorkloads.createBarePod(h, ns, "debug");
    await().atMost(Duration.ofSeconds(30)).until(() -> TestWorkloads.readyPods(h, ns) == 3);

    List<PlannedChange> plan =
        new WorkloadActivitiesImpl(h.clients, h.backups)
            .plan(ctx, "migrate-workloads", ns, true, MIGRATED_AT);
    long since = h.sandbox.apiServer().requestLog().entries().size();
    workloads.relabelNamespace(new NamespaceRequest(ctx, ns));
    workloads.restartWorkloads(RestartRequest.migrate(ctx, ns, MIGRATED_AT, true));
    List<String> made =
        h.sandbox.apiServer().requestLog().entries().stream()
            .skip(since)
            .filter(e -> List.of("create", "update", "patch", "delete").contains(e.verb()))
            .filter(e -> !e.dryRun() && !e.namespace().equals(ClusterBackupStore.NAMESPACE))
            // the activities' own requests, not the sandbox's controllers'
            .filter(e -> e.userAgent().startsWith("asm-migrate"))
            .filter(e -> !e.userAgent().startsWith("asm-migrate-sandbox"))
            .map(e -> e.verb() + " " + e.resource() + " " + e.namespace() + "/" + e.name())
            .toList();

    assertThat(plan)
        .extracting(c -> c.verb() + " " + c.kind() + " " + c.namespace() + "/" + c.name())
        .containsExactly(
            "patch Namespace /" + ns,
            "patch Deployment " + ns + "/web",
            "patch StatefulSet " + ns + "/db");
    assertThat(plan.get(0).body().toString())
        .isEqualTo(
            "{\"metadata\":{\"labels\":{\"istio-injection\":null,\"istio.io/rev\":\"asm-managed\"}}}");
    List<String> planned =
        plan.stream()
            .map(
                c ->
                    c.verb()
                        + " "
                        + c.kind().toLowerCase(Locale.ROOT)
                        + "s "
                        + c.namespace()
                        + "/"
                        + c.name())
            .toList();
    // the namespace first; its workloads' patches then go out together, in no set order
    assertThat(made).hasSameSizeAs(planned).startsWith(planned.get(0));
    assertThat(made.subList(1, made.size()))
        .containsExactlyInAnyOrderElementsOf(planned.subList(1, planned.size()));
    assertThat(TestWorkloads.labels(h, ns))
        .containsEntry("istio.io/rev", "asm-managed")
        .doesNotContainKey("istio-injection");
    assertThat(TestWorkloads.templateAnnotation(h, ns, "web", WorkloadActivitiesImpl.RESTARTED_AT))
        .isEqualTo(MIGRATED_AT);
    assertThat(
            h.sandbox
                .store()
                .require(ResourceRegistry.STATEFULSETS, ns, "db")
                .at("/spec/template/metadata/annotations")
                .path(WorkloadActivitiesImpl.RESTARTED_AT)
                .asText(null))
        .isEqualTo(MIGRATED_AT);
  }

  /**
   * A namespace's one activity each way (what the workflow calls since {@code
   * namespace-one-activity}), each run twice as a retry would: relabelled, restarted once and
   * verified on the managed proxy, then labels back, restarted once more and verified on the
   * add-on's proxy.
   */
  @Test
  @Order(11)
  void givenANamespace_whenMigratedAndRolledBackAsOneActivityEachTwice_eachShouldActOnce() {
    String ns = "whole";
    TestWorkloads.createInjectedNamespace(h, ns);
    TestWorkloads.createDeployment(h, ns, "web", Map.of());
    await().atMost(Duration.ofSeconds(30)).until(() -> TestWorkloads.readyPods(h, ns) == 1);
    Map<String, Integer> replicaSetsBefore = TestWorkloads.replicaSetsPerDeployment(h, ns);
    MigrateNamespaceRequest migrate =
        new MigrateNamespaceRequest(
            new NamespaceRequest(ctx, ns),
            RestartRequest.migrate(ctx, ns, MIGRATED_AT, true),
            new VerifyRequest(
                ctx, ns, Direction.MIGRATE, AddonVersion.V1_4, Duration.ofSeconds(60), true));

    MigrateNamespaceResult first = workloads.migrateNamespace(migrate);
    MigrateNamespaceResult again = workloads.migrateNamespace(migrate);

    assertThat(first.restarted().workloads()).containsExactly("Deployment/web");
    assertThat(first.verified()).isEqualTo(new VerifyResult(1, 1));
    assertThat(again.verified()).isEqualTo(first.verified());
    assertThat(first.relabelledAt()).isLessThanOrEqualTo(first.restartedAt());
    assertThat(TestWorkloads.labels(h, ns))
        .containsEntry("istio.io/rev", "asm-managed")
        .doesNotContainKey("istio-injection");
    assertThat(TestWorkloads.replicaSetsPerDeployment(h, ns))
        .containsEntry("web", replicaSetsBefore.get("web") + 1);
    assertThat(TestWorkloads.livePods(h, ns))
        .extracting(TestWorkloads::proxyImage)
        .containsExactly(ASM_PROXY);

    RollBackNamespaceRequest rollBack =
        new RollBackNamespaceRequest(
            new NamespaceRequest(ctx, ns),
            RestartRequest.rollBack(ctx, ns, MIGRATED_AT, "2024-05-01T11:00:00Z", true),
            new VerifyRequest(
                ctx, ns, Direction.ROLL_BACK, AddonVersion.V1_4, Duration.ofSeconds(60), true));
    assertThat(workloads.rollBackNamespace(rollBack)).isEqualTo(new VerifyResult(1, 1));
    assertThat(workloads.rollBackNamespace(rollBack)).isEqualTo(new VerifyResult(1, 1));

    assertThat(TestWorkloads.labels(h, ns))
        .containsEntry("istio-injection", "enabled")
        .doesNotContainKey("istio.io/rev");
    assertThat(TestWorkloads.replicaSetsPerDeployment(h, ns))
        .containsEntry("web", replicaSetsBefore.get("web") + 2);
    assertThat(TestWorkloads.livePods(h, ns))
        .extracting(TestWorkloads::proxyImage)
        .containsExactly(ADDON_14_PROXY);
  }

  /**
   * A namespace's workloads are patched together: one refused patch fails the restart with its own
   * type once the others are done (each backed up first), and the retry patches only what is left.
   */
  @Test
  @Order(12)
  void givenOneWorkloadsPatchRefused_theRestartShouldFailTypedAndItsRetryPatchOnlyWhatIsLeft() {
    String ns = "together";
    TestWorkloads.createInjectedNamespace(h, ns);
    for (String d : List.of("a", "b", "c", "d")) {
      TestWorkloads.createDeployment(h, ns, d, Map.of());
    }
    TestWorkloads.createStatefulSet(h, ns, "db");
    await().atMost(Duration.ofSeconds(30)).until(() -> TestWorkloads.readyPods(h, ns) == 5);
    workloads.relabelNamespace(new NamespaceRequest(ctx, ns));
    RestartRequest restart = RestartRequest.migrate(ctx, ns, MIGRATED_AT, true);
    h.sandbox.faults().denied.add("patch apps/statefulsets");
    Throwable thrown;
    try {
      thrown = catchThrowable(() -> workloads.restartWorkloads(restart));
    } finally {
      h.sandbox.faults().denied.clear();
    }

    assertThat(TestActivities.applicationFailure(thrown).getType())
        .isEqualTo(FailureType.PERMISSION_DENIED.name());
    for (String d : List.of("a", "b", "c", "d")) {
      assertThat(TestWorkloads.templateAnnotation(h, ns, d, "kubectl.kubernetes.io/restartedAt"))
          .as("Deployment %s, patched beside the refused StatefulSet", d)
          .isEqualTo(MIGRATED_AT);
      assertThat(h.backups.forContext(ctx).load(ctx.migrationId(), deploymentKey(ns, d)))
          .as("Deployment %s backed up before its patch", d)
          .isPresent();
    }
    long since = h.sandbox.apiServer().requestLog().entries().size();

    RestartResult retried = workloads.restartWorkloads(restart);

    assertThat(retried.workloads())
        .containsExactlyInAnyOrder(
            "Deployment/a", "Deployment/b", "Deployment/c", "Deployment/d", "StatefulSet/db");
    assertThat(
            h.sandbox.apiServer().requestLog().entries().stream()
                .skip(since)
                .filter(e -> e.verb().equals("patch"))
                .filter(e -> !e.userAgent().startsWith("asm-migrate-sandbox"))
                .map(e -> e.resource() + "/" + e.name()))
        .containsExactly("statefulsets/db");
  }

  private static dev.asmmigrate.activities.backup.ObjectKey deploymentKey(String ns, String name) {
    return new dev.asmmigrate.activities.backup.ObjectKey("apps/v1", "Deployment", ns, name);
  }
}
