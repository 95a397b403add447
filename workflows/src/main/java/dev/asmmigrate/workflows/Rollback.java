package dev.asmmigrate.workflows;

import static dev.asmmigrate.workflows.Failures.canceled;
import static dev.asmmigrate.workflows.Failures.describe;
import static dev.asmmigrate.workflows.Failures.firstLine;
import static dev.asmmigrate.workflows.Failures.isType;

import dev.asmmigrate.workflows.activities.StateActivities.WriteStateRequest;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.Step;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The migration's undo: each step registers its undo here before it acts; a failure before the
 * approval runs them all in reverse order, each undo's own failure recorded, and the outcome says
 * whether the cluster is back on the add-on.
 */
final class Rollback {
  // the workflow's logger, so that the worker's log reads as it did when this was part of it
  private static final Logger log = Workflow.getLogger(MigrationWorkflowImpl.class);

  private final Saga saga = new Saga(new Saga.Options.Builder().setContinueWithError(true).build());
  private final ActivityStubs act;
  private final Progress progress;
  private final Supplier<MigrationContext> ctx;

  /**
   * @param ctx the migration's context as it is when asked (pre-flight may adopt an earlier run's)
   */
  Rollback(ActivityStubs act, Progress progress, Supplier<MigrationContext> ctx) {
    this.act = act;
    this.progress = progress;
    this.ctx = ctx;
  }

  /** The saga the undos are registered with (the workload phase registers one per namespace). */
  Saga saga() {
    return saga;
  }

  /**
   * Ends the migration after {@code failure} stopped its runbook: records the failure, then undoes
   * every completed step in reverse order, in a detached scope so that an abort (which cancelled
   * the steps) still rolls back, and writes the outcome to the cluster.
   */
  MigrationResult rollBack(TemporalFailure failure) {
    Step failed = progress.step();
    // an abort cancels the running step: say who stopped it and why, not "canceled"
    String message =
        progress.abortReason() != null && canceled(failure)
            ? FailureType.ABORTED + ": aborted by an operator: " + progress.abortReason()
            : describe(failure);
    progress.fail(failed, message);
    MigrationMetrics.stepEnded(failed, "failed");
    // Pre-flight is read only and writes no state: its refusal changed nothing, so there is
    // nothing to roll back and the outcome is its own (exit 3 from start --wait), not ROLLED_BACK.
    // An abort while it runs stays an abort, and a failure injected there (--fail-at preflight)
    // rehearses the rollback it asked for.
    if (failed == Step.PREFLIGHT
        && !canceled(failure)
        && progress.abortReason() == null
        && !isType(failure, FailureType.INJECTED_FAILURE)
        && Workflow.getVersion("preflight-refusal-outcome", Workflow.DEFAULT_VERSION, 1) == 1) {
      log.warn("pre-flight refused the cluster; nothing was changed: {}", message);
      progress.state(MigrationState.REFUSED);
      progress.done();
      return progress.result(failed.id());
    }
    if (!failed.reversible()) {
      log.error(
          "{} failed after the point of no return; nothing rolled back: {}", failed.id(), message);
      // The marker says SUCCESS, and the mesh migration did succeed; but the run did not finish
      // (the add-on is still enabled, or its objects remain): its outcome says so, the ConfigMap
      // keeps SUCCESS (SPEC §2 step 11), and a new start resumes at the marker.
      if (progress.state() == MigrationState.SUCCESS
          && Workflow.getVersion("finish-failed-outcome", Workflow.DEFAULT_VERSION, 1) == 1) {
        progress.state(MigrationState.FINISH_FAILED);
      }
      progress.done();
      return progress.result(failed.id());
    }
    log.warn("{} failed ({}); rolling back", failed.id(), message);
    progress.rollingBack();
    // A control plane that did not come up is its own state (SPEC §2 step 2); a failure injected
    // after it came up rehearses an ordinary rollback.
    // An operator's abort is recorded as one (ROLLED_BACK, the reason in the error), not as a
    // control plane that failed to come up.
    boolean aborted = progress.abortReason() != null && canceled(failure);
    MigrationState rolledBack =
        failed == Step.CONTROL_PLANE
                && !isType(failure, FailureType.INJECTED_FAILURE)
                && !(aborted && abortIsRecordedAsAbort())
            ? MigrationState.CONTROLPLANE_PROVISION_ERROR
            : MigrationState.ROLLED_BACK;
    Workflow.newDetachedCancellationScope(
            () -> {
              saga.compensate();
              // Every undo records its own failure (undo()); one that failed means the cluster is
              // neither migrated nor back on the add-on, and no outcome may say otherwise.
              MigrationState finalState =
                  progress.rollbackFailures().isEmpty()
                      ? rolledBack
                      : MigrationState.ROLLBACK_FAILED;
              if (finalState == MigrationState.ROLLBACK_FAILED) {
                progress.error(
                    message
                        + "\nthe rollback did not complete: "
                        + progress.rollbackFailures().size()
                        + " undo step(s) failed:\n  - "
                        + String.join("\n  - ", progress.rollbackFailures()));
                log.error(
                    "rollback of {} did not complete: {}",
                    failed.id(),
                    progress.rollbackFailures());
              }
              if (progress.completedSteps().contains(Step.PREFLIGHT.id())) {
                act.state.writeState(
                    new WriteStateRequest(
                        ctx.get(), finalState, failed.id(), firstLine(progress.error())));
              }
              progress.state(finalState);
            })
        .run();
    progress.done();
    return progress.result(failed.id());
  }

  /**
   * Registers an undo with the saga, recording its failure if it fails. The saga (continue with
   * error) runs every undo whatever the others do, and would drop their failures: each one is kept
   * here, as it happens, with what it was undoing.
   */
  void undo(String what, Runnable body) {
    saga.addCompensation(() -> runUndo(progress, what, body));
  }

  /** Runs one undo step; its failure is recorded in {@code progress}, not thrown. */
  static void runUndo(Progress progress, String what, Runnable body) {
    try {
      body.run();
    } catch (TemporalFailure failure) {
      String why = describe(failure);
      log.error("{} failed: {}", what, why);
      progress.undoFailed(what, why);
    }
  }

  /**
   * Version 1: an abort during control-plane ends ROLLED_BACK, not CONTROLPLANE_PROVISION_ERROR.
   */
  private static boolean abortIsRecordedAsAbort() {
    return Workflow.getVersion("abort-recorded-as-abort", Workflow.DEFAULT_VERSION, 1) == 1;
  }

  /** Where the backups are kept: the --backup-dir, else the cluster's backup namespace. */
  static String backupsOf(String backupDir) {
    return backupDir != null && !backupDir.isBlank()
        ? "directory " + backupDir + " (--backup-dir)"
        // ClusterBackupStore.NAMESPACE, in the activities module
        : "namespace asm-migrate-system of the cluster (ConfigMaps labelled with the migration id)";
  }
}
