package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.window.WindowsChange;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;

/**
 * What an operator can do to a running {@link MigrationWorkflow}: its status query, its signals,
 * and its updates with their validators. Not a workflow interface of its own (no
 * {@code @WorkflowInterface}): {@link MigrationWorkflow} extends it, and its stubs and workers see
 * these handlers as the workflow's, under these names; {@code OperatorControls} implements them.
 */
public interface OperatorActions {
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

  /**
   * Replaces the run's maintenance windows ({@code windows set}), or overrides them with a reason:
   * a run waiting for a window decides again at once (its wake-up moves, or it goes on).
   */
  @UpdateMethod
  String setWindows(WindowsChange change);

  /**
   * {@link #setWindows} without an answer, for a workflow that cannot reply: invalid windows are
   * ignored (logged), as no validator runs.
   */
  @SignalMethod
  void windowsSignal(WindowsChange change);

  /** Refuses invalid windows (the calendar's message), a blank reason, or an ended migration. */
  @UpdateValidatorMethod(updateName = "setWindows")
  void validateSetWindows(WindowsChange change);
}
