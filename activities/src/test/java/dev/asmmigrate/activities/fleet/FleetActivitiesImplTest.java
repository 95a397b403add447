package dev.asmmigrate.activities.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.gkehub.servicemesh.v1beta.MembershipSpec;
import com.google.cloud.gkehub.v1.CreateFeatureRequest;
import com.google.cloud.gkehub.v1.CreateMembershipRequest;
import com.google.cloud.gkehub.v1.Feature;
import com.google.cloud.gkehub.v1.GkeCluster;
import com.google.cloud.gkehub.v1.ListMembershipsRequest;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1.MembershipEndpoint;
import com.google.cloud.gkehub.v1beta.GetFeatureRequest;
import dev.asmmigrate.activities.backup.Backup;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.plan.MadeChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.workflows.activities.FleetActivities;
import dev.asmmigrate.workflows.activities.FleetActivities.FleetRequest;
import dev.asmmigrate.workflows.activities.FleetActivities.FleetResult;
import dev.asmmigrate.workflows.model.MigrationContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FleetActivitiesImplTest {
  static final String PROJECT = "sandbox-project";
  static final String PARENT = "projects/" + PROJECT + "/locations/global";
  static final String MEMBERSHIP = PARENT + "/memberships/sandbox-cluster";
  static final String FEATURE = PARENT + "/features/servicemesh";

  static SandboxHarness h;
  static TestActivities activities;
  static GoogleClients google;
  static FleetActivities fleet;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.NONE)
                .podReadyDelay(Duration.ofMillis(100)));
    activities = new TestActivities();
    google = new GoogleClients();
    fleet =
        activities.stub(
            FleetActivities.class, new FleetActivitiesImpl(h.clients, h.backups, google));
  }

  @AfterAll
  static void stop() {
    activities.close();
    google.close();
    h.close();
  }

  @AfterEach
  void reset() {
    h.sandbox.faults().googleApiFault = "";
    h.sandbox.faults().googleOperationDelay = Duration.ZERO;
    // leave the fleet empty for the next test
    var hub = google.gkeHub(h.connection);
    for (Membership m : memberships()) {
      hub.deleteMembershipAsync(m.getName());
    }
    if (feature().isPresent()) {
      // forced: specs of memberships whose deletion is still running keep it in use meanwhile
      hub.deleteFeatureAsync(
          com.google.cloud.gkehub.v1.DeleteFeatureRequest.newBuilder()
              .setName(FEATURE)
              .setForce(true)
              .build());
    }
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> memberships().isEmpty() && feature().isEmpty());
  }

  static List<Membership> memberships() {
    return google
        .gkeHub(h.connection)
        .listMembershipsCallable()
        .call(ListMembershipsRequest.newBuilder().setParent(PARENT).build())
        .getResourcesList();
  }

  static Optional<com.google.cloud.gkehub.v1beta.Feature> feature() {
    try {
      return Optional.of(
          google
              .gkeHubBeta(h.connection)
              .getFeature(GetFeatureRequest.newBuilder().setName(FEATURE).build()));
    } catch (RuntimeException e) {
      if (GoogleClients.isNotFound(e)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  static MembershipSpec.Management management() {
    return feature().orElseThrow().getMembershipSpecsMap().entrySet().stream()
        .filter(e -> e.getKey().endsWith("/memberships/sandbox-cluster"))
        .map(e -> e.getValue().getMesh().getManagement())
        .findFirst()
        .orElse(null);
  }

  @Test
  void
      givenAnUnregisteredCluster_whenRegisteredTwiceThenUnregisteredTwice_itShouldLeaveTheFleetAsItWas() {
    MigrationContext ctx = h.context();
    FleetRequest request = new FleetRequest(ctx, PROJECT);

    FleetResult first = fleet.registerFleet(request);
    List<Membership> afterOne = memberships();
    FleetResult second = fleet.registerFleet(request);

    assertThat(first.membership()).isEqualTo(MEMBERSHIP);
    assertThat(first.createdMembership()).isTrue();
    assertThat(first.enabledFeature()).isTrue();
    assertThat(second.createdMembership()).isTrue();
    assertThat(second.enabledFeature()).isTrue();
    assertThat(memberships()).hasSize(1).isEqualTo(afterOne);
    Membership m = memberships().get(0);
    assertThat(m.getName()).isEqualTo(MEMBERSHIP);
    assertThat(m.getLabelsMap()).containsEntry("asm-migrate-id", ctx.migrationId());
    assertThat(m.getEndpoint().getGkeCluster().getResourceLink())
        .isEqualTo(
            "//container.googleapis.com/projects/sandbox-project/locations/us-central1-c/clusters/sandbox-cluster");
    assertThat(management()).isEqualTo(MembershipSpec.Management.MANAGEMENT_AUTOMATIC);
    assertThat(second.changes())
        .contains("mesh management of " + MEMBERSHIP + " is automatic already: unchanged");
    List<Backup> backups = h.backups.forContext(ctx).list(ctx.migrationId(), "fleet-registration");
    assertThat(backups)
        .extracting(b -> b.key().kind())
        .containsExactly("Membership", "Feature", "MembershipFeatureSpec");
    assertThat(backups).allMatch(Backup::absent);

    fleet.unregisterFleet(request);
    fleet.unregisterFleet(request);

    assertThat(memberships()).isEmpty();
    assertThat(feature()).isEmpty();
  }

  /**
   * The plan and the activity share one computation ({@link FleetChanges#desired}): on an
   * unregistered cluster the plan lists the membership's registration, the feature's enabling and
   * the mesh spec's update, and the activity makes exactly those calls.
   */
  @Test
  void givenAnUnregisteredCluster_whenPlannedThenRegistered_itShouldMakeExactlyThePlannedCalls() {
    MigrationContext ctx = h.context();

    List<PlannedChange> plan =
        new FleetActivitiesImpl(h.clients, h.backups, google).plan(ctx, PROJECT);

    assertThat(plan)
        .extracting(PlannedChange::describe)
        .containsExactly(
            "call gkehub.googleapis.com/v1 CreateMembership " + MEMBERSHIP,
            "call gkehub.googleapis.com/v1 CreateFeature " + FEATURE,
            "call gkehub.googleapis.com/v1beta UpdateFeature " + FEATURE);
    assertThat(plan.get(0).body().toString())
        .isEqualTo(
            "{\"labels\":{\"asm-migrate-id\":\""
                + ctx.migrationId()
                + "\"},\"endpoint\":{\"gkeCluster\":{\"resourceLink\":"
                + "\"//container.googleapis.com/projects/sandbox-project/locations/us-central1-c"
                + "/clusters/sandbox-cluster\"}}}");
    assertThat(plan.get(2).body().toString())
        .isEqualTo(
            "{\"membershipSpecs\":{\""
                + MEMBERSHIP
                + "\":{\"mesh\":{\"management\":\"MANAGEMENT_AUTOMATIC\"}}}}");
    MadeChanges made = MadeChanges.watch(h.sandbox);
    fleet.registerFleet(new FleetRequest(ctx, PROJECT));
    made.assertMadeExactly(plan);
    assertThat(management()).isEqualTo(MembershipSpec.Management.MANAGEMENT_AUTOMATIC);
    // registered, the cluster plans nothing more
    assertThat(new FleetActivitiesImpl(h.clients, h.backups, google).plan(ctx, PROJECT)).isEmpty();
  }

  @Test
  void
      givenAMembershipAndFeatureThatExistAlready_whenRegisteredThenUnregistered_itShouldKeepThemAndRevertOnlyTheSpec() {
    var hub = google.gkeHub(h.connection);
    hub.createMembershipAsync(
            CreateMembershipRequest.newBuilder()
                .setParent(PARENT)
                .setMembershipId("prod-cluster")
                .setResource(
                    Membership.newBuilder()
                        .setEndpoint(
                            MembershipEndpoint.newBuilder()
                                .setGkeCluster(
                                    GkeCluster.newBuilder()
                                        .setResourceLink(
                                            "//container.googleapis.com/projects/sandbox-project/zones/us-central1-c/clusters/sandbox-cluster"))))
                .build())
        .getInitialFuture();
    hub.createFeatureAsync(
        CreateFeatureRequest.newBuilder()
            .setParent(PARENT)
            .setFeatureId("servicemesh")
            .setResource(Feature.newBuilder())
            .build());
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> memberships().size() == 1 && feature().isPresent());
    MigrationContext ctx = h.context();
    FleetRequest request = new FleetRequest(ctx, PROJECT);

    FleetResult result = fleet.registerFleet(request);

    assertThat(result.membership()).isEqualTo(PARENT + "/memberships/prod-cluster");
    assertThat(result.createdMembership()).isFalse();
    assertThat(result.enabledFeature()).isFalse();
    assertThat(feature().orElseThrow().getMembershipSpecsMap().keySet())
        .singleElement()
        .satisfies(k -> assertThat(k).endsWith("/memberships/prod-cluster"));

    fleet.unregisterFleet(request);

    assertThat(memberships())
        .extracting(Membership::getName)
        .containsExactly(PARENT + "/memberships/prod-cluster");
    assertThat(feature()).hasValueSatisfying(f -> assertThat(f.getMembershipSpecsMap()).isEmpty());
  }

  /**
   * Issue 10 case 2: a migration registered, rolled back (unregistered), then run again under the
   * same migration ID (a run resuming it). The Hub answers a request ID it saw within the hour with
   * the first request's operation, whatever happened since; with request IDs fixed per migration
   * the second registration got the old, done operations back, created nothing, and failed on every
   * attempt with "feature ... is not there right after it was enabled".
   */
  @Test
  void
      givenARegistrationRolledBack_whenRegisteredAgainUnderTheSameMigration_itShouldCreateItAgain() {
    MigrationContext ctx = h.context();
    FleetRequest request = new FleetRequest(ctx, PROJECT);
    fleet.registerFleet(request);
    fleet.unregisterFleet(request);
    assertThat(memberships()).isEmpty();
    assertThat(feature()).isEmpty();

    FleetResult again = fleet.registerFleet(request);

    assertThat(again.createdMembership()).isTrue();
    assertThat(again.enabledFeature()).isTrue();
    assertThat(memberships()).extracting(Membership::getName).containsExactly(MEMBERSHIP);
    assertThat(management()).isEqualTo(MembershipSpec.Management.MANAGEMENT_AUTOMATIC);
  }

  @Test
  void givenSlowOperations_whenRegistered_itShouldWaitHeartbeating() {
    h.sandbox.faults().googleOperationDelay = Duration.ofMillis(1500);
    activities.clearHeartbeats();

    FleetResult result = fleet.registerFleet(new FleetRequest(h.context(), PROJECT));

    assertThat(result.createdMembership()).isTrue();
    assertThat(management()).isEqualTo(MembershipSpec.Management.MANAGEMENT_AUTOMATIC);
    assertThat(activities.heartbeats())
        .anySatisfy(
            b ->
                assertThat(b)
                    .contains("create fleet membership")
                    .contains("waiting for operation"));
  }

  @Test
  void givenGoogleDeniesPermission_whenRegistered_itShouldFailPermanentlyWithPermissionDenied() {
    h.sandbox.faults().googleApiFault = "permission-denied";

    assertThatThrownBy(() -> fleet.registerFleet(new FleetRequest(h.context(), PROJECT)))
        .satisfies(
            t -> {
              var f = TestActivities.applicationFailure(t);
              assertThat(f.getType()).isEqualTo("PERMISSION_DENIED");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains("gkehub.memberships.list");
            });
  }

  // --- a fleet project several clusters share ----------------------------------------------------

  static final String OTHER_LINK =
      "//container.googleapis.com/projects/sandbox-project/locations/europe-west1/clusters/other";

  static final com.google.cloud.gkehub.v1beta.MembershipFeatureSpec AUTOMATIC =
      com.google.cloud.gkehub.v1beta.MembershipFeatureSpec.newBuilder()
          .setMesh(
              MembershipSpec.newBuilder()
                  .setManagement(MembershipSpec.Management.MANAGEMENT_AUTOMATIC))
          .build();

  /** Sets a membership's mesh spec as {@code gcloud container fleet mesh update} does. */
  static void setSpec(String membership) throws Exception {
    google
        .gkeHubBeta(h.connection)
        .updateFeatureAsync(
            com.google.cloud.gkehub.v1beta.UpdateFeatureRequest.newBuilder()
                .setName(FEATURE)
                .setUpdateMask(
                    com.google.protobuf.FieldMask.newBuilder().addPaths("membership_specs"))
                .setResource(
                    com.google.cloud.gkehub.v1beta.Feature.newBuilder()
                        .putMembershipSpecs(membership, AUTOMATIC))
                .build())
        .get();
  }

  static java.util.Map<String, MembershipSpec.Management> specs() {
    java.util.Map<String, MembershipSpec.Management> out = new java.util.TreeMap<>();
    feature()
        .orElseThrow()
        .getMembershipSpecsMap()
        .forEach(
            (k, v) ->
                out.put(k.substring(k.indexOf("/locations/") + 1), v.getMesh().getManagement()));
    return out;
  }

  /**
   * Issue 13: a fleet's clusters share its project. This migration enabled the servicemesh feature;
   * another cluster of the fleet set its mesh spec since. Rolling this migration back removes only
   * its own membership and spec (UpdateFeature with mask membership_specs carries its key alone:
   * GKE Hub merges map entries, an empty value removes a key) and keeps the feature for the other.
   */
  @Test
  void
      givenAnotherMembershipWithAMeshSpec_whenTheMigrationThatEnabledTheFeatureRollsBack_itShouldKeepTheFeatureAndTheOtherSpec()
          throws Exception {
    MigrationContext ctx = h.context();
    FleetRequest request = new FleetRequest(ctx, PROJECT);
    FleetResult registered = fleet.registerFleet(request);
    assertThat(registered.enabledFeature()).isTrue();
    String other = h.sandbox.googleApis().addOtherMembership("other", OTHER_LINK);
    setSpec(other);
    assertThat(specs())
        .containsExactly(
            java.util.Map.entry(
                "locations/global/memberships/other",
                MembershipSpec.Management.MANAGEMENT_AUTOMATIC),
            java.util.Map.entry(
                "locations/global/memberships/sandbox-cluster",
                MembershipSpec.Management.MANAGEMENT_AUTOMATIC));

    fleet.unregisterFleet(request);

    assertThat(feature()).isPresent();
    assertThat(specs())
        .containsExactly(
            java.util.Map.entry(
                "locations/global/memberships/other",
                MembershipSpec.Management.MANAGEMENT_AUTOMATIC));
    assertThat(memberships()).extracting(Membership::getName).containsExactly(other);
    assertThat(h.logLines())
        .anyMatch(
            l -> l.contains("other memberships use it now") && l.contains("memberships/other"));
  }

  /**
   * The undo looked and saw no other membership; one registered its spec before the undo's
   * DeleteFeature (two clusters of a fleet, one rolling back while the other registers). GKE Hub
   * refuses to disable a feature in use without force: the undo keeps it, for the other.
   */
  @Test
  void givenAnotherSpecSetAfterTheUndoLooked_whenDisabling_itShouldKeepTheFeature()
      throws Exception {
    MigrationContext ctx = h.context();
    fleet.registerFleet(new FleetRequest(ctx, PROJECT));
    String other = h.sandbox.googleApis().addOtherMembership("other", OTHER_LINK);
    setSpec(other);
    FleetActivitiesImpl impl = new FleetActivitiesImpl(h.clients, h.backups, google);

    boolean disabled = impl.disableUnlessInUse(ctx, PROJECT, MEMBERSHIP);

    assertThat(disabled).isFalse();
    assertThat(specs()).containsKey("locations/global/memberships/other");
  }

  /**
   * Two clusters of a fleet registering at once both see no feature; the one whose CreateFeature
   * loses did not enable it, and says so on every attempt (its backup says "absent", the feature
   * carries the other's label), so that its result does not claim the feature.
   */
  @Test
  void givenTheFeatureEnabledByAnotherAfterThisMigrationLooked_whenRegistered_itShouldNotClaimIt()
      throws Exception {
    MigrationContext ctx = h.context();
    // what a first attempt of this migration left: the feature seen absent
    h.backups
        .forContext(ctx)
        .save(
            ctx.migrationId(), "fleet-registration", FleetActivitiesImpl.featureKey(PROJECT), null);
    google
        .gkeHub(h.connection)
        .createFeatureAsync(
            CreateFeatureRequest.newBuilder()
                .setParent(PARENT)
                .setFeatureId("servicemesh")
                .setResource(Feature.newBuilder().putLabels("asm-migrate-id", "another-migration"))
                .build())
        .get();

    FleetResult result = fleet.registerFleet(new FleetRequest(ctx, PROJECT));

    assertThat(result.enabledFeature()).isFalse();
    assertThat(result.changes()).contains("feature servicemesh enabled already: unchanged");
    fleet.unregisterFleet(new FleetRequest(ctx, PROJECT));
    assertThat(feature()).isPresent();
  }
}
