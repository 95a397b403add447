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

  @Option(
      names = "--gke-access",
      description =
          "Reach the cluster without a kubeconfig, as `gcloud container clusters get-credentials`"
              + " does: its endpoint and CA from GKE, a token from Google credentials"
              + " (--google-credentials, else application default credentials). Not with"
              + " --kubeconfig or --context.")
  boolean gkeAccess;

  @Option(
      names = "--google-credentials",
      paramLabel = "KEYFILE",
      description =
          "Service account key file on the worker's machine for Google (and, with --gke-access,"
              + " the cluster); default: application default credentials. Only its path is"
              + " recorded.")
  Path googleCredentials;

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

  /**
   * Refuses (exit 2) a key file or kubeconfig that cannot be read and a Google endpoint that is not
   * {@code HOST:PORT}; each may be null. Shared by the commands that take a cluster or a fleet
   * file.
   */
  static void checkAccess(Path googleCredentials, Path kubeconfig, String googleEndpoint) {
    if (googleCredentials != null && !Files.isReadable(googleCredentials)) {
      throw new UserError(
          ExitCodes.USAGE,
          "--google-credentials " + googleCredentials + " does not exist or is not readable");
    }
    if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
      throw new UserError(
          ExitCodes.USAGE, "kubeconfig " + kubeconfig + " does not exist or is not readable");
    }
    if (googleEndpoint != null && !googleEndpoint.matches("[^:/\\s]+:\\d+")) {
      throw new UserError(
          ExitCodes.USAGE, "--google-endpoint must be HOST:PORT, got '" + googleEndpoint + "'");
    }
  }

  /**
   * The connection, after checking here that the kubeconfig is readable and well-formed, or, with
   * {@code --gke-access}, that GKE knows the cluster and the credentials get a token.
   */
  Connection connection() {
    if (gkeAccess && (kubeconfig != null || context != null)) {
      throw new UserError(
          ExitCodes.USAGE,
          "--gke-access reaches the cluster without a kubeconfig: drop --kubeconfig and --context,"
              + " or drop --gke-access to use them");
    }
    checkAccess(googleCredentials, kubeconfig, googleEndpoint);
    String keyFile =
        googleCredentials == null ? null : googleCredentials.toAbsolutePath().toString();
    Connection c =
        gkeAccess
            ? Connection.viaGoogle(clusterRef(), googleEndpoint, keyFile)
            : new Connection(
                kubeconfig == null ? null : kubeconfig.toAbsolutePath().toString(),
                context,
                googleEndpoint,
                null,
                keyFile);
    try {
      KubeClients.build(c).close();
    } catch (ApplicationFailure e) {
      throw new UserError(ExitCodes.USAGE, e.getOriginalMessage());
    }
    return c;
  }
}
