package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationState;
import io.temporal.activity.ActivityInterface;

/** The state ConfigMap {@code istio-system/asm-addon-migration-state}. */
@ActivityInterface
public interface StateActivities {

  /**
   * @param reason why the migration ended so (the first line of its error: an operator's abort, the
   *     failure that was rolled back), or null while it runs; while it waits for a maintenance
   *     window (WAITING_FOR_WINDOW), until when and why
   */
  record WriteStateRequest(
      MigrationContext context, MigrationState state, String step, String reason) {
    public WriteStateRequest(MigrationContext context, MigrationState state, String step) {
      this(context, state, step, null);
    }
  }

  /**
   * Sets {@code data.migrationStatus} (plus the migration ID and current step). Idempotent: writing
   * the same state twice changes nothing. Its "undo" is writing {@code ROLLED_BACK}.
   */
  void writeState(WriteStateRequest request);
}
