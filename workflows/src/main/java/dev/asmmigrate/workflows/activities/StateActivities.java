package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationState;
import io.temporal.activity.ActivityInterface;

/** The state ConfigMap {@code istio-system/asm-addon-migration-state}. */
@ActivityInterface
public interface StateActivities {

  record WriteStateRequest(MigrationContext context, MigrationState state, String step) {}

  /**
   * Sets {@code data.migrationStatus} (plus the migration ID and current step). Idempotent: writing
   * the same state twice changes nothing. Its "undo" is writing {@code ROLLED_BACK}.
   */
  void writeState(WriteStateRequest request);
}
