package dev.asmmigrate.workflows.model;

import dev.asmmigrate.workflows.model.window.WindowStatus;
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
 * @param kept the objects cleanup left in place (not proven to be the add-on's), each with the
 *     reason and the command that deletes it by hand
 * @param podsToRecreate injected pods pre-flight found that no restart moves to the new proxy, with
 *     what to do about each
 * @param rollbackFailures each undo step of the rollback that failed, with what it left
 * @param backups where the migration's backups are kept (a directory, or a namespace of the
 *     cluster): what a person finishing a failed rollback restores from
 * @param windows the run's maintenance windows, its earliest start, an override and its waits for a
 *     window (phase WAITING_FOR_WINDOW while one lasts); null for a run that may work any time
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
    String rollbackReason,
    List<KeptObject> kept,
    List<PodToRecreate> podsToRecreate,
    List<String> rollbackFailures,
    String backups,
    WindowStatus windows) {

  public MigrationStatus {
    podsToRecreate = podsToRecreate == null ? List.of() : List.copyOf(podsToRecreate);
    rollbackFailures = rollbackFailures == null ? List.of() : List.copyOf(rollbackFailures);
    completedSteps = completedSteps == null ? List.of() : List.copyOf(completedSteps);
    namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    findings = findings == null ? List.of() : List.copyOf(findings);
    steps = steps == null ? List.of() : List.copyOf(steps);
    kept = kept == null ? List.of() : List.copyOf(kept);
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
        rollbackReason,
        kept,
        podsToRecreate,
        rollbackFailures,
        backups,
        windows);
  }
}
