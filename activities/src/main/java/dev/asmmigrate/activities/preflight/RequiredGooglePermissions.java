package dev.asmmigrate.activities.preflight;

import java.util.List;

/**
 * Every Google IAM permission the migration's Google-side steps use, in one place, with the project
 * it is needed on: fleet-registration (and its undo) on the fleet project, in GKE Hub; pre-flight
 * and disable-addon on the cluster's project, in the GKE ClusterManager. Pre-flight asks Google
 * which of them the caller lacks (Resource Manager's {@code TestIamPermissions} on each project),
 * so that a missing one fails the migration before it changes anything, as {@link
 * RequiredPermissions} does for Kubernetes RBAC.
 *
 * <p>{@code RequiredPermissionsTest} keeps the list exact: every Google call of a whole migration
 * and a whole rollback on the sandbox needs one of these on its project, and each of these was
 * needed by one of them.
 */
public final class RequiredGooglePermissions {
  /** Where a permission is needed. */
  public enum Scope {
    /** The fleet (GKE Hub host) project: the cluster's own unless the request names another. */
    FLEET_PROJECT,
    /** The cluster's project. */
    CLUSTER_PROJECT
  }

  /** One IAM permission, on the project of its scope, and what needs it. */
  public record Permission(String name, Scope scope, String usedBy) {}

  private static final List<Permission> ALL =
      List.of(
          hub("gkehub.memberships.list", "fleet-registration finds the cluster's membership"),
          hub("gkehub.memberships.get", "the undo of fleet-registration reads the membership"),
          hub("gkehub.memberships.create", "fleet-registration registers the cluster"),
          hub("gkehub.memberships.delete", "the undo removes a membership the migration made"),
          hub("gkehub.features.get", "fleet-registration reads the servicemesh feature"),
          hub("gkehub.features.create", "fleet-registration enables the servicemesh feature"),
          hub("gkehub.features.update", "fleet-registration sets the membership's mesh spec"),
          hub("gkehub.features.delete", "the undo disables a feature the migration enabled"),
          hub("gkehub.operations.get", "fleet-registration awaits GKE Hub's operations"),
          cluster("container.clusters.get", "pre-flight and disable-addon read the cluster"),
          cluster("container.clusters.update", "disable-addon disables the Istio add-on"),
          cluster("container.operations.get", "disable-addon awaits the cluster's update"));

  private RequiredGooglePermissions() {}

  private static Permission hub(String name, String usedBy) {
    return new Permission(name, Scope.FLEET_PROJECT, usedBy);
  }

  private static Permission cluster(String name, String usedBy) {
    return new Permission(name, Scope.CLUSTER_PROJECT, usedBy);
  }

  /** Every permission, in a stable order. */
  public static List<Permission> all() {
    return ALL;
  }
}
