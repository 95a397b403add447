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
   * Pre-flight refused the cluster (unknown namespace, missing permission, no add-on or one not
   * available, ...) and nothing was changed. An outcome only: never written to the ConfigMap, which
   * pre-flight does not write.
   */
  REFUSED
}
