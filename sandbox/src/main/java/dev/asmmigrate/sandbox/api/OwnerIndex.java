package dev.asmmigrate.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The garbage collector's graph of owners, as the real one keeps it instead of scanning every
 * collection when an owner goes: per owner uid, the objects stored with an ownerReference to it.
 * Entries are added as objects are stored and taken when their owner goes; one can outlive its
 * reference (an orphaned dependent, a dependent deleted first), so the store checks each against
 * the object stored now. Not thread-safe: the store uses it under its lock.
 */
final class OwnerIndex {
  /** A dependent: its storage type and its key in that collection (namespace/name or name). */
  record Dependent(ResourceType type, String key) {}

  private final Map<String, Set<Dependent>> byOwner = new HashMap<>();

  /** Records {@code obj}'s owners; {@code type} is its storage type. */
  void add(ResourceType type, String key, ObjectNode obj) {
    for (JsonNode ref : obj.path("metadata").path("ownerReferences")) {
      String uid = ref.path("uid").asText("");
      if (!uid.isEmpty()) {
        byOwner.computeIfAbsent(uid, u -> new HashSet<>()).add(new Dependent(type, key));
      }
    }
  }

  /** Forgets {@code obj} as a dependent of its owners: it is gone. */
  void remove(ResourceType type, String key, ObjectNode obj) {
    Dependent d = new Dependent(type, key);
    for (JsonNode ref : obj.path("metadata").path("ownerReferences")) {
      Set<Dependent> of = byOwner.get(ref.path("uid").asText(""));
      if (of != null) {
        of.remove(d);
        if (of.isEmpty()) {
          byOwner.remove(ref.path("uid").asText(""));
        }
      }
    }
  }

  /** The objects once stored naming {@code uid} as an owner, forgotten here: the owner is gone. */
  Set<Dependent> take(String uid) {
    Set<Dependent> d = byOwner.remove(uid);
    return d == null ? Set.of() : d;
  }
}
