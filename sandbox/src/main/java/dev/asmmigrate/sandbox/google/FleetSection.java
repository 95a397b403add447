package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1beta.Feature;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the sections of one fleet (one fleet project's GKE Hub) share: the clusters it may register,
 * the fake's clock and faults, its operations, the resources' names, the request ids seen, and the
 * memberships and features stored (deleting a membership drops its feature specs; a feature renders
 * a state per membership).
 */
abstract class FleetSection {
  /** The state of one fleet, made once and handed to each of its sections. */
  record State(
      GkeClusterRegistry clusters,
      Rpc rpc,
      HubOperations operations,
      FleetNames names,
      FleetRequestIds requestIds,
      Map<String, Membership> memberships,
      Map<String, Feature> features) {
    static State of(
        String project, GkeClusterRegistry clusters, Rpc rpc, HubOperations operations) {
      return new State(
          clusters,
          rpc,
          operations,
          new FleetNames(project, GkeClusterState.projectNumberOf(project)),
          new FleetRequestIds(operations),
          new TreeMap<>(),
          new TreeMap<>());
    }
  }

  final GkeClusterRegistry clusters;
  final Rpc rpc;
  final HubOperations operations;
  final FleetNames names;
  final FleetRequestIds requestIds;
  final Map<String, Membership> memberships;
  final Map<String, Feature> features;

  FleetSection(State state) {
    this.clusters = state.clusters();
    this.rpc = state.rpc();
    this.operations = state.operations();
    this.names = state.names();
    this.requestIds = state.requestIds();
    this.memberships = state.memberships();
    this.features = state.features();
  }
}
