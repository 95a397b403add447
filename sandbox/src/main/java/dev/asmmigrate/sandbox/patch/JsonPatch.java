package dev.asmmigrate.sandbox.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.ApiException;

/** RFC 6902 JSON Patch. Any failed operation, including a failed {@code test}, answers 422. */
public final class JsonPatch {
  private JsonPatch() {}

  public static ObjectNode apply(ObjectNode target, JsonNode patch) {
    if (!patch.isArray()) {
      throw ApiException.badRequest("a JSON patch must be an array of operations");
    }
    JsonNode doc = target.deepCopy();
    for (JsonNode op : patch) {
      String kind = op.path("op").asText();
      String path = op.path("path").asText(null);
      if (path == null) {
        throw unprocessable("operation " + kind + " has no path");
      }
      JsonNode value = op.has("value") ? op.get("value") : NullNode.getInstance();
      switch (kind) {
        case "add" -> doc = add(doc, path, value.deepCopy());
        case "remove" -> doc = remove(doc, path);
        case "replace" -> {
          get(doc, path, "replace");
          doc = add(remove(doc, path), path, value.deepCopy());
        }
        case "move" -> {
          String from = op.path("from").asText();
          JsonNode moved = get(doc, from, "move");
          doc = add(remove(doc, from), path, moved);
        }
        case "copy" -> doc = add(doc, path, get(doc, op.path("from").asText(), "copy").deepCopy());
        case "test" -> {
          JsonNode actual = get(doc, path, "test");
          if (!actual.equals(value)) {
            throw unprocessable("testing value " + path + " failed");
          }
        }
        default -> throw unprocessable("unexpected kind of JSON patch operation: " + kind);
      }
    }
    if (!doc.isObject()) {
      throw unprocessable("the patched document is not an object");
    }
    return (ObjectNode) doc;
  }

  private static ApiException unprocessable(String why) {
    return new ApiException(
        422, "Invalid", "the server rejected our request due to an error in our request: " + why);
  }

  private static String[] tokens(String path) {
    if (path.isEmpty()) {
      return new String[0];
    }
    if (!path.startsWith("/")) {
      throw unprocessable("invalid JSON pointer " + path);
    }
    String[] parts = path.substring(1).split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      parts[i] = parts[i].replace("~1", "/").replace("~0", "~");
    }
    return parts;
  }

  private static JsonNode get(JsonNode doc, String path, String op) {
    String[] tokens = tokens(path);
    return walk(doc, tokens, tokens.length, path, op);
  }

  private static JsonNode parentOf(JsonNode doc, String[] tokens, String path, String op) {
    return walk(doc, tokens, tokens.length - 1, path, op);
  }

  /** The node the first {@code depth} tokens lead to; a missing one refuses the operation. */
  private static JsonNode walk(JsonNode doc, String[] tokens, int depth, String path, String op) {
    JsonNode n = doc;
    for (int i = 0; i < depth; i++) {
      String t = tokens[i];
      if (n.isObject() && n.has(t)) {
        n = n.get(t);
      } else if (n.isArray() && isIndex(t) && Integer.parseInt(t) < n.size()) {
        n = n.get(Integer.parseInt(t));
      } else {
        throw unprocessable(op + " operation does not apply: doc is missing path: " + path);
      }
    }
    return n;
  }

  private static JsonNode add(JsonNode doc, String path, JsonNode value) {
    String[] t = tokens(path);
    if (t.length == 0) {
      return value;
    }
    JsonNode parent = parentOf(doc, t, path, "add");
    String last = t[t.length - 1];
    if (parent instanceof ObjectNode o) {
      o.set(last, value);
    } else if (parent instanceof ArrayNode a) {
      if ("-".equals(last)) {
        a.add(value);
      } else if (isIndex(last) && Integer.parseInt(last) <= a.size()) {
        a.insert(Integer.parseInt(last), value);
      } else {
        throw unprocessable("add operation does not apply: index out of bounds: " + path);
      }
    } else {
      throw unprocessable("add operation does not apply: doc is missing path: " + path);
    }
    return doc;
  }

  private static JsonNode remove(JsonNode doc, String path) {
    String[] t = tokens(path);
    if (t.length == 0) {
      throw unprocessable("cannot remove the whole document");
    }
    JsonNode parent = parentOf(doc, t, path, "remove");
    String last = t[t.length - 1];
    if (parent instanceof ObjectNode o && o.has(last)) {
      o.remove(last);
    } else if (parent instanceof ArrayNode a
        && isIndex(last)
        && Integer.parseInt(last) < a.size()) {
      a.remove(Integer.parseInt(last));
    } else {
      throw unprocessable("remove operation does not apply: doc is missing path: " + path);
    }
    return doc;
  }

  private static boolean isIndex(String t) {
    return !t.isEmpty() && t.chars().allMatch(Character::isDigit);
  }
}
