package dev.asmmigrate.workflows.model;

/**
 * A reference to a backed-up object: never its content. {@code sha256} is the hash of the stored
 * content ({@code absent} when the object did not exist before the step, so undo deletes it).
 */
public record BackupRef(
    String key, String kind, String namespace, String name, String sha256, boolean absent) {

  @Override
  public String toString() {
    return kind + " " + (namespace == null || namespace.isEmpty() ? "" : namespace + "/") + name;
  }
}
