package dev.asmmigrate.activities.kube;

import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kubernetes clients for the connections workflows name, one per (kubeconfig, context), built from
 * the worker's own files: credentials never travel through Temporal.
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
    String key = connection.kubeconfig() + "|" + connection.context();
    return clients.computeIfAbsent(key, k -> build(connection));
  }

  /** Builds a client, validating the kubeconfig first; exposed for the CLI's own checks. */
  public static KubernetesClient build(Connection connection) {
    Config config;
    if (connection.kubeconfig() != null) {
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
