package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.servicemesh.v1beta.MembershipSpec;
import com.google.cloud.gkehub.servicemesh.v1beta.MembershipState.ControlPlaneManagement;
import com.google.cloud.gkehub.servicemesh.v1beta.MembershipState.DataPlaneManagement;
import com.google.cloud.gkehub.servicemesh.v1beta.MembershipState.LifecycleState;
import com.google.cloud.gkehub.servicemesh.v1beta.StatusDetails;
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
import com.google.cloud.gkehub.v1beta.CommonFeatureState;
import com.google.cloud.gkehub.v1beta.Feature;
import com.google.cloud.gkehub.v1beta.FeatureResourceState;
import com.google.cloud.gkehub.v1beta.FeatureState;
import com.google.cloud.gkehub.v1beta.MembershipFeatureSpec;
import com.google.cloud.gkehub.v1beta.MembershipFeatureState;
import com.google.longrunning.Operation;
import com.google.protobuf.Empty;
import com.google.protobuf.FieldMask;
import io.grpc.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

  private static final Pattern PARENT = Pattern.compile("projects/([^/]+)/locations/([^/]+)");
  private static final Pattern MEMBERSHIP =
      Pattern.compile("projects/([^/]+)/locations/([^/]+)/memberships/([^/]+)");
  private static final Pattern FEATURE =
      Pattern.compile("projects/([^/]+)/locations/([^/]+)/features/([^/]+)");
  private static final Pattern MEMBERSHIP_ID =
      Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern FEATURE_ID = Pattern.compile("[a-z][a-z0-9]{0,62}");
  private static final Pattern RESOURCE_LINK =
      Pattern.compile(
          "//container\\.googleapis\\.com/projects/([^/]+)/(?:locations|zones)/([^/]+)/clusters/([^/]+)");
  private static final Pattern REQUEST_ID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern FILTER_CLAUSE =
      Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_.\\-/]*)\\s*=\\s*(\"([^\"]*)\"|(\\S+))\\s*");

  private final GkeClusterState cluster;
  private final Rpc rpc;
  private final HubOperations operations;
  private final Map<String, Membership> memberships = new TreeMap<>();
  private final Map<String, Feature> features = new TreeMap<>();
  private final Map<String, String> requestIds =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > 10_000;
        }
      };

  Fleet(GkeClusterState cluster, Rpc rpc, HubOperations operations) {
    this.cluster = cluster;
    this.rpc = rpc;
    this.operations = operations;
  }

  /** A page of a list answer. */
  record Page<T>(List<T> items, String nextPageToken) {}

  // ---- memberships ----

  ListMembershipsResponse listMemberships(ListMembershipsRequest request) {
    parent(request.getParent(), true);
    List<Membership> matching = new ArrayList<>();
    if (!rpc.notFoundFault()) {
      List<String[]> filter = filter(request.getFilter());
      for (Membership m : memberships.values()) {
        if (matches(filter, path -> membershipField(m, path))) {
          matching.add(m);
        }
      }
    }
    Page<Membership> page = page(matching, request.getPageSize(), request.getPageToken());
    return ListMembershipsResponse.newBuilder()
        .addAllResources(page.items())
        .setNextPageToken(page.nextPageToken())
        .build();
  }

  Membership getMembership(String name) {
    return existingMembership(membershipId(name), name);
  }

  Operation createMembership(CreateMembershipRequest request) {
    parent(request.getParent(), false);
    String id = request.getMembershipId();
    if (!MEMBERSHIP_ID.matcher(id).matches()) {
      throw Rpc.invalid(
          "membership_id '"
              + id
              + "' is not a valid RFC 1123 label: at most 63 lower case alphanumerics or '-',"
              + " starting and ending with an alphanumeric.");
    }
    Operation replay = replay(request.getRequestId());
    if (replay != null) {
      return replay;
    }
    String name = membershipName(id);
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
    if (rpc.notFoundFault()
        || !isProject(lm.group(1))
        || !lm.group(2).equals(cluster.location())
        || !lm.group(3).equals(cluster.clusterName())) {
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
    Instant now = rpc.now();
    String uniqueId = UUID.randomUUID().toString();
    Membership created =
        Membership.newBuilder()
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
            .setUniqueId(uniqueId)
            .setAuthority(
                Authority.newBuilder()
                    .setIssuer(cluster.issuer())
                    .setWorkloadIdentityPool(cluster.workloadIdentityPool())
                    .setIdentityProvider(cluster.issuer()))
            .build();
    memberships.put(id, created);
    Operation op =
        operations.start(
            cluster.project(),
            name,
            "create",
            HubApi.V1,
            () -> {
              Membership current = memberships.get(id);
              if (current == null || !current.getUniqueId().equals(uniqueId)) {
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
    remember(request.getRequestId(), op);
    return op;
  }

  Operation deleteMembership(DeleteMembershipRequest request) {
    String id = membershipId(request.getName());
    Operation replay = replay(request.getRequestId());
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
            cluster.project(),
            current.getName(),
            "delete",
            HubApi.V1,
            () -> {
              Membership now = memberships.get(id);
              if (now != null && now.getUniqueId().equals(uniqueId)) {
                memberships.remove(id);
                String key = membershipKey(id);
                features.replaceAll((fid, f) -> f.toBuilder().removeMembershipSpecs(key).build());
              }
              return Empty.getDefaultInstance();
            });
    remember(request.getRequestId(), op);
    return op;
  }

  // ---- features ----

  Page<Feature> listFeatures(String parent, int pageSize, String pageToken, String filter) {
    parent(parent, true);
    List<String[]> clauses = filter(filter);
    List<Feature> matching = new ArrayList<>();
    for (Feature f : features.values()) {
      if (matches(clauses, path -> featureField(f, path))) {
        matching.add(render(f));
      }
    }
    return page(matching, pageSize, pageToken);
  }

  Feature getFeature(String name) {
    return render(existingFeature(featureId(name), name));
  }

  Operation createFeature(
      String parent, String featureId, Feature resource, String requestId, HubApi api) {
    parent(parent, false);
    if (!FEATURE_ID.matcher(featureId).matches()) {
      throw Rpc.invalid("feature_id '" + featureId + "' is not a valid feature name.");
    }
    Operation replay = replay(requestId);
    if (replay != null) {
      return replay;
    }
    String name = featureName(featureId);
    if (features.containsKey(featureId)) {
      throw Rpc.alreadyExists("Feature '" + name + "' already exists.");
    }
    Instant now = rpc.now();
    Feature.Builder created =
        Feature.newBuilder()
            .setName(name)
            .putAllLabels(resource.getLabelsMap())
            .putAllMembershipSpecs(
                mergeSpecs(featureId, Map.of(), resource.getMembershipSpecsMap(), true))
            .setResourceState(resourceState(FeatureResourceState.State.ENABLING))
            .setState(
                CommonFeatureState.newBuilder()
                    .setState(FeatureState.newBuilder().setCode(FeatureState.Code.OK)))
            .setCreateTime(Rpc.timestamp(now))
            .setUpdateTime(Rpc.timestamp(now));
    if (resource.hasSpec()) {
      created.setSpec(resource.getSpec());
    }
    features.put(featureId, created.build());
    Operation op = operations.start(cluster.project(), name, "create", api, settle(featureId, api));
    remember(requestId, op);
    return op;
  }

  Operation updateFeature(
      String name, FieldMask mask, Feature resource, String requestId, HubApi api) {
    String featureId = featureId(name);
    Operation replay = replay(requestId);
    if (replay != null) {
      return replay;
    }
    Feature current = existingFeature(featureId, name);
    if (mask.getPathsCount() == 0) {
      throw Rpc.invalid("update_mask is required: name the fields to update.");
    }
    Feature.Builder next = current.toBuilder();
    for (String path : mask.getPathsList()) {
      switch (path) {
        case "labels" -> {
          Map<String, String> labels =
              mergeMap(current.getLabelsMap(), resource.getLabelsMap(), (k, v) -> v.isEmpty());
          next.clearLabels().putAllLabels(labels);
        }
        case "spec" -> {
          if (resource.hasSpec()) {
            next.setSpec(resource.getSpec());
          } else {
            next.clearSpec();
          }
        }
        case "membership_specs", "membershipSpecs" ->
            next.clearMembershipSpecs()
                .putAllMembershipSpecs(
                    mergeSpecs(
                        featureId,
                        current.getMembershipSpecsMap(),
                        resource.getMembershipSpecsMap(),
                        false));
        case "*" -> {
          next.clearLabels().putAllLabels(resource.getLabelsMap());
          if (resource.hasSpec()) {
            next.setSpec(resource.getSpec());
          } else {
            next.clearSpec();
          }
          next.clearMembershipSpecs()
              .putAllMembershipSpecs(
                  mergeSpecs(featureId, Map.of(), resource.getMembershipSpecsMap(), true));
        }
        default ->
            throw Rpc.invalid(
                "update_mask path '"
                    + path
                    + "' is not supported by the sandbox's GKE Hub: use labels, spec,"
                    + " membership_specs or *.");
      }
    }
    next.setResourceState(resourceState(FeatureResourceState.State.UPDATING))
        .setUpdateTime(Rpc.timestamp(rpc.now()));
    features.put(featureId, next.build());
    Operation op = operations.start(cluster.project(), name, "update", api, settle(featureId, api));
    remember(requestId, op);
    return op;
  }

  Operation deleteFeature(String name, String requestId, HubApi api) {
    String featureId = featureId(name);
    Operation replay = replay(requestId);
    if (replay != null) {
      return replay;
    }
    Feature current = existingFeature(featureId, name);
    Feature disabling =
        current.toBuilder()
            .setResourceState(resourceState(FeatureResourceState.State.DISABLING))
            .setUpdateTime(Rpc.timestamp(rpc.now()))
            .build();
    features.put(featureId, disabling);
    Operation op =
        operations.start(
            cluster.project(),
            current.getName(),
            "delete",
            api,
            () -> {
              features.remove(featureId);
              return Empty.getDefaultInstance();
            });
    remember(requestId, op);
    return op;
  }

  // ---- rendering ----

  /**
   * The feature as the API returns it: for {@code servicemesh}, a membership state for every
   * registered membership, with the managed control plane ACTIVE where management is automatic
   * (PROVISIONING while the feature's update operation runs).
   */
  private Feature render(Feature stored) {
    if (!stored.getName().endsWith("/features/" + SERVICEMESH)) {
      return stored;
    }
    boolean settled = stored.getResourceState().getState() == FeatureResourceState.State.ACTIVE;
    Feature.Builder out = stored.toBuilder().clearMembershipStates();
    for (Membership m : memberships.values()) {
      if (m.getState().getCode() != MembershipState.Code.READY) {
        continue;
      }
      String key = membershipKey(idOf(m));
      MembershipFeatureSpec spec = stored.getMembershipSpecsMap().get(key);
      boolean automatic =
          spec != null
              && spec.getMesh().getManagement() == MembershipSpec.Management.MANAGEMENT_AUTOMATIC;
      var mesh = com.google.cloud.gkehub.servicemesh.v1beta.MembershipState.newBuilder();
      String description;
      if (automatic) {
        LifecycleState lifecycle = settled ? LifecycleState.ACTIVE : LifecycleState.PROVISIONING;
        mesh.setControlPlaneManagement(
                ControlPlaneManagement.newBuilder()
                    .setState(lifecycle)
                    .setImplementation(ControlPlaneManagement.Implementation.ISTIOD)
                    .addDetails(
                        StatusDetails.newBuilder()
                            .setCode(settled ? "REVISION_READY" : "PROVISIONING")
                            .setDetails(
                                settled ? "Ready: asm-managed" : "Provisioning: asm-managed")))
            .setDataPlaneManagement(DataPlaneManagement.newBuilder().setState(lifecycle));
        description =
            settled ? "Revision ready for use: asm-managed." : "Provisioning asm-managed.";
      } else {
        mesh.setControlPlaneManagement(
                ControlPlaneManagement.newBuilder().setState(LifecycleState.DISABLED))
            .setDataPlaneManagement(
                DataPlaneManagement.newBuilder().setState(LifecycleState.DISABLED));
        description =
            "Please see https://cloud.google.com/service-mesh/docs/install for instructions to"
                + " onboard to Anthos Service Mesh.";
      }
      out.putMembershipStates(
          key,
          MembershipFeatureState.newBuilder()
              .setServicemesh(mesh)
              .setState(
                  FeatureState.newBuilder()
                      .setCode(FeatureState.Code.OK)
                      .setDescription(description)
                      .setUpdateTime(stored.getUpdateTime()))
              .build());
    }
    return out.build();
  }

  private java.util.function.Supplier<com.google.protobuf.Message> settle(
      String featureId, HubApi api) {
    return () -> {
      Feature current = features.get(featureId);
      if (current == null) {
        throw Status.ABORTED
            .withDescription("Feature '" + featureName(featureId) + "' was deleted meanwhile.")
            .asRuntimeException();
      }
      Feature active =
          current.toBuilder()
              .setResourceState(resourceState(FeatureResourceState.State.ACTIVE))
              .build();
      features.put(featureId, active);
      return api.feature(render(active));
    };
  }

  // ---- membership specs ----

  /**
   * Applies membership specs as GKE Hub does: keys in either project form, stored (and returned)
   * with the project number; an entry whose value is empty removes the key; with {@code replace}
   * the result holds only {@code update}'s entries.
   */
  private Map<String, MembershipFeatureSpec> mergeSpecs(
      String featureId,
      Map<String, MembershipFeatureSpec> current,
      Map<String, MembershipFeatureSpec> update,
      boolean replace) {
    Map<String, MembershipFeatureSpec> out = new TreeMap<>(replace ? Map.of() : current);
    if (!replace && update.isEmpty()) {
      return new TreeMap<>();
    }
    for (Map.Entry<String, MembershipFeatureSpec> e : update.entrySet()) {
      MembershipFeatureSpec spec = e.getValue();
      boolean delete = spec.equals(MembershipFeatureSpec.getDefaultInstance());
      String key = canonicalMembershipKey(e.getKey(), !delete);
      if (delete) {
        out.remove(key);
        continue;
      }
      if (SERVICEMESH.equals(featureId)
          && spec.getFeatureSpecCase() != MembershipFeatureSpec.FeatureSpecCase.MESH) {
        throw Rpc.invalid(
            "The servicemesh feature accepts only mesh membership specs, not "
                + spec.getFeatureSpecCase()
                + " (key '"
                + e.getKey()
                + "').");
      }
      out.put(key, spec);
    }
    return out;
  }

  private String canonicalMembershipKey(String key, boolean mustExist) {
    Matcher m = MEMBERSHIP.matcher(key);
    if (!m.matches()) {
      throw Rpc.invalid(
          "Invalid membership key '"
              + key
              + "': expected projects/{project}/locations/{location}/memberships/{membership}.");
    }
    if (!isProject(m.group(1))) {
      throw Rpc.invalid(
          "Membership key '"
              + key
              + "' names another project than the Feature's, "
              + cluster.project()
              + ".");
    }
    if (!"global".equals(m.group(2))) {
      throw Rpc.notFound("Membership '" + key + "' was not found.");
    }
    String id = m.group(3);
    if (mustExist && (rpc.notFoundFault() || !memberships.containsKey(id))) {
      throw Rpc.notFound("Membership '" + key + "' was not found.");
    }
    return membershipKey(id);
  }

  // ---- names ----

  private void parent(String parent, boolean allowWildcard) {
    Matcher m = PARENT.matcher(parent);
    if (!m.matches()) {
      throw Rpc.invalid(
          "Invalid parent '" + parent + "': expected projects/{project}/locations/{location}.");
    }
    checkProjectAndLocation(m.group(1), m.group(2), allowWildcard, parent);
  }

  private String membershipId(String name) {
    Matcher m = MEMBERSHIP.matcher(name);
    if (!m.matches()) {
      throw Rpc.invalid(
          "Invalid membership name '"
              + name
              + "': expected projects/{project}/locations/{location}/memberships/{membership}.");
    }
    checkProjectAndLocation(m.group(1), m.group(2), false, name);
    return m.group(3);
  }

  private String featureId(String name) {
    Matcher m = FEATURE.matcher(name);
    if (!m.matches()) {
      throw Rpc.invalid(
          "Invalid feature name '"
              + name
              + "': expected projects/{project}/locations/{location}/features/{feature}.");
    }
    checkProjectAndLocation(m.group(1), m.group(2), false, name);
    return m.group(3);
  }

  private void checkProjectAndLocation(
      String project, String location, boolean allowWildcard, String resource) {
    if (!isProject(project)) {
      throw Rpc.notFound("Project '" + project + "' was not found (resource '" + resource + "').");
    }
    if (!"global".equals(location) && !(allowWildcard && "-".equals(location))) {
      throw Rpc.notFound(
          "Location '"
              + location
              + "' was not found: the sandbox's fleet lives in 'global' (resource '"
              + resource
              + "').");
    }
  }

  private boolean isProject(String project) {
    return project.equals(cluster.project())
        || project.equals(Long.toString(cluster.projectNumber()));
  }

  private Membership existingMembership(String id, String name) {
    Membership m = memberships.get(id);
    if (m == null || rpc.notFoundFault()) {
      throw Rpc.notFound("Resource '" + name + "' was not found.");
    }
    return m;
  }

  private Feature existingFeature(String id, String name) {
    Feature f = features.get(id);
    if (f == null) {
      throw Rpc.notFound("Resource '" + name + "' was not found.");
    }
    return f;
  }

  private String membershipName(String id) {
    return "projects/" + cluster.project() + "/locations/global/memberships/" + id;
  }

  private String featureName(String id) {
    return "projects/" + cluster.project() + "/locations/global/features/" + id;
  }

  /** A membership as a key of a feature's maps: with the project number, as GKE Hub returns it. */
  private String membershipKey(String id) {
    return "projects/" + cluster.projectNumber() + "/locations/global/memberships/" + id;
  }

  private static String idOf(Membership m) {
    return m.getName().substring(m.getName().lastIndexOf('/') + 1);
  }

  private static FeatureResourceState resourceState(FeatureResourceState.State state) {
    return FeatureResourceState.newBuilder().setState(state).build();
  }

  // ---- request ids (retries with the same id get the first operation back) ----

  private Operation replay(String requestId) {
    if (requestId.isEmpty()) {
      return null;
    }
    if (!REQUEST_ID.matcher(requestId).matches()
        || requestId.equals("00000000-0000-0000-0000-000000000000")) {
      throw Rpc.invalid("request_id '" + requestId + "' must be a non-zero UUID.");
    }
    String op = requestIds.get(requestId);
    return op == null ? null : operations.find(op);
  }

  private void remember(String requestId, Operation op) {
    if (!requestId.isEmpty()) {
      requestIds.put(requestId, op.getName());
    }
  }

  // ---- lists: paging and a small filter language ----

  private static <T> Page<T> page(List<T> all, int pageSize, String pageToken) {
    int from = 0;
    if (!pageToken.isEmpty()) {
      try {
        from = Integer.parseInt(pageToken);
      } catch (NumberFormatException e) {
        from = -1;
      }
      if (from < 0 || from > all.size()) {
        throw Rpc.invalid("Invalid page_token '" + pageToken + "'.");
      }
    }
    if (pageSize < 0) {
      throw Rpc.invalid("page_size must not be negative.");
    }
    int to = pageSize == 0 ? all.size() : Math.min(all.size(), from + pageSize);
    String next = to < all.size() ? Integer.toString(to) : "";
    return new Page<>(List.copyOf(all.subList(from, to)), next);
  }

  /** Parses {@code path = "value" [AND path = "value" ...]}; anything else is refused. */
  private static List<String[]> filter(String filter) {
    List<String[]> clauses = new ArrayList<>();
    if (filter.isBlank()) {
      return clauses;
    }
    for (String clause : filter.split("\\s+AND\\s+")) {
      Matcher m = FILTER_CLAUSE.matcher(clause);
      if (!m.matches()) {
        throw Rpc.invalid(
            "Filter '"
                + filter
                + "' is not supported by the sandbox: use field = \"value\" clauses joined by AND.");
      }
      clauses.add(new String[] {m.group(1), m.group(3) != null ? m.group(3) : m.group(4)});
    }
    return clauses;
  }

  private static boolean matches(
      List<String[]> clauses, java.util.function.Function<String, String> field) {
    for (String[] clause : clauses) {
      if (!clause[1].equals(field.apply(clause[0]))) {
        return false;
      }
    }
    return true;
  }

  private static String membershipField(Membership m, String path) {
    if (path.startsWith("labels.")) {
      return m.getLabelsMap().get(path.substring("labels.".length()));
    }
    return switch (path) {
      case "name" -> m.getName();
      case "state.code" -> m.getState().getCode().name();
      case "endpoint.gkeCluster.resourceLink", "endpoint.gke_cluster.resource_link" ->
          m.getEndpoint().getGkeCluster().getResourceLink();
      case "externalId", "external_id" -> m.getExternalId();
      case "uniqueId", "unique_id" -> m.getUniqueId();
      default ->
          throw Rpc.invalid(
              "Filtering memberships on '" + path + "' is not supported by the sandbox.");
    };
  }

  private static String featureField(Feature f, String path) {
    if (path.startsWith("labels.")) {
      return f.getLabelsMap().get(path.substring("labels.".length()));
    }
    if ("name".equals(path)) {
      return f.getName();
    }
    throw Rpc.invalid("Filtering features on '" + path + "' is not supported by the sandbox.");
  }

  /**
   * A map update as GKE Hub applies it: an empty update clears the map, otherwise keys are upserted
   * and keys whose value counts as empty are removed.
   */
  private static <V> Map<String, V> mergeMap(
      Map<String, V> current, Map<String, V> update, BiFunction<String, V, Boolean> isEmpty) {
    if (update.isEmpty()) {
      return new HashMap<>();
    }
    Map<String, V> out = new HashMap<>(current);
    for (Map.Entry<String, V> e : update.entrySet()) {
      if (isEmpty.apply(e.getKey(), e.getValue())) {
        out.remove(e.getKey());
      } else {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }
}
