package dev.asmmigrate.sandbox.google;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.container.v1beta1.ClusterManagerClient;
import com.google.cloud.container.v1beta1.ClusterManagerSettings;
import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.GetClusterRequest;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The fake Google APIs as a started sandbox serves them, from its settings. */
class SandboxGoogleApisTest {

  @Test
  @SuppressWarnings("deprecation") // istio_config is deprecated in the API: it is what we simulate
  void aSandboxServesItsClusterMetadata() throws Exception {
    SandboxSettings settings =
        SandboxSettings.builder()
            .base(SandboxSettings.Base.ADDON_1_6)
            .project("p-1")
            .location("europe-west1")
            .cluster("c-1")
            .masterVersion("1.20.15-gke.1000")
            .build();
    try (Sandbox sandbox = Sandbox.start(settings)) {
      ManagedChannel channel =
          ManagedChannelBuilder.forTarget(sandbox.googleEndpoint()).usePlaintext().build();
      try (ClusterManagerClient container =
          ClusterManagerClient.create(
              ClusterManagerSettings.newBuilder()
                  .setTransportChannelProvider(
                      FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
                  .setCredentialsProvider(NoCredentialsProvider.create())
                  .build())) {
        Cluster cluster =
            container.getCluster(
                GetClusterRequest.newBuilder()
                    .setName("projects/p-1/locations/europe-west1/clusters/c-1")
                    .build());
        assertThat(cluster.getCurrentMasterVersion()).isEqualTo("1.20.15-gke.1000");
        assertThat(cluster.getAddonsConfig().getIstioConfig().getDisabled()).isFalse();
        assertThat(cluster.getSelfLink()).contains("/locations/europe-west1/clusters/c-1");
        assertThat(sandbox.googleApis().cluster().istioAddonEnabled()).isTrue();
        assertThat(sandbox.googleApis().calls()).hasSize(1);
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
