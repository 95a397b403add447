package dev.asmmigrate.workflows;

import static dev.asmmigrate.workflows.Failures.failure;

import dev.asmmigrate.workflows.activities.ConfigActivities.ConfigRequest;
import dev.asmmigrate.workflows.fleet.FleetMigrationWorkflow;
import dev.asmmigrate.workflows.model.ConfigReport;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The runbook's waits for an operator: blocking configuration findings wait for a recheck or an
 * abort (config-check), and the point of no return waits for an approval (approval).
 *
 * @param ctx the migration's context as it is when asked (pre-flight may adopt an earlier run's)
 */
record OperatorWaits(
    ActivityStubs act,
    MigrationRequest request,
    Progress progress,
    StepRunner run,
    Supplier<MigrationContext> ctx) {
  // the workflow's logger, so that the worker's log reads as it did when this was part of it
  private static final Logger log = Workflow.getLogger(MigrationWorkflowImpl.class);

  /**
   * config-check, and while it finds blocking findings: records MIGRATION_CONFIG_ERROR and waits
   * for an operator to fix them and re-check (then checks again), or to abort.
   */
  void checkConfigsUntilClean() {
    while (true) {
      ConfigReport report = act.config.checkConfigs(new ConfigRequest(ctx.get()));
      progress.findings(report.findings());
      if (report.blocking() == 0) {
        return;
      }
      log.warn(
          "config-check: {} blocking findings; waiting for recheck or abort", report.blocking());
      run.writeState(MigrationState.MIGRATION_CONFIG_ERROR);
      progress.phase(Progress.WAITING_FOR_RECHECK);
      Workflow.await(() -> progress.recheckRequested() || progress.abortReason() != null);
      progress.phase(Progress.RUNNING);
      if (progress.abortReason() != null) {
        throw failure(
            FailureType.BLOCKING_CONFIG,
            "aborted with "
                + report.blocking()
                + " blocking configuration findings: "
                + progress.abortReason());
      }
      progress.clearRecheck();
      run.writeState(MigrationState.PENDING);
    }
  }

  /** Waits for an operator's approval (or --auto-approve); a rollback or abort asked ends it. */
  void awaitApproval() {
    if (request.autoApprove() && progress.rollbackReason() == null) {
      progress.approve("auto-approve");
      return;
    }
    progress.phase(Progress.WAITING_FOR_APPROVAL);
    log.info("approval: waiting for an operator to approve disabling the add-on");
    tellFleet();
    Workflow.await(
        () ->
            progress.approvedBy() != null
                || progress.rollbackReason() != null
                || progress.abortReason() != null);
    progress.phase(Progress.RUNNING);
    if (progress.approvedBy() == null) {
      String why =
          progress.rollbackReason() != null ? progress.rollbackReason() : progress.abortReason();
      throw failure(FailureType.ABORTED, "rollback requested before approval: " + why);
    }
    log.info("approval: approved by {}", progress.approvedBy());
  }

  /**
   * A migration a fleet started tells its fleet it waits at its point of no return (version 1 of
   * {@code tell-fleet-at-approval}), so that the fleet can soak it and approve it for its wave or
   * for the whole fleet. A migration with no fleet for parent (a {@code start}) sends nothing.
   */
  private void tellFleet() {
    String parent = Workflow.getInfo().getParentWorkflowId().orElse(null);
    if (parent == null
        || !parent.startsWith(FleetRequest.WORKFLOW_ID_PREFIX)
        || Workflow.getVersion("tell-fleet-at-approval", Workflow.DEFAULT_VERSION, 1) != 1) {
      return;
    }
    try {
      Workflow.newExternalWorkflowStub(FleetMigrationWorkflow.class, parent)
          .clusterAwaitsApproval(
              request.cluster().workflowId(), List.copyOf(progress.migratedNamespaces()));
    } catch (RuntimeException gone) {
      log.info("approval: fleet {} did not take the news: {}", parent, gone.getMessage());
    }
  }
}
