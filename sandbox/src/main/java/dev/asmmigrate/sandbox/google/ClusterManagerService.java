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
import java.util.function.UnaryOperator;

/**
 * {@code google.container.v1.ClusterManager} and {@code google.container.v1beta1.ClusterManager}:
 * get/list clusters, add-on updates and their operations; other methods answer UNIMPLEMENTED.
 *
 * <p>Both versions are served from the v1beta1 messages: the two APIs share field numbers for these
 * methods, so a v1 client's request parses as its v1beta1 twin and a v1beta1 answer parses as v1.
 * Only v1beta1 has {@code addonsConfig.istioConfig}, where the Istio add-on is read and disabled
 * ({@code gcloud beta container clusters update --update-addons=Istio=DISABLED}): the v1 view
 * strips it (and Kalm) from the clusters it returns, and an add-on update sent through v1 cannot
 * carry it, so leaves it unchanged.
 */
@SuppressWarnings("deprecation") // project_id/zone/cluster_id: old clients still send them
final class ClusterManagerService {
  private ClusterManagerService() {}

  static ServerServiceDefinition v1(Rpc rpc, Clusters clusters) {
    return definition(
        "google.container.v1.ClusterManager",
        rpc,
        clusters,
        c ->
            c.toBuilder()
                .setAddonsConfig(
                    c.getAddonsConfig().toBuilder().clearIstioConfig().clearKalmConfig())
                .build());
  }

  static ServerServiceDefinition v1beta1(Rpc rpc, Clusters clusters) {
    return definition(
        "google.container.v1beta1.ClusterManager", rpc, clusters, UnaryOperator.identity());
  }

  private static ServerServiceDefinition definition(
      String service, Rpc rpc, Clusters clusters, UnaryOperator<Cluster> view) {
    return new HandBuiltService(service, rpc)
        .unary(
            "GetCluster",
            GetClusterRequest.getDefaultInstance(),
            Cluster.getDefaultInstance(),
            "container.clusters.get",
            r ->
                Clusters.describe(
                    r.getName(), r.getProjectId(), r.getZone(), r.getClusterId(), "clusters"),
            r ->
                view.apply(
                    clusters.getCluster(
                        r.getName(), r.getProjectId(), r.getZone(), r.getClusterId())))
        .unary(
            "ListClusters",
            ListClustersRequest.getDefaultInstance(),
            ListClustersResponse.getDefaultInstance(),
            "container.clusters.list",
            r ->
                r.getParent().isEmpty()
                    ? "projects/" + r.getProjectId() + "/locations/" + r.getZone()
                    : r.getParent(),
            r -> {
              ListClustersResponse all =
                  clusters.listClusters(r.getParent(), r.getProjectId(), r.getZone());
              ListClustersResponse.Builder viewed = all.toBuilder().clearClusters();
              all.getClustersList().forEach(c -> viewed.addClusters(view.apply(c)));
              return viewed.build();
            })
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
