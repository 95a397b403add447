package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.SoakCheck;
import io.temporal.activity.ActivityInterface;
import java.util.List;

/** What a fleet's workflow asks of the world besides its clusters' own migrations. */
@ActivityInterface
public interface FleetMigrationActivities {

  /**
   * Lists the GKE Hub memberships of {@code fleetProject} and keeps those whose GKE cluster runs
   * the Istio add-on (ClusterManager v1beta1 {@code addonsConfig.istioConfig} enabled), with the
   * membership's labels. Each cluster found gets {@code google}'s connection: no kubeconfig, the
   * endpoint and a token from Google. Read-only.
   */
  List<FleetCluster> discoverClusters(String fleetProject, Connection google);

  /**
   * Checks a migrated cluster again during its wave's soak: every pod of {@code namespaces} Ready,
   * with the managed proxy of {@code revision}, and none of its containers restarted since {@code
   * sinceEpochMillis}. Read-only; the problems are the result, not a failure.
   */
  SoakCheck soakCheck(
      ClusterRef cluster,
      Connection connection,
      String revision,
      List<String> namespaces,
      long sinceEpochMillis);

  /**
   * Waits, heartbeating, for the {@code MigrationWorkflow} of ID {@code workflowId} to end, and
   * returns its result: a migration this fleet did not start (a {@code start}, another fleet) or
   * one that its previous run started before a continue-as-new. Returns at once when it already
   * ended.
   */
  MigrationResult awaitMigration(String workflowId);

  /**
   * The newest run of the {@code MigrationWorkflow} of ID {@code workflowId}, if any: whether it
   * runs, and its result if it ended. Read-only; answers at once.
   */
  ExistingMigration findMigration(String workflowId);

  /**
   * @param running whether a run of that ID is open now
   * @param result the newest closed run's result when none runs, null when it never ran (or its run
   *     closed without a result: terminated, timed out)
   */
  record ExistingMigration(boolean running, MigrationResult result) {}
}
