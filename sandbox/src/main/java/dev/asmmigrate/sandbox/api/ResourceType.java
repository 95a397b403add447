package dev.asmmigrate.sandbox.api;

import java.util.List;

/**
 * One served Kubernetes resource: what discovery advertises and what the store keys objects by.
 *
 * @param group API group, empty for the core group
 * @param version served version
 * @param plural the REST resource name, e.g. {@code deployments}
 * @param singular singular name, e.g. {@code deployment}
 * @param kind object kind, e.g. {@code Deployment}
 * @param namespaced whether objects live in a namespace
 * @param shortNames kubectl short names, e.g. {@code deploy}
 * @param statusSubresource whether {@code /status} is served
 * @param scaleSubresource whether {@code /scale} is served
 * @param categories discovery categories, e.g. {@code all}
 */
public record ResourceType(
    String group,
    String version,
    String plural,
    String singular,
    String kind,
    boolean namespaced,
    List<String> shortNames,
    boolean statusSubresource,
    boolean scaleSubresource,
    List<String> categories) {

  public static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  public ResourceType {
    shortNames = List.copyOf(shortNames);
    categories = List.copyOf(categories);
  }

  /** The {@code apiVersion} field of objects of this type. */
  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** Group and plural, the version-independent identity of the resource. */
  public String groupResource() {
    return group.isEmpty() ? plural : plural + "." + group;
  }

  /** The same resource served at another version (the store shares objects between them). */
  public ResourceType atVersion(String otherVersion) {
    return new ResourceType(
        group,
        otherVersion,
        plural,
        singular,
        kind,
        namespaced,
        shortNames,
        statusSubresource,
        scaleSubresource,
        categories);
  }

  /** Refuses a name objects of this type cannot have (422), as the real registry's validation. */
  void validateName(String name) {
    boolean ok = name.length() <= 253 && name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    if (equals(ResourceRegistry.NAMESPACES) || equals(ResourceRegistry.SERVICES)) {
      ok = name.length() <= 63 && name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    }
    if (group().startsWith("rbac.")) {
      ok = !name.isEmpty() && !name.contains("/") && !name.equals(".") && !name.equals("..");
    }
    if (!ok) {
      throw ApiException.invalid(
          this,
          name,
          "metadata.name: Invalid value: \""
              + name
              + "\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'");
    }
  }
}
