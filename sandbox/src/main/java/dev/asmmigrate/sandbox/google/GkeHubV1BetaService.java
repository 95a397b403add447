package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.v1beta.CreateFeatureRequest;
import com.google.cloud.gkehub.v1beta.DeleteFeatureRequest;
import com.google.cloud.gkehub.v1beta.Feature;
import com.google.cloud.gkehub.v1beta.GetFeatureRequest;
import com.google.cloud.gkehub.v1beta.ListFeaturesRequest;
import com.google.cloud.gkehub.v1beta.ListFeaturesResponse;
import com.google.cloud.gkehub.v1beta.UpdateFeatureRequest;
import com.google.longrunning.Operation;
import io.grpc.ServerServiceDefinition;

/**
 * {@code google.cloud.gkehub.v1beta.GkeHub} (features, as that service has only them): the version
 * whose protos carry the servicemesh membership spec ({@code membershipSpecs[...].mesh.management})
 * and state.
 */
final class GkeHubV1BetaService {
  static final String SERVICE = "google.cloud.gkehub.v1beta.GkeHub";

  private GkeHubV1BetaService() {}

  static ServerServiceDefinition definition(Rpc rpc, Fleet fleet) {
    return new HandBuiltService(SERVICE, rpc)
        .unary(
            "ListFeatures",
            ListFeaturesRequest.getDefaultInstance(),
            ListFeaturesResponse.getDefaultInstance(),
            "gkehub.features.list",
            ListFeaturesRequest::getParent,
            request -> {
              var page =
                  fleet.listFeatures(
                      request.getParent(),
                      request.getPageSize(),
                      request.getPageToken(),
                      request.getFilter());
              return ListFeaturesResponse.newBuilder()
                  .addAllResources(page.items())
                  .setNextPageToken(page.nextPageToken())
                  .build();
            })
        .unary(
            "GetFeature",
            GetFeatureRequest.getDefaultInstance(),
            Feature.getDefaultInstance(),
            "gkehub.features.get",
            GetFeatureRequest::getName,
            request -> fleet.getFeature(request.getName()))
        .unary(
            "CreateFeature",
            CreateFeatureRequest.getDefaultInstance(),
            Operation.getDefaultInstance(),
            "gkehub.features.create",
            request -> request.getParent() + "/features/" + request.getFeatureId(),
            request -> fleet.createFeature(request, HubApi.V1BETA))
        .unary(
            "UpdateFeature",
            UpdateFeatureRequest.getDefaultInstance(),
            Operation.getDefaultInstance(),
            "gkehub.features.update",
            UpdateFeatureRequest::getName,
            request -> fleet.updateFeature(request, HubApi.V1BETA))
        .unary(
            "DeleteFeature",
            DeleteFeatureRequest.getDefaultInstance(),
            Operation.getDefaultInstance(),
            "gkehub.features.delete",
            DeleteFeatureRequest::getName,
            request ->
                fleet.deleteFeature(
                    request.getName(), request.getForce(), request.getRequestId(), HubApi.V1BETA))
        .build();
  }
}
