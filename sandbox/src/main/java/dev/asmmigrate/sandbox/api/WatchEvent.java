package dev.asmmigrate.sandbox.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A change in the store, as a watch delivers it. The trees are the store's own: read them, never
 * change them.
 *
 * @param type {@code ADDED}, {@code MODIFIED} or {@code DELETED}
 * @param resource the storage type of the object
 * @param object the object after the change (for DELETED, its last state)
 * @param oldObject the object before the change, null for ADDED
 * @param resourceVersion the store's resource version of this change
 */
public record WatchEvent(
    String type,
    ResourceType resource,
    ObjectNode object,
    ObjectNode oldObject,
    long resourceVersion) {

  public String namespace() {
    return object.path("metadata").path("namespace").asText(null);
  }

  public String name() {
    return object.path("metadata").path("name").asText();
  }
}
