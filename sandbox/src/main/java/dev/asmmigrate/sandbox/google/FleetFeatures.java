package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.servicemesh.v1beta.MembershipSpec;
import com.google.cloud.gkehub.servicemesh.v1beta.MembershipState.ControlPlaneManagement;
import com.google.cloud.gkehub.servicemesh.v1beta.MembershipState.DataPlaneManagement;
import com.google.cloud.gkehub.servicemesh.v1beta.MembershipState.LifecycleState;
import com.google.cloud.gkehub.servicemesh.v1beta.StatusDetails;
import com.google.cloud.gkehub.v1.Membership;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fleet's features: list, get, create, update and delete, and how the API renders them. Kept in
 * their v1beta form (see {@link Fleet}).
 */
final class FleetFeatures extends FleetSection {
  private static final Pattern FEATURE_ID = Pattern.compile("[a-z][a-z0-9]{0,62}");

  FleetFeatures(State state) {
    super(state);
  }

  Fleet.Page<Feature> listFeatures(String parent, int pageSize, String pageToken, String filter) {
    names.parent(parent, true);
    List<String[]> clauses = FleetLists.filter(filter);
    List<Feature> matching = new ArrayList<>();
    for (Feature f : features.values()) {
      if (FleetLists.matches(clauses, path -> FleetLists.featureField(f, path))) {
        matching.add(render(f));
      }
    }
    return FleetLists.page(matching, pageSize, pageToken);
  }

  Feature getFeature(String name) {
    return render(existingFeature(names.featureId(name), name));
  }

  Operation createFeature(
      String parent, String featureId, Feature resource, String requestId, HubApi api) {
    names.parent(parent, false);
    if (!FEATURE_ID.matcher(featureId).matches()) {
      throw Rpc.invalid("feature_id '" + featureId + "' is not a valid feature name.");
    }
    Operation replay = requestIds.replay(requestId);
    if (replay != null) {
      return replay;
    }
    String name = names.featureName(featureId);
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
    Operation op = operations.start(names.project(), name, "create", api, settle(featureId, api));
    requestIds.remember(requestId, op);
    return op;
  }

  Operation updateFeature(
      String name, FieldMask mask, Feature resource, String requestId, HubApi api) {
    String featureId = names.featureId(name);
    Operation replay = requestIds.replay(requestId);
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
    Operation op = operations.start(names.project(), name, "update", api, settle(featureId, api));
    requestIds.remember(requestId, op);
    return op;
  }

  /**
   * Disables a feature as GKE Hub does: without {@code force}, a feature in use ({@code
   * FeatureState.has_resources}; for {@code servicemesh}, a membership with a spec) is refused with
   * FAILED_PRECONDITION, as {@code gcloud container fleet mesh disable} is without {@code --force}.
   */
  Operation deleteFeature(String name, boolean force, String requestId, HubApi api) {
    String featureId = names.featureId(name);
    Operation replay = requestIds.replay(requestId);
    if (replay != null) {
      return replay;
    }
    Feature current = existingFeature(featureId, name);
    if (!force && !current.getMembershipSpecsMap().isEmpty()) {
      throw Status.FAILED_PRECONDITION
          .withDescription(
              "Feature '"
                  + current.getName()
                  + "' is in use by memberships "
                  + current.getMembershipSpecsMap().keySet()
                  + ": remove their specs first, or delete with force=true to ignore them.")
          .asRuntimeException();
    }
    Feature disabling =
        current.toBuilder()
            .setResourceState(resourceState(FeatureResourceState.State.DISABLING))
            .setUpdateTime(Rpc.timestamp(rpc.now()))
            .build();
    features.put(featureId, disabling);
    Operation op =
        operations.start(
            names.project(),
            current.getName(),
            "delete",
            api,
            () -> {
              features.remove(featureId);
              return Empty.getDefaultInstance();
            });
    requestIds.remember(requestId, op);
    return op;
  }

  // ---- rendering ----

  /**
   * The feature as the API returns it: for {@code servicemesh}, a membership state for every
   * registered membership, with the managed control plane ACTIVE where management is automatic
   * (PROVISIONING while the feature's update operation runs).
   */
  private Feature render(Feature stored) {
    if (!stored.getName().endsWith("/features/" + Fleet.SERVICEMESH)) {
      return stored;
    }
    boolean settled = stored.getResourceState().getState() == FeatureResourceState.State.ACTIVE;
    Feature.Builder out = stored.toBuilder().clearMembershipStates();
    for (Membership m : memberships.values()) {
      if (m.getState().getCode() != MembershipState.Code.READY) {
        continue;
      }
      String key = names.membershipKey(FleetNames.idOf(m));
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
            .withDescription(
                "Feature '" + names.featureName(featureId) + "' was deleted meanwhile.")
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
      if (Fleet.SERVICEMESH.equals(featureId)
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
    Matcher m = FleetNames.MEMBERSHIP.matcher(key);
    if (!m.matches()) {
      throw Rpc.invalid(
          "Invalid membership key '"
              + key
              + "': expected projects/{project}/locations/{location}/memberships/{membership}.");
    }
    if (!names.isProject(m.group(1))) {
      throw Rpc.invalid(
          "Membership key '"
              + key
              + "' names another project than the Feature's, "
              + names.project()
              + ".");
    }
    if (!"global".equals(m.group(2))) {
      throw Rpc.notFound("Membership '" + key + "' was not found.");
    }
    String id = m.group(3);
    if (mustExist && (rpc.notFoundFault() || !memberships.containsKey(id))) {
      throw Rpc.notFound("Membership '" + key + "' was not found.");
    }
    return names.membershipKey(id);
  }

  private Feature existingFeature(String id, String name) {
    Feature f = features.get(id);
    if (f == null) {
      throw Rpc.notFound("Resource '" + name + "' was not found.");
    }
    return f;
  }

  private static FeatureResourceState resourceState(FeatureResourceState.State state) {
    return FeatureResourceState.newBuilder().setState(state).build();
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
