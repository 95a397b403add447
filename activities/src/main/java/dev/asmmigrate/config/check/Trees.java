package dev.asmmigrate.config.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Compares parsed objects the way the API server would consider them the same: numbers by value (an
 * {@code int} from YAML equals a {@code long} or {@code 1.0} from JSON), a {@code null} field
 * equals an absent one, arrays in order.
 */
public final class Trees {
  private Trees() {}

  /** True when {@code a} and {@code b} hold the same content. */
  public static boolean equivalent(JsonNode a, JsonNode b) {
    boolean aEmpty = a == null || a.isNull() || a.isMissingNode();
    boolean bEmpty = b == null || b.isNull() || b.isMissingNode();
    if (aEmpty || bEmpty) {
      return aEmpty && bEmpty;
    }
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    if (a.isObject() && b.isObject()) {
      Set<String> names = new HashSet<>();
      a.properties().forEach(e -> names.add(e.getKey()));
      b.properties().forEach(e -> names.add(e.getKey()));
      for (String name : names) {
        if (!equivalent(a.get(name), b.get(name))) {
          return false;
        }
      }
      return true;
    }
    if (a.isArray() && b.isArray()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!equivalent(a.get(i), b.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a.isValueNode() && b.isValueNode() && a.getNodeType() == b.getNodeType()) {
      return a.asText().equals(b.asText());
    }
    return false;
  }

  /**
   * True when every field of {@code wanted} is in {@code actual} with an equivalent value (maps are
   * compared as subsets, recursively; arrays and scalars must be equivalent).
   */
  public static boolean contains(JsonNode actual, JsonNode wanted) {
    if (wanted == null || wanted.isNull() || wanted.isMissingNode()) {
      return true;
    }
    if (wanted.isObject()) {
      if (actual == null || !actual.isObject()) {
        return false;
      }
      for (Map.Entry<String, JsonNode> field : wanted.properties()) {
        if (!contains(actual.get(field.getKey()), field.getValue())) {
          return false;
        }
      }
      return true;
    }
    return equivalent(actual, wanted);
  }
}
