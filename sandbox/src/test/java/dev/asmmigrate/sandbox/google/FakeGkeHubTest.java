package dev.asmmigrate.sandbox.google;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.api.gax.rpc.InvalidArgumentException;
import com.google.api.gax.rpc.NotFoundException;
import com.google.cloud.gkehub.servicemesh.v1beta.MembershipSpec;
import com.google.cloud.gkehub.servicemesh.v1beta.MembershipState.LifecycleState;
import com.google.cloud.gkehub.v1.CreateMembershipRequest;
import com.google.cloud.gkehub.v1.GkeCluster;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1.MembershipEndpoint;
import com.google.cloud.gkehub.v1.MembershipState;
import com.google.cloud.gkehub.v1beta.Feature;
import com.google.cloud.gkehub.v1beta.FeatureResourceState;
import com.google.cloud.gkehub.v1beta.MembershipFeatureSpec;
import com.google.cloud.gkehub.v1beta.UpdateFeatureRequest;
import com.google.longrunning.Operation;
import com.google.protobuf.FieldMask;
import io.grpc.Status;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real GKE Hub clients (v1 and v1beta) against the fake, over plaintext gRPC. */
class FakeGkeHubTest {
  private GoogleClients g;

  @BeforeEach
  void start() throws Exception {
    g = GoogleClients.start();
  }

  @AfterEach
  void stop() throws Exception {
    g.close();
  }

  private String membershipName() {
    return g.fleetParent() + "/memberships/sandbox-cluster";
  }

  private Membership gkeMembership(String resourceLink) {
    return Membership.newBuilder()
        .setEndpoint(
            MembershipEndpoint.newBuilder()
                .setGkeCluster(GkeCluster.newBuilder().setResourceLink(resourceLink)))
        .build();
  }

  private Membership register(String id) throws Exception {
    return g.hub
        .createMembershipAsync(
            g.fleetParent(), gkeMembership("//container.googleapis.com/" + g.clusterName()), id)
        .get(10, TimeUnit.SECONDS);
  }

  private static Throwable cause(ThrowingCall call) {
    try {
      call.run();
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("the call succeeded");
  }

  interface ThrowingCall {
    void run() throws Exception;
  }

  @Test
  void registersTheClusterAsAMembershipThroughALongRunningOperation() throws Exception {
    Membership m = register("sandbox-cluster");

    assertThat(m.getName()).isEqualTo(membershipName());
    assertThat(m.getState().getCode()).isEqualTo(MembershipState.Code.READY);
    assertThat(m.getEndpoint().getGkeCluster().getResourceLink())
        .isEqualTo(
            "//container.googleapis.com/projects/sandbox-project/locations/us-central1-c"
                + "/clusters/sandbox-cluster");
    assertThat(m.getAuthority().getIssuer())
        .isEqualTo(
            "https://container.googleapis.com/v1/projects/sandbox-project/locations/us-central1-c"
                + "/clusters/sandbox-cluster");
    assertThat(m.getAuthority().getWorkloadIdentityPool()).isEqualTo("sandbox-project.svc.id.goog");
    assertThat(m.getUniqueId()).isNotBlank();
    assertThat(m.getEndpoint().getKubernetesMetadata().getKubernetesApiServerVersion())
        .isEqualTo("v1.19.8-gke.1600");

    assertThat(g.hub.getMembership(membershipName())).isEqualTo(m);
    assertThat(g.hub.listMemberships(g.fleetParent()).iterateAll()).containsExactly(m);
    assertThat(g.hub.listMemberships("projects/sandbox-project/locations/-").iterateAll())
        .containsExactly(m);
    assertThat(g.fake.calls())
        .anySatisfy(
            c -> {
              assertThat(c.shortMethod()).isEqualTo("CreateMembership");
              assertThat(c.resource()).isEqualTo(membershipName());
              assertThat(c.code()).isEqualTo(Status.Code.OK);
            });
  }

  @Test
  void reRegistrationAnswersAlreadyExists() throws Exception {
    register("sandbox-cluster");

    Throwable again = cause(() -> register("sandbox-cluster"));
    assertThat(again)
        .isInstanceOf(AlreadyExistsException.class)
        .hasMessageContaining("already exists");

    // the same cluster under another id, named in the zones form: still one membership per cluster
    Throwable otherId =
        cause(
            () ->
                g.hub
                    .createMembershipAsync(
                        g.fleetParent(),
                        gkeMembership(
                            "//container.googleapis.com/projects/sandbox-project/zones/us-central1-c"
                                + "/clusters/sandbox-cluster"),
                        "another-id")
                    .get(10, TimeUnit.SECONDS));
    assertThat(otherId)
        .isInstanceOf(AlreadyExistsException.class)
        .hasMessageContaining("already registered with membership '" + membershipName() + "'");
    assertThat(g.hub.listMemberships(g.fleetParent()).iterateAll()).hasSize(1);
  }

  @Test
  void aRetryWithTheSameRequestIdGetsTheFirstOperationBack() throws Exception {
    CreateMembershipRequest request =
        CreateMembershipRequest.newBuilder()
            .setParent(g.fleetParent())
            .setMembershipId("sandbox-cluster")
            .setResource(gkeMembership("//container.googleapis.com/" + g.clusterName()))
            .setRequestId(UUID.randomUUID().toString())
            .build();
    Operation first = g.hub.createMembershipCallable().call(request);
    Operation retry = g.hub.createMembershipCallable().call(request);

    assertThat(retry.getName()).isEqualTo(first.getName());
    assertThat(retry.getDone()).isTrue();
    assertThat(retry.getResponse().unpack(Membership.class).getName()).isEqualTo(membershipName());
  }

  @Test
  void refusesMalformedNamesAndUnknownResourcesLikeTheRealApi() throws Exception {
    assertThat(cause(() -> g.hub.getMembership("memberships/sandbox-cluster")))
        .isInstanceOf(InvalidArgumentException.class);
    assertThat(cause(() -> g.hub.getMembership(membershipName())))
        .isInstanceOf(NotFoundException.class);
    assertThat(
            cause(
                () -> g.hub.getMembership("projects/other-project/locations/global/memberships/x")))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("other-project");
    assertThat(cause(() -> register("Not_A_Label"))).isInstanceOf(InvalidArgumentException.class);
    assertThat(
            cause(
                () ->
                    g.hub
                        .createMembershipAsync(
                            g.fleetParent(),
                            gkeMembership(
                                "//container.googleapis.com/projects/sandbox-project/locations"
                                    + "/us-central1-c/clusters/no-such-cluster"),
                            "no-such-cluster")
                        .get(10, TimeUnit.SECONDS)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("no-such-cluster");
    assertThat(cause(() -> g.hub.listMemberships("projects/sandbox-project")))
        .isInstanceOf(InvalidArgumentException.class);
    assertThat(g.fake.calls())
        .extracting(GoogleCall::code)
        .contains(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND)
        .doesNotContain(Status.Code.OK);
  }

  @Test
  void enablesServicemeshAndSetsAutomaticManagementThenReadsItBack() throws Exception {
    register("sandbox-cluster");
    Feature created =
        g.hubBeta
            .createFeatureAsync(g.fleetParent(), Feature.getDefaultInstance(), "servicemesh")
            .get(10, TimeUnit.SECONDS);
    String featureName = g.fleetParent() + "/features/servicemesh";
    assertThat(created.getName()).isEqualTo(featureName);
    assertThat(created.getResourceState().getState()).isEqualTo(FeatureResourceState.State.ACTIVE);
    String numberKey =
        "projects/" + g.fake.projectNumber() + "/locations/global/memberships/sandbox-cluster";
    assertThat(
            created
                .getMembershipStatesMap()
                .get(numberKey)
                .getServicemesh()
                .getControlPlaneManagement()
                .getState())
        .isEqualTo(LifecycleState.DISABLED);

    // the key is given with the project id, as gcloud does; GKE Hub answers with the number
    Feature automatic =
        Feature.newBuilder()
            .putMembershipSpecs(
                "projects/sandbox-project/locations/global/memberships/sandbox-cluster",
                MembershipFeatureSpec.newBuilder()
                    .setMesh(
                        MembershipSpec.newBuilder()
                            .setManagement(MembershipSpec.Management.MANAGEMENT_AUTOMATIC))
                    .build())
            .build();
    Feature updated =
        g.hubBeta
            .updateFeatureAsync(
                UpdateFeatureRequest.newBuilder()
                    .setName(featureName)
                    .setResource(automatic)
                    .setUpdateMask(FieldMask.newBuilder().addPaths("membership_specs"))
                    .build())
            .get(10, TimeUnit.SECONDS);
    assertThat(updated.getMembershipSpecsMap()).containsOnlyKeys(numberKey);

    Feature read = g.hubBeta.getFeature(featureName);
    assertThat(read.getMembershipSpecsMap().get(numberKey).getMesh().getManagement())
        .isEqualTo(MembershipSpec.Management.MANAGEMENT_AUTOMATIC);
    var meshState = read.getMembershipStatesMap().get(numberKey).getServicemesh();
    assertThat(meshState.getControlPlaneManagement().getState()).isEqualTo(LifecycleState.ACTIVE);
    assertThat(g.hubBeta.listFeatures(g.fleetParent()).iterateAll()).containsExactly(read);

    // a v1 client reads the same Feature; the mesh spec rides in the fields v1 does not name
    com.google.cloud.gkehub.v1.Feature v1 = g.hub.getFeature(featureName);
    assertThat(v1.getName()).isEqualTo(featureName);
    Feature v1AsBeta = Feature.parseFrom(v1.toByteString());
    assertThat(v1AsBeta.getMembershipSpecsMap().get(numberKey).getMesh().getManagement())
        .isEqualTo(MembershipSpec.Management.MANAGEMENT_AUTOMATIC);
  }

  @Test
  void aV1ClientCanEnableTheFeatureAndSetTheMeshSpecToo() throws Exception {
    register("sandbox-cluster");
    g.hub
        .createFeatureAsync(
            g.fleetParent(), com.google.cloud.gkehub.v1.Feature.getDefaultInstance(), "servicemesh")
        .get(10, TimeUnit.SECONDS);
    Feature beta =
        Feature.newBuilder()
            .putMembershipSpecs(
                membershipName(),
                MembershipFeatureSpec.newBuilder()
                    .setMesh(
                        MembershipSpec.newBuilder()
                            .setManagement(MembershipSpec.Management.MANAGEMENT_AUTOMATIC))
                    .build())
            .build();
    com.google.cloud.gkehub.v1.Feature asV1 =
        com.google.cloud.gkehub.v1.Feature.parseFrom(beta.toByteString());
    com.google.cloud.gkehub.v1.Feature result =
        g.hub
            .updateFeatureAsync(
                g.fleetParent() + "/features/servicemesh",
                asV1,
                FieldMask.newBuilder().addPaths("membership_specs").build())
            .get(10, TimeUnit.SECONDS);

    String numberKey =
        "projects/" + g.fake.projectNumber() + "/locations/global/memberships/sandbox-cluster";
    assertThat(result.getMembershipSpecsMap()).containsOnlyKeys(numberKey);
    Feature read = g.hubBeta.getFeature(g.fleetParent() + "/features/servicemesh");
    assertThat(read.getMembershipSpecsMap().get(numberKey).getMesh().getManagement())
        .isEqualTo(MembershipSpec.Management.MANAGEMENT_AUTOMATIC);
  }

  @Test
  void featureUpdatesFollowTheMaskAndMapRules() throws Exception {
    register("sandbox-cluster");
    String featureName = g.fleetParent() + "/features/servicemesh";
    g.hubBeta
        .createFeatureAsync(g.fleetParent(), Feature.getDefaultInstance(), "servicemesh")
        .get(10, TimeUnit.SECONDS);
    assertThat(
            cause(
                () ->
                    g.hubBeta
                        .createFeatureAsync(
                            g.fleetParent(), Feature.getDefaultInstance(), "servicemesh")
                        .get(10, TimeUnit.SECONDS)))
        .isInstanceOf(AlreadyExistsException.class);

    MembershipFeatureSpec auto =
        MembershipFeatureSpec.newBuilder()
            .setMesh(
                MembershipSpec.newBuilder()
                    .setManagement(MembershipSpec.Management.MANAGEMENT_AUTOMATIC))
            .build();
    FieldMask specs = FieldMask.newBuilder().addPaths("membership_specs").build();
    // a spec for a membership that does not exist
    assertThat(
            cause(
                () ->
                    g.hubBeta
                        .updateFeatureAsync(
                            UpdateFeatureRequest.newBuilder()
                                .setName(featureName)
                                .setUpdateMask(specs)
                                .setResource(
                                    Feature.newBuilder()
                                        .putMembershipSpecs(
                                            g.fleetParent() + "/memberships/ghost", auto))
                                .build())
                        .get(10, TimeUnit.SECONDS)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("ghost");
    // a field the fake cannot update
    assertThat(
            cause(
                () ->
                    g.hubBeta
                        .updateFeatureAsync(
                            UpdateFeatureRequest.newBuilder()
                                .setName(featureName)
                                .setUpdateMask(FieldMask.newBuilder().addPaths("resource_state"))
                                .setResource(Feature.getDefaultInstance())
                                .build())
                        .get(10, TimeUnit.SECONDS)))
        .isInstanceOf(InvalidArgumentException.class);

    g.hubBeta
        .updateFeatureAsync(
            UpdateFeatureRequest.newBuilder()
                .setName(featureName)
                .setUpdateMask(specs)
                .setResource(Feature.newBuilder().putMembershipSpecs(membershipName(), auto))
                .build())
        .get(10, TimeUnit.SECONDS);
    // an empty value for a key removes that key
    Feature cleared =
        g.hubBeta
            .updateFeatureAsync(
                UpdateFeatureRequest.newBuilder()
                    .setName(featureName)
                    .setUpdateMask(specs)
                    .setResource(
                        Feature.newBuilder()
                            .putMembershipSpecs(
                                membershipName(), MembershipFeatureSpec.getDefaultInstance()))
                    .build())
            .get(10, TimeUnit.SECONDS);
    assertThat(cleared.getMembershipSpecsMap()).isEmpty();

    g.hubBeta.deleteFeatureAsync(featureName).get(10, TimeUnit.SECONDS);
    assertThat(cause(() -> g.hubBeta.getFeature(featureName)))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void deletingAMembershipRemovesItAndItsMeshSpec() throws Exception {
    register("sandbox-cluster");
    String featureName = g.fleetParent() + "/features/servicemesh";
    g.hubBeta
        .createFeatureAsync(
            g.fleetParent(),
            Feature.newBuilder()
                .putMembershipSpecs(
                    membershipName(),
                    MembershipFeatureSpec.newBuilder()
                        .setMesh(
                            MembershipSpec.newBuilder()
                                .setManagement(MembershipSpec.Management.MANAGEMENT_AUTOMATIC))
                        .build())
                .build(),
            "servicemesh")
        .get(10, TimeUnit.SECONDS);
    assertThat(g.hubBeta.getFeature(featureName).getMembershipSpecsCount()).isEqualTo(1);

    g.hub.deleteMembershipAsync(membershipName()).get(10, TimeUnit.SECONDS);

    assertThat(cause(() -> g.hub.getMembership(membershipName())))
        .isInstanceOf(NotFoundException.class);
    assertThat(g.hub.listMemberships(g.fleetParent()).iterateAll()).isEmpty();
    assertThat(g.hubBeta.getFeature(featureName).getMembershipSpecsMap()).isEmpty();
    // and the cluster can be registered again
    assertThat(register("sandbox-cluster").getState().getCode())
        .isEqualTo(MembershipState.Code.READY);
    assertThat(g.fake.calls())
        .extracting(GoogleCall::shortMethod)
        .containsSubsequence(
            List.of("CreateMembership", "CreateFeature", "DeleteMembership", "CreateMembership"));
  }

  /**
   * As GKE Hub (and {@code gcloud container fleet mesh disable} without {@code --force}): a feature
   * a membership uses is not disabled unless forced, and a spec update keeps the other memberships'
   * specs.
   */
  @Test
  void disablingAFeatureInUseNeedsForce() throws Exception {
    register("sandbox-cluster");
    String other =
        g.fake.addOtherMembership(
            "other-cluster",
            "//container.googleapis.com/projects/sandbox-project/locations/europe-west1/clusters/x");
    String featureName = g.fleetParent() + "/features/servicemesh";
    MembershipFeatureSpec auto =
        MembershipFeatureSpec.newBuilder()
            .setMesh(
                MembershipSpec.newBuilder()
                    .setManagement(MembershipSpec.Management.MANAGEMENT_AUTOMATIC))
            .build();
    g.hubBeta
        .createFeatureAsync(
            g.fleetParent(),
            Feature.newBuilder().putMembershipSpecs(other, auto).build(),
            "servicemesh")
        .get(10, TimeUnit.SECONDS);
    FieldMask specs = FieldMask.newBuilder().addPaths("membership_specs").build();
    g.hubBeta
        .updateFeatureAsync(
            UpdateFeatureRequest.newBuilder()
                .setName(featureName)
                .setUpdateMask(specs)
                .setResource(Feature.newBuilder().putMembershipSpecs(membershipName(), auto))
                .build())
        .get(10, TimeUnit.SECONDS);
    assertThat(g.hubBeta.getFeature(featureName).getMembershipSpecsCount()).isEqualTo(2);

    assertThat(cause(() -> g.hubBeta.deleteFeatureAsync(featureName).get(10, TimeUnit.SECONDS)))
        .isInstanceOf(com.google.api.gax.rpc.FailedPreconditionException.class)
        .hasMessageContaining("in use")
        .hasMessageContaining("/memberships/other-cluster");
    assertThat(g.hubBeta.getFeature(featureName).getMembershipSpecsCount()).isEqualTo(2);

    g.hubBeta
        .deleteFeatureAsync(
            com.google.cloud.gkehub.v1beta.DeleteFeatureRequest.newBuilder()
                .setName(featureName)
                .setForce(true)
                .build())
        .get(10, TimeUnit.SECONDS);
    assertThat(cause(() -> g.hubBeta.getFeature(featureName)))
        .isInstanceOf(NotFoundException.class);
  }
}
