package dev.asmmigrate.workflows.model.fleet;

import java.util.List;

/**
 * A fleet's status query (and memo): where it stands and each cluster's row. Each cluster's own
 * phase, step and namespaces come from its {@code MigrationWorkflow}'s status.
 *
 * @param fleetId its workflow ID
 * @param state RUNNING until it ends
 * @param phase what it does now: {@code DISCOVERING}, {@code WAVE}, {@code SOAKING}, {@code
 *     WAITING_FOR_APPROVAL}, {@code PAUSED}, {@code HALTING}, or the end state
 * @param wave the name of the current wave, null before the first and after the last
 * @param waitingFor what an operator must do for it to go on, null when nothing
 * @param clusters each cluster's row, in wave order
 * @param approvals every approval given
 * @param soakChecks every soak check made
 * @param reason why it halts or halted, null otherwise
 */
public record FleetStatus(
    String fleetId,
    FleetState state,
    String phase,
    String wave,
    String waitingFor,
    List<ClusterOutcome> clusters,
    List<FleetApproval> approvals,
    List<SoakCheck> soakChecks,
    String reason) {

  public FleetStatus {
    clusters = clusters == null ? List.of() : List.copyOf(clusters);
    approvals = approvals == null ? List.of() : List.copyOf(approvals);
    soakChecks = soakChecks == null ? List.of() : List.copyOf(soakChecks);
  }
}
