package dev.asmmigrate.activities.kube;

import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what goes wrong into what Temporal should do: permanent faults become non-retryable {@link
 * ApplicationFailure}s typed by {@link FailureType}; transient ones (5xx, 409, 429, time-outs) are
 * rethrown for Temporal to retry.
 */
public final class Failures {
  /** The API servers of the clients built in this process, to name the one a failure is from. */
  private static final Set<String> SERVERS = ConcurrentHashMap.newKeySet();

  private static final Pattern ADDRESS =
      Pattern.compile("/?([^\\s/]*?)/?([0-9.:a-fA-F\\[\\]]+):(\\d+)$");

  private Failures() {}

  /** Remembers an API server's URL (from the kubeconfig) for {@link #unreachable}. */
  static void server(String masterUrl) {
    if (masterUrl != null && !masterUrl.isBlank()) {
      SERVERS.add(masterUrl.replaceFirst("/+$", ""));
    }
  }

  /**
   * What an activity threw, in the terms Temporal acts on: a failure to connect to an API server
   * (connection refused, unknown host, no route, connect timeout) becomes a retryable {@link
   * FailureType#API_UNREACHABLE} that says which server and why, in the words of the cause ("cannot
   * reach the API server at https://127.0.0.1:6443: connection refused"); anything else is returned
   * as it is.
   */
  public static Throwable classify(Throwable thrown) {
    if (thrown instanceof ApplicationFailure) {
      return thrown;
    }
    return unreachable(thrown)
        .<Throwable>map(m -> ApplicationFailure.newFailure(m, FailureType.API_UNREACHABLE.name()))
        .orElse(thrown);
  }

  /** "cannot reach the API server at URL: connection refused" when {@code t} is such a failure. */
  public static Optional<String> unreachable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String why =
          c instanceof ConnectException
              ? "connection refused"
              : c instanceof UnknownHostException
                  ? "unknown host " + c.getMessage()
                  : c instanceof NoRouteToHostException
                      ? "no route to host"
                      : c instanceof HttpConnectTimeoutException
                              || (c instanceof SocketTimeoutException
                                  && String.valueOf(c.getMessage()).contains("connect"))
                          ? "connect timed out"
                          : null;
      if (why == null) {
        continue;
      }
      if (c instanceof ConnectException && c.getMessage() != null) {
        // keep the cause's own words ("Connection refused", "Network is unreachable")
        why = c.getMessage().replaceFirst(":.*$", "").toLowerCase(Locale.ROOT);
      }
      return Optional.of("cannot reach the API server at " + server(t) + ": " + why);
    }
    return Optional.empty();
  }

  /** The URL of the server an I/O failure names ("Connection refused: /127.0.0.1:6443"). */
  private static String server(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (!(c instanceof IOException) || c.getMessage() == null) {
        continue;
      }
      Matcher m = ADDRESS.matcher(c.getMessage().trim());
      if (!m.find()) {
        continue;
      }
      String host = m.group(1).isEmpty() ? m.group(2) : m.group(1);
      int port = Integer.parseInt(m.group(3));
      String match = null;
      int matches = 0;
      for (String url : SERVERS) {
        URI uri = URI.create(url);
        int p = uri.getPort() != -1 ? uri.getPort() : "http".equals(uri.getScheme()) ? 80 : 443;
        if (p == port) {
          match = url;
          matches++;
        }
      }
      return matches == 1 ? match : "https://" + host + ":" + port;
    }
    return SERVERS.size() == 1 ? SERVERS.iterator().next() : "(unknown address)";
  }

  public static ApplicationFailure permanent(FailureType type, String message) {
    return ApplicationFailure.newNonRetryableFailure(message, type.name());
  }

  /**
   * Classifies a Kubernetes API failure of {@code what} (e.g. "patch deployment istio-system/x").
   * 401/403 are permanent (missing permissions); 400/422 are permanent (the request is wrong and a
   * retry cannot fix it); the rest is transient.
   */
  public static RuntimeException kubernetes(String what, KubernetesClientException e) {
    int code = e.getCode();
    String detail =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : e.getMessage();
    if (code == 401 || code == 403) {
      return permanent(FailureType.PERMISSION_DENIED, what + ": permission denied: " + detail);
    }
    if (code == 400 || code == 422) {
      return permanent(FailureType.INVALID_INPUT, what + ": rejected by the API server: " + detail);
    }
    return e;
  }
}
