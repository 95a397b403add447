package dev.asmmigrate.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

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

  /**
   * The objects that name {@code uid} as an owner now, by type in {@code order} (the registry's
   * storage types) and then by key (namespace/name), within {@code ownerNs} for namespaced types
   * when the owner is namespaced. The owner's entry is dropped: the owner is gone.
   *
   * @param stored the object stored now under a storage type and key, or null
   */
  Map<ResourceType, List<ObjectNode>> take(
      String uid,
      String ownerNs,
      BiFunction<ResourceType, String, ObjectNode> stored,
      List<ResourceType> order) {
    Set<Dependent> indexed = byOwner.remove(uid);
    Map<ResourceType, TreeMap<String, ObjectNode>> found = new HashMap<>();
    for (Dependent d : indexed == null ? Set.<Dependent>of() : indexed) {
      ObjectNode o = stored.apply(d.type(), d.key());
      if (o == null
          || (ownerNs != null
              && d.type().namespaced()
              && !ownerNs.equals(ObjectStore.namespaceOf(o)))) {
        continue;
      }
      if (namesOwner(o, uid)) {
        found.computeIfAbsent(d.type(), t -> new TreeMap<>()).put(d.key(), o);
      }
    }
    Map<ResourceType, List<ObjectNode>> byType = new LinkedHashMap<>();
    for (ResourceType t : order) {
      TreeMap<String, ObjectNode> of = found.get(t);
      if (of != null) {
        byType.put(t, new ArrayList<>(of.values()));
      }
    }
    return byType;
  }

  /** Whether {@code o} has an ownerReference to {@code uid}. */
  static boolean namesOwner(ObjectNode o, String uid) {
    for (JsonNode ref : o.path("metadata").path("ownerReferences")) {
      if (uid.equals(ref.path("uid").asText())) {
        return true;
      }
    }
    return false;
  }
}
