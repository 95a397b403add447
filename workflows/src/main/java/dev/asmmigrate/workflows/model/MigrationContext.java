package dev.asmmigrate.workflows.model;

/**
 * What every activity of one migration needs to know: which migration (its backups are keyed by its
 * ID), which cluster, how to reach it, the target revision, and where backups live.
 */
public record MigrationContext(
    String migrationId,
    ClusterRef cluster,
    Connection connection,
    String revision,
    String backupDir) {

  /**
   * The {@code kubectl.kubernetes.io/restartedAt} value of every rollout restart a migration makes
   * (its workloads, add-on 1.6's istiod): derived from the migration ID, which the state ConfigMap
   * keeps and a run that resumes the migration after Temporal lost its state adopts, so a workload
   * whose pod template carries it was restarted by this migration already, in this run or an
   * earlier one, and is not restarted again.
   */
  public static String restartedAt(String migrationId) {
    return "asm-migrate/" + migrationId;
  }
}
