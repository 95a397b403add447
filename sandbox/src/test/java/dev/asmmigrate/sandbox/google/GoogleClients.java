package dev.asmmigrate.sandbox.google;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.longrunning.OperationTimedPollAlgorithm;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.container.v1.ClusterManagerClient;
import com.google.cloud.container.v1.ClusterManagerSettings;
import com.google.cloud.gkehub.v1.GkeHubClient;
import com.google.cloud.gkehub.v1.GkeHubSettings;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.SandboxSettings;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A started {@link FakeGoogleApis} and the real Google client libraries pointed at it over a
 * plaintext channel, with operation polling fast enough for tests (bounded at 10 s).
 */
public final class GoogleClients implements AutoCloseable {
  static final Duration POLL_TIMEOUT = Duration.ofSeconds(10);

  final Faults faults = new Faults();
  final SandboxSettings settings;
  final FakeGoogleApis fake;
  final ManagedChannel channel;
  public final GkeHubClient hub;
  public final com.google.cloud.gkehub.v1beta.GkeHubClient hubBeta;
  public final ClusterManagerClient container;
  public final com.google.cloud.container.v1beta1.ClusterManagerClient containerBeta;
  private final boolean ownsFake;

  GoogleClients(SandboxSettings settings) throws IOException {
    this(settings, null);
  }

  /**
   * Clients of {@code fake}, already started and left open on {@link #close()}, or of a fake of
   * {@code settings}' cluster started here when it is null; {@code settings} name the cluster the
   * helpers below address.
   */
  private GoogleClients(SandboxSettings settings, FakeGoogleApis shared) throws IOException {
    this.settings = settings;
    this.ownsFake = shared == null;
    this.fake = shared == null ? new FakeGoogleApis(settings, faults) : shared;
    int port = shared == null ? fake.start() : shared.port();
    this.channel = ManagedChannelBuilder.forTarget("127.0.0.1:" + port).usePlaintext().build();
    FixedTransportChannelProvider transport =
        FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
    NoCredentialsProvider credentials = NoCredentialsProvider.create();
    OperationTimedPollAlgorithm polling =
        OperationTimedPollAlgorithm.create(
            RetrySettings.newBuilder()
                .setInitialRetryDelayDuration(Duration.ofMillis(50))
                .setRetryDelayMultiplier(1.5)
                .setMaxRetryDelayDuration(Duration.ofMillis(200))
                .setInitialRpcTimeoutDuration(Duration.ofSeconds(5))
                .setRpcTimeoutMultiplier(1.0)
                .setMaxRpcTimeoutDuration(Duration.ofSeconds(5))
                .setTotalTimeoutDuration(POLL_TIMEOUT)
                .build());

    GkeHubSettings.Builder hubSettings =
        GkeHubSettings.newBuilder()
            .setTransportChannelProvider(transport)
            .setCredentialsProvider(credentials);
    hubSettings.createMembershipOperationSettings().setPollingAlgorithm(polling);
    hubSettings.deleteMembershipOperationSettings().setPollingAlgorithm(polling);
    hubSettings.createFeatureOperationSettings().setPollingAlgorithm(polling);
    hubSettings.updateFeatureOperationSettings().setPollingAlgorithm(polling);
    hubSettings.deleteFeatureOperationSettings().setPollingAlgorithm(polling);
    this.hub = GkeHubClient.create(hubSettings.build());

    com.google.cloud.gkehub.v1beta.GkeHubSettings.Builder betaSettings =
        com.google.cloud.gkehub.v1beta.GkeHubSettings.newBuilder()
            .setTransportChannelProvider(transport)
            .setCredentialsProvider(credentials);
    betaSettings.createFeatureOperationSettings().setPollingAlgorithm(polling);
    betaSettings.updateFeatureOperationSettings().setPollingAlgorithm(polling);
    betaSettings.deleteFeatureOperationSettings().setPollingAlgorithm(polling);
    this.hubBeta = com.google.cloud.gkehub.v1beta.GkeHubClient.create(betaSettings.build());

    this.container =
        ClusterManagerClient.create(
            ClusterManagerSettings.newBuilder()
                .setTransportChannelProvider(transport)
                .setCredentialsProvider(credentials)
                .build());
    this.containerBeta =
        com.google.cloud.container.v1beta1.ClusterManagerClient.create(
            com.google.cloud.container.v1beta1.ClusterManagerSettings.newBuilder()
                .setTransportChannelProvider(transport)
                .setCredentialsProvider(credentials)
                .build());
  }

  /** Clients of a started fake that others own (e.g. a fleet sandbox's). */
  public static GoogleClients of(FakeGoogleApis fake, SandboxSettings settings) throws IOException {
    return new GoogleClients(settings, fake);
  }

  static GoogleClients start() throws IOException {
    return new GoogleClients(SandboxSettings.builder().build());
  }

  String project() {
    return settings.project();
  }

  /** {@code projects/<project>/locations/global}. */
  String fleetParent() {
    return "projects/" + settings.project() + "/locations/global";
  }

  /** {@code projects/<project>/locations/<location>/clusters/<cluster>}. */
  String clusterName() {
    return "projects/"
        + settings.project()
        + "/locations/"
        + settings.location()
        + "/clusters/"
        + settings.cluster();
  }

  /** GetCluster through v1beta1 (whose client has no name-only overload). */
  com.google.container.v1beta1.Cluster betaCluster() {
    return containerBeta.getCluster(
        com.google.container.v1beta1.GetClusterRequest.newBuilder().setName(clusterName()).build());
  }

  /** GetOperation through v1beta1 for an operation id of the cluster's location. */
  com.google.container.v1beta1.Operation betaOperation(String operationId) {
    return containerBeta.getOperation(
        com.google.container.v1beta1.GetOperationRequest.newBuilder()
            .setName(operationName(operationId))
            .build());
  }

  /** {@code projects/<project>/locations/<location>/operations/<id>}. */
  String operationName(String operationId) {
    return "projects/"
        + settings.project()
        + "/locations/"
        + settings.location()
        + "/operations/"
        + operationId;
  }

  @Override
  public void close() throws InterruptedException {
    hub.close();
    hubBeta.close();
    container.close();
    containerBeta.close();
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    if (ownsFake) {
      fake.close();
    }
  }
}
