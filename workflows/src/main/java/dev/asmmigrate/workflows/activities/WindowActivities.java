package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import io.temporal.activity.ActivityInterface;

/** What a run's maintenance windows need from the world: the cluster's own GKE policy. */
@ActivityInterface
public interface WindowActivities {

  /**
   * The cluster's own GKE maintenance policy ({@code maintenancePolicy} of the ClusterManager API)
   * as windows, for {@link MaintenanceWindows#fromCluster()}: its recurring window (the window's
   * start time is the first occurrence, in UTC; end minus start the duration; its recurrence the
   * RRULE), or its daily window ({@code FREQ=DAILY} at its {@code HH:MM} start time in UTC, for its
   * duration, 4 hours when GKE reports none), and its maintenance exclusions, by name. A cluster
   * without a policy gives no windows and no exclusions. The result has {@code fromCluster} false
   * and the default margin: merge its windows and exclusions into the request's. Read-only, so
   * idempotent.
   *
   * @throws io.temporal.failure.ApplicationFailure NOT_FOUND for an unknown cluster,
   *     PERMISSION_DENIED without {@code container.clusters.get}, INVALID_INPUT for a policy the
   *     calendar cannot use (e.g. a recurrence that is no RRULE, or that never opens in the next
   *     year)
   */
  MaintenanceWindows clusterMaintenanceWindows(ClusterRef cluster, Connection connection);
}
