package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationStatus;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One cluster's migration from the Istio add-on to managed ASM (SPEC.md §2), workflow ID {@code
 * asm-migrate/<project>/<location>/<cluster>}.
 *
 * <p>Operators act through updates, whose validators refuse at once what the migration cannot do in
 * its current phase (the refusal is the update's failure, with a message saying why); the signals
 * of the same names remain for older clients and act without an answer.
 */
@WorkflowInterface
public interface MigrationWorkflow {
  /** The Temporal task queue workers poll. */
  String TASK_QUEUE = "asm-migrate";

  @WorkflowMethod
  MigrationResult migrate(MigrationRequest request);

  /** Phase, step, per-namespace progress, findings. */
  @QueryMethod
  MigrationStatus status();

  /** Lets the migration past {@code approval}, recording who approved. */
  @SignalMethod
  void approve(String by);

  /** Re-runs config-check after the operator fixed blocking findings. */
  @SignalMethod
  void recheck();

  /** Rolls back now, from wherever the migration is (before the irreversible steps). */
  @SignalMethod
  void abort(String reason);

  /** Rolls back a migration waiting for approval (after SUCCESS, before cleanup). */
  @SignalMethod
  void rollback(String reason);

  /** Stops at the next safe point (between steps and namespaces). */
  @SignalMethod
  void pause();

  @SignalMethod
  void resume();

  /** {@link #approve} with an answer: refused unless the migration waits for approval. */
  @UpdateMethod
  String approveUpdate(String by);

  @UpdateValidatorMethod(updateName = "approveUpdate")
  void validateApprove(String by);

  /** {@link #recheck} with an answer: refused unless blocking findings hold the migration. */
  @UpdateMethod
  String recheckUpdate();

  @UpdateValidatorMethod(updateName = "recheckUpdate")
  void validateRecheck();

  /** {@link #abort} with an answer: refused once it ended or passed the point of no return. */
  @UpdateMethod
  String abortUpdate(String reason);

  @UpdateValidatorMethod(updateName = "abortUpdate")
  void validateAbort(String reason);

  /**
   * {@link #rollback} with an answer: refused before the migration reached SUCCESS (use abort) and
   * once it was approved or its clean-up started.
   */
  @UpdateMethod
  String rollbackUpdate(String reason);

  @UpdateValidatorMethod(updateName = "rollbackUpdate")
  void validateRollback(String reason);

  /** {@link #pause} with an answer: refused once the migration ended. */
  @UpdateMethod
  String pauseUpdate();

  @UpdateValidatorMethod(updateName = "pauseUpdate")
  void validatePause();

  /** {@link #resume} with an answer: refused unless a pause was asked for. */
  @UpdateMethod
  String resumeUpdate();

  @UpdateValidatorMethod(updateName = "resumeUpdate")
  void validateResume();
}
