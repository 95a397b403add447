package dev.asmmigrate.activities.google;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.api.gax.rpc.TransportChannelProvider;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.FailureType;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Google API clients for a {@link Connection}: GKE Hub (v1 for memberships and features, v1beta for
 * the servicemesh membership spec, which the published v1 protos lack) and the GKE ClusterManager
 * in v1beta1 (the only version whose {@code AddonsConfig} has {@code istio_config}; v1 has no Istio
 * add-on field at all). A connection with a {@code googleEndpoint} gets a plaintext channel to it
 * without credentials (the sandbox's fakes); without one, Google's default endpoints with
 * application default credentials, or the service account key file the connection names. One set of
 * clients per endpoint and key file, closed with this object. And Resource Manager's {@code
 * TestIamPermissions} ({@link #heldPermissions}), through a hand-built method ({@link
 * ResourceManager}).
 */
public final class GoogleClients implements AutoCloseable {
  private final Map<String, Clients> clients = new ConcurrentHashMap<>();
  private final Map<String, ResourceManager> resourceManagers = new ConcurrentHashMap<>();

  /** The three clients of one endpoint. */
  private record Clients(
      com.google.cloud.gkehub.v1.GkeHubClient hub,
      com.google.cloud.gkehub.v1beta.GkeHubClient hubBeta,
      com.google.cloud.container.v1beta1.ClusterManagerClient clusters) {
    void close() {
      hub.close();
      hubBeta.close();
      clusters.close();
    }
  }

  /** GKE Hub v1: memberships, features, and the long-running operations client. */
  public com.google.cloud.gkehub.v1.GkeHubClient gkeHub(Connection connection) {
    return of(connection).hub();
  }

  /** GKE Hub v1beta: features with the servicemesh membership spec and state. */
  public com.google.cloud.gkehub.v1beta.GkeHubClient gkeHubBeta(Connection connection) {
    return of(connection).hubBeta();
  }

  /** GKE ClusterManager v1beta1: the cluster's master version and its Istio add-on. */
  public com.google.cloud.container.v1beta1.ClusterManagerClient clusterManager(
      Connection connection) {
    return of(connection).clusters();
  }

  /**
   * Those of {@code permissions} the connection's caller holds on GCP project {@code project}
   * (Resource Manager's {@code Projects.TestIamPermissions}, which itself needs no permission).
   * Failures as {@link #call} classifies them.
   */
  public List<String> heldPermissions(
      Connection connection, String project, Collection<String> permissions) {
    String endpoint = connection.googleEndpoint();
    boolean local = endpoint != null && !endpoint.isBlank();
    String keyFile = local ? null : connection.credentialsFile();
    String key = (local ? endpoint : "") + "|" + (keyFile == null ? "" : keyFile);
    ResourceManager rm =
        resourceManagers.computeIfAbsent(
            key,
            k ->
                new ResourceManager(
                    local ? endpoint : null, local ? null : GkeAccess.credentials(connection)));
    return call(
        "test the caller's IAM permissions on projects/" + project,
        () -> rm.held(project, permissions));
  }

  private Clients of(Connection connection) {
    String endpoint = connection.googleEndpoint();
    boolean local = endpoint != null && !endpoint.isBlank();
    String keyFile = local ? null : connection.credentialsFile();
    String key = (local ? endpoint : "") + "|" + (keyFile == null ? "" : keyFile);
    return clients.computeIfAbsent(
        key,
        k ->
            build(
                local ? endpoint : "",
                keyFile == null
                    ? null
                    : FixedCredentialsProvider.create(GkeAccess.credentials(connection))));
  }

  /**
   * The clients of an endpoint ("" for Google's), with {@code keyCredentials} (a service account
   * key's) or, when null, application default credentials; none for a local endpoint.
   */
  private static Clients build(String endpoint, CredentialsProvider keyCredentials) {
    try {
      boolean local = !endpoint.isEmpty();
      CredentialsProvider credentials = local ? NoCredentialsProvider.create() : keyCredentials;
      var hub = com.google.cloud.gkehub.v1.GkeHubSettings.newBuilder();
      var hubBeta = com.google.cloud.gkehub.v1beta.GkeHubSettings.newBuilder();
      var clusters = com.google.cloud.container.v1beta1.ClusterManagerSettings.newBuilder();
      if (!local && credentials != null) {
        hub.setCredentialsProvider(credentials);
        hubBeta.setCredentialsProvider(credentials);
        clusters.setCredentialsProvider(credentials);
      }
      if (local) {
        hub.setTransportChannelProvider(plaintext(endpoint)).setCredentialsProvider(credentials);
        hubBeta
            .setTransportChannelProvider(plaintext(endpoint))
            .setCredentialsProvider(credentials);
        clusters
            .setTransportChannelProvider(plaintext(endpoint))
            .setCredentialsProvider(credentials);
      }
      return new Clients(
          com.google.cloud.gkehub.v1.GkeHubClient.create(hub.build()),
          com.google.cloud.gkehub.v1beta.GkeHubClient.create(hubBeta.build()),
          com.google.cloud.container.v1beta1.ClusterManagerClient.create(clusters.build()));
    } catch (IOException e) {
      // application default credentials missing or unreadable: the operator must fix the worker
      throw Failures.permanent(
          FailureType.PERMISSION_DENIED,
          "cannot create Google API clients"
              + (endpoint.isEmpty() ? " with application default credentials" : " for " + endpoint)
              + ": "
              + e.getMessage());
    }
  }

  static TransportChannelProvider plaintext(String endpoint) {
    return InstantiatingGrpcChannelProvider.newBuilder()
        .setEndpoint(endpoint)
        .setChannelConfigurator(ManagedChannelBuilder::usePlaintext)
        .build();
  }

  /**
   * Runs one Google API call, turning its failure into what Temporal should do: PERMISSION_DENIED
   * (and UNAUTHENTICATED) ⇒ permanent {@code PERMISSION_DENIED}; NOT_FOUND ⇒ permanent {@code
   * NOT_FOUND}; INVALID_ARGUMENT ⇒ permanent {@code INVALID_INPUT}; anything else (UNAVAILABLE,
   * DEADLINE_EXCEEDED, INTERNAL, ABORTED, FAILED_PRECONDITION while the cluster reconciles, ...) is
   * rethrown as it is, transient.
   *
   * @param what the call and its resource, for the message (e.g. "get membership projects/...")
   */
  public static <T> T call(String what, Supplier<T> call) {
    try {
      return call.get();
    } catch (ApiException e) {
      throw classify(what, e);
    } catch (StatusRuntimeException e) {
      throw classify(what, e);
    }
  }

  /** The classification of {@link #call}, for callers that need to look at a code first. */
  public static RuntimeException classify(String what, RuntimeException e) {
    StatusCode.Code code = code(e);
    String detail = e.getMessage();
    if (code == null) {
      return e;
    }
    return switch (code) {
      case PERMISSION_DENIED, UNAUTHENTICATED ->
          Failures.permanent(
              FailureType.PERMISSION_DENIED, what + ": permission denied: " + detail);
      case NOT_FOUND -> Failures.permanent(FailureType.NOT_FOUND, what + ": not found: " + detail);
      case INVALID_ARGUMENT ->
          Failures.permanent(FailureType.INVALID_INPUT, what + ": invalid argument: " + detail);
      default -> e;
    };
  }

  /** The gRPC status code of a Google API failure, or null when it is none. */
  public static StatusCode.Code code(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ApiException api) {
        return api.getStatusCode().getCode();
      }
      if (t instanceof StatusRuntimeException s) {
        return StatusCode.Code.valueOf(s.getStatus().getCode().name());
      }
    }
    return null;
  }

  /** Whether a failure is Google's NOT_FOUND (for reads where absence is an answer). */
  public static boolean isNotFound(Throwable e) {
    return code(e) == StatusCode.Code.NOT_FOUND;
  }

  @Override
  public void close() {
    clients.values().forEach(Clients::close);
    clients.clear();
    resourceManagers.values().forEach(ResourceManager::close);
    resourceManagers.clear();
  }
}
