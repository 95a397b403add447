package dev.asmmigrate.activities.kube;

import com.google.auth.oauth2.GoogleCredentials;
import dev.asmmigrate.activities.google.GkeAccess;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kubernetes clients for the connections workflows name, one per (kubeconfig, context) or GKE
 * cluster reached through Google, built from the worker's own files and credentials: credentials
 * never travel through Temporal.
 */
public final class KubeClients implements AutoCloseable {
  public static final String USER_AGENT = "asm-migrate";

  /**
   * How many times the client sends a request again after a transient answer. Each retry also
   * delays a watch that falls back from WebSocket to HTTP after a 503 (the sandbox serves HTTP
   * watches only), so more would slow every wait.
   */
  public static final int REQUEST_RETRIES = 3;

  /** The first wait before a request is sent again; it doubles with each retry. */
  public static final java.time.Duration REQUEST_RETRY_INTERVAL = java.time.Duration.ofMillis(100);

  private final Map<String, KubernetesClient> clients = new ConcurrentHashMap<>();

  /**
   * The client for a connection.
   *
   * @throws io.temporal.failure.ApplicationFailure INVALID_INPUT for a missing or malformed
   *     kubeconfig or an unknown context
   */
  public KubernetesClient client(Connection connection) {
    return clients.computeIfAbsent(key(connection), k -> build(connection));
  }

  /**
   * What identifies the cluster a connection reaches, for caches: its kubeconfig and context, or
   * the GKE cluster, the Google endpoint and the key file it is reached through.
   */
  public static String key(Connection connection) {
    if (connection.throughGoogle()) {
      return "gke|"
          + connection.gkeCluster().resourceName()
          + "|"
          + connection.googleEndpoint()
          + "|"
          + connection.credentialsFile();
    }
    return connection.kubeconfig() + "|" + connection.context();
  }

  /**
   * Builds a client, validating the kubeconfig first, or, for a connection through Google, reading
   * the cluster's endpoint and CA from GKE and getting a first token; exposed for the CLI's own
   * checks.
   *
   * @throws io.temporal.failure.ApplicationFailure see {@link GkeAccess} for a connection through
   *     Google
   */
  public static KubernetesClient build(Connection connection) {
    Config config;
    if (connection.throughGoogle()) {
      config = throughGoogle(connection);
    } else if (connection.kubeconfig() != null) {
      Path file = Path.of(connection.kubeconfig());
      String text;
      try {
        text = Files.readString(file);
      } catch (IOException e) {
        throw Failures.permanent(
            FailureType.INVALID_INPUT, "cannot read kubeconfig " + file + ": " + e.getMessage());
      }
      try {
        config = Config.fromKubeconfig(connection.context(), text, file.toString());
      } catch (RuntimeException e) {
        throw Failures.permanent(
            FailureType.INVALID_INPUT,
            "malformed kubeconfig "
                + file
                + (connection.context() == null ? "" : " (context " + connection.context() + ")")
                + ": "
                + rootMessage(e));
      }
      if (connection.context() != null
          && (config.getCurrentContext() == null
              || !connection.context().equals(config.getCurrentContext().getName()))) {
        throw Failures.permanent(
            FailureType.INVALID_INPUT,
            "kubeconfig " + file + " has no context " + connection.context());
      }
      if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
        throw Failures.permanent(
            FailureType.INVALID_INPUT, "kubeconfig " + file + " names no cluster server");
      }
    } else {
      config =
          connection.context() == null
              ? Config.autoConfigure(null)
              : Config.autoConfigure(connection.context());
    }
    Failures.server(config.getMasterUrl());
    config.setUserAgent(USER_AGENT);
    // transient answers (5xx, 429 after its Retry-After, I/O errors) are retried by the client,
    // 100 ms doubling up to 3 times, before an activity sees them (at 10% of requests failing,
    // one in 10^4 gets through); 409s are not: the activities
    // re-read and apply again (StepChanges.rereadOnConflict), and what still fails is rethrown
    // for Temporal to retry the activity
    config.setRequestRetryBackoffLimit(REQUEST_RETRIES);
    config.setRequestRetryBackoffInterval((int) REQUEST_RETRY_INTERVAL.toMillis());
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /**
   * The config of a cluster reached through Google: its endpoint and CA from GKE, and a token
   * provider that fabric8 asks before every request (google-auth refreshes the token minutes before
   * it expires). A first token is fetched here, so that refused credentials fail the build.
   */
  private static Config throughGoogle(Connection connection) {
    GoogleCredentials credentials = GkeAccess.credentials(connection);
    String account = GkeAccess.account(connection);
    GkeAccess.token(credentials, account);
    GkeAccess.Endpoint endpoint = GkeAccess.endpoint(connection, credentials);
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(endpoint.server())
            .withCaCertData(endpoint.caCertData())
            .withNamespace("default")
            .build();
    config.setOauthTokenProvider(() -> GkeAccess.token(credentials, account));
    return config;
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    String m = c.getMessage() == null ? c.toString() : c.getMessage();
    // a YAML parser's message spans lines, with a caret under the error: one line is enough
    return m.replaceAll("\\s*\\R[\\s^]*", " ").strip();
  }

  @Override
  public void close() {
    clients.values().forEach(KubernetesClient::close);
    clients.clear();
  }
}
