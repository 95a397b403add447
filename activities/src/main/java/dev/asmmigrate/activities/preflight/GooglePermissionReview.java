package dev.asmmigrate.activities.preflight;

import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The caller's Google permissions for the Google-side steps ({@link RequiredGooglePermissions}),
 * asked of Google with Resource Manager's {@code TestIamPermissions} on the fleet project and the
 * cluster's project (once when they are the same), which changes nothing.
 */
final class GooglePermissionReview {
  private GooglePermissionReview() {}

  /**
   * Fails PERMISSION_DENIED (permanent) naming each permission the caller lacks and its project.
   *
   * @param fleetProject the fleet project; the cluster's project when null or blank
   */
  static void checkGooglePermissions(
      GoogleClients google, MigrationContext ctx, String fleetProject) {
    String clusterProject = ctx.cluster().project();
    String fleet = fleetProject == null || fleetProject.isBlank() ? clusterProject : fleetProject;
    Map<String, List<String>> byProject = new LinkedHashMap<>();
    for (RequiredGooglePermissions.Permission p : RequiredGooglePermissions.all()) {
      String project =
          p.scope() == RequiredGooglePermissions.Scope.FLEET_PROJECT ? fleet : clusterProject;
      byProject.computeIfAbsent(project, k -> new ArrayList<>()).add(p.name());
    }
    List<String> missing = new ArrayList<>();
    byProject.forEach(
        (project, wanted) -> {
          Set<String> held =
              new HashSet<>(google.heldPermissions(ctx.connection(), project, wanted));
          wanted.stream()
              .filter(p -> !held.contains(p))
              .forEach(p -> missing.add(p + " on projects/" + project));
        });
    if (!missing.isEmpty()) {
      throw Failures.permanent(
          FailureType.PERMISSION_DENIED,
          "the migration's Google-side steps need "
              + missing.size()
              + " IAM permission"
              + (missing.size() == 1 ? "" : "s")
              + " the caller lacks: "
              + String.join(", ", missing));
    }
  }
}
