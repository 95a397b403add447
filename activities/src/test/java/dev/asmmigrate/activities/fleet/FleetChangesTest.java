package dev.asmmigrate.activities.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.gkehub.servicemesh.v1beta.MembershipSpec;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1beta.MembershipFeatureSpec;
import dev.asmmigrate.activities.fleet.FleetChanges.Observed;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.ClusterRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetChangesTest {
  static final ClusterRef CLUSTER = new ClusterRef("p", "europe-west1-b", "c1");
  static final String FEATURE = "projects/fleet/locations/global/features/servicemesh";

  static List<String> described(List<FleetChanges.Change> changes) {
    return changes.stream()
        .map(FleetChanges.Change::planned)
        .map(c -> c.describe() + " " + c.body())
        .toList();
  }

  @Test
  void givenAnUnregisteredClusterAndNoFeature_itShouldRegisterEnableAndSetTheSpec() {
    List<FleetChanges.Change> changes =
        FleetChanges.desired(new Observed(CLUSTER, "fleet", "m-1", null, false, null));

    assertThat(described(changes))
        .containsExactly(
            "call gkehub.googleapis.com/v1 CreateMembership"
                + " projects/fleet/locations/global/memberships/c1"
                + " {\"labels\":{\"asm-migrate-id\":\"m-1\"},\"endpoint\":{\"gkeCluster\":"
                + "{\"resourceLink\":\"//container.googleapis.com/projects/p/locations/"
                + "europe-west1-b/clusters/c1\"}}}",
            "call gkehub.googleapis.com/v1 CreateFeature "
                + FEATURE
                + " {\"labels\":{\"asm-migrate-id\":\"m-1\"}}",
            "call gkehub.googleapis.com/v1beta UpdateFeature "
                + FEATURE
                + " {\"membershipSpecs\":{\"projects/fleet/locations/global/memberships/c1\":"
                + "{\"mesh\":{\"management\":\"MANAGEMENT_AUTOMATIC\"}}}}");
    assertThat(changes.get(0).planned().step()).isEqualTo("fleet-registration");
  }

  @Test
  void givenAMembershipAndAManualSpec_itShouldOnlySetManagementKeepingTheSpecsOtherFields() {
    Membership existing =
        Membership.newBuilder().setName("projects/fleet/locations/global/memberships/prod").build();
    MembershipFeatureSpec manual =
        MembershipFeatureSpec.newBuilder()
            .setMesh(
                MembershipSpec.newBuilder()
                    .setManagement(MembershipSpec.Management.MANAGEMENT_MANUAL)
                    .setControlPlane(MembershipSpec.ControlPlaneManagement.AUTOMATIC))
            .build();

    List<FleetChanges.Change> changes =
        FleetChanges.desired(new Observed(CLUSTER, "fleet", "m-1", existing, true, manual));

    assertThat(changes)
        .singleElement()
        .extracting(FleetChanges.Change::method)
        .isEqualTo("UpdateFeature");
    PlannedChange planned = changes.get(0).planned();
    assertThat(
            planned.body().path("membershipSpecs").path(existing.getName()).path("mesh").toString())
        .isEqualTo("{\"controlPlane\":\"AUTOMATIC\",\"management\":\"MANAGEMENT_AUTOMATIC\"}");
  }

  @Test
  void givenARegisteredClusterManagedAutomatically_itShouldChangeNothing() {
    MembershipFeatureSpec automatic =
        MembershipFeatureSpec.newBuilder()
            .setMesh(
                MembershipSpec.newBuilder()
                    .setManagement(MembershipSpec.Management.MANAGEMENT_AUTOMATIC))
            .build();
    Membership existing =
        Membership.newBuilder().setName("projects/fleet/locations/global/memberships/c1").build();

    assertThat(
            FleetChanges.desired(new Observed(CLUSTER, "fleet", "m-1", existing, true, automatic)))
        .isEmpty();
  }
}
