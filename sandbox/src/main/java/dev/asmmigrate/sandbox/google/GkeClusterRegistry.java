package dev.asmmigrate.sandbox.google;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The GKE clusters the fake Google APIs know, in the order they were registered: ClusterManager
 * answers for each, and GKE Hub registers each into a fleet. A single-cluster sandbox registers
 * one; a fleet sandbox one per simulated cluster. Thread-safe.
 */
public final class GkeClusterRegistry {
  private final List<GkeClusterState> clusters = new CopyOnWriteArrayList<>();

  /**
   * Adds a cluster; a cluster of the same project, location and name is refused.
   *
   * @throws IllegalArgumentException if that cluster is known already
   */
  public synchronized GkeClusterState register(GkeClusterState cluster) {
    for (GkeClusterState c : clusters) {
      if (c.resourceName().equals(cluster.resourceName())) {
        throw new IllegalArgumentException(
            "cluster " + cluster.resourceName() + " is registered twice");
      }
    }
    clusters.add(cluster);
    return cluster;
  }

  /** Every cluster, in the order they were registered. */
  public List<GkeClusterState> all() {
    return List.copyOf(clusters);
  }

  /** The first cluster registered (a single-cluster sandbox's only one). */
  public Optional<GkeClusterState> first() {
    return clusters.isEmpty() ? Optional.empty() : Optional.of(clusters.get(0));
  }

  /** The cluster of that project (id or number), location and name. */
  public Optional<GkeClusterState> find(String project, String location, String name) {
    for (GkeClusterState c : clusters) {
      if (inProject(c, project) && c.location().equals(location) && c.clusterName().equals(name)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** Whether some cluster lives in {@code project} (its id or its number). */
  public boolean isProject(String project) {
    return projectId(project).isPresent();
  }

  /** The project id of {@code project}, given as an id or a number, if a cluster lives there. */
  public Optional<String> projectId(String project) {
    for (GkeClusterState c : clusters) {
      if (inProject(c, project)) {
        return Optional.of(c.project());
      }
    }
    return Optional.empty();
  }

  /** The clusters of {@code project} (id or number). */
  public List<GkeClusterState> inProject(String project) {
    return clusters.stream().filter(c -> inProject(c, project)).toList();
  }

  static boolean inProject(GkeClusterState cluster, String project) {
    return project.equals(cluster.project())
        || project.equals(Long.toString(cluster.projectNumber()));
  }
}
