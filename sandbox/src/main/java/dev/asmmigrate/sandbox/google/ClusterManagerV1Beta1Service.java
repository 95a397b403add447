package dev.asmmigrate.sandbox.google;

import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.GetClusterRequest;
import com.google.container.v1beta1.GetOperationRequest;
import com.google.container.v1beta1.ListClustersRequest;
import com.google.container.v1beta1.ListClustersResponse;
import com.google.container.v1beta1.Operation;
import com.google.container.v1beta1.SetAddonsConfigRequest;
import com.google.container.v1beta1.UpdateClusterRequest;
import io.grpc.ServerServiceDefinition;

/**
 * {@code google.container.v1beta1.ClusterManager}: the version with {@code
 * addonsConfig.istioConfig}, where the Istio add-on is read and disabled ({@code gcloud beta
 * container clusters update --update-addons=Istio=DISABLED}).
 */
@SuppressWarnings("deprecation") // project_id/zone/cluster_id: old clients still send them
final class ClusterManagerV1Beta1Service {
  static final String SERVICE = "google.container.v1beta1.ClusterManager";

  private ClusterManagerV1Beta1Service() {}

  static ServerServiceDefinition definition(Rpc rpc, Clusters clusters) {
    return new HandBuiltService(SERVICE, rpc)
        .unary(
            "GetCluster",
            GetClusterRequest.getDefaultInstance(),
            Cluster.getDefaultInstance(),
            "container.clusters.get",
            r ->
                Clusters.describe(
                    r.getName(), r.getProjectId(), r.getZone(), r.getClusterId(), "clusters"),
            r -> clusters.getCluster(r.getName(), r.getProjectId(), r.getZone(), r.getClusterId()))
        .unary(
            "ListClusters",
            ListClustersRequest.getDefaultInstance(),
            ListClustersResponse.getDefaultInstance(),
            "container.clusters.list",
            r ->
                r.getParent().isEmpty()
                    ? "projects/" + r.getProjectId() + "/locations/" + r.getZone()
                    : r.getParent(),
            r -> clusters.listClusters(r.getParent(), r.getProjectId(), r.getZone()))
        .unary(
            "SetAddonsConfig",
            SetAddonsConfigRequest.getDefaultInstance(),
            Operation.getDefaultInstance(),
            "container.clusters.update",
            r ->
                Clusters.describe(
                    r.getName(), r.getProjectId(), r.getZone(), r.getClusterId(), "clusters"),
            r ->
                clusters.setAddons(
                    r.getName(),
                    r.getProjectId(),
                    r.getZone(),
                    r.getClusterId(),
                    r.getAddonsConfig()))
        .unary(
            "UpdateCluster",
            UpdateClusterRequest.getDefaultInstance(),
            Operation.getDefaultInstance(),
            "container.clusters.update",
            r ->
                Clusters.describe(
                    r.getName(), r.getProjectId(), r.getZone(), r.getClusterId(), "clusters"),
            r ->
                clusters.update(
                    r.getName(), r.getProjectId(), r.getZone(), r.getClusterId(), r.getUpdate()))
        .unary(
            "GetOperation",
            GetOperationRequest.getDefaultInstance(),
            Operation.getDefaultInstance(),
            "container.operations.get",
            r ->
                Clusters.describe(
                    r.getName(), r.getProjectId(), r.getZone(), r.getOperationId(), "operations"),
            r ->
                clusters.getOperation(
                    r.getName(), r.getProjectId(), r.getZone(), r.getOperationId()))
        .build();
  }
}
