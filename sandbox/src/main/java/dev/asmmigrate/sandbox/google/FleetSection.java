package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1beta.Feature;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the sections of the {@link Fleet} share: the cluster, the fake's clock and faults, its
 * operations, the resources' names, the request ids seen, and the memberships and features stored
 * (deleting a membership drops its feature specs; a feature renders a state per membership).
 */
abstract class FleetSection {
  /** The state of one fleet, made once and handed to each of its sections. */
  record State(
      GkeClusterState cluster,
      Rpc rpc,
      HubOperations operations,
      FleetNames names,
      FleetRequestIds requestIds,
      Map<String, Membership> memberships,
      Map<String, Feature> features) {
    static State of(GkeClusterState cluster, Rpc rpc, HubOperations operations) {
      return new State(
          cluster,
          rpc,
          operations,
          new FleetNames(cluster),
          new FleetRequestIds(operations),
          new TreeMap<>(),
          new TreeMap<>());
    }
  }

  final GkeClusterState cluster;
  final Rpc rpc;
  final HubOperations operations;
  final FleetNames names;
  final FleetRequestIds requestIds;
  final Map<String, Membership> memberships;
  final Map<String, Feature> features;

  FleetSection(State state) {
    this.cluster = state.cluster();
    this.rpc = state.rpc();
    this.operations = state.operations();
    this.names = state.names();
    this.requestIds = state.requestIds();
    this.memberships = state.memberships();
    this.features = state.features();
  }
}
