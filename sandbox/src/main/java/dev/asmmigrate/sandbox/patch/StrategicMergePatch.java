package dev.asmmigrate.sandbox.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes' strategic merge patch for built-in kinds: lists with a merge key (containers, env,
 * volumes and volumeMounts, ports, webhooks, conditions, ...) merge element by element, other lists
 * are replaced; {@code null} deletes; the directives {@code $patch} (replace, delete, merge),
 * {@code $retainKeys}, {@code $setElementOrder/<list>} and {@code $deleteFromPrimitiveList/<list>}
 * are honoured, as kubectl's {@code apply}, {@code patch} and {@code rollout restart} send them.
 */
public final class StrategicMergePatch {
  private static final Map<String, String> MERGE_KEYS =
      Map.ofEntries(
          Map.entry("containers", "name"),
          Map.entry("initContainers", "name"),
          Map.entry("ephemeralContainers", "name"),
          Map.entry("env", "name"),
          Map.entry("volumes", "name"),
          Map.entry("volumeMounts", "mountPath"),
          Map.entry("volumeDevices", "devicePath"),
          Map.entry("imagePullSecrets", "name"),
          Map.entry("hostAliases", "ip"),
          Map.entry("conditions", "type"),
          Map.entry("webhooks", "name"),
          Map.entry("ownerReferences", "uid"),
          Map.entry("topologySpreadConstraints", "topologyKey"),
          Map.entry("readinessGates", "conditionType"),
          Map.entry("taints", "key"),
          Map.entry("secrets", "name"),
          Map.entry("addresses", "type"));

  /** Lists of scalars merged as sets. */
  private static final Set<String> SET_LISTS = Set.of("finalizers");

  private StrategicMergePatch() {}

  public static ObjectNode apply(ObjectNode original, JsonNode patch) {
    if (!patch.isObject()) {
      throw ApiException.badRequest("a strategic merge patch must be a JSON object");
    }
    JsonNode merged = mergeMap(original.deepCopy(), (ObjectNode) patch);
    if (merged == null || !merged.isObject()) {
      throw new ApiException(422, "Invalid", "the patch deletes the whole object");
    }
    return (ObjectNode) merged;
  }

  /** Returns the merged map, or null when the patch deletes it. */
  private static JsonNode mergeMap(ObjectNode original, ObjectNode patch) {
    String directive = patch.path("$patch").asText("");
    if ("delete".equals(directive)) {
      return null;
    }
    if ("replace".equals(directive)) {
      return clean(patch);
    }
    ObjectNode result = original == null ? Json.object() : original;
    Iterator<Map.Entry<String, JsonNode>> it = patch.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      JsonNode value = e.getValue();
      if (key.startsWith("$")) {
        continue;
      }
      if (value.isNull()) {
        result.remove(key);
      } else if (value.isObject()) {
        JsonNode current = result.get(key);
        JsonNode merged =
            mergeMap(
                current != null && current.isObject() ? (ObjectNode) current : null,
                (ObjectNode) value);
        if (merged == null) {
          result.remove(key);
        } else {
          result.set(key, merged);
        }
      } else if (value.isArray()) {
        JsonNode current = result.get(key);
        result.set(
            key,
            mergeList(
                key,
                current != null && current.isArray() ? (ArrayNode) current : null,
                (ArrayNode) value));
      } else {
        result.set(key, value.deepCopy());
      }
    }
    Iterator<Map.Entry<String, JsonNode>> directives = patch.fields();
    while (directives.hasNext()) {
      Map.Entry<String, JsonNode> e = directives.next();
      String key = e.getKey();
      if (key.startsWith("$deleteFromPrimitiveList/")) {
        String list = key.substring("$deleteFromPrimitiveList/".length());
        if (result.get(list) instanceof ArrayNode values) {
          Set<JsonNode> drop = new HashSet<>();
          e.getValue().forEach(drop::add);
          ArrayNode kept = Json.array();
          values.forEach(
              v -> {
                if (!drop.contains(v)) kept.add(v);
              });
          result.set(list, kept);
        }
      } else if (key.startsWith("$setElementOrder/")) {
        String list = key.substring("$setElementOrder/".length());
        if (result.get(list) instanceof ArrayNode values) {
          result.set(list, reorder(list, values, (ArrayNode) e.getValue()));
        }
      }
    }
    if (patch.get("$retainKeys") instanceof ArrayNode retain) {
      Set<String> keep = new HashSet<>();
      retain.forEach(k -> keep.add(k.asText()));
      result.fieldNames().forEachRemaining(k -> {});
      List<String> names = new ArrayList<>();
      result.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        if (!keep.contains(name)) {
          result.remove(name);
        }
      }
    }
    return result;
  }

  private static ArrayNode mergeList(String field, ArrayNode original, ArrayNode patch) {
    for (JsonNode element : patch) {
      if (element.isObject()
          && "replace".equals(element.path("$patch").asText())
          && element.size() == 1) {
        ArrayNode replaced = Json.array();
        patch.forEach(
            el -> {
              if (!(el.isObject() && el.has("$patch") && el.size() == 1)) replaced.add(clean(el));
            });
        return replaced;
      }
    }
    if (SET_LISTS.contains(field)) {
      ArrayNode result = original == null ? Json.array() : original.deepCopy();
      Set<JsonNode> seen = new HashSet<>();
      result.forEach(seen::add);
      patch.forEach(
          v -> {
            if (seen.add(v)) result.add(v.deepCopy());
          });
      return result;
    }
    String mergeKey = mergeKey(field, original, patch);
    if (mergeKey == null) {
      ArrayNode replaced = Json.array();
      patch.forEach(el -> replaced.add(clean(el)));
      return replaced;
    }
    ArrayNode result = original == null ? Json.array() : original.deepCopy();
    for (JsonNode element : patch) {
      if (!element.isObject()) {
        throw ApiException.badRequest(
            "list " + field + " expects objects with merge key " + mergeKey);
      }
      JsonNode keyValue = element.get(mergeKey);
      int index = indexOf(result, mergeKey, keyValue);
      if ("delete".equals(element.path("$patch").asText())) {
        if (index >= 0) {
          result.remove(index);
        }
        continue;
      }
      if (index >= 0) {
        JsonNode merged = mergeMap((ObjectNode) result.get(index), (ObjectNode) element);
        if (merged == null) {
          result.remove(index);
        } else {
          result.set(index, merged);
        }
      } else {
        result.add(clean(element));
      }
    }
    return result;
  }

  private static ArrayNode reorder(String field, ArrayNode values, ArrayNode order) {
    String mergeKey = MERGE_KEYS.get(field);
    List<JsonNode> ordered = new ArrayList<>();
    List<JsonNode> rest = new ArrayList<>();
    values.forEach(rest::add);
    for (JsonNode o : order) {
      for (Iterator<JsonNode> it = rest.iterator(); it.hasNext(); ) {
        JsonNode v = it.next();
        boolean same =
            mergeKey == null || !o.isObject()
                ? v.equals(o)
                : v.path(mergeKeyFor(mergeKey, o)).equals(o.path(mergeKeyFor(mergeKey, o)));
        if (same) {
          ordered.add(v);
          it.remove();
          break;
        }
      }
    }
    ArrayNode out = Json.array();
    ordered.forEach(out::add);
    rest.forEach(out::add);
    return out;
  }

  private static String mergeKeyFor(String mergeKey, JsonNode element) {
    if (element.has("containerPort")) {
      return "containerPort";
    }
    if (element.has("port") && !element.has(mergeKey)) {
      return "port";
    }
    return mergeKey;
  }

  private static String mergeKey(String field, ArrayNode original, ArrayNode patch) {
    if ("ports".equals(field)) {
      JsonNode sample =
          patch.size() > 0
              ? patch.get(0)
              : original != null && original.size() > 0 ? original.get(0) : null;
      if (sample == null) {
        return null;
      }
      return sample.has("containerPort") ? "containerPort" : "port";
    }
    return MERGE_KEYS.get(field);
  }

  private static int indexOf(ArrayNode list, String key, JsonNode value) {
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).path(key).equals(value)) {
        return i;
      }
    }
    return -1;
  }

  /** A copy without patch directives, for values added as they are. */
  private static JsonNode clean(JsonNode node) {
    if (node.isObject()) {
      ObjectNode out = Json.object();
      node.fields()
          .forEachRemaining(
              e -> {
                if (!e.getKey().startsWith("$") && !e.getValue().isNull()) {
                  out.set(e.getKey(), clean(e.getValue()));
                }
              });
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = Json.array();
      node.forEach(el -> out.add(clean(el)));
      return out;
    }
    return node.deepCopy();
  }
}
