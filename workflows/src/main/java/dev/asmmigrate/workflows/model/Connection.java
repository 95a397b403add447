package dev.asmmigrate.workflows.model;

/**
 * How the worker reaches the cluster and Google. Holds paths and names only, never credentials: the
 * worker reads the kubeconfig or key file itself, so no secret enters workflow history.
 *
 * <p>Two ways to the cluster: a kubeconfig ({@code kubeconfig}, {@code context}), or, with {@code
 * gkeCluster} set ({@link #viaGoogle}), none: the worker reads the cluster's endpoint and CA from
 * the GKE ClusterManager API and sends a Google access token, as {@code gcloud container clusters
 * get-credentials} and the GKE auth plugin do.
 *
 * @param kubeconfig path of a kubeconfig file on the worker, or null for the worker's default
 *     (KUBECONFIG, ~/.kube/config, or in-cluster)
 * @param context kubeconfig context, or null for the current one
 * @param googleEndpoint {@code host:port} of plaintext Google APIs (the sandbox's fakes), or null
 *     for Google with application default credentials
 * @param gkeCluster the cluster to reach through Google (no kubeconfig), or null for a kubeconfig
 * @param credentialsFile path on the worker of a Google service account key file whose account the
 *     worker acts as, or null for application default credentials
 */
public record Connection(
    String kubeconfig,
    String context,
    String googleEndpoint,
    ClusterRef gkeCluster,
    String credentialsFile) {

  /** A connection through a kubeconfig, with application default credentials for Google. */
  public Connection(String kubeconfig, String context, String googleEndpoint) {
    this(kubeconfig, context, googleEndpoint, null, null);
  }

  /**
   * A connection that needs no kubeconfig: the cluster's endpoint and CA come from GKE's
   * ClusterManager, the bearer token from Google credentials.
   *
   * @param cluster the GKE cluster
   * @param googleEndpoint as in the record; null for Google itself
   * @param credentialsFile a service account key file on the worker, or null for application
   *     default credentials
   */
  public static Connection viaGoogle(
      ClusterRef cluster, String googleEndpoint, String credentialsFile) {
    if (cluster == null) {
      throw new IllegalArgumentException("a connection through Google needs the cluster");
    }
    return new Connection(null, null, googleEndpoint, cluster, credentialsFile);
  }

  /** Whether the worker reaches the cluster through Google rather than a kubeconfig. */
  public boolean throughGoogle() {
    return gkeCluster != null;
  }
}
