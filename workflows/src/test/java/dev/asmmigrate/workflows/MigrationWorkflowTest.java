package dev.asmmigrate.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.PodToRecreate;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.Timeouts;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The runbook and its saga, with recording activities and time skipping. */
class MigrationWorkflowTest {
  static final ClusterRef CLUSTER = new ClusterRef("p", "us-central1-c", "c");
  static final Map<String, List<String>> UNDO =
      Map.of(
          "registerFleet", List.of("unregisterFleet"),
          "applyControlPlaneRevision:asm-managed", List.of("removeControlPlaneRevision"),
          "disableGalleyWebhook", List.of("restoreGalleyWebhook"),
          "migrateConfigs", List.of("removeMigratedConfigs"),
          "configureMeshCa:1.4", List.of("restoreMeshCa:1.4"),
          "configureMeshCa:1.6", List.of("restoreMeshCa:1.6"),
          "replaceGateway", List.of("restoreGateway"),
          "replaceWebhook", List.of("restoreWebhook"));

  TestWorkflowEnvironment env;
  RecordingActivities activities;
  WorkflowClient client;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(MigrationWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(WorkflowTypes.all());
    activities = new RecordingActivities();
    worker.registerActivitiesImplementations(activities);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  static MigrationRequest request(
      boolean autoApprove, String failAt, boolean continueOnFailure, List<String> canary) {
    return new MigrationRequest(
        CLUSTER,
        new Connection("/k", "sandbox", null),
        null,
        "regular",
        List.of(),
        canary,
        2,
        autoApprove,
        continueOnFailure,
        true,
        null,
        failAt,
        null,
        null);
  }

  MigrationWorkflow stub() {
    return client.newWorkflowStub(
        MigrationWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(CLUSTER.workflowId())
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .build());
  }

  /**
   * One stub of the workload activities, its options per method: a namespace's one activity is
   * bounded by the sum of the relabel's, the restart's and the verification's bounds, and
   * heartbeats as the verification does (a dead worker's namespace moves on within seconds).
   */
  @Test
  void givenAMigration_theWorkloadActivitiesShouldBeScheduledWithTheirOwnTimeouts() {
    stub().migrate(request(true, null, false, List.of()));

    Map<String, String> timeouts = new java.util.TreeMap<>();
    // the migration's own history and those of its groups of waves (child workflows)
    List<HistoryEvent> events =
        new java.util.ArrayList<>(client.fetchHistory(CLUSTER.workflowId()).getEvents());
    for (HistoryEvent e : List.copyOf(events)) {
      if (e.hasStartChildWorkflowExecutionInitiatedEventAttributes()) {
        events.addAll(
            client
                .fetchHistory(
                    e.getStartChildWorkflowExecutionInitiatedEventAttributes().getWorkflowId())
                .getEvents());
      }
    }
    for (HistoryEvent e : events) {
      if (e.hasActivityTaskScheduledEventAttributes()) {
        var a = e.getActivityTaskScheduledEventAttributes();
        timeouts.put(
            a.getActivityType().getName(),
            "startToClose="
                + a.getStartToCloseTimeout().getSeconds()
                + "s heartbeat="
                + a.getHeartbeatTimeout().getSeconds()
                + "s");
      }
    }

    long rollout = Timeouts.defaults().rollout().plusMinutes(2).getSeconds();
    // one activity per namespace (version namespace-one-activity): the relabel's, the restart's
    // and the verification's bounds in sum, the verification's heartbeat
    assertThat(timeouts)
        .containsEntry(
            "MigrateNamespace", "startToClose=" + (120 + 120 + rollout) + "s heartbeat=20s")
        .doesNotContainKeys("RelabelNamespace", "RestartWorkloads", "VerifyNamespace")
        .containsEntry("RemainingNamespaces", "startToClose=120s heartbeat=60s");
  }

  @Test
  void
      givenAnAddOn14Cluster_whenMigratedWithAutoApproval_itShouldRunEveryStepInOrderAndEndSuccess() {
    MigrationResult result = stub().migrate(request(true, null, false, List.of()));

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(result.completedSteps()).containsExactlyElementsOf(Step.ids());
    assertThat(activities.states).containsExactly(MigrationState.PENDING, MigrationState.SUCCESS);
    List<String> calls = activities.calls;
    assertThat(calls.indexOf("preflight")).isZero();
    assertThat(calls)
        .containsSubsequence(
            "registerFleet",
            "applyControlPlaneRevision:asm-managed",
            "awaitControlPlane",
            "checkConfigs",
            "disableGalleyWebhook",
            "migrateConfigs",
            "configureMeshCa:1.4",
            "awaitRootDistribution:1.4",
            "relabelNamespace:app-a",
            "restartWorkloads:app-a",
            "verifyNamespace:app-a",
            "replaceGateway",
            "replaceWebhook",
            "remainingNamespaces",
            "disableAddon",
            "cleanup");
    assertThat(calls)
        .noneMatch(
            c -> c.startsWith("restore") || c.startsWith("remove") || c.startsWith("unregister"));
    assertThat(result.namespaces()).extracting(NamespaceStatus::phase).containsOnly("VERIFIED");
  }

  @Test
  void givenAControlPlaneThatDoesNotProvision_whenItFails_itShouldRollBackAndEndProvisionError() {
    activities.failOn.add("awaitControlPlane");

    MigrationResult result = stub().migrate(request(true, null, false, List.of()));

    assertThat(result.state()).isEqualTo(MigrationState.CONTROLPLANE_PROVISION_ERROR);
    assertThat(result.failedStep()).isEqualTo(Step.CONTROL_PLANE.id());
    assertThat(activities.states).last().isEqualTo(MigrationState.CONTROLPLANE_PROVISION_ERROR);
    assertThat(activities.calls)
        .containsSubsequence(
            "registerFleet",
            "applyControlPlaneRevision:asm-managed",
            "awaitControlPlane",
            "removeControlPlaneRevision",
            "unregisterFleet");
    // only the check before any change ran: the config-check step was never reached
    assertThat(activities.callsOf("checkConfigs")).hasSize(1);
    assertThat(activities.calls.indexOf("checkConfigs"))
        .isLessThan(activities.calls.indexOf("registerFleet"));
  }

  static Stream<Step> rollbackableSteps() {
    return Step.rollbackable().stream();
  }

  @ParameterizedTest(name = "fail at {0}")
  @MethodSource("rollbackableSteps")
  void givenAFailureInjectedAtAStep_whenItFails_everyCompletedChangeShouldBeUndoneInReverseOrder(
      Step step) {
    MigrationResult result = stub().migrate(request(true, step.id(), false, List.of()));

    // Issue 3: whatever the step, an injected failure ends ROLLED_BACK (the control plane did
    // provision; CONTROLPLANE_PROVISION_ERROR is for one that did not, tested below).
    MigrationState expected = MigrationState.ROLLED_BACK;
    assertThat(result.state()).isEqualTo(expected);
    assertThat(result.failedStep()).isEqualTo(step.id());
    assertThat(activities.states).last().isEqualTo(expected);

    List<String> calls = new ArrayList<>(activities.calls);
    int firstUndo = firstUndoIndex(calls);
    List<String> forward = calls.subList(0, firstUndo);
    List<String> undo = calls.subList(firstUndo, calls.size());
    List<String> expectedUndo = new ArrayList<>();
    for (int i = forward.size() - 1; i >= 0; i--) {
      String call = forward.get(i);
      if (UNDO.containsKey(call)) {
        expectedUndo.addAll(UNDO.get(call));
      } else if (call.startsWith("relabelNamespace:")) {
        String ns = call.substring("relabelNamespace:".length());
        expectedUndo.addAll(
            List.of(
                "restoreNamespaceLabels:" + ns,
                "restartWorkloads:" + ns + ":rollback",
                "verifyNamespace:" + ns + ":addon"));
      }
    }
    assertThat(groupNamespaceUndos(undo))
        .containsExactlyElementsOf(groupNamespaceUndos(expectedUndo));
    assertThat(calls).doesNotContain("disableAddon", "cleanup");
  }

  /**
   * Namespaces of one wave migrate concurrently, so their undos may come in any order among
   * themselves: each undo must be the triple labels/restart/verify, and a run of them is compared
   * as a set.
   */
  private static List<String> groupNamespaceUndos(List<String> undo) {
    List<String> out = new ArrayList<>();
    java.util.TreeSet<String> run = new java.util.TreeSet<>();
    for (int i = 0; i < undo.size(); i++) {
      String c = undo.get(i);
      if (c.startsWith("restoreNamespaceLabels:")) {
        String ns = c.substring("restoreNamespaceLabels:".length());
        assertThat(undo.subList(i, i + 3))
            .containsExactly(
                c, "restartWorkloads:" + ns + ":rollback", "verifyNamespace:" + ns + ":addon");
        run.add(ns);
        i += 2;
      } else {
        if (!run.isEmpty()) {
          out.add("namespaces" + run);
          run.clear();
        }
        out.add(c);
      }
    }
    if (!run.isEmpty()) {
      out.add("namespaces" + run);
    }
    return out;
  }

  private static int firstUndoIndex(List<String> calls) {
    for (int i = 0; i < calls.size(); i++) {
      String c = calls.get(i);
      if (c.startsWith("restore")
          || c.startsWith("remove")
          || c.startsWith("unregister")
          || c.endsWith(":rollback")) {
        return i;
      }
    }
    return calls.size();
  }

  @Test
  void givenNoAutoApproval_whenTheMigrationReachesApproval_itShouldWaitForAnOperatorAndRecordWho() {
    List<PodToRecreate> pods =
        List.of(
            PodToRecreate.bare("demo", "debug"),
            PodToRecreate.ofJob("demo", "nightly-1-x7k2p", "nightly-1", "nightly"));
    activities.podsToRecreate = pods;
    MigrationWorkflow wf = stub();
    WorkflowClient.start(wf::migrate, request(false, null, false, List.of()));
    env.sleep(Duration.ofMinutes(5));
    assertThat(wf.status().phase()).isEqualTo("WAITING_FOR_APPROVAL");
    // what pre-flight found to recreate by hand is shown while the migration waits
    assertThat(wf.status().podsToRecreate()).isEqualTo(pods);
    assertThat(wf.status().state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(activities.calls).doesNotContain("disableAddon");

    env.sleep(Duration.ofDays(3));
    assertThat(wf.status().phase()).isEqualTo("WAITING_FOR_APPROVAL");
    wf.approve("alice@example.com");
    MigrationResult result =
        client.newUntypedWorkflowStub(CLUSTER.workflowId()).getResult(MigrationResult.class);
    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(wf.status().approvedBy()).isEqualTo("alice@example.com");
    assertThat(activities.calls).containsSubsequence("disableAddon", "cleanup");
  }

  @Test
  void givenAPreflightRefusal_whenTheMigrationStarts_itShouldEndRefusedWritingAndUndoingNothing() {
    activities.failOn.add("preflight");

    MigrationResult result = stub().migrate(request(true, null, false, List.of()));

    // issue 10 case 7: nothing changed, so nothing is rolled back and no state is written
    assertThat(result.state()).isEqualTo(MigrationState.REFUSED);
    assertThat(result.failedStep()).isEqualTo("preflight");
    assertThat(result.error()).startsWith("VERIFICATION_FAILED: injected by the test at preflight");
    assertThat(result.completedSteps()).isEmpty();
    assertThat(activities.calls).containsExactly("preflight");
    assertThat(activities.states).isEmpty();
    assertThat(
            client.newWorkflowStub(MigrationWorkflow.class, CLUSTER.workflowId()).status().phase())
        .isEqualTo("DONE");
  }

  @Test
  void givenAMigrationWaitingForApproval_whenRolledBack_itShouldUndoEverythingAndEndRolledBack() {
    MigrationWorkflow wf = stub();
    WorkflowClient.start(wf::migrate, request(false, null, false, List.of()));
    env.sleep(Duration.ofMinutes(5));
    wf.rollback("the canary team saw errors");
    MigrationResult result =
        client.newUntypedWorkflowStub(CLUSTER.workflowId()).getResult(MigrationResult.class);

    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(activities.calls)
        .contains(
            "restoreWebhook",
            "restoreGateway",
            "restoreMeshCa:1.4",
            "removeControlPlaneRevision",
            "unregisterFleet");
    assertThat(activities.calls).doesNotContain("disableAddon", "cleanup");
    assertThat(activities.states).last().isEqualTo(MigrationState.ROLLED_BACK);
  }

  @Test
  void givenBlockingConfigs_whenTheMigrationStarts_itShouldWaitForARecheckBeforeAnyChange() {
    activities.blockingChecksLeft.set(1);
    MigrationWorkflow wf = stub();
    WorkflowClient.start(wf::migrate, request(true, null, false, List.of()));
    env.sleep(Duration.ofHours(1));

    assertThat(wf.status().phase()).isEqualTo("WAITING_FOR_RECHECK");
    assertThat(wf.status().findings()).hasSize(1);
    assertThat(activities.states).last().isEqualTo(MigrationState.MIGRATION_CONFIG_ERROR);
    assertThat(activities.calls).containsExactly("preflight", "checkConfigs");

    wf.recheck();
    MigrationResult result =
        client.newUntypedWorkflowStub(CLUSTER.workflowId()).getResult(MigrationResult.class);
    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    // the blocked check, the recheck, and config-check at its own step once the control plane is up
    assertThat(activities.callsOf("checkConfigs")).hasSize(3);
    assertThat(activities.calls)
        .containsSubsequence(
            "checkConfigs", "checkConfigs", "registerFleet", "awaitControlPlane", "checkConfigs");
  }

  @Test
  void givenBlockingConfigsAfterTheControlPlaneIsUp_whenAborted_itShouldRollBackTheControlPlane() {
    activities.blockingChecksLeft.set(100);
    activities.cleanChecksFirst.set(1);
    MigrationWorkflow wf = stub();
    WorkflowClient.start(wf::migrate, request(true, null, false, List.of()));
    env.sleep(Duration.ofHours(1));
    assertThat(wf.status().phase()).isEqualTo("WAITING_FOR_RECHECK");
    assertThat(wf.status().step()).isEqualTo("config-check");
    wf.abort("cannot fix the EnvoyFilter this week");
    MigrationResult result =
        client.newUntypedWorkflowStub(CLUSTER.workflowId()).getResult(MigrationResult.class);

    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(result.failedStep()).isEqualTo("config-check");
    assertThat(activities.calls)
        .containsSubsequence("removeControlPlaneRevision", "unregisterFleet");
    assertThat(activities.calls).doesNotContain("disableGalleyWebhook");
  }

  @Test
  void givenBlockingConfigs_whenAbortedBeforeAnyChange_itShouldEndWithNothingToUndo() {
    activities.blockingChecksLeft.set(100);
    MigrationWorkflow wf = stub();
    WorkflowClient.start(wf::migrate, request(true, null, false, List.of()));
    env.sleep(Duration.ofHours(1));
    wf.abort("cannot fix the EnvoyFilter this week");
    MigrationResult result =
        client.newUntypedWorkflowStub(CLUSTER.workflowId()).getResult(MigrationResult.class);

    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(activities.calls).containsExactly("preflight", "checkConfigs");
    assertThat(activities.states).last().isEqualTo(MigrationState.ROLLED_BACK);
  }

  @Test
  void givenANamespaceThatFailsItsGate_whenStopping_itShouldRollItBackAloneFirstThenEverything() {
    activities.failOn.add("verifyNamespace:app-b");
    MigrationResult result = stub().migrate(request(true, null, false, List.of()));

    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(result.failedStep()).isEqualTo("migrate-workloads");
    assertThat(result.namespaces())
        .filteredOn(n -> n.name().equals("app-b"))
        .extracting(NamespaceStatus::phase)
        .containsExactly("ROLLED_BACK");
    assertThat(result.namespaces())
        .filteredOn(n -> n.name().equals("app-b"))
        .extracting(NamespaceStatus::message)
        .allSatisfy(m -> assertThat(m).contains("VERIFICATION_FAILED"));
    List<String> calls = activities.calls;
    assertThat(calls)
        .containsSubsequence(
            "verifyNamespace:app-b",
            "restoreNamespaceLabels:app-b",
            "restartWorkloads:app-b:rollback",
            "verifyNamespace:app-b:addon");
    assertThat(calls).contains("restoreMeshCa:1.4", "restoreGalleyWebhook");
    assertThat(calls).doesNotContain("replaceGateway");
  }

  @Test
  void
      givenNoRestartOfSets_whenMigratedAndANamespaceRolledBack_everyRestartAndVerifyShouldLeaveSetsOut() {
    activities.notRestarted.put("app-a", List.of("StatefulSet/db pod db-0: proxyv2:1.4"));
    activities.failOn.add("verifyNamespace:app-b");
    MigrationRequest withSets = request(true, null, true, List.of());
    MigrationRequest request =
        new MigrationRequest(
            withSets.cluster(),
            withSets.connection(),
            withSets.fleetProject(),
            withSets.channel(),
            withSets.namespaces(),
            withSets.canary(),
            withSets.concurrency(),
            withSets.autoApprove(),
            withSets.continueOnNamespaceFailure(),
            false,
            withSets.backupDir(),
            withSets.failAt(),
            withSets.timeouts(),
            null);

    MigrationResult result = stub().migrate(request);

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(activities.setsIncluded)
        .containsKeys(
            "restartWorkloads:app-a",
            "verifyNamespace:app-a",
            "verifyNamespace:app-b",
            "restartWorkloads:app-b:rollback",
            "verifyNamespace:app-b:addon",
            "verifyNamespace:app-c")
        .allSatisfy((call, included) -> assertThat(included).as(call).isFalse());
    assertThat(result.namespaces())
        .filteredOn(n -> n.name().equals("app-a"))
        .extracting(NamespaceStatus::message)
        .singleElement()
        .asString()
        .contains("not restarted")
        .contains("StatefulSet/db pod db-0: proxyv2:1.4");
  }

  @Test
  void givenDefaultRequest_whenMigrated_everyRestartAndVerifyShouldIncludeSets() {
    stub().migrate(request(true, null, false, List.of()));

    assertThat(activities.setsIncluded)
        .containsKeys("restartWorkloads:app-a", "verifyNamespace:app-a")
        .allSatisfy((call, included) -> assertThat(included).as(call).isTrue());
  }

  @Test
  void givenANamespaceThatFailsItsGate_whenContinuing_itShouldRollBackOnlyThatNamespace() {
    activities.failOn.add("verifyNamespace:app-b");
    MigrationResult result = stub().migrate(request(true, null, true, List.of()));

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(result.namespaces())
        .extracting(NamespaceStatus::name, NamespaceStatus::phase)
        .contains(
            org.assertj.core.groups.Tuple.tuple("app-a", "VERIFIED"),
            org.assertj.core.groups.Tuple.tuple("app-b", "ROLLED_BACK"),
            org.assertj.core.groups.Tuple.tuple("app-c", "VERIFIED"));
    assertThat(activities.calls).contains("replaceGateway", "restoreNamespaceLabels:app-b");
    assertThat(activities.calls).doesNotContain("restoreMeshCa:1.4");
  }

  @Test
  void givenCanaryNamespaces_whenWorkloadsMigrate_theCanaryShouldGoFirstAndAlone() {
    stub().migrate(request(true, null, false, List.of("app-c")));
    List<String> relabels = activities.callsOf("relabelNamespace:");
    assertThat(relabels.get(0)).isEqualTo("relabelNamespace:app-c");
    List<String> calls = activities.calls;
    assertThat(calls.indexOf("verifyNamespace:app-c"))
        .isLessThan(calls.indexOf("relabelNamespace:app-a"));
  }

  @Test
  void givenBothAddOnVersions_whenMigrated_eachShouldGetItsOwnTrustSteps() {
    activities.versions = List.of(AddonVersion.V1_4, AddonVersion.V1_6);
    activities.namespaces =
        List.of(
            new NamespacePlan("old", AddonVersion.V1_4, 1, 0),
            new NamespacePlan("newer", AddonVersion.V1_6, 1, 0));
    MigrationResult result = stub().migrate(request(true, null, false, List.of()));
    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(activities.calls)
        .containsSubsequence(
            "configureMeshCa:1.4",
            "awaitRootDistribution:1.4",
            "configureMeshCa:1.6",
            "awaitRootDistribution:1.6");
  }

  @Test
  void givenAnAddOn16OnlyCluster_whenMigrated_itShouldSkipTheGalleyStep() {
    activities.versions = List.of(AddonVersion.V1_6);
    MigrationResult result = stub().migrate(request(true, null, false, List.of()));
    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(activities.calls).doesNotContain("disableGalleyWebhook");
    assertThat(result.completedSteps()).contains("disable-galley-webhook");
  }

  @Test
  void givenAPausedMigration_whenResumed_itShouldContinueFromTheNextSafePoint() {
    activities.blockingChecksLeft.set(1);
    MigrationWorkflow wf = stub();
    WorkflowClient.start(wf::migrate, request(true, null, false, List.of()));
    env.sleep(Duration.ofMinutes(10));
    wf.pause();
    wf.recheck();
    env.sleep(Duration.ofHours(2));
    assertThat(wf.status().phase()).isEqualTo("PAUSED");
    assertThat(activities.calls).doesNotContain("disableGalleyWebhook");
    wf.resume();
    MigrationResult result =
        client.newUntypedWorkflowStub(CLUSTER.workflowId()).getResult(MigrationResult.class);
    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
  }

  @Test
  void givenRetriesOfARestart_theRestartedAtValueShouldBeFixedByTheWorkflow() {
    MigrationResult result = stub().migrate(request(true, null, false, List.of()));
    assertThat(activities.restartTokens.get("app-a"))
        .isEqualTo(activities.restartTokens.get("app-b"))
        .isEqualTo("asm-migrate/" + result.migrationId())
        .isEqualTo(MigrationContext.restartedAt(result.migrationId()));
  }

  @Test
  void givenAMigrationRecordedInTheCluster_whenResumed_itShouldRestartWithThatMigrationsValue() {
    // Temporal lost its state: a new run finds the migration in the state ConfigMap and must set
    // the restartedAt the earlier run set, which the activity skips on workloads carrying it
    activities.existingMigrationId = "earlier-run-migration-id";
    activities.existingState = MigrationState.PENDING;
    MigrationResult result = stub().migrate(request(true, null, false, List.of()));
    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(result.migrationId()).isEqualTo("earlier-run-migration-id");
    assertThat(activities.restartTokens)
        .containsEntry("app-a", "asm-migrate/earlier-run-migration-id")
        .containsEntry("app-b", "asm-migrate/earlier-run-migration-id")
        .containsEntry("app-c", "asm-migrate/earlier-run-migration-id");
  }
}
