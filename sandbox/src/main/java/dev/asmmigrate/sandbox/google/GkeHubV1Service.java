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
import io.grpc.MethodDescriptor;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

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
    feature(
        GkeHubGrpc.getListFeaturesMethod(),
        "list",
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
    feature(
        GkeHubGrpc.getGetFeatureMethod(),
        "get",
        request.getName(),
        observer,
        () -> v1(fleet.getFeature(request.getName())));
  }

  @Override
  public void createFeature(CreateFeatureRequest request, StreamObserver<Operation> observer) {
    feature(
        GkeHubGrpc.getCreateFeatureMethod(),
        "create",
        request.getParent() + "/features/" + request.getFeatureId(),
        observer,
        () ->
            fleet.createFeature(
                Rpc.convert(request, com.google.cloud.gkehub.v1beta.CreateFeatureRequest.parser()),
                HubApi.V1));
  }

  @Override
  public void updateFeature(UpdateFeatureRequest request, StreamObserver<Operation> observer) {
    feature(
        GkeHubGrpc.getUpdateFeatureMethod(),
        "update",
        request.getName(),
        observer,
        () ->
            fleet.updateFeature(
                Rpc.convert(request, com.google.cloud.gkehub.v1beta.UpdateFeatureRequest.parser()),
                HubApi.V1));
  }

  @Override
  public void deleteFeature(DeleteFeatureRequest request, StreamObserver<Operation> observer) {
    feature(
        GkeHubGrpc.getDeleteFeatureMethod(),
        "delete",
        request.getName(),
        observer,
        () ->
            fleet.deleteFeature(
                request.getName(), request.getForce(), request.getRequestId(), HubApi.V1));
  }

  /** A feature RPC: the caller needs permission {@code gkehub.features.<verb>}. */
  private <T> void feature(
      MethodDescriptor<?, T> method,
      String verb,
      String resource,
      StreamObserver<T> observer,
      Supplier<T> body) {
    rpc.unary(method.getFullMethodName(), "gkehub.features." + verb, resource, observer, body);
  }

  private static Feature v1(com.google.cloud.gkehub.v1beta.Feature feature) {
    return (Feature) HubApi.V1.feature(feature);
  }
}
