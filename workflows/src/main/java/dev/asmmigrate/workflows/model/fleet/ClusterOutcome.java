package dev.asmmigrate.workflows.model.fleet;

import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.MigrationState;

/**
 * One cluster's row in a fleet's status and result.
 *
 * @param cluster the GKE cluster
 * @param wave the name of its wave
 * @param state where it stands
 * @param migrationWorkflowId its {@code MigrationWorkflow}'s ID ({@code asm-migrate/<p>/<l>/<c>})
 * @param migration how its migration ended, or null while it runs or if it never started
 * @param detail why it failed, was skipped or halted; null otherwise
 * @param startedMillis when the fleet started or followed its migration (epoch ms), 0 if it did not
 * @param endedMillis when it reached its state, 0 while it has not
 */
public record ClusterOutcome(
    ClusterRef cluster,
    String wave,
    ClusterState state,
    String migrationWorkflowId,
    MigrationState migration,
    String detail,
    long startedMillis,
    long endedMillis) {

  public ClusterOutcome with(ClusterState s, MigrationState m, String why, long at) {
    return new ClusterOutcome(
        cluster, wave, s, migrationWorkflowId, m, why, startedMillis, s.ended() ? at : endedMillis);
  }
}
