package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.MigrationContext;
import io.temporal.activity.ActivityInterface;
import java.util.List;

/** Step {@code fleet-registration}, through the GKE Hub API. */
@ActivityInterface
public interface FleetActivities {

  record FleetRequest(MigrationContext context, String fleetProject) {}

  /** What registration did, so that undo reverts exactly that. */
  record FleetResult(
      String membership, boolean createdMembership, boolean enabledFeature, List<String> changes) {}

  /**
   * Registers the cluster as a fleet membership if it is not one, enables the {@code servicemesh}
   * feature on the fleet project, and sets the membership's mesh management to automatic.
   * Idempotent: what exists already is left as it is and reported as unchanged.
   */
  FleetResult registerFleet(FleetRequest request);

  /**
   * Undo of {@link #registerFleet}: resets the membership's mesh management, disables the feature
   * and deletes the membership, each only if this migration created it (recorded in its backups).
   */
  void unregisterFleet(FleetRequest request);
}
