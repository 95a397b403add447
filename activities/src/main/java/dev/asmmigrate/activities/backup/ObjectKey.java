package dev.asmmigrate.activities.backup;

/** Which object a backup is of. {@code namespace} is null for cluster-scoped objects. */
public record ObjectKey(String apiVersion, String kind, String namespace, String name) {

  @Override
  public String toString() {
    return kind + " " + (namespace == null ? "" : namespace + "/") + name;
  }
}
