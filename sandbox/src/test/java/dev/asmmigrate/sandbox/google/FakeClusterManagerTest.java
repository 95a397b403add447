package dev.asmmigrate.sandbox.google;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.rpc.InvalidArgumentException;
import com.google.api.gax.rpc.NotFoundException;
import com.google.api.gax.rpc.UnimplementedException;
import com.google.container.v1beta1.AddonsConfig;
import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.ClusterUpdate;
import com.google.container.v1beta1.HttpLoadBalancing;
import com.google.container.v1beta1.IstioConfig;
import com.google.container.v1beta1.Operation;
import dev.asmmigrate.sandbox.SandboxSettings;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The real ClusterManager clients (v1 and v1beta1) against the fake, over plaintext gRPC. */
@SuppressWarnings("deprecation") // istio_config is deprecated in the API: it is what we simulate
class FakeClusterManagerTest {

  @Test
  void reportsTheClusterVersionAndStatusThroughV1() throws Exception {
    try (GoogleClients g = GoogleClients.start()) {
      com.google.container.v1.Cluster cluster = g.container.getCluster(g.clusterName());

      assertThat(cluster.getName()).isEqualTo("sandbox-cluster");
      assertThat(cluster.getLocation()).isEqualTo("us-central1-c");
      assertThat(cluster.getCurrentMasterVersion()).isEqualTo("1.19.8-gke.1600");
      assertThat(cluster.getStatus()).isEqualTo(com.google.container.v1.Cluster.Status.RUNNING);
      assertThat(cluster.getWorkloadIdentityConfig().getWorkloadPool())
          .isEqualTo("sandbox-project.svc.id.goog");
      // v1 has no Istio add-on field, and the fake does not smuggle it in
      assertThat(cluster.getAddonsConfig().getUnknownFields().hasField(5)).isFalse();
      assertThat(cluster.getAddonsConfig().hasHttpLoadBalancing()).isTrue();

      assertThat(g.container.listClusters("projects/sandbox-project/locations/-").getClustersList())
          .extracting(com.google.container.v1.Cluster::getName)
          .containsExactly("sandbox-cluster");
      assertThat(g.fake.calls())
          .extracting(GoogleCall::shortMethod, GoogleCall::resource, GoogleCall::code)
          .first()
          .isEqualTo(
              org.assertj.core.groups.Tuple.tuple("GetCluster", g.clusterName(), Status.Code.OK));
    }
  }

  @Test
  void reportsTheIstioAddOnPerBaseThroughV1beta1() throws Exception {
    for (SandboxSettings.Base base : SandboxSettings.Base.values()) {
      SandboxSettings settings =
          SandboxSettings.builder().base(base).masterVersion("1.18.16-gke.1600").build();
      try (GoogleClients g = new GoogleClients(settings)) {
        Cluster cluster = g.betaCluster();
        boolean addon = base != SandboxSettings.Base.NONE;
        assertThat(cluster.getAddonsConfig().getIstioConfig().getDisabled())
            .as("istio add-on disabled for %s", base)
            .isEqualTo(!addon);
        assertThat(cluster.getCurrentMasterVersion()).isEqualTo("1.18.16-gke.1600");
        assertThat(g.fake.cluster().istioAddonEnabled()).isEqualTo(addon);
      }
    }
  }

  @Test
  void disablesTheIstioAddOnWithSetAddonsConfig() throws Exception {
    try (GoogleClients g = GoogleClients.start()) {
      AtomicInteger changes = new AtomicInteger();
      g.fake.cluster().addListener(changes::incrementAndGet);

      Operation op =
          g.containerBeta.setAddonsConfig(
              com.google.container.v1beta1.SetAddonsConfigRequest.newBuilder()
                  .setName(g.clusterName())
                  .setAddonsConfig(
                      AddonsConfig.newBuilder()
                          .setIstioConfig(IstioConfig.newBuilder().setDisabled(true)))
                  .build());

      assertThat(op.getStatus()).isEqualTo(Operation.Status.DONE);
      assertThat(op.getOperationType()).isEqualTo(Operation.Type.UPDATE_CLUSTER);
      assertThat(op.getTargetLink()).endsWith("/clusters/sandbox-cluster");
      Cluster after = g.betaCluster();
      assertThat(after.getAddonsConfig().getIstioConfig().getDisabled()).isTrue();
      // add-ons the request did not name keep their configuration
      assertThat(after.getAddonsConfig().getHttpLoadBalancing().getDisabled()).isFalse();
      assertThat(after.getAddonsConfig().hasNetworkPolicyConfig()).isTrue();
      assertThat(g.fake.cluster().istioAddonEnabled()).isFalse();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(() -> assertThat(changes.get()).isEqualTo(1));

      assertThat(g.betaOperation(op.getName()).getStatus()).isEqualTo(Operation.Status.DONE);
      assertThat(g.container.getOperation(g.operationName(op.getName())).getStatus())
          .isEqualTo(com.google.container.v1.Operation.Status.DONE);
    }
  }

  @Test
  void disablesTheIstioAddOnWithUpdateCluster() throws Exception {
    try (GoogleClients g = GoogleClients.start()) {
      Operation op =
          g.containerBeta.updateCluster(
              com.google.container.v1beta1.UpdateClusterRequest.newBuilder()
                  .setName(g.clusterName())
                  .setUpdate(
                      ClusterUpdate.newBuilder()
                          .setDesiredAddonsConfig(
                              AddonsConfig.newBuilder()
                                  .setIstioConfig(IstioConfig.newBuilder().setDisabled(true)))
                          .build())
                  .build());
      assertThat(op.getStatus()).isEqualTo(Operation.Status.DONE);
      assertThat(g.betaCluster().getAddonsConfig().getIstioConfig().getDisabled()).isTrue();

      // updates the sandbox does not simulate are refused, not silently dropped
      assertThatThrownBy(
              () ->
                  g.containerBeta.updateCluster(
                      com.google.container.v1beta1.UpdateClusterRequest.newBuilder()
                          .setName(g.clusterName())
                          .setUpdate(ClusterUpdate.newBuilder().setDesiredMasterVersion("1.20"))
                          .build()))
          .isInstanceOf(UnimplementedException.class);
    }
  }

  @Test
  void aV1AddOnUpdateLeavesTheIstioAddOnAlone() throws Exception {
    try (GoogleClients g = GoogleClients.start()) {
      g.container.setAddonsConfig(
          g.clusterName(),
          com.google.container.v1.AddonsConfig.newBuilder()
              .setHttpLoadBalancing(
                  com.google.container.v1.HttpLoadBalancing.newBuilder().setDisabled(true))
              .build());
      AddonsConfig addons = g.betaCluster().getAddonsConfig();
      assertThat(addons.getHttpLoadBalancing())
          .isEqualTo(HttpLoadBalancing.newBuilder().setDisabled(true).build());
      assertThat(addons.getIstioConfig().getDisabled()).isFalse();
      assertThat(g.fake.cluster().istioAddonEnabled()).isTrue();
    }
  }

  @Test
  void unknownAndMalformedNames() throws Exception {
    try (GoogleClients g = GoogleClients.start()) {
      assertThatThrownBy(
              () ->
                  g.container.getCluster(
                      "projects/sandbox-project/locations/us-central1-c/clusters/other"))
          .isInstanceOf(NotFoundException.class)
          .hasMessageContaining("clusters/other");
      assertThatThrownBy(
              () ->
                  g.container.getCluster(
                      "projects/other-project/locations/us-central1-c/clusters/sandbox-cluster"))
          .isInstanceOf(NotFoundException.class);
      assertThatThrownBy(
              () ->
                  g.container.getCluster(
                      "projects/sandbox-project/locations/europe-west1-b/clusters/sandbox-cluster"))
          .isInstanceOf(NotFoundException.class);
      assertThatThrownBy(() -> g.container.getCluster("clusters/sandbox-cluster"))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(
              () ->
                  g.container.getOperation(
                      "projects/sandbox-project/locations/us-central1-c/operations/operation-1"))
          .isInstanceOf(NotFoundException.class);
      // the project number works wherever the project id does
      assertThat(
              g.container
                  .getCluster(
                      g.clusterName()
                          .replace("sandbox-project", Long.toString(g.fake.projectNumber())))
                  .getName())
          .isEqualTo("sandbox-cluster");
    }
  }
}
