package dev.asmmigrate.sandbox.google;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.longrunning.OperationFuture;
import com.google.api.gax.rpc.FailedPreconditionException;
import com.google.api.gax.rpc.NotFoundException;
import com.google.api.gax.rpc.PermissionDeniedException;
import com.google.cloud.gkehub.v1.GkeCluster;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1.MembershipEndpoint;
import com.google.cloud.gkehub.v1.MembershipState;
import com.google.cloud.gkehub.v1.OperationMetadata;
import com.google.container.v1beta1.AddonsConfig;
import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.IstioConfig;
import com.google.container.v1beta1.Operation;
import com.google.iam.v1.TestIamPermissionsRequest;
import com.google.iam.v1.TestIamPermissionsResponse;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault knobs of the fake Google APIs, seen through the real clients. */
@SuppressWarnings("deprecation") // istio_config is deprecated in the API: it is what we simulate
class FakeGoogleApisFaultsTest {
  private GoogleClients g;

  @BeforeEach
  void start() throws Exception {
    g = GoogleClients.start();
  }

  @AfterEach
  void stop() throws Exception {
    g.close();
  }

  private OperationFuture<Membership, OperationMetadata> register() {
    return g.hub.createMembershipAsync(
        g.fleetParent(),
        Membership.newBuilder()
            .setEndpoint(
                MembershipEndpoint.newBuilder()
                    .setGkeCluster(
                        GkeCluster.newBuilder()
                            .setResourceLink("//container.googleapis.com/" + g.clusterName())))
            .build(),
        "sandbox-cluster");
  }

  @Test
  void permissionDeniedNamesThePermissionOfEveryCall() throws Exception {
    g.faults.googleApiFault = "permission-denied";

    assertThatThrownBy(() -> register().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("gkehub.memberships.create");
    assertThatThrownBy(() -> g.hub.listMemberships(g.fleetParent()).iterateAll().iterator())
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("gkehub.memberships.list");
    assertThatThrownBy(() -> g.hubBeta.getFeature(g.fleetParent() + "/features/servicemesh"))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("gkehub.features.get");
    assertThatThrownBy(() -> g.container.getCluster(g.clusterName()))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("container.clusters.get");
    assertThatThrownBy(
            () ->
                g.containerBeta.setAddonsConfig(
                    com.google.container.v1beta1.SetAddonsConfigRequest.newBuilder()
                        .setName(g.clusterName())
                        .setAddonsConfig(
                            AddonsConfig.newBuilder()
                                .setIstioConfig(IstioConfig.newBuilder().setDisabled(true)))
                        .build()))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("container.clusters.update");
    assertThat(g.fake.cluster().istioAddonEnabled()).isTrue();
    assertThat(g.fake.calls())
        .hasSize(5)
        .allSatisfy(c -> assertThat(c.code()).isEqualTo(Status.Code.PERMISSION_DENIED));

    g.faults.googleApiFault = "";
    assertThat(register().get(10, TimeUnit.SECONDS).getState().getCode())
        .isEqualTo(MembershipState.Code.READY);
  }

  @Test
  void notFoundHidesTheClusterAndTheMemberships() throws Exception {
    register().get(10, TimeUnit.SECONDS);
    g.faults.googleApiFault = "not-found";

    assertThatThrownBy(() -> g.container.getCluster(g.clusterName()))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> g.betaCluster()).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> g.hub.getMembership(g.fleetParent() + "/memberships/sandbox-cluster"))
        .isInstanceOf(NotFoundException.class);
    assertThat(g.hub.listMemberships(g.fleetParent()).iterateAll()).isEmpty();
    assertThatThrownBy(() -> register().get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining(g.clusterName());

    g.faults.googleApiFault = "";
    assertThat(g.hub.getMembership(g.fleetParent() + "/memberships/sandbox-cluster").getName())
        .endsWith("/memberships/sandbox-cluster");
  }

  @Test
  void slowHubOperationsRunUntilTheDelayHasPassed() throws Exception {
    g.faults.googleOperationDelay = Duration.ofMillis(1500);
    long started = System.nanoTime();
    OperationFuture<Membership, OperationMetadata> future = register();

    assertThat(future.getInitialFuture().get(5, TimeUnit.SECONDS).isDone()).isFalse();
    assertThat(
            g.hub
                .getMembership(g.fleetParent() + "/memberships/sandbox-cluster")
                .getState()
                .getCode())
        .isEqualTo(MembershipState.Code.CREATING);

    Membership done = future.get(10, TimeUnit.SECONDS);
    assertThat(done.getState().getCode()).isEqualTo(MembershipState.Code.READY);
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    assertThat(future.getMetadata().get(5, TimeUnit.SECONDS).hasEndTime()).isTrue();
    assertThat(g.fake.calls()).extracting(GoogleCall::shortMethod).contains("GetOperation");
  }

  @Test
  void slowClusterOperationsKeepTheClusterReconciling() throws Exception {
    // Long enough that the three calls below land inside the operation on a loaded machine.
    g.faults.googleOperationDelay = Duration.ofSeconds(6);
    var disable =
        com.google.container.v1beta1.SetAddonsConfigRequest.newBuilder()
            .setName(g.clusterName())
            .setAddonsConfig(
                AddonsConfig.newBuilder()
                    .setIstioConfig(IstioConfig.newBuilder().setDisabled(true)))
            .build();

    Operation op = g.containerBeta.setAddonsConfig(disable);
    assertThat(op.getStatus()).isEqualTo(Operation.Status.RUNNING);
    Cluster during = g.betaCluster();
    assertThat(during.getStatus()).isEqualTo(Cluster.Status.RECONCILING);
    assertThat(during.getAddonsConfig().getIstioConfig().getDisabled()).isFalse();
    assertThatThrownBy(() -> g.containerBeta.setAddonsConfig(disable))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessageContaining(op.getName());

    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> g.betaOperation(op.getName()).getStatus() == Operation.Status.DONE);
    Cluster after = g.betaCluster();
    assertThat(after.getStatus()).isEqualTo(Cluster.Status.RUNNING);
    assertThat(after.getAddonsConfig().getIstioConfig().getDisabled()).isTrue();
    assertThat(g.fake.cluster().istioAddonEnabled()).isFalse();
  }

  @Test
  void aPermissionTakenAwayIsDeniedOnItsProjectAndLeftOutOfTestIamPermissions() throws Exception {
    List<String> asked =
        List.of("gkehub.memberships.create", "gkehub.features.get", "container.clusters.update");
    assertThat(testIamPermissions("projects/" + g.project(), asked))
        .as("all held by default")
        .containsExactlyElementsOf(asked);

    g.fake.iam().deny(g.project(), "gkehub.memberships.create", "container.clusters.update");
    g.fake.iam().deny("other-project", "gkehub.features.get");

    assertThat(testIamPermissions("projects/" + g.project(), asked))
        .containsExactly("gkehub.features.get");
    assertThat(testIamPermissions("projects/other-project", asked))
        .containsExactly("gkehub.memberships.create", "container.clusters.update");
    assertThatThrownBy(() -> register().get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("gkehub.memberships.create");
    assertThatThrownBy(
            () ->
                g.containerBeta.setAddonsConfig(
                    com.google.container.v1beta1.SetAddonsConfigRequest.newBuilder()
                        .setName(g.clusterName())
                        .setAddonsConfig(
                            AddonsConfig.newBuilder()
                                .setIstioConfig(IstioConfig.newBuilder().setDisabled(true)))
                        .build()))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("container.clusters.update");
    assertThat(g.fake.cluster().istioAddonEnabled()).isTrue();
    // what is still held works
    assertThat(g.betaCluster().getAddonsConfig().getIstioConfig().getDisabled()).isFalse();
    // the permission-denied fault holds nothing
    g.faults.googleApiFault = "permission-denied";
    assertThat(testIamPermissions("projects/other-project", asked)).isEmpty();
    g.faults.googleApiFault = "";

    g.fake.iam().grantAll();
    assertThat(testIamPermissions("projects/" + g.project(), asked)).hasSize(3);
    assertThat(g.fake.calls())
        .filteredOn(c -> c.shortMethod().equals("TestIamPermissions"))
        .hasSize(5)
        .allSatisfy(c -> assertThat(c.permission()).isEmpty());
    assertThat(g.fake.calls())
        .filteredOn(c -> c.shortMethod().equals("CreateMembership"))
        .singleElement()
        .satisfies(c -> assertThat(c.permission()).isEqualTo("gkehub.memberships.create"));
  }

  /** Resource Manager v3's Projects.TestIamPermissions, through a hand-built method descriptor. */
  private List<String> testIamPermissions(String resource, List<String> permissions) {
    io.grpc.MethodDescriptor<TestIamPermissionsRequest, TestIamPermissionsResponse> method =
        io.grpc.MethodDescriptor.<TestIamPermissionsRequest, TestIamPermissionsResponse>newBuilder()
            .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("google.cloud.resourcemanager.v3.Projects/TestIamPermissions")
            .setRequestMarshaller(
                ProtoUtils.marshaller(TestIamPermissionsRequest.getDefaultInstance()))
            .setResponseMarshaller(
                ProtoUtils.marshaller(TestIamPermissionsResponse.getDefaultInstance()))
            .build();
    return ClientCalls.blockingUnaryCall(
            g.channel,
            method,
            io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
            TestIamPermissionsRequest.newBuilder()
                .setResource(resource)
                .addAllPermissions(permissions)
                .build())
        .getPermissionsList();
  }
}
