package dev.asmmigrate.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepTiming;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The workflow runs the runbook {@link Step} declares: a whole run executes (or skips, where a step
 * does not apply to the add-on versions pre-flight found) exactly the declared steps in the
 * declared order, on add-on 1.4, 1.6 and both. Recording activities and time skipping; one
 * environment for the class, one workflow id per case.
 */
class RunbookTest {
  static TestWorkflowEnvironment env;
  static RecordingActivities activities;
  static WorkflowClient client;

  @BeforeAll
  static void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(MigrationWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(WorkflowTypes.all());
    activities = new RecordingActivities();
    worker.registerActivitiesImplementations(activities);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterAll
  static void tearDown() {
    env.close();
  }

  static Stream<Arguments> addons() {
    return Stream.of(
        Arguments.of(List.of(AddonVersion.V1_4), List.of()),
        Arguments.of(List.of(AddonVersion.V1_6), List.of("disable-galley-webhook")),
        Arguments.of(List.of(AddonVersion.V1_4, AddonVersion.V1_6), List.of()));
  }

  @ParameterizedTest(name = "add-on {0}")
  @MethodSource("addons")
  void givenAnAddOnCluster_whenMigrated_itShouldRunTheDeclaredStepsInTheDeclaredOrder(
      List<AddonVersion> versions, List<String> skippedHere) {
    activities.calls.clear();
    activities.versions = versions;
    MigrationWorkflow wf =
        client.newWorkflowStub(
            MigrationWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("runbook-" + versions)
                .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                .build());

    MigrationResult result =
        wf.migrate(MigrationWorkflowTest.request(true, null, false, List.of()));

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    // what the declaration says, step by step: run, or skipped where it does not apply
    List<String> declared = new ArrayList<>();
    for (Step s : Step.values()) {
      declared.add(s.id() + (s.appliesTo(versions) ? " DONE" : " SKIPPED"));
    }
    // what the run recorded, in the order its steps started
    List<String> ran =
        wf.status().steps().stream().map((StepTiming t) -> t.step() + " " + t.outcome()).toList();
    assertThat(ran).containsExactlyElementsOf(declared);
    // the declaration's skip rules are the ones expected of each add-on version
    assertThat(ran.stream().filter(r -> r.endsWith(" SKIPPED")).map(r -> r.split(" ")[0]))
        .containsExactlyElementsOf(skippedHere);
    // and the steps' activities ran in that order too (Mesh CA once per version, in order)
    List<String> expectedCalls = new ArrayList<>();
    expectedCalls.addAll(
        List.of("preflight", "registerFleet", "applyControlPlaneRevision:asm-managed"));
    expectedCalls.addAll(List.of("awaitControlPlane", "checkConfigs"));
    if (versions.contains(AddonVersion.V1_4)) {
      expectedCalls.add("disableGalleyWebhook");
    }
    expectedCalls.add("migrateConfigs");
    for (AddonVersion v : versions) {
      expectedCalls.add("configureMeshCa:" + v.display());
      expectedCalls.add("awaitRootDistribution:" + v.display());
    }
    expectedCalls.addAll(
        List.of(
            "relabelNamespace:app-a",
            "replaceGateway",
            "replaceWebhook",
            "remainingNamespaces",
            "disableAddon",
            "cleanup"));
    assertThat(activities.calls).containsSubsequence(expectedCalls);
    assertThat(activities.calls)
        .filteredOn("disableGalleyWebhook"::equals)
        .hasSize(versions.contains(AddonVersion.V1_4) ? 1 : 0);
  }
}
