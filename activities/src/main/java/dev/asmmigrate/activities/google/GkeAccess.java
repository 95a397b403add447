package dev.asmmigrate.activities.google;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.auth.Retryable;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.FailureType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/**
 * Access to a GKE cluster without a kubeconfig, as {@code gcloud container clusters
 * get-credentials} and the GKE auth plugin give it: the endpoint and CA of the cluster from the
 * ClusterManager API (v1 GetCluster), and a bearer token from Google credentials with the {@code
 * cloud-platform} scope: a service account key file when the connection names one, else application
 * default credentials. The key file stays on the worker; only its path is in history.
 */
public final class GkeAccess {
  /** The scope GKE accepts tokens of (the auth plugin asks for the same). */
  public static final String CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";

  private GkeAccess() {}

  /**
   * Where the cluster's API is and which CA signs its serving certificate.
   *
   * @param server {@code https://<endpoint>}
   * @param caCertData the CA as GKE reports it: base64 of its PEM (a kubeconfig's {@code
   *     certificate-authority-data})
   */
  public record Endpoint(String server, String caCertData) {}

  /**
   * The Google credentials of a connection, scoped for GKE.
   *
   * @throws io.temporal.failure.ApplicationFailure INVALID_INPUT for a key file that cannot be read
   *     or is no service account key; PERMISSION_DENIED when there are no application default
   *     credentials
   */
  public static GoogleCredentials credentials(Connection connection) {
    String file = connection.credentialsFile();
    if (file != null && !file.isBlank()) {
      Path path = Path.of(file);
      try (InputStream in = Files.newInputStream(path)) {
        return ServiceAccountCredentials.fromStream(in).createScoped(List.of(CLOUD_PLATFORM));
      } catch (IOException | RuntimeException e) {
        throw Failures.permanent(
            FailureType.INVALID_INPUT,
            "cannot use "
                + path
                + " as a Google service account key file: "
                + e.getMessage()
                + " (create one with `gcloud iam service-accounts keys create FILE"
                + " --iam-account ACCOUNT`)");
      }
    }
    try {
      return GoogleCredentials.getApplicationDefault().createScoped(List.of(CLOUD_PLATFORM));
    } catch (IOException e) {
      throw Failures.permanent(
          FailureType.PERMISSION_DENIED,
          "no Google application default credentials on the worker: run `gcloud auth"
              + " application-default login`, set GOOGLE_APPLICATION_CREDENTIALS to a service"
              + " account key file, or name the key file (--google-credentials); or reach the"
              + " cluster through a kubeconfig context instead ("
              + e.getMessage()
              + ")");
    }
  }

  /**
   * A current access token of {@code credentials}, refreshed when it expires within google-auth's
   * margin (minutes before its expiry), so that a request never carries an expired one.
   *
   * @throws io.temporal.failure.ApplicationFailure PERMISSION_DENIED when Google refuses the
   *     credentials (a revoked or forged key); a retryable failure (a token endpoint that cannot be
   *     reached) is thrown unchecked, for Temporal to retry
   */
  public static String token(GoogleCredentials credentials, String account) {
    try {
      credentials.refreshIfExpired();
    } catch (IOException e) {
      if (e instanceof Retryable r && !r.isRetryable()) {
        throw Failures.permanent(
            FailureType.PERMISSION_DENIED,
            "Google refused the credentials of " + account + ": " + e.getMessage());
      }
      throw new UncheckedIOException(
          "cannot get a Google access token for " + account + ": " + e.getMessage(), e);
    }
    AccessToken token = credentials.getAccessToken();
    if (token == null) {
      throw Failures.permanent(
          FailureType.PERMISSION_DENIED, "Google issued no access token for " + account);
    }
    return token.getTokenValue();
  }

  /** Who a connection acts as, for messages: the key file, or application default credentials. */
  public static String account(Connection connection) {
    return connection.credentialsFile() == null
        ? "application default credentials"
        : "key file " + connection.credentialsFile();
  }

  /**
   * The cluster's endpoint and CA from GKE ClusterManager v1 GetCluster: at the connection's
   * plaintext {@code googleEndpoint} without credentials (the sandbox's fakes), else at Google with
   * {@code credentials}.
   *
   * @throws io.temporal.failure.ApplicationFailure NOT_FOUND for an unknown cluster,
   *     PERMISSION_DENIED without {@code container.clusters.get}, INVALID_INPUT for a cluster that
   *     reports no endpoint or CA
   */
  public static Endpoint endpoint(Connection connection, GoogleCredentials credentials) {
    String name = connection.gkeCluster().resourceName();
    String google = connection.googleEndpoint();
    var settings = com.google.cloud.container.v1.ClusterManagerSettings.newBuilder();
    if (google != null && !google.isBlank()) {
      settings
          .setTransportChannelProvider(GoogleClients.plaintext(google))
          .setCredentialsProvider(NoCredentialsProvider.create());
    } else {
      settings.setCredentialsProvider(FixedCredentialsProvider.create(credentials));
    }
    com.google.container.v1.Cluster cluster;
    try (var clusters =
        com.google.cloud.container.v1.ClusterManagerClient.create(settings.build())) {
      cluster = GoogleClients.call("get cluster " + name, () -> clusters.getCluster(name));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a GKE ClusterManager client", e);
    }
    String endpoint = cluster.getEndpoint();
    String ca = cluster.getMasterAuth().getClusterCaCertificate();
    if (endpoint.isBlank() || ca.isBlank()) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT,
          "GKE reports no "
              + (endpoint.isBlank() ? "endpoint" : "CA certificate")
              + " for cluster "
              + name
              + ": reach it through a kubeconfig context instead");
    }
    try {
      String pem = new String(Base64.getDecoder().decode(ca), StandardCharsets.US_ASCII);
      if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
        throw new IllegalArgumentException("not a PEM certificate");
      }
    } catch (IllegalArgumentException e) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT,
          "GKE's CA certificate of cluster " + name + " is unreadable: " + e.getMessage());
    }
    return new Endpoint("https://" + endpoint, ca);
  }
}
