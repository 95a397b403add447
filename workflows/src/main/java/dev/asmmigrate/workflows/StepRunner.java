package dev.asmmigrate.workflows;

import static dev.asmmigrate.workflows.Failures.failure;

import dev.asmmigrate.workflows.activities.StateActivities.WriteStateRequest;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.PreflightReport;
import dev.asmmigrate.workflows.model.Step;
import io.temporal.workflow.Workflow;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Runs the runbook's steps: each waits at a safe point for a pause to end or an abort, records
 * where the migration is (in {@link Progress} and, once pre-flight passed, in the cluster), and
 * fails where {@code --fail-at} asks it to.
 */
final class StepRunner {
  // the workflow's logger, so that the worker's log reads as it did when this was part of it
  private static final Logger log = Workflow.getLogger(MigrationWorkflowImpl.class);

  private final ActivityStubs act;
  private final MigrationRequest request;
  private final Progress progress;
  private final Supplier<MigrationContext> ctx;
  private MaintenanceGate gate;

  /**
   * @param ctx the migration's context as it is when asked (pre-flight may adopt an earlier run's)
   */
  StepRunner(
      ActivityStubs act,
      MigrationRequest request,
      Progress progress,
      Supplier<MigrationContext> ctx) {
    this.act = act;
    this.request = request;
    this.progress = progress;
    this.ctx = ctx;
  }

  /** The run's maintenance windows, which a step that disturbs traffic waits for. */
  void gate(MaintenanceGate g) {
    gate = g;
  }

  <T> T step(Step s, Supplier<T> body) {
    awaitSafePoint();
    // a wait for a window ends in a safe point again: a pause asked meanwhile holds there
    while (gate != null && gate.awaitStep(s)) {
      awaitSafePoint();
    }
    progress.step(s);
    if (progress.completedSteps().contains(Step.PREFLIGHT.id())) {
      act.state.writeState(new WriteStateRequest(ctx.get(), progress.state(), s.id()));
    }
    log.info("step {}: started", s.id());
    T result = body.get();
    if (s.id().equals(request.failAt())) {
      throw failure(
          FailureType.INJECTED_FAILURE, "failure injected at step " + s.id() + " (--fail-at)");
    }
    progress.completed(s);
    MigrationMetrics.stepEnded(s, "done");
    log.info("step {}: done", s.id());
    return result;
  }

  void step(Step s, Runnable body) {
    step(
        s,
        () -> {
          body.run();
          return null;
        });
  }

  void skip(Step s, String why) {
    log.info("step {}: skipped ({})", s.id(), why);
    progress.skipped(s);
    MigrationMetrics.stepEnded(s, "skipped");
  }

  private void awaitSafePoint() {
    if (progress.paused()) {
      progress.phase(Progress.PAUSED);
      Workflow.await(() -> !progress.paused() || progress.abortReason() != null);
      progress.phase(Progress.RUNNING);
    }
    if (progress.abortReason() != null) {
      throw failure(FailureType.ABORTED, "aborted by an operator: " + progress.abortReason());
    }
  }

  void writeState(MigrationState state) {
    progress.state(state);
    act.state.writeState(new WriteStateRequest(ctx.get(), state, progress.step().id()));
  }

  /**
   * Resumes with the backups of an earlier run of this cluster's migration (Temporal state lost).
   *
   * @return the context to go on with: the earlier run's migration ID, or the current context
   */
  MigrationContext adoptExistingMigration(PreflightReport pf) {
    MigrationContext current = ctx.get();
    boolean resume =
        pf.existingMigrationId() != null
            && (Workflow.getVersion("resume-only-resumable-states", Workflow.DEFAULT_VERSION, 1)
                    == 1
                ? pf.existingState() != null && pf.existingState().resumable()
                : pf.existingState() != MigrationState.ROLLED_BACK);
    if (resume) {
      log.info(
          "preflight: resuming migration {} found in the cluster ({})",
          pf.existingMigrationId(),
          pf.existingState());
      current =
          new MigrationContext(
              pf.existingMigrationId(),
              current.cluster(),
              current.connection(),
              current.revision(),
              current.backupDir());
      progress.migrationId(pf.existingMigrationId());
    }
    progress.plan(pf.namespaces());
    progress.podsToRecreate(pf.podsToRecreate());
    return current;
  }
}
