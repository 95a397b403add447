package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.v1.CreateFeatureRequest;
import com.google.cloud.gkehub.v1.CreateMembershipRequest;
import com.google.cloud.gkehub.v1.DeleteFeatureRequest;
import com.google.cloud.gkehub.v1.DeleteMembershipRequest;
import com.google.cloud.gkehub.v1.Feature;
import com.google.cloud.gkehub.v1.GetFeatureRequest;
import com.google.cloud.gkehub.v1.GetMembershipRequest;
import com.google.cloud.gkehub.v1.GkeHubGrpc;
import com.google.cloud.gkehub.v1.ListFeaturesRequest;
import com.google.cloud.gkehub.v1.ListFeaturesResponse;
import com.google.cloud.gkehub.v1.ListMembershipsRequest;
import com.google.cloud.gkehub.v1.ListMembershipsResponse;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1.UpdateFeatureRequest;
import com.google.longrunning.Operation;
import io.grpc.stub.StreamObserver;

/**
 * {@code google.cloud.gkehub.v1.GkeHub}: memberships and features. Other methods answer
 * UNIMPLEMENTED.
 */
final class GkeHubV1Service extends GkeHubGrpc.GkeHubImplBase {
  private final Rpc rpc;
  private final Fleet fleet;

  GkeHubV1Service(Rpc rpc, Fleet fleet) {
    this.rpc = rpc;
    this.fleet = fleet;
  }

  @Override
  public void listMemberships(
      ListMembershipsRequest request, StreamObserver<ListMembershipsResponse> observer) {
    rpc.unary(
        GkeHubGrpc.getListMembershipsMethod().getFullMethodName(),
        "gkehub.memberships.list",
        request.getParent(),
        observer,
        () -> fleet.listMemberships(request));
  }

  @Override
  public void getMembership(GetMembershipRequest request, StreamObserver<Membership> observer) {
    rpc.unary(
        GkeHubGrpc.getGetMembershipMethod().getFullMethodName(),
        "gkehub.memberships.get",
        request.getName(),
        observer,
        () -> fleet.getMembership(request.getName()));
  }

  @Override
  public void createMembership(
      CreateMembershipRequest request, StreamObserver<Operation> observer) {
    rpc.unary(
        GkeHubGrpc.getCreateMembershipMethod().getFullMethodName(),
        "gkehub.memberships.create",
        request.getParent() + "/memberships/" + request.getMembershipId(),
        observer,
        () -> fleet.createMembership(request));
  }

  @Override
  public void deleteMembership(
      DeleteMembershipRequest request, StreamObserver<Operation> observer) {
    rpc.unary(
        GkeHubGrpc.getDeleteMembershipMethod().getFullMethodName(),
        "gkehub.memberships.delete",
        request.getName(),
        observer,
        () -> fleet.deleteMembership(request));
  }

  @Override
  public void listFeatures(
      ListFeaturesRequest request, StreamObserver<ListFeaturesResponse> observer) {
    rpc.unary(
        GkeHubGrpc.getListFeaturesMethod().getFullMethodName(),
        "gkehub.features.list",
        request.getParent(),
        observer,
        () -> {
          var page =
              fleet.listFeatures(
                  request.getParent(),
                  request.getPageSize(),
                  request.getPageToken(),
                  request.getFilter());
          var response = ListFeaturesResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (var feature : page.items()) {
            response.addResources(v1(feature));
          }
          return response.build();
        });
  }

  @Override
  public void getFeature(GetFeatureRequest request, StreamObserver<Feature> observer) {
    rpc.unary(
        GkeHubGrpc.getGetFeatureMethod().getFullMethodName(),
        "gkehub.features.get",
        request.getName(),
        observer,
        () -> v1(fleet.getFeature(request.getName())));
  }

  @Override
  public void createFeature(CreateFeatureRequest request, StreamObserver<Operation> observer) {
    rpc.unary(
        GkeHubGrpc.getCreateFeatureMethod().getFullMethodName(),
        "gkehub.features.create",
        request.getParent() + "/features/" + request.getFeatureId(),
        observer,
        () ->
            fleet.createFeature(
                request.getParent(),
                request.getFeatureId(),
                beta(request.getResource()),
                request.getRequestId(),
                HubApi.V1));
  }

  @Override
  public void updateFeature(UpdateFeatureRequest request, StreamObserver<Operation> observer) {
    rpc.unary(
        GkeHubGrpc.getUpdateFeatureMethod().getFullMethodName(),
        "gkehub.features.update",
        request.getName(),
        observer,
        () ->
            fleet.updateFeature(
                request.getName(),
                request.getUpdateMask(),
                beta(request.getResource()),
                request.getRequestId(),
                HubApi.V1));
  }

  @Override
  public void deleteFeature(DeleteFeatureRequest request, StreamObserver<Operation> observer) {
    rpc.unary(
        GkeHubGrpc.getDeleteFeatureMethod().getFullMethodName(),
        "gkehub.features.delete",
        request.getName(),
        observer,
        () -> fleet.deleteFeature(request.getName(), request.getRequestId(), HubApi.V1));
  }

  private static Feature v1(com.google.cloud.gkehub.v1beta.Feature feature) {
    return (Feature) HubApi.V1.feature(feature);
  }

  private static com.google.cloud.gkehub.v1beta.Feature beta(Feature feature) {
    return Rpc.convert(feature, com.google.cloud.gkehub.v1beta.Feature.parser());
  }
}
