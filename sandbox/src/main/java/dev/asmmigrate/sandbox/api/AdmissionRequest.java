package dev.asmmigrate.sandbox.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What an {@link AdmissionPlugin} sees.
 *
 * @param operation {@code CREATE} or {@code UPDATE}
 * @param type the resource
 * @param namespace the object's namespace, or null for cluster-scoped resources
 * @param object the incoming object, mutable by mutating plugins
 * @param oldObject the stored object for updates, null for creates
 * @param dryRun whether the request is a server-side dry run (plugins must not have side effects)
 * @param store the store, for reading other objects (never write from a plugin)
 */
public record AdmissionRequest(
    Operation operation,
    ResourceType type,
    String namespace,
    ObjectNode object,
    ObjectNode oldObject,
    boolean dryRun,
    ObjectStore store) {

  public enum Operation {
    CREATE,
    UPDATE
  }
}
