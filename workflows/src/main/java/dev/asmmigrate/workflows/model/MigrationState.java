package dev.asmmigrate.workflows.model;

/**
 * The values of {@code data.migrationStatus} in ConfigMap {@code
 * istio-system/asm-addon-migration-state}, as Google's script writes them, so that existing tooling
 * keeps reading it; {@link #REFUSED} is an outcome of the workflow only.
 */
public enum MigrationState {
  PENDING,
  SUCCESS,
  MIGRATION_CONFIG_ERROR,
  CUSTOM_CONFIGS_DETECTED,
  CONTROLPLANE_PROVISION_ERROR,
  ROLLED_BACK,
  /**
   * Not one of Google's: the migration failed and its rollback did not complete (an undo step
   * failed), so the cluster is neither migrated nor back on the add-on and needs a person. A new
   * start refuses a cluster in this state until the rollback is finished by hand.
   */
  ROLLBACK_FAILED,
  /**
   * Pre-flight refused the cluster (unknown namespace, missing permission, no add-on or one not
   * available, ...) and nothing was changed. An outcome only: never written to the ConfigMap, which
   * pre-flight does not write.
   */
  REFUSED,
  /**
   * Not one of Google's: the migration stopped at a consistent point (between steps, between
   * namespaces) because its next disturbing step or namespace wave would not end, with its undo,
   * before the maintenance window closes; it goes on by itself when the next window opens in which
   * that work fits. A running migration, not a failed one: PENDING is written again when it goes
   * on.
   */
  WAITING_FOR_WINDOW,
  /**
   * Not one of Google's, and an outcome only: the cluster migrated to managed ASM (every namespace
   * on the managed proxy, the marker written: the state ConfigMap keeps saying SUCCESS, SPEC §2
   * step 11), but a step that finishes it after the point of no return (disable-addon, cleanup)
   * failed: the add-on is still enabled, or its objects remain. Nothing was rolled back. A new
   * start of the same cluster resumes the migration from its SUCCESS marker, with its ID, and runs
   * the finishing steps again (every step is idempotent).
   */
  FINISH_FAILED;

  /**
   * Whether a new start resumes a migration recorded in this state, with its ID and backups (a run
   * that lost its Temporal state on the way: PENDING, held by findings, waiting for a maintenance
   * window, or waiting for approval), rather than beginning afresh. A migration that ended rolled
   * back ({@link #ROLLED_BACK}, or {@link #CONTROLPLANE_PROVISION_ERROR}, written after the
   * rollback of a control plane that did not come up) left nothing to resume: the next one starts
   * with a new ID. {@link #ROLLBACK_FAILED} is neither: pre-flight refuses it.
   */
  public boolean resumable() {
    return switch (this) {
      case PENDING,
          MIGRATION_CONFIG_ERROR,
          CUSTOM_CONFIGS_DETECTED,
          SUCCESS,
          WAITING_FOR_WINDOW,
          FINISH_FAILED ->
          true;
      case CONTROLPLANE_PROVISION_ERROR, ROLLED_BACK, ROLLBACK_FAILED, REFUSED -> false;
    };
  }
}
