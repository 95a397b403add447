package dev.asmmigrate.workflows.model;

/**
 * The values of {@code data.migrationStatus} in ConfigMap {@code
 * istio-system/asm-addon-migration-state}, as Google's script writes them, so that existing tooling
 * keeps reading it.
 */
public enum MigrationState {
  PENDING,
  SUCCESS,
  MIGRATION_CONFIG_ERROR,
  CUSTOM_CONFIGS_DETECTED,
  CONTROLPLANE_PROVISION_ERROR,
  ROLLED_BACK
}
