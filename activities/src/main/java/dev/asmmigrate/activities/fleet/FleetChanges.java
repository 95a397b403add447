package dev.asmmigrate.activities.fleet;

import static dev.asmmigrate.activities.fleet.FleetActivitiesImpl.FEATURE;
import static dev.asmmigrate.activities.fleet.FleetActivitiesImpl.HUB_V1;
import static dev.asmmigrate.activities.fleet.FleetActivitiesImpl.HUB_V1BETA;
import static dev.asmmigrate.activities.fleet.FleetActivitiesImpl.LABEL;
import static dev.asmmigrate.activities.fleet.FleetActivitiesImpl.STEP;
import static dev.asmmigrate.activities.fleet.FleetActivitiesImpl.featureName;
import static dev.asmmigrate.activities.fleet.FleetActivitiesImpl.parent;
import static dev.asmmigrate.activities.fleet.FleetActivitiesImpl.resourceLink;

import com.google.cloud.gkehub.servicemesh.v1beta.MembershipSpec;
import com.google.cloud.gkehub.v1.Feature;
import com.google.cloud.gkehub.v1.GkeCluster;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1.MembershipEndpoint;
import com.google.cloud.gkehub.v1beta.MembershipFeatureSpec;
import com.google.protobuf.Message;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.ClusterRef;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code fleet-registration} changes, computed once from what it read: the one place that
 * decides; {@link FleetActivitiesImpl#registerFleet} makes these GKE Hub calls, {@code plan} shows
 * them.
 */
final class FleetChanges {

  /**
   * What the step reads.
   *
   * @param cluster the cluster to register
   * @param fleet the fleet project
   * @param label the value of the {@value FleetActivitiesImpl#LABEL} label marking what this
   *     migration creates
   * @param membership the cluster's membership in the fleet, null when it has none
   * @param featureEnabled whether the fleet's {@value FleetActivitiesImpl#FEATURE} feature exists
   * @param spec the membership's mesh spec in that feature, null when it has none
   */
  record Observed(
      ClusterRef cluster,
      String fleet,
      String label,
      Membership membership,
      boolean featureEnabled,
      MembershipFeatureSpec spec) {

    /** The membership's name: the existing one's, or the one the step registers. */
    String membershipName() {
      return membership != null
          ? membership.getName()
          : parent(fleet) + "/memberships/" + cluster.cluster();
    }
  }

  /**
   * One GKE Hub call.
   *
   * @param api the API and version, e.g. {@code gkehub.googleapis.com/v1}
   * @param method the method, e.g. {@code CreateMembership}
   * @param name the resource created or updated
   * @param resource the resource the request carries
   * @param note what the call does, in words
   */
  record Change(String api, String method, String name, Message resource, String note) {
    PlannedChange planned() {
      return PlannedChange.call(STEP, api, method, name, HubMessages.json(resource), note);
    }
  }

  private FleetChanges() {}

  /**
   * The membership registered (labelled with this migration) when the cluster has none; the feature
   * enabled (labelled) when the fleet has not; the membership's mesh management set to automatic,
   * its other spec fields kept, unless it is so already.
   */
  static List<Change> desired(Observed o) {
    List<Change> out = new ArrayList<>();
    String membership = o.membershipName();
    if (o.membership() == null) {
      out.add(
          new Change(
              HUB_V1,
              "CreateMembership",
              membership,
              Membership.newBuilder()
                  .putLabels(LABEL, o.label())
                  .setEndpoint(
                      MembershipEndpoint.newBuilder()
                          .setGkeCluster(
                              GkeCluster.newBuilder().setResourceLink(resourceLink(o.cluster()))))
                  .build(),
              "register " + o.cluster() + " in fleet project " + o.fleet()));
    }
    if (!o.featureEnabled()) {
      out.add(
          new Change(
              HUB_V1,
              "CreateFeature",
              featureName(o.fleet()),
              Feature.newBuilder().putLabels(LABEL, o.label()).build(),
              "enable the " + FEATURE + " feature on fleet project " + o.fleet()));
    }
    if (o.spec() == null
        || o.spec().getMesh().getManagement() != MembershipSpec.Management.MANAGEMENT_AUTOMATIC) {
      MembershipFeatureSpec.Builder next =
          o.spec() == null ? MembershipFeatureSpec.newBuilder() : o.spec().toBuilder();
      next.setMesh(
          next.getMesh().toBuilder().setManagement(MembershipSpec.Management.MANAGEMENT_AUTOMATIC));
      out.add(
          new Change(
              HUB_V1BETA,
              "UpdateFeature",
              featureName(o.fleet()),
              com.google.cloud.gkehub.v1beta.Feature.newBuilder()
                  .putMembershipSpecs(membership, next.build())
                  .build(),
              "mesh management of " + membership + " automatic (update mask membership_specs)"));
    }
    return out;
  }
}
