package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.model.ClusterRef;
import picocli.CommandLine.Option;

/**
 * Which migration an operator command acts on: its workflow ID, or its cluster as {@code
 * --cluster-id project/location/cluster} or the {@code --project --location --cluster} of start.
 */
final class WorkflowTarget {
  @Option(
      names = "--workflow-id",
      paramLabel = "ID",
      description = "The migration's workflow ID (asm-migrate/<project>/<location>/<cluster>).")
  String workflowId;

  @Option(
      names = "--cluster-id",
      paramLabel = "PROJECT/LOCATION/CLUSTER",
      description = "The cluster whose migration it is.")
  String clusterId;

  @Option(
      names = "--project",
      description = "GCP project of the cluster (with --location, --cluster).")
  String project;

  @Option(names = "--location", description = "GKE location of the cluster.")
  String location;

  @Option(names = "--cluster", description = "GKE cluster name.")
  String cluster;

  /** The workflow ID, after checking that exactly one way of naming the migration was used. */
  String workflowId() {
    boolean byFlags = project != null || location != null || cluster != null;
    int ways = (workflowId != null ? 1 : 0) + (clusterId != null ? 1 : 0) + (byFlags ? 1 : 0);
    if (ways != 1) {
      throw new UserError(
          ExitCodes.USAGE,
          "name the migration once: --workflow-id ID, --cluster-id PROJECT/LOCATION/CLUSTER, or"
              + " --project P --location L --cluster C");
    }
    if (workflowId != null) {
      if (workflowId.isBlank()) {
        throw new UserError(ExitCodes.USAGE, "--workflow-id must not be empty");
      }
      return workflowId;
    }
    if (clusterId != null) {
      String[] parts = clusterId.split("/", -1);
      if (parts.length != 3) {
        throw new UserError(
            ExitCodes.USAGE,
            "--cluster-id must be PROJECT/LOCATION/CLUSTER, got '" + clusterId + "'");
      }
      return ref(parts[0], parts[1], parts[2]).workflowId();
    }
    if (project == null || location == null || cluster == null) {
      throw new UserError(
          ExitCodes.USAGE, "--project, --location and --cluster go together: give all three");
    }
    return ref(project, location, cluster).workflowId();
  }

  private static ClusterRef ref(String p, String l, String c) {
    for (String[] v : new String[][] {{"project", p}, {"location", l}, {"cluster", c}}) {
      if (!v[1].matches("[a-z0-9][a-z0-9-]*[a-z0-9]|[a-z0-9]")) {
        throw new UserError(
            ExitCodes.USAGE, "the " + v[0] + " '" + v[1] + "' is not a valid GCP name");
      }
    }
    return new ClusterRef(p, l, c);
  }
}
