package dev.asmmigrate.workflows.model.fleet;

import dev.asmmigrate.workflows.model.Connection;
import java.util.List;

/**
 * A fleet migration: the input of {@code FleetMigrationWorkflow}, built from the fleet file.
 *
 * @param name the fleet's name; its workflow ID is {@link #workflowId()}
 * @param clusters the clusters the file lists
 * @param fromFleet a GKE Hub project whose memberships are listed at the start, keeping those whose
 *     cluster runs the Istio add-on; null for none
 * @param google how the worker reaches Google to list {@code fromFleet} (only its {@code
 *     googleEndpoint} is read), and the connection of the clusters found there
 * @param waves in order; the first is the canary
 * @param failureBudget how many clusters of the whole fleet may fail before it halts
 * @param onHalt what a halt does to the clusters still migrating
 * @param migration the per-cluster options of {@code start}
 * @param pointOfNoReturn who approves each cluster's disable-addon and cleanup
 * @param failAt rehearsal: cluster name to the step at which its migration fails; empty normally
 * @param resume set when an operator resumes a halted fleet: what the halted run left
 * @param checkpoint set by the fleet itself when a run continues as new: where it stood; null when
 *     an operator starts or resumes it
 */
public record FleetRequest(
    String name,
    List<FleetCluster> clusters,
    String fromFleet,
    Connection google,
    List<FleetWave> waves,
    Amount failureBudget,
    HaltAction onHalt,
    MigrationOptions migration,
    ApprovalScope pointOfNoReturn,
    java.util.Map<String, String> failAt,
    FleetResume resume,
    FleetCheckpoint checkpoint) {

  /** The same fleet with other migration options. */
  public FleetRequest withMigration(MigrationOptions options) {
    return new FleetRequest(
        name,
        clusters,
        fromFleet,
        google,
        waves,
        failureBudget,
        onHalt,
        options,
        pointOfNoReturn,
        failAt,
        resume,
        checkpoint);
  }

  /** Prefix of every fleet's workflow ID. */
  public static final String WORKFLOW_ID_PREFIX = "asm-fleet/";

  public FleetRequest {
    clusters = clusters == null ? List.of() : List.copyOf(clusters);
    waves = waves == null ? List.of() : List.copyOf(waves);
    failureBudget = failureBudget == null ? Amount.count(0) : failureBudget;
    onHalt = onHalt == null ? HaltAction.FINISH : onHalt;
    migration = migration == null ? MigrationOptions.defaults() : migration;
    pointOfNoReturn = pointOfNoReturn == null ? ApprovalScope.NONE : pointOfNoReturn;
    failAt = failAt == null ? java.util.Map.of() : java.util.Map.copyOf(failAt);
  }

  /** A fleet as an operator starts or resumes it (no checkpoint). */
  public FleetRequest(
      String name,
      List<FleetCluster> clusters,
      String fromFleet,
      Connection google,
      List<FleetWave> waves,
      Amount failureBudget,
      HaltAction onHalt,
      MigrationOptions migration,
      ApprovalScope pointOfNoReturn,
      java.util.Map<String, String> failAt,
      FleetResume resume) {
    this(
        name,
        clusters,
        fromFleet,
        google,
        waves,
        failureBudget,
        onHalt,
        migration,
        pointOfNoReturn,
        failAt,
        resume,
        null);
  }

  /** {@code asm-fleet/<name>}: one run of a fleet at a time. */
  public String workflowId() {
    return WORKFLOW_ID_PREFIX + name;
  }

  /** The same fleet, resumed from a halted run. */
  public FleetRequest resumedWith(FleetResume r) {
    return new FleetRequest(
        name,
        clusters,
        fromFleet,
        google,
        waves,
        failureBudget,
        onHalt,
        migration,
        pointOfNoReturn,
        failAt,
        r,
        null);
  }

  /** The same fleet, continued as new from {@code c}. */
  public FleetRequest continuedFrom(FleetCheckpoint c) {
    return new FleetRequest(
        name,
        clusters,
        fromFleet,
        google,
        waves,
        failureBudget,
        onHalt,
        migration,
        pointOfNoReturn,
        failAt,
        resume,
        c);
  }
}
