package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.v1.Authority;
import com.google.cloud.gkehub.v1.CreateMembershipRequest;
import com.google.cloud.gkehub.v1.DeleteMembershipRequest;
import com.google.cloud.gkehub.v1.GkeCluster;
import com.google.cloud.gkehub.v1.KubernetesMetadata;
import com.google.cloud.gkehub.v1.ListMembershipsRequest;
import com.google.cloud.gkehub.v1.ListMembershipsResponse;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1.MembershipEndpoint;
import com.google.cloud.gkehub.v1.MembershipState;
import com.google.longrunning.Operation;
import com.google.protobuf.Empty;
import io.grpc.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fleet's memberships: list, get, create (registering one of the sandbox's clusters) and
 * delete.
 */
final class FleetMemberships extends FleetSection {
  private static final Pattern MEMBERSHIP_ID =
      Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern RESOURCE_LINK =
      Pattern.compile(
          "//container\\.googleapis\\.com/projects/([^/]+)/(?:locations|zones)/([^/]+)/clusters/([^/]+)");

  FleetMemberships(State state) {
    super(state);
  }

  ListMembershipsResponse listMemberships(ListMembershipsRequest request) {
    names.parent(request.getParent(), true);
    List<Membership> matching = new ArrayList<>();
    if (!rpc.notFoundFault()) {
      List<String[]> filter = FleetLists.filter(request.getFilter());
      for (Membership m : memberships.values()) {
        if (FleetLists.matches(filter, path -> FleetLists.membershipField(m, path))) {
          matching.add(m);
        }
      }
    }
    Fleet.Page<Membership> page =
        FleetLists.page(matching, request.getPageSize(), request.getPageToken());
    return ListMembershipsResponse.newBuilder()
        .addAllResources(page.items())
        .setNextPageToken(page.nextPageToken())
        .build();
  }

  Membership getMembership(String name) {
    return existingMembership(names.membershipId(name), name);
  }

  Operation createMembership(CreateMembershipRequest request) {
    names.parent(request.getParent(), false);
    String id = request.getMembershipId();
    if (!MEMBERSHIP_ID.matcher(id).matches()) {
      throw Rpc.invalid(
          "membership_id '"
              + id
              + "' is not a valid RFC 1123 label: at most 63 lower case alphanumerics or '-',"
              + " starting and ending with an alphanumeric.");
    }
    Operation replay = requestIds.replay(request.getRequestId());
    if (replay != null) {
      return replay;
    }
    String name = names.membershipName(id);
    Membership resource = request.getResource();
    String link = resource.getEndpoint().getGkeCluster().getResourceLink();
    if (link.isEmpty()) {
      throw Rpc.invalid(
          "resource.endpoint.gke_cluster.resource_link is required (the sandbox registers its"
              + " GKE cluster only).");
    }
    Matcher lm = RESOURCE_LINK.matcher(link);
    if (!lm.matches()) {
      throw Rpc.invalid(
          "Invalid GKE cluster resource link '"
              + link
              + "': expected //container.googleapis.com/projects/<project>/locations/<location>"
              + "/clusters/<cluster>.");
    }
    GkeClusterState cluster = clusters.find(lm.group(1), lm.group(2), lm.group(3)).orElse(null);
    if (rpc.notFoundFault() || cluster == null) {
      throw Rpc.notFound("GKE cluster '" + link + "' was not found.");
    }
    if (memberships.containsKey(id)) {
      throw Rpc.alreadyExists("Membership '" + name + "' already exists.");
    }
    for (Membership other : memberships.values()) {
      if (other.getEndpoint().getGkeCluster().getResourceLink().equals(cluster.resourceLink())) {
        throw Rpc.alreadyExists(
            "GKE cluster '"
                + cluster.resourceLink()
                + "' is already registered with membership '"
                + other.getName()
                + "'.");
      }
    }
    String issuer = resource.getAuthority().getIssuer();
    if (!issuer.isEmpty() && !issuer.equals(cluster.issuer())) {
      throw Rpc.invalid(
          "authority.issuer '"
              + issuer
              + "' must be the cluster's issuer '"
              + cluster.issuer()
              + "'.");
    }
    Membership created = membership(name, cluster, resource);
    memberships.put(id, created);
    Operation op =
        operations.start(
            names.project(),
            name,
            "create",
            HubApi.V1,
            () -> {
              Membership current = memberships.get(id);
              if (current == null || !current.getUniqueId().equals(created.getUniqueId())) {
                throw Status.ABORTED
                    .withDescription("Membership '" + name + "' was deleted while being created.")
                    .asRuntimeException();
              }
              Membership ready =
                  current.toBuilder()
                      .setState(MembershipState.newBuilder().setCode(MembershipState.Code.READY))
                      .setUpdateTime(Rpc.timestamp(rpc.now()))
                      .build();
              memberships.put(id, ready);
              return ready;
            });
    requestIds.remember(request.getRequestId(), op);
    return op;
  }

  /**
   * A READY membership of a GKE cluster outside the sandbox, as another cluster of the fleet
   * registered by someone else (tests; the API registers only the sandbox's own cluster).
   */
  Membership addOther(String id, String resourceLink) {
    if (memberships.containsKey(id)) {
      throw Rpc.alreadyExists("Membership '" + names.membershipName(id) + "' already exists.");
    }
    Instant now = rpc.now();
    Membership other =
        Membership.newBuilder()
            .setName(names.membershipName(id))
            .setEndpoint(
                MembershipEndpoint.newBuilder()
                    .setGkeCluster(GkeCluster.newBuilder().setResourceLink(resourceLink)))
            .setState(MembershipState.newBuilder().setCode(MembershipState.Code.READY))
            .setCreateTime(Rpc.timestamp(now))
            .setUpdateTime(Rpc.timestamp(now))
            .setUniqueId(UUID.randomUUID().toString())
            .build();
    memberships.put(id, other);
    return other;
  }

  /**
   * Registers {@code cluster} at once, READY, as {@code gcloud container fleet memberships
   * register} did before the sandbox started (call under the fake's lock).
   */
  Membership register(String id, GkeClusterState cluster, java.util.Map<String, String> labels) {
    String name = names.membershipName(id);
    if (memberships.containsKey(id)) {
      throw new IllegalArgumentException("membership " + name + " is registered twice");
    }
    Membership ready =
        membership(name, cluster, Membership.newBuilder().putAllLabels(labels).build()).toBuilder()
            .setState(MembershipState.newBuilder().setCode(MembershipState.Code.READY))
            .build();
    memberships.put(id, ready);
    return ready;
  }

  /** A new membership of {@code cluster}, CREATING, with what the request's resource sets. */
  private Membership membership(String name, GkeClusterState cluster, Membership resource) {
    Instant now = rpc.now();
    return Membership.newBuilder()
        .setName(name)
        .putAllLabels(resource.getLabelsMap())
        .setEndpoint(
            MembershipEndpoint.newBuilder()
                .setGkeCluster(GkeCluster.newBuilder().setResourceLink(cluster.resourceLink()))
                .setKubernetesMetadata(
                    KubernetesMetadata.newBuilder()
                        .setKubernetesApiServerVersion("v" + cluster.masterVersion())
                        .setNodeProviderId("gce")
                        .setNodeCount(cluster.nodeCount())
                        .setUpdateTime(Rpc.timestamp(now))))
        .setState(MembershipState.newBuilder().setCode(MembershipState.Code.CREATING))
        .setCreateTime(Rpc.timestamp(now))
        .setUpdateTime(Rpc.timestamp(now))
        .setExternalId(resource.getExternalId())
        .setUniqueId(UUID.randomUUID().toString())
        .setAuthority(
            Authority.newBuilder()
                .setIssuer(cluster.issuer())
                .setWorkloadIdentityPool(cluster.workloadIdentityPool())
                .setIdentityProvider(cluster.issuer()))
        .build();
  }

  Operation deleteMembership(DeleteMembershipRequest request) {
    String id = names.membershipId(request.getName());
    Operation replay = requestIds.replay(request.getRequestId());
    if (replay != null) {
      return replay;
    }
    Membership current = existingMembership(id, request.getName());
    if (current.getState().getCode() == MembershipState.Code.DELETING) {
      throw Rpc.failedPrecondition("Membership '" + current.getName() + "' is being deleted.");
    }
    memberships.put(
        id,
        current.toBuilder()
            .setState(MembershipState.newBuilder().setCode(MembershipState.Code.DELETING))
            .setUpdateTime(Rpc.timestamp(rpc.now()))
            .build());
    String uniqueId = current.getUniqueId();
    Operation op =
        operations.start(
            names.project(),
            current.getName(),
            "delete",
            HubApi.V1,
            () -> {
              Membership now = memberships.get(id);
              if (now != null && now.getUniqueId().equals(uniqueId)) {
                memberships.remove(id);
                String key = names.membershipKey(id);
                features.replaceAll((fid, f) -> f.toBuilder().removeMembershipSpecs(key).build());
              }
              return Empty.getDefaultInstance();
            });
    requestIds.remember(request.getRequestId(), op);
    return op;
  }

  private Membership existingMembership(String id, String name) {
    Membership m = memberships.get(id);
    if (m == null || rpc.notFoundFault()) {
      throw Rpc.notFound("Resource '" + name + "' was not found.");
    }
    return m;
  }
}
