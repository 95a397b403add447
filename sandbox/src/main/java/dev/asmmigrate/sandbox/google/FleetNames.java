package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.v1.Membership;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The names of the fleet's resources: parsing and checking them, and writing them. */
final class FleetNames {
  private static final Pattern PARENT = Pattern.compile("projects/([^/]+)/locations/([^/]+)");
  static final Pattern MEMBERSHIP =
      Pattern.compile("projects/([^/]+)/locations/([^/]+)/memberships/([^/]+)");
  private static final Pattern FEATURE =
      Pattern.compile("projects/([^/]+)/locations/([^/]+)/features/([^/]+)");

  private final String project;
  private final long projectNumber;

  /** The names of the fleet of {@code project}, whose number is {@code projectNumber}. */
  FleetNames(String project, long projectNumber) {
    this.project = project;
    this.projectNumber = projectNumber;
  }

  /** The fleet project's id. */
  String project() {
    return project;
  }

  void parent(String parent, boolean allowWildcard) {
    Matcher m = PARENT.matcher(parent);
    if (!m.matches()) {
      throw Rpc.invalid(
          "Invalid parent '" + parent + "': expected projects/{project}/locations/{location}.");
    }
    checkProjectAndLocation(m.group(1), m.group(2), allowWildcard, parent);
  }

  String membershipId(String name) {
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

  String featureId(String name) {
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

  void checkProjectAndLocation(
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

  boolean isProject(String project) {
    return project.equals(this.project) || project.equals(Long.toString(projectNumber));
  }

  String membershipName(String id) {
    return "projects/" + project + "/locations/global/memberships/" + id;
  }

  String featureName(String id) {
    return "projects/" + project + "/locations/global/features/" + id;
  }

  /** A membership as a key of a feature's maps: with the project number, as GKE Hub returns it. */
  String membershipKey(String id) {
    return "projects/" + projectNumber + "/locations/global/memberships/" + id;
  }

  static String idOf(Membership m) {
    return m.getName().substring(m.getName().lastIndexOf('/') + 1);
  }
}
