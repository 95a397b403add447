package dev.asmmigrate.activities.fleet;

import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.gkehub.v1.CreateFeatureRequest;
import com.google.cloud.gkehub.v1.CreateMembershipRequest;
import com.google.cloud.gkehub.v1.DeleteFeatureRequest;
import com.google.cloud.gkehub.v1.DeleteMembershipRequest;
import com.google.cloud.gkehub.v1.Feature;
import com.google.cloud.gkehub.v1.GetFeatureRequest;
import com.google.cloud.gkehub.v1.GetMembershipRequest;
import com.google.cloud.gkehub.v1.ListMembershipsRequest;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1.MembershipState;
import com.google.cloud.gkehub.v1beta.MembershipFeatureSpec;
import com.google.cloud.gkehub.v1beta.UpdateFeatureRequest;
import com.google.longrunning.Operation;
import com.google.protobuf.FieldMask;
import dev.asmmigrate.activities.backup.Backup;
import dev.asmmigrate.activities.backup.BackupContent;
import dev.asmmigrate.activities.backup.BackupStore;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.google.LongRunning;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.activities.FleetActivities;
import dev.asmmigrate.workflows.model.BackupRef;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.Step;
import io.temporal.activity.Activity;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step {@code fleet-registration} through the GKE Hub API: the cluster's fleet membership, the
 * fleet's {@code servicemesh} feature, and the membership's mesh spec ({@code management:
 * MANAGEMENT_AUTOMATIC}, in GKE Hub v1beta, the version whose protos have it).
 *
 * <p>Before each change the activity backs up what it is about to change as a pseudo-object in the
 * migration's backup store (a membership, the feature, the membership's spec in the feature; absent
 * when it did not exist), so that {@link #unregisterFleet} reverts exactly what this migration did:
 * it deletes a membership or the feature only if this migration created it (backup absent, and
 * labelled with this migration), and puts the mesh spec back as it was.
 */
public final class FleetActivitiesImpl implements FleetActivities {
  static final String STEP = Step.FLEET_REGISTRATION.id();
  static final String FEATURE = "servicemesh";
  static final String LABEL = "asm-migrate-id";
  static final String HUB_V1 = "gkehub.googleapis.com/v1";
  static final String HUB_V1BETA = "gkehub.googleapis.com/v1beta";
  static final Duration OPERATION_BOUND = Duration.ofMinutes(8);

  private static final Logger log = LoggerFactory.getLogger(FleetActivitiesImpl.class);

  private final BackupStores backups;
  private final GoogleClients google;

  public FleetActivitiesImpl(KubeClients clients, BackupStores backups, GoogleClients google) {
    this.backups = backups;
    this.google = google;
  }

  // --- names -------------------------------------------------------------------------------------

  static String parent(String fleetProject) {
    return "projects/" + fleetProject + "/locations/global";
  }

  static String featureName(String fleetProject) {
    return parent(fleetProject) + "/features/" + FEATURE;
  }

  static String resourceLink(ClusterRef cluster) {
    return "//container.googleapis.com/" + cluster.resourceName();
  }

  static ObjectKey membershipKey(String membershipName) {
    return new ObjectKey(HUB_V1, "Membership", null, membershipName);
  }

  static ObjectKey featureKey(String fleetProject) {
    return new ObjectKey(HUB_V1, "Feature", null, featureName(fleetProject));
  }

  static ObjectKey meshSpecKey(String fleetProject, String membershipName) {
    return new ObjectKey(
        HUB_V1BETA,
        "MembershipFeatureSpec",
        null,
        featureName(fleetProject) + "/membershipSpecs/" + idOf(membershipName));
  }

  private static String fleetProject(FleetRequest request) {
    return fleetProject(request.context(), request.fleetProject());
  }

  private static String fleetProject(MigrationContext ctx, String fleetProject) {
    return fleetProject == null || fleetProject.isBlank() ? ctx.cluster().project() : fleetProject;
  }

  // --- register ----------------------------------------------------------------------------------

  /**
   * Reads the membership, the feature and the membership's mesh spec, backs each up (absent: undo
   * removes it), then makes the calls {@link FleetChanges#desired} lists.
   */
  @Override
  public FleetResult registerFleet(FleetRequest request) {
    MigrationContext ctx = request.context();
    String fleet = fleetProject(request);
    BackupStore store = backups.forContext(ctx);
    List<String> changes = new ArrayList<>();
    Read read = observe(ctx, fleet);
    FleetChanges.Observed observed = read.observed();
    Membership existing = observed.membership();
    String membership = observed.membershipName();

    BackupRef membershipRef =
        store.save(
            ctx.migrationId(),
            STEP,
            membershipKey(membership),
            existing == null ? null : HubMessages.tree(existing));
    BackupRef featureRef =
        store.save(
            ctx.migrationId(),
            STEP,
            featureKey(fleet),
            read.feature() == null ? null : HubMessages.tree(read.feature()));
    store.save(
        ctx.migrationId(),
        STEP,
        meshSpecKey(fleet, membership),
        observed.spec() == null ? null : HubMessages.tree(observed.spec()));
    boolean created = existing == null || membershipRef.absent();
    // enabled by this migration: absent when it first looked, and carrying its label (a fleet's
    // clusters may race to enable it: the one whose CreateFeature won labelled it)
    boolean enabled =
        read.feature() == null
            || (featureRef.absent()
                && observed.label().equals(read.feature().getLabelsMap().get(LABEL)));
    if (existing != null) {
      if (existing.getState().getCode() != MembershipState.Code.READY) {
        awaitMembershipReady(ctx, membership);
      }
      changes.add(
          created
              ? "fleet membership " + membership + " registered by this migration"
              : "fleet membership " + membership + " exists: unchanged");
    }
    if (read.feature() != null) {
      changes.add(
          enabled
              ? "feature " + FEATURE + " enabled by this migration"
              : "feature " + FEATURE + " enabled already: unchanged");
    }
    List<FleetChanges.Change> desired = FleetChanges.desired(observed);
    for (FleetChanges.Change c : desired) {
      switch (c.method()) {
        case "CreateMembership" -> {
          createMembership(ctx, fleet, membership, (Membership) c.resource());
          changes.add("registered " + ctx.cluster() + " as fleet membership " + membership);
          log.info("{}: registered {} as fleet membership {}", STEP, ctx.cluster(), membership);
        }
        case "CreateFeature" -> {
          enabled = createFeature(ctx, fleet, (Feature) c.resource(), observed.label());
          if (enabled) {
            changes.add("enabled feature " + FEATURE + " on fleet project " + fleet);
            log.info("{}: enabled feature {}", STEP, featureName(fleet));
          } else {
            changes.add("feature " + FEATURE + " enabled meanwhile by another: unchanged");
          }
        }
        case "UpdateFeature" -> {
          updateSpec(
              ctx,
              fleet,
              membership,
              (com.google.cloud.gkehub.v1beta.Feature) c.resource(),
              "set-mesh-spec");
          changes.add("set mesh management of " + membership + " to MANAGEMENT_AUTOMATIC");
          log.info("{}: set mesh management of {} to MANAGEMENT_AUTOMATIC", STEP, membership);
        }
        default -> throw new IllegalStateException("fleet-registration does not " + c.method());
      }
    }
    if (desired.stream().noneMatch(c -> c.method().equals("UpdateFeature"))) {
      changes.add("mesh management of " + membership + " is automatic already: unchanged");
    }
    return new FleetResult(membership, created, enabled, changes);
  }

  /** What the step reads, and the feature as read (for its backup; null when not enabled). */
  private record Read(FleetChanges.Observed observed, Feature feature) {}

  private Read observe(MigrationContext ctx, String fleet) {
    Membership existing = findMembership(ctx, fleet);
    Feature feature = getFeature(ctx, fleet).orElse(null);
    FleetChanges.Observed observed =
        new FleetChanges.Observed(
            ctx.cluster(),
            fleet,
            BackupContent.migrationLabel(ctx.migrationId()),
            existing,
            feature != null,
            null);
    if (feature == null) {
      return new Read(observed, null);
    }
    MembershipFeatureSpec spec =
        getBetaFeatureIfAny(ctx, fleet)
            .flatMap(f -> specOf(f, observed.membershipName()))
            .map(Map.Entry::getValue)
            .orElse(null);
    return new Read(
        new FleetChanges.Observed(ctx.cluster(), fleet, observed.label(), existing, true, spec),
        feature);
  }

  private void createMembership(
      MigrationContext ctx, String fleet, String membership, Membership resource) {
    var hub = google.gkeHub(ctx.connection());
    CreateMembershipRequest create =
        CreateMembershipRequest.newBuilder()
            .setParent(parent(fleet))
            .setMembershipId(idOf(membership))
            .setRequestId(requestId(ctx, "create-membership"))
            .setResource(resource)
            .build();
    try {
      Operation op =
          GoogleClients.call(
              "create fleet membership " + membership,
              () -> hub.createMembershipCallable().call(create));
      LongRunning.awaitHub(
          hub.getOperationsClient(),
          op,
          OPERATION_BOUND,
          "create fleet membership " + membership,
          Waits::heartbeat);
    } catch (RuntimeException e) {
      if (GoogleClients.code(e) != StatusCode.Code.ALREADY_EXISTS) {
        throw e;
      }
      Membership taken = getMembership(ctx, membership).orElseThrow(() -> e);
      if (!sameCluster(taken, ctx.cluster())) {
        throw Failures.permanent(
            FailureType.STATE_CONFLICT,
            "fleet membership "
                + membership
                + " exists for another cluster ("
                + taken.getEndpoint().getGkeCluster().getResourceLink()
                + "); register "
                + ctx.cluster()
                + " under another name first");
      }
      awaitMembershipReady(ctx, membership);
    }
  }

  /**
   * Enables the feature; whether this migration did (false when another enabled it meanwhile: a
   * cluster of the same fleet migrating at the same time).
   */
  private boolean createFeature(
      MigrationContext ctx, String fleet, Feature resource, String label) {
    var hub = google.gkeHub(ctx.connection());
    CreateFeatureRequest create =
        CreateFeatureRequest.newBuilder()
            .setParent(parent(fleet))
            .setFeatureId(FEATURE)
            .setRequestId(requestId(ctx, "create-feature"))
            .setResource(resource)
            .build();
    try {
      Operation op =
          GoogleClients.call(
              "enable feature " + featureName(fleet),
              () -> hub.createFeatureCallable().call(create));
      LongRunning.awaitHub(
          hub.getOperationsClient(),
          op,
          OPERATION_BOUND,
          "enable feature " + featureName(fleet),
          Waits::heartbeat);
    } catch (RuntimeException e) {
      if (GoogleClients.code(e) != StatusCode.Code.ALREADY_EXISTS) {
        throw e;
      }
      boolean ours =
          getFeature(ctx, fleet)
              .map(f -> label.equals(f.getLabelsMap().get(LABEL)))
              .orElseThrow(() -> e);
      log.info(
          "{}: feature {} was enabled meanwhile{}",
          STEP,
          featureName(fleet),
          ours ? " (by an earlier attempt of this migration)" : " by another");
      return ours;
    }
    return true;
  }

  /**
   * What {@link #registerFleet} will do, read only, through the same GKE Hub reads: the calls of
   * {@link FleetChanges#desired}.
   */
  public List<PlannedChange> plan(MigrationContext ctx, String fleetProject) {
    String fleet = fleetProject(ctx, fleetProject);
    return FleetChanges.desired(observe(ctx, fleet).observed()).stream()
        .map(FleetChanges.Change::planned)
        .toList();
  }

  // --- unregister --------------------------------------------------------------------------------

  @Override
  public void unregisterFleet(FleetRequest request) {
    MigrationContext ctx = request.context();
    String fleet = fleetProject(request);
    BackupStore store = backups.forContext(ctx);
    String label = BackupContent.migrationLabel(ctx.migrationId());
    List<Backup> taken = store.list(ctx.migrationId(), STEP);
    if (taken.isEmpty()) {
      log.info("{} undo: no backups, registration never changed anything", STEP);
      return;
    }
    Backup membershipBackup = find(taken, "Membership");
    Backup featureBackup = find(taken, "Feature");
    Backup specBackup = find(taken, "MembershipFeatureSpec");
    String membership = membershipBackup == null ? null : membershipBackup.key().name();

    // 1. the mesh spec, as it was
    if (specBackup != null && membership != null && getMembership(ctx, membership).isPresent()) {
      Optional<com.google.cloud.gkehub.v1beta.Feature> feature = getBetaFeatureIfAny(ctx, fleet);
      Optional<MembershipFeatureSpec> current =
          feature.flatMap(f -> specOf(f, membership)).map(Map.Entry::getValue);
      Optional<MembershipFeatureSpec> before =
          specBackup.absent()
              ? Optional.empty()
              : Optional.of(
                  HubMessages.fromTree(specBackup.object(), MembershipFeatureSpec.newBuilder())
                      .build());
      if (feature.isPresent() && !current.equals(before)) {
        updateSpec(
            ctx,
            fleet,
            membership,
            com.google.cloud.gkehub.v1beta.Feature.newBuilder()
                .putMembershipSpecs(
                    membership, before.orElse(MembershipFeatureSpec.getDefaultInstance()))
                .build(),
            "restore-mesh-spec");
        log.info(
            "{} undo: mesh spec of {} {}",
            STEP,
            membership,
            before.isPresent() ? "restored" : "removed");
      }
    }

    // 2. the feature, if this migration enabled it and no other membership uses it
    if (featureBackup != null && featureBackup.absent()) {
      Optional<com.google.cloud.gkehub.v1beta.Feature> feature = getBetaFeatureIfAny(ctx, fleet);
      if (feature.isPresent()) {
        boolean ours = label.equals(feature.get().getLabelsMap().get(LABEL));
        List<String> others = otherMemberships(feature.get(), membership);
        if (!ours) {
          log.info(
              "{} undo: feature {} is not labelled with this migration; kept",
              STEP,
              featureName(fleet));
        } else if (!others.isEmpty()) {
          log.warn(
              "{} undo: feature {} was enabled by this migration but other memberships use it"
                  + " now ({}); kept",
              STEP,
              featureName(fleet),
              others);
        } else {
          disableUnlessInUse(ctx, fleet, membership);
        }
      }
    }

    // 3. the membership, if this migration registered it
    if (membershipBackup != null && membershipBackup.absent()) {
      Optional<Membership> current = getMembership(ctx, membership);
      if (current.isPresent()) {
        if (!label.equals(current.get().getLabelsMap().get(LABEL))) {
          log.warn(
              "{} undo: membership {} is not labelled with this migration; kept", STEP, membership);
        } else {
          var hub = google.gkeHub(ctx.connection());
          DeleteMembershipRequest delete =
              DeleteMembershipRequest.newBuilder()
                  .setName(membership)
                  .setRequestId(requestId(ctx, "delete-membership"))
                  .build();
          awaitIgnoringNotFound(
              ctx,
              () -> hub.deleteMembershipCallable().call(delete),
              "delete fleet membership " + membership);
          log.info("{} undo: deleted fleet membership {}", STEP, membership);
        }
      }
    }
  }

  /**
   * The memberships other than {@code membership} with a spec in the feature, by location and ID
   * (keys carry the project number, names the project ID; a regional membership may share an ID
   * with a global one).
   */
  static List<String> otherMemberships(
      com.google.cloud.gkehub.v1beta.Feature feature, String membership) {
    return feature.getMembershipSpecsMap().keySet().stream()
        .filter(k -> membership == null || !located(k).equals(located(membership)))
        .sorted()
        .toList();
  }

  /** {@code locations/<l>/memberships/<id>} of a membership's name or key. */
  static String located(String membershipName) {
    int at = membershipName.indexOf("/locations/");
    return at < 0 ? membershipName : membershipName.substring(at + 1);
  }

  /**
   * Disables the feature, without {@code force}: GKE Hub refuses (FAILED_PRECONDITION) to disable a
   * feature in use, and a membership of the fleet may have set its spec since the undo looked (a
   * cluster of the same fleet registering meanwhile); then, when another membership's spec is there
   * now, the feature is kept for it (any other refusal is retried). Returns whether the feature was
   * disabled.
   */
  boolean disableUnlessInUse(MigrationContext ctx, String fleet, String membership) {
    var hub = google.gkeHub(ctx.connection());
    DeleteFeatureRequest delete =
        DeleteFeatureRequest.newBuilder()
            .setName(featureName(fleet))
            .setForce(false)
            .setRequestId(requestId(ctx, "delete-feature"))
            .build();
    try {
      awaitIgnoringNotFound(
          ctx,
          () -> hub.deleteFeatureCallable().call(delete),
          "disable feature " + featureName(fleet));
    } catch (RuntimeException e) {
      if (GoogleClients.code(e) != StatusCode.Code.FAILED_PRECONDITION) {
        throw e;
      }
      List<String> others =
          getBetaFeatureIfAny(ctx, fleet)
              .map(f -> otherMemberships(f, membership))
              .orElse(List.of());
      if (others.isEmpty()) {
        throw e;
      }
      log.warn(
          "{} undo: feature {} was enabled by this migration but other memberships use it now"
              + " ({}); kept",
          STEP,
          featureName(fleet),
          others);
      return false;
    }
    log.info("{} undo: disabled feature {}", STEP, featureName(fleet));
    return true;
  }

  // --- GKE Hub calls -----------------------------------------------------------------------------

  private Membership findMembership(MigrationContext ctx, String fleet) {
    var hub = google.gkeHub(ctx.connection());
    List<Membership> found = new ArrayList<>();
    String page = "";
    do {
      String token = page;
      var response =
          GoogleClients.call(
              "list fleet memberships of " + parent(fleet),
              () ->
                  hub.listMembershipsCallable()
                      .call(
                          ListMembershipsRequest.newBuilder()
                              .setParent(parent(fleet))
                              .setPageToken(token)
                              .build()));
      found.addAll(response.getResourcesList());
      page = response.getNextPageToken();
    } while (!page.isEmpty());
    return found.stream()
        .filter(m -> sameCluster(m, ctx.cluster()))
        .filter(m -> m.getState().getCode() != MembershipState.Code.DELETING)
        .findFirst()
        .orElse(null);
  }

  /**
   * Whether a membership's GKE resource link names the cluster ({@code zones} or {@code
   * locations}).
   */
  static boolean sameCluster(Membership m, ClusterRef cluster) {
    String link = m.getEndpoint().getGkeCluster().getResourceLink();
    String normalized = link.replace("/zones/", "/locations/");
    return normalized.equals(resourceLink(cluster));
  }

  private Optional<Membership> getMembership(MigrationContext ctx, String name) {
    var hub = google.gkeHub(ctx.connection());
    try {
      return Optional.of(
          hub.getMembership(GetMembershipRequest.newBuilder().setName(name).build()));
    } catch (RuntimeException e) {
      if (GoogleClients.isNotFound(e)) {
        return Optional.empty();
      }
      throw GoogleClients.classify("get fleet membership " + name, e);
    }
  }

  private void awaitMembershipReady(MigrationContext ctx, String name) {
    Waits.until(
        "fleet membership " + name + " ready",
        OPERATION_BOUND,
        Duration.ofMillis(500),
        () -> {
          Membership m =
              getMembership(ctx, name)
                  .orElseThrow(
                      () ->
                          new IllegalStateException(
                              "fleet membership " + name + " disappeared while being created"));
          String state = m.getState().getCode().name();
          return m.getState().getCode() == MembershipState.Code.READY
              ? Waits.Check.done(state)
              : Waits.Check.waiting(state);
        },
        FailureType.STATE_CONFLICT);
  }

  private Optional<Feature> getFeature(MigrationContext ctx, String fleet) {
    var hub = google.gkeHub(ctx.connection());
    try {
      return Optional.of(
          hub.getFeature(GetFeatureRequest.newBuilder().setName(featureName(fleet)).build()));
    } catch (RuntimeException e) {
      if (GoogleClients.isNotFound(e)) {
        return Optional.empty();
      }
      throw GoogleClients.classify("get feature " + featureName(fleet), e);
    }
  }

  private Optional<com.google.cloud.gkehub.v1beta.Feature> getBetaFeatureIfAny(
      MigrationContext ctx, String fleet) {
    var beta = google.gkeHubBeta(ctx.connection());
    try {
      return Optional.of(
          beta.getFeature(
              com.google.cloud.gkehub.v1beta.GetFeatureRequest.newBuilder()
                  .setName(featureName(fleet))
                  .build()));
    } catch (RuntimeException e) {
      if (GoogleClients.isNotFound(e)) {
        return Optional.empty();
      }
      throw GoogleClients.classify("get feature " + featureName(fleet), e);
    }
  }

  /** The membership's entry in a feature's membership specs (keys use the project number). */
  static Optional<Map.Entry<String, MembershipFeatureSpec>> specOf(
      com.google.cloud.gkehub.v1beta.Feature feature, String membership) {
    String id = idOf(membership);
    return feature.getMembershipSpecsMap().entrySet().stream()
        .filter(e -> e.getKey().endsWith("/locations/global/memberships/" + id))
        .findFirst();
  }

  /** Sets (or, with the default instance, removes) a membership's spec in the feature. */
  private void updateSpec(
      MigrationContext ctx,
      String fleet,
      String membership,
      com.google.cloud.gkehub.v1beta.Feature resource,
      String purpose) {
    var beta = google.gkeHubBeta(ctx.connection());
    UpdateFeatureRequest update =
        UpdateFeatureRequest.newBuilder()
            .setName(featureName(fleet))
            .setUpdateMask(FieldMask.newBuilder().addPaths("membership_specs"))
            .setRequestId(requestId(ctx, purpose))
            .setResource(resource)
            .build();
    Operation op =
        GoogleClients.call(
            "update feature " + featureName(fleet),
            () -> beta.updateFeatureCallable().call(update));
    LongRunning.awaitHub(
        beta.getOperationsClient(),
        op,
        OPERATION_BOUND,
        "update mesh spec of " + membership,
        Waits::heartbeat);
  }

  private void awaitIgnoringNotFound(
      MigrationContext ctx, java.util.function.Supplier<Operation> start, String what) {
    var hub = google.gkeHub(ctx.connection());
    try {
      Operation op = GoogleClients.call(what, start);
      LongRunning.awaitHub(hub.getOperationsClient(), op, OPERATION_BOUND, what, Waits::heartbeat);
    } catch (RuntimeException e) {
      if (!GoogleClients.isNotFound(e) && !isNotFoundFailure(e)) {
        throw e;
      }
      log.info("{}: already gone", what);
    }
  }

  private static boolean isNotFoundFailure(RuntimeException e) {
    return e instanceof io.temporal.failure.ApplicationFailure af
        && FailureType.NOT_FOUND.name().equals(af.getType());
  }

  // --- helpers -----------------------------------------------------------------------------------

  /**
   * A request ID fixed for this activity (its workflow run and activity ID, the same in each of its
   * attempts) and purpose, so that a retried call replays, not repeats. The Hub remembers a request
   * ID for at least 60 minutes and answers it with the first request's operation however the
   * resource changed since: an ID fixed per migration only would make a later run of the same
   * migration (one resumed after its rollback, or after Temporal lost its state) get back the
   * operation that created a membership or feature its rollback deleted meanwhile, and find
   * nothing. Outside an activity (tests) the migration ID stands in.
   */
  static String requestId(MigrationContext ctx, String purpose) {
    String scope = ctx.migrationId();
    try {
      var info = Activity.getExecutionContext().getInfo();
      scope += "/" + info.getRunId() + "/" + info.getActivityId();
    } catch (IllegalStateException | NullPointerException notInActivity) {
      // a direct call, as in unit tests: one ID per migration and purpose
    }
    return UUID.nameUUIDFromBytes((scope + "/" + purpose).getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  static String idOf(String membershipName) {
    return membershipName.substring(membershipName.lastIndexOf('/') + 1);
  }

  private static Backup find(List<Backup> backups, String kind) {
    return backups.stream().filter(b -> kind.equals(b.key().kind())).findFirst().orElse(null);
  }
}
