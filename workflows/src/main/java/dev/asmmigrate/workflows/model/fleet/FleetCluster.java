package dev.asmmigrate.workflows.model.fleet;

import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import java.util.Map;

/**
 * One cluster of a fleet: which GKE cluster, how the worker reaches it, and the labels the fleet
 * file's wave selectors match.
 *
 * @param cluster the GKE cluster
 * @param connection how the worker reaches it (a kubeconfig context, or the endpoint and a token
 *     from Google)
 * @param labels labels for wave selectors; for clusters found by {@code fromFleet}, the GKE Hub
 *     membership's labels
 * @param fleetProject the GKE Hub project it belongs to, or null for its own project
 * @param windows its maintenance windows (the fleet file's, or its defaults'); any time when null
 */
public record FleetCluster(
    ClusterRef cluster,
    Connection connection,
    Map<String, String> labels,
    String fleetProject,
    MaintenanceWindows windows) {

  public FleetCluster {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    windows = windows == null ? MaintenanceWindows.anyTime() : windows;
  }

  /** The short name the fleet file, {@code --retry} and {@code --skip} use: the cluster's name. */
  public String name() {
    return cluster.cluster();
  }
}
