package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.ClusterSnapshot;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationStatus;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 5 item 5: the Temporal server (all workflow state) and the worker killed during the
 * workload phase; a fresh server and worker, and {@code start} again for the same cluster: the
 * migration resumes as the one the cluster records (same migration ID, same backups, never
 * overwritten), converges to SUCCESS without restarting a Deployment a second time, and a rollback
 * then restores the pre-migration cluster.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StateLossTest {
  private static final String APP = ClusterRecorder.APP_NAMESPACE;

  @Test
  void givenServerWipedDuringWorkloads_whenStartedAgain_itShouldResumeOnTheSameBackupsAndRollBack()
      throws Exception {
    try (ProcessRig rig = ProcessRig.create("state-loss")) {
      CliProcess server = rig.startServer();
      CliProcess worker = rig.startWorker();
      CliProcess first = rig.start("start-1");
      assertThat(first.awaitExit(Duration.ofMinutes(3))).as(first.output()).isZero();

      assertThat(rig.recorder.appRestartBegun.await(4, TimeUnit.MINUTES))
          .as("a Deployment of the application restarted")
          .isTrue();
      worker.kill9();
      server.kill9();
      ObjectNode stateAtLoss = stateConfigMap(rig);
      String migrationId = stateAtLoss.path("data").path("migrationId").asText();
      assertThat(stateAtLoss.path("data").path("step").asText()).isEqualTo("migrate-workloads");
      Map<String, String> backupsAtLoss = rig.recorder.backups();
      assertThat(backupsAtLoss).isNotEmpty();

      rig.startServer();
      CliProcess newWorker = rig.startWorker();
      assertThat(rig.status()).as("the new server knows no migration").isNull();
      CliProcess second = rig.start("start-2", "--wait");

      MigrationStatus waiting =
          rig.awaitStatus(
              "the resumed migration waits for approval",
              Duration.ofMinutes(6),
              s -> "WAITING_FOR_APPROVAL".equals(s.phase()));
      // the migration the cluster records is resumed, not a new one
      assertThat(waiting.migrationId()).isEqualTo(migrationId);
      ObjectNode state = stateConfigMap(rig);
      assertThat(state.path("data").path("migrationId").asText()).isEqualTo(migrationId);
      assertThat(state.path("data").path("migrationStatus").asText()).isEqualTo("SUCCESS");
      // done steps recognised from the cluster: the Mesh CA root is in istio-ca-secret once, the
      // namespace was found relabelled, the backups taken before the loss were kept, not retaken
      assertThat(
              ClusterRecorder.meshCaRootCount(
                  rig.run
                      .sandbox()
                      .store()
                      .require(ResourceRegistry.SECRETS, "istio-system", "istio-ca-secret")))
          .isEqualTo(1);
      assertThat(newWorker.output())
          .contains("already labelled istio.io/rev=asm-managed")
          .contains("exists already");
      assertThat(rig.recorder.backupRewrites()).isEmpty();
      assertThat(rig.recorder.backups()).containsAllEntriesOf(backupsAtLoss);
      // each Deployment restarted once across both runs: the new run sets the restartedAt the
      // first one set (from the migration ID) and leaves the Deployments that carry it alone
      assertThat(rig.run.sandbox().store().list(ResourceRegistry.DEPLOYMENTS, APP)).hasSize(12);
      assertThat(
              rig.recorder.deploymentsNotRestartedOnce(
                  APP, MigrationContext.restartedAt(migrationId)))
          .isEmpty();
      assertThat(rig.recorder.restarts())
          .isNotEmpty()
          .allSatisfy((workload, times) -> assertThat(times).as(workload).isEqualTo(1));

      rig.client()
          .newWorkflowStub(MigrationWorkflow.class, rig.workflowId())
          .rollback("state-loss test");
      assertThat(second.awaitExit(Duration.ofMinutes(4)))
          .as(second.output())
          .isEqualTo(ExitCodes.OUTCOME);
      assertThat(second.output()).contains("migration: ROLLED_BACK");
      assertThat(stateConfigMap(rig).path("data").path("migrationStatus").asText())
          .isEqualTo("ROLLED_BACK");
      rig.run.sandbox().awaitSettled(Duration.ofMinutes(2));
      assertThat(rig.before().diff(ClusterSnapshot.take(rig.run.sandbox().store()))).isEmpty();
      assertThat(rig.recorder.backupRewrites()).isEmpty();
    }
  }

  private static ObjectNode stateConfigMap(ProcessRig rig) {
    return rig.run
        .sandbox()
        .store()
        .require(ResourceRegistry.CONFIGMAPS, "istio-system", "asm-addon-migration-state");
  }
}
