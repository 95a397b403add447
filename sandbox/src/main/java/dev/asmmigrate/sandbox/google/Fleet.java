package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.v1.CreateMembershipRequest;
import com.google.cloud.gkehub.v1.DeleteMembershipRequest;
import com.google.cloud.gkehub.v1.ListMembershipsRequest;
import com.google.cloud.gkehub.v1.ListMembershipsResponse;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1beta.CreateFeatureRequest;
import com.google.cloud.gkehub.v1beta.Feature;
import com.google.cloud.gkehub.v1beta.UpdateFeatureRequest;
import com.google.longrunning.Operation;
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

  /** Creates a feature; a v1 request comes converted to v1beta, whose fields are a superset. */
  Operation createFeature(CreateFeatureRequest request, HubApi api) {
    return fleetFeatures.createFeature(
        request.getParent(),
        request.getFeatureId(),
        request.getResource(),
        request.getRequestId(),
        api);
  }

  /** Updates a feature; a v1 request comes converted to v1beta, whose fields are a superset. */
  Operation updateFeature(UpdateFeatureRequest request, HubApi api) {
    return fleetFeatures.updateFeature(
        request.getName(),
        request.getUpdateMask(),
        request.getResource(),
        request.getRequestId(),
        api);
  }

  Operation deleteFeature(String name, boolean force, String requestId, HubApi api) {
    return fleetFeatures.deleteFeature(name, force, requestId, api);
  }

  /** Registers a READY membership of a GKE cluster outside the sandbox (tests: a fleet's other). */
  Membership addOtherMembership(String id, String resourceLink) {
    return fleetMemberships.addOther(id, resourceLink);
  }
}
