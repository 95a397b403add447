package dev.asmmigrate.cli;

import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which cluster, and how to reach it: shared by start, plan and the operator commands. */
final class ClusterOptions {
  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "Kubeconfig on the worker's machine (default: $KUBECONFIG or ~/.kube/config).")
  Path kubeconfig;

  @Option(names = "--context", description = "Kubeconfig context (default: the current one).")
  String context;

  @Option(names = "--project", required = true, description = "GCP project of the cluster.")
  String project;

  @Option(
      names = "--location",
      required = true,
      description = "GKE location (zone or region) of the cluster.")
  String location;

  @Option(names = "--cluster", required = true, description = "GKE cluster name.")
  String cluster;

  @Option(
      names = "--google-endpoint",
      paramLabel = "HOST:PORT",
      description =
          "Plaintext Google APIs endpoint (the sandbox's fakes); default: Google with application default credentials.")
  String googleEndpoint;

  ClusterRef clusterRef() {
    for (String[] v :
        new String[][] {{"--project", project}, {"--location", location}, {"--cluster", cluster}}) {
      checkGcpName(v[0], v[1]);
    }
    return new ClusterRef(project, location, cluster);
  }

  static void checkGcpName(String option, String value) {
    if (!value.matches("[a-z0-9][a-z0-9-]*[a-z0-9]|[a-z0-9]")) {
      throw new UserError(
          ExitCodes.USAGE,
          option
              + " '"
              + value
              + "' is not a valid GCP name (lowercase letters, digits and '-', not at either end)");
    }
  }

  /** The connection, after checking here that the kubeconfig is readable and well-formed. */
  Connection connection() {
    if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
      throw new UserError(
          ExitCodes.USAGE, "kubeconfig " + kubeconfig + " does not exist or is not readable");
    }
    if (googleEndpoint != null && !googleEndpoint.matches("[^:/\\s]+:\\d+")) {
      throw new UserError(
          ExitCodes.USAGE, "--google-endpoint must be HOST:PORT, got '" + googleEndpoint + "'");
    }
    Connection c =
        new Connection(
            kubeconfig == null ? null : kubeconfig.toAbsolutePath().toString(),
            context,
            googleEndpoint);
    try {
      KubeClients.build(c).close();
    } catch (ApplicationFailure e) {
      throw new UserError(ExitCodes.USAGE, e.getOriginalMessage());
    }
    return c;
  }
}
