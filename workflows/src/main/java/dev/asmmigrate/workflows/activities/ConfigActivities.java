package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.ConfigReport;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.activity.ActivityInterface;

/** Steps {@code config-check} and {@code migrate-configs}. */
@ActivityInterface
public interface ConfigActivities {

  record ConfigRequest(MigrationContext context) {}

  /** Every config-check rule over the cluster's objects. Read-only. */
  ConfigReport checkConfigs(ConfigRequest request);

  /**
   * Converts the alpha authentication policies and applies the results after a server-side dry run.
   * Alpha objects are kept. Idempotent: objects already converted are left as they are.
   */
  StepResult migrateConfigs(ConfigRequest request);

  /** Undo of {@link #migrateConfigs}: deletes exactly the objects it created. */
  void removeMigratedConfigs(ConfigRequest request);
}
