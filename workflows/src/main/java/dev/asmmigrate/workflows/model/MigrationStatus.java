package dev.asmmigrate.workflows.model;

import java.util.List;

/**
 * The answer to the workflow's {@code status} query.
 *
 * @param phase RUNNING, WAITING_FOR_RECHECK, WAITING_FOR_APPROVAL, PAUSED, ROLLING_BACK, DONE
 * @param state the state ConfigMap's value
 * @param step the current (or last) step id
 * @param startedAt when the migration started (workflow time, epoch milliseconds)
 * @param endedAt when it ended, or null while it runs
 * @param steps each step that started, with its times and outcome, in order
 * @param stepBoundMillis the bound of the current step's wait (control plane, root distribution,
 *     one namespace's rollout, gateway), or null when the step has no long wait
 * @param approvedAt when the approval came
 * @param pauseRequested an operator asked to pause; the migration stops at the next safe point
 * @param abortReason why an operator aborted, or null
 * @param rollbackReason why an operator asked for a rollback, or null
 */
public record MigrationStatus(
    String migrationId,
    ClusterRef cluster,
    String phase,
    MigrationState state,
    String step,
    List<String> completedSteps,
    List<NamespaceStatus> namespaces,
    List<ConfigFinding> findings,
    String approvedBy,
    String error,
    Long startedAt,
    Long endedAt,
    List<StepTiming> steps,
    Long stepBoundMillis,
    Long approvedAt,
    boolean pauseRequested,
    String abortReason,
    String rollbackReason) {

  public MigrationStatus {
    completedSteps = completedSteps == null ? List.of() : List.copyOf(completedSteps);
    namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    findings = findings == null ? List.of() : List.copyOf(findings);
    steps = steps == null ? List.of() : List.copyOf(steps);
  }

  /** The same status with other namespaces (the memo keeps them apart: StatusMemo). */
  public MigrationStatus withNamespaces(List<NamespaceStatus> replaced) {
    return new MigrationStatus(
        migrationId,
        cluster,
        phase,
        state,
        step,
        completedSteps,
        replaced,
        findings,
        approvedBy,
        error,
        startedAt,
        endedAt,
        steps,
        stepBoundMillis,
        approvedAt,
        pauseRequested,
        abortReason,
        rollbackReason);
  }

  public MigrationStatus(
      String migrationId,
      ClusterRef cluster,
      String phase,
      MigrationState state,
      String step,
      List<String> completedSteps,
      List<NamespaceStatus> namespaces,
      List<ConfigFinding> findings,
      String approvedBy,
      String error) {
    this(
        migrationId,
        cluster,
        phase,
        state,
        step,
        completedSteps,
        namespaces,
        findings,
        approvedBy,
        error,
        null,
        null,
        List.of(),
        null,
        null,
        false,
        null,
        null);
  }
}
