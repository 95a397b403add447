package dev.asmmigrate.sandbox.google;

import com.google.container.v1.Cluster;
import com.google.container.v1.ClusterManagerGrpc;
import com.google.container.v1.GetClusterRequest;
import com.google.container.v1.GetOperationRequest;
import com.google.container.v1.ListClustersRequest;
import com.google.container.v1.ListClustersResponse;
import com.google.container.v1.Operation;
import com.google.container.v1.SetAddonsConfigRequest;
import com.google.container.v1.UpdateClusterRequest;
import io.grpc.stub.StreamObserver;

/**
 * {@code google.container.v1.ClusterManager}: get/list clusters, add-on updates and their
 * operations. The v1 API has no Istio add-on field: GetCluster omits it and add-on updates leave it
 * unchanged; {@link ClusterManagerV1Beta1Service} reports and changes it. Other methods answer
 * UNIMPLEMENTED.
 */
@SuppressWarnings("deprecation") // project_id/zone/cluster_id: old clients still send them
final class ClusterManagerV1Service extends ClusterManagerGrpc.ClusterManagerImplBase {
  private final Rpc rpc;
  private final Clusters clusters;

  ClusterManagerV1Service(Rpc rpc, Clusters clusters) {
    this.rpc = rpc;
    this.clusters = clusters;
  }

  @Override
  public void getCluster(GetClusterRequest request, StreamObserver<Cluster> observer) {
    rpc.unary(
        ClusterManagerGrpc.getGetClusterMethod().getFullMethodName(),
        "container.clusters.get",
        Clusters.describe(
            request.getName(),
            request.getProjectId(),
            request.getZone(),
            request.getClusterId(),
            "clusters"),
        observer,
        () ->
            v1(
                clusters.getCluster(
                    request.getName(),
                    request.getProjectId(),
                    request.getZone(),
                    request.getClusterId())));
  }

  @Override
  public void listClusters(
      ListClustersRequest request, StreamObserver<ListClustersResponse> observer) {
    rpc.unary(
        ClusterManagerGrpc.getListClustersMethod().getFullMethodName(),
        "container.clusters.list",
        request.getParent().isEmpty()
            ? "projects/" + request.getProjectId() + "/locations/" + request.getZone()
            : request.getParent(),
        observer,
        () -> {
          var beta =
              clusters.listClusters(request.getParent(), request.getProjectId(), request.getZone());
          ListClustersResponse.Builder response = ListClustersResponse.newBuilder();
          beta.getClustersList().forEach(c -> response.addClusters(v1(c)));
          return response.build();
        });
  }

  @Override
  public void setAddonsConfig(SetAddonsConfigRequest request, StreamObserver<Operation> observer) {
    rpc.unary(
        ClusterManagerGrpc.getSetAddonsConfigMethod().getFullMethodName(),
        "container.clusters.update",
        Clusters.describe(
            request.getName(),
            request.getProjectId(),
            request.getZone(),
            request.getClusterId(),
            "clusters"),
        observer,
        () ->
            v1(
                clusters.setAddons(
                    request.getName(),
                    request.getProjectId(),
                    request.getZone(),
                    request.getClusterId(),
                    Rpc.convert(
                        request.getAddonsConfig(),
                        com.google.container.v1beta1.AddonsConfig.parser()))));
  }

  @Override
  public void updateCluster(UpdateClusterRequest request, StreamObserver<Operation> observer) {
    rpc.unary(
        ClusterManagerGrpc.getUpdateClusterMethod().getFullMethodName(),
        "container.clusters.update",
        Clusters.describe(
            request.getName(),
            request.getProjectId(),
            request.getZone(),
            request.getClusterId(),
            "clusters"),
        observer,
        () ->
            v1(
                clusters.update(
                    request.getName(),
                    request.getProjectId(),
                    request.getZone(),
                    request.getClusterId(),
                    Rpc.convert(
                        request.getUpdate(),
                        com.google.container.v1beta1.ClusterUpdate.parser()))));
  }

  @Override
  public void getOperation(GetOperationRequest request, StreamObserver<Operation> observer) {
    rpc.unary(
        ClusterManagerGrpc.getGetOperationMethod().getFullMethodName(),
        "container.operations.get",
        Clusters.describe(
            request.getName(),
            request.getProjectId(),
            request.getZone(),
            request.getOperationId(),
            "operations"),
        observer,
        () ->
            v1(
                clusters.getOperation(
                    request.getName(),
                    request.getProjectId(),
                    request.getZone(),
                    request.getOperationId())));
  }

  /** The v1 view: the v1 API has no Istio (nor Kalm) add-on, so they are not sent. */
  private static Cluster v1(com.google.container.v1beta1.Cluster beta) {
    com.google.container.v1beta1.Cluster stripped =
        beta.toBuilder()
            .setAddonsConfig(
                beta.getAddonsConfig().toBuilder().clearIstioConfig().clearKalmConfig())
            .build();
    return Rpc.convert(stripped, Cluster.parser());
  }

  private static Operation v1(com.google.container.v1beta1.Operation beta) {
    return Rpc.convert(beta, Operation.parser());
  }
}
