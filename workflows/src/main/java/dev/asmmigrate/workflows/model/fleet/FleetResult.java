package dev.asmmigrate.workflows.model.fleet;

import java.util.List;

/**
 * How a fleet ended.
 *
 * @param fleetId its workflow ID
 * @param state SUCCESS, HALTED or ABORTED
 * @param clusters each cluster's outcome, in wave order
 * @param reason why it halted or was aborted; null on SUCCESS
 * @param approvals every approval given, in order
 * @param soakChecks every soak check made, in order
 */
public record FleetResult(
    String fleetId,
    FleetState state,
    List<ClusterOutcome> clusters,
    String reason,
    List<FleetApproval> approvals,
    List<SoakCheck> soakChecks) {

  public FleetResult {
    clusters = clusters == null ? List.of() : List.copyOf(clusters);
    approvals = approvals == null ? List.of() : List.copyOf(approvals);
    soakChecks = soakChecks == null ? List.of() : List.copyOf(soakChecks);
  }
}
