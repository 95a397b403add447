package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.window.WindowsChange;
import io.temporal.workflow.CancellationScope;

/**
 * The operator's controls of a migration ({@link OperatorActions}): the status query, the signals,
 * and the updates with validators that refuse what the current phase forbids. They only record in
 * {@link Progress} what the operator asked (and an abort cancels the running steps); the workflow
 * ({@link MigrationWorkflowImpl}, which extends this class) acts on it at its safe points.
 */
abstract class OperatorControls implements OperatorActions {
  /** What the workflow knows of its progress, and what operators asked of it. */
  final Progress progress = new Progress();

  /** The scope the runbook's steps run in, cancelled by an abort; null until the runbook starts. */
  CancellationScope steps;

  /** The run's maintenance windows; null until the run starts. */
  MaintenanceGate gate;

  // --- queries and signals -----------------------------------------------------------------------

  @Override
  public MigrationStatus status() {
    return progress.status();
  }

  @Override
  public void approve(String by) {
    progress.approve(by == null || by.isBlank() ? "unknown" : by);
  }

  @Override
  public void recheck() {
    progress.requestRecheck();
  }

  @Override
  public void abort(String reason) {
    progress.abort(reason == null || reason.isBlank() ? "no reason given" : reason);
    if (steps != null && progress.step().reversible()) {
      steps.cancel(reason);
    }
  }

  @Override
  public void rollback(String reason) {
    progress.requestRollback(reason == null || reason.isBlank() ? "no reason given" : reason);
  }

  @Override
  public void pause() {
    progress.pause(true);
  }

  @Override
  public void resume() {
    progress.pause(false);
  }

  // --- updates: the same acts, with validators that refuse what the current phase forbids ------

  @Override
  public String approveUpdate(String by) {
    approve(by);
    return "approved by " + progress.approvedBy() + "; the add-on is disabled and cleaned up next";
  }

  @Override
  public void validateApprove(String by) {
    refuseIfEnded();
    if (progress.approvedBy() != null) {
      throw refused("already approved by " + progress.approvedBy());
    }
    if (!Progress.WAITING_FOR_APPROVAL.equals(progress.phase())) {
      throw refused(
          "the migration is not waiting for approval (phase "
              + progress.phase()
              + ", step "
              + progress.step().id()
              + "); approval comes after write-marker reached SUCCESS");
    }
  }

  @Override
  public String recheckUpdate() {
    recheck();
    return "config-check runs again";
  }

  @Override
  public void validateRecheck() {
    refuseIfEnded();
    if (!Progress.WAITING_FOR_RECHECK.equals(progress.phase())) {
      throw refused(
          "the migration is not held by blocking configuration findings (phase "
              + progress.phase()
              + ", step "
              + progress.step().id()
              + ")");
    }
  }

  @Override
  public String abortUpdate(String reason) {
    abort(reason);
    return "aborted: rolling back every completed step";
  }

  @Override
  public void validateAbort(String reason) {
    refuseIfEndedOrRollingBack(progress.abortReason());
    if (!progress.step().reversible()) {
      throw refused(
          "the migration is past the point of no return (step "
              + progress.step().id()
              + "): the add-on is being disabled or cleaned up");
    }
  }

  @Override
  public String rollbackUpdate(String reason) {
    rollback(reason);
    return "rolling back the migration to the add-on";
  }

  @Override
  public void validateRollback(String reason) {
    refuseIfEndedOrRollingBack(progress.rollbackReason());
    if (progress.approvedBy() != null || !progress.step().reversible()) {
      throw refused(
          "the migration was approved"
              + (progress.approvedBy() == null ? "" : " by " + progress.approvedBy())
              + " and its clean-up started (step "
              + progress.step().id()
              + "): it can no longer be rolled back");
    }
    if (progress.state() != MigrationState.SUCCESS) {
      throw refused(
          "rollback is for a migration that reached SUCCESS and waits for approval; this one is at"
              + " step "
              + progress.step().id()
              + " (state "
              + progress.state()
              + "): use abort to roll it back now");
    }
  }

  @Override
  public String pauseUpdate() {
    pause();
    return "pausing at the next safe point (between steps and between namespace waves)";
  }

  @Override
  public void validatePause() {
    refuseIfEnded();
  }

  @Override
  public String resumeUpdate() {
    resume();
    return "resuming";
  }

  @Override
  public void validateResume() {
    refuseIfEnded();
    if (!progress.paused()) {
      throw refused("the migration is not paused (phase " + progress.phase() + ")");
    }
  }

  @Override
  public String setWindows(WindowsChange change) {
    return gate.set(change.windows(), change.overrideReason());
  }

  @Override
  public void windowsSignal(WindowsChange change) {
    try {
      validateSetWindows(change);
    } catch (RuntimeException invalid) {
      io.temporal.workflow.Workflow.getLogger(OperatorControls.class)
          .warn("windows signal ignored: {}", invalid.getMessage());
      return;
    }
    setWindows(change);
  }

  @Override
  public void validateSetWindows(WindowsChange change) {
    refuseIfEnded();
    if (gate == null) {
      throw refused("the migration has not started yet");
    }
    if (change == null) {
      throw new IllegalArgumentException("no windows given");
    }
    MaintenanceGate.validate(change.windows(), change.overrideReason());
  }

  private void refuseIfEnded() {
    if (progress.finished()) {
      throw refused(
          "the migration already ended ("
              + progress.state()
              + (progress.status().error() == null ? "" : ", " + progress.status().error())
              + ")");
    }
  }

  /** Refuses an abort or a rollback once ended, or when one was asked or is running already. */
  private void refuseIfEndedOrRollingBack(String alreadyAsked) {
    refuseIfEnded();
    if (alreadyAsked != null || Progress.ROLLING_BACK.equals(progress.phase())) {
      throw refused("the migration is already rolling back");
    }
  }

  /** A validator's refusal: the client gets the message (the SDK does not pass the type on). */
  private static IllegalStateException refused(String message) {
    return new IllegalStateException(message);
  }
}
