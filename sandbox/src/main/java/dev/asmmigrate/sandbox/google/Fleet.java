package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.v1.CreateMembershipRequest;
import com.google.cloud.gkehub.v1.DeleteMembershipRequest;
import com.google.cloud.gkehub.v1.ListMembershipsRequest;
import com.google.cloud.gkehub.v1.ListMembershipsResponse;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1beta.Feature;
import com.google.longrunning.Operation;
import com.google.protobuf.FieldMask;
import java.util.List;

/**
 * The fleet of the sandbox's project: GKE Hub memberships and features. Every method runs under the
 * fake's lock (see {@link Rpc#unary}) and throws {@link io.grpc.StatusRuntimeException}s with the
 * codes the real API answers with.
 *
 * <p>Features are kept in their v1beta form: the published v1 protos have no {@code mesh}
 * membership spec, v1beta has it, and both share field numbers, so a v1 client sees the mesh spec
 * as unknown fields of the same message.
 */
final class Fleet {
  static final String SERVICEMESH = "servicemesh";

  private final FleetMemberships fleetMemberships;
  private final FleetFeatures fleetFeatures;

  Fleet(GkeClusterState cluster, Rpc rpc, HubOperations operations) {
    FleetSection.State state = FleetSection.State.of(cluster, rpc, operations);
    this.fleetMemberships = new FleetMemberships(state);
    this.fleetFeatures = new FleetFeatures(state);
  }

  /** A page of a list answer. */
  record Page<T>(List<T> items, String nextPageToken) {}

  // ---- memberships ----

  ListMembershipsResponse listMemberships(ListMembershipsRequest request) {
    return fleetMemberships.listMemberships(request);
  }

  Membership getMembership(String name) {
    return fleetMemberships.getMembership(name);
  }

  Operation createMembership(CreateMembershipRequest request) {
    return fleetMemberships.createMembership(request);
  }

  Operation deleteMembership(DeleteMembershipRequest request) {
    return fleetMemberships.deleteMembership(request);
  }

  // ---- features ----

  Page<Feature> listFeatures(String parent, int pageSize, String pageToken, String filter) {
    return fleetFeatures.listFeatures(parent, pageSize, pageToken, filter);
  }

  Feature getFeature(String name) {
    return fleetFeatures.getFeature(name);
  }

  Operation createFeature(
      String parent, String featureId, Feature resource, String requestId, HubApi api) {
    return fleetFeatures.createFeature(parent, featureId, resource, requestId, api);
  }

  Operation updateFeature(
      String name, FieldMask mask, Feature resource, String requestId, HubApi api) {
    return fleetFeatures.updateFeature(name, mask, resource, requestId, api);
  }

  Operation deleteFeature(String name, String requestId, HubApi api) {
    return fleetFeatures.deleteFeature(name, requestId, api);
  }
}
