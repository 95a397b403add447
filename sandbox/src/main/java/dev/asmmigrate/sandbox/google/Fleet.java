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
 * The fleets of the sandbox's projects: GKE Hub memberships and features, one set per fleet (host)
 * project. A project has a fleet once one of the sandbox's clusters lives in it or it was named a
 * fleet project ({@link #addFleetProject}); a request is answered by the fleet of the project it
 * names, or, naming an unknown project, by the first cluster's fleet, which refuses it as GKE Hub
 * does. Every method runs under the fake's lock (see {@link Rpc#unary}) and throws {@link
 * io.grpc.StatusRuntimeException}s with the codes the real API answers with.
 *
 * <p>Features are kept in their v1beta form: the published v1 protos have no {@code mesh}
 * membership spec, v1beta has it, and both share field numbers, so a v1 client sees the mesh spec
 * as unknown fields of the same message.
 */
final class Fleet {
  static final String SERVICEMESH = "servicemesh";
  private static final java.util.regex.Pattern PROJECT =
      java.util.regex.Pattern.compile("projects/([^/]+)/.*");

  private final GkeClusterRegistry clusters;
  private final Rpc rpc;
  private final HubOperations operations;
  private final java.util.Map<String, Sections> fleets = new java.util.LinkedHashMap<>();

  /** One fleet project's memberships and features. */
  private record Sections(FleetMemberships memberships, FleetFeatures features) {}

  Fleet(GkeClusterRegistry clusters, Rpc rpc, HubOperations operations) {
    this.clusters = clusters;
    this.rpc = rpc;
    this.operations = operations;
  }

  /** Gives {@code project} a fleet even if none of the sandbox's clusters lives there. */
  void addFleetProject(String project) {
    sections(project);
  }

  /** Registers {@code cluster} in {@code project}'s fleet at once, READY (under the lock). */
  Membership register(
      String project, String id, GkeClusterState cluster, java.util.Map<String, String> labels) {
    return sections(project).memberships().register(id, cluster, labels);
  }

  private Sections sections(String project) {
    return fleets.computeIfAbsent(
        project,
        p -> {
          FleetSection.State state = FleetSection.State.of(p, clusters, rpc, operations);
          return new Sections(new FleetMemberships(state), new FleetFeatures(state));
        });
  }

  /** The fleet of the project {@code resource} names (by id or number), or the default one. */
  private Sections fleetOf(String resource) {
    java.util.regex.Matcher m = PROJECT.matcher(resource);
    if (m.matches()) {
      String project = m.group(1);
      for (var e : fleets.entrySet()) {
        if (project.equals(e.getKey())
            || project.equals(Long.toString(GkeClusterState.projectNumberOf(e.getKey())))) {
          return e.getValue();
        }
      }
      var id = clusters.projectId(project);
      if (id.isPresent()) {
        return sections(id.get());
      }
    }
    return sections(clusters.first().map(GkeClusterState::project).orElse(""));
  }

  /** A page of a list answer. */
  record Page<T>(List<T> items, String nextPageToken) {}

  // ---- memberships ----

  ListMembershipsResponse listMemberships(ListMembershipsRequest request) {
    return fleetOf(request.getParent()).memberships().listMemberships(request);
  }

  Membership getMembership(String name) {
    return fleetOf(name).memberships().getMembership(name);
  }

  Operation createMembership(CreateMembershipRequest request) {
    return fleetOf(request.getParent()).memberships().createMembership(request);
  }

  Operation deleteMembership(DeleteMembershipRequest request) {
    return fleetOf(request.getName()).memberships().deleteMembership(request);
  }

  // ---- features ----

  Page<Feature> listFeatures(String parent, int pageSize, String pageToken, String filter) {
    return fleetOf(parent).features().listFeatures(parent, pageSize, pageToken, filter);
  }

  Feature getFeature(String name) {
    return fleetOf(name).features().getFeature(name);
  }

  /** Creates a feature; a v1 request comes converted to v1beta, whose fields are a superset. */
  Operation createFeature(CreateFeatureRequest request, HubApi api) {
    return fleetOf(request.getParent())
        .features()
        .createFeature(
            request.getParent(),
            request.getFeatureId(),
            request.getResource(),
            request.getRequestId(),
            api);
  }

  /** Updates a feature; a v1 request comes converted to v1beta, whose fields are a superset. */
  Operation updateFeature(UpdateFeatureRequest request, HubApi api) {
    return fleetOf(request.getName())
        .features()
        .updateFeature(
            request.getName(),
            request.getUpdateMask(),
            request.getResource(),
            request.getRequestId(),
            api);
  }

  Operation deleteFeature(String name, boolean force, String requestId, HubApi api) {
    return fleetOf(name).features().deleteFeature(name, force, requestId, api);
  }

  /**
   * Registers a READY membership of a GKE cluster outside the sandbox in {@code project}'s fleet
   * (tests: a fleet's other cluster).
   */
  Membership addOtherMembership(String project, String id, String resourceLink) {
    return sections(project).memberships().addOther(id, resourceLink);
  }
}
