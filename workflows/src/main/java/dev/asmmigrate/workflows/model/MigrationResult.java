package dev.asmmigrate.workflows.model;

import java.util.List;

/**
 * How a migration ended.
 *
 * @param state the outcome: SUCCESS, ROLLED_BACK, CONTROLPLANE_PROVISION_ERROR, ROLLBACK_FAILED
 *     when an undo step of the rollback failed, or FINISH_FAILED when a step after the point of no
 *     return ({@code failedStep}: disable-addon or cleanup) failed: migrated, not finished, nothing
 *     rolled back
 * @param error the failure that stopped the migration on its first line; when the rollback did not
 *     complete, each undo that failed on a line of its own after it
 * @param rollbackFailures each undo step that failed, with what it left ({@code "undo of STEP ...:
 *     why"}), in the order they ran; empty when the rollback completed or none ran
 */
public record MigrationResult(
    String migrationId,
    MigrationState state,
    List<String> completedSteps,
    List<NamespaceStatus> namespaces,
    String failedStep,
    String error,
    List<String> rollbackFailures) {

  public MigrationResult {
    rollbackFailures = rollbackFailures == null ? List.of() : List.copyOf(rollbackFailures);
  }

  public MigrationResult(
      String migrationId,
      MigrationState state,
      List<String> completedSteps,
      List<NamespaceStatus> namespaces,
      String failedStep,
      String error) {
    this(migrationId, state, completedSteps, namespaces, failedStep, error, List.of());
  }
}
