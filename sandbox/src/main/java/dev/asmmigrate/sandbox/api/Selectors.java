package dev.asmmigrate.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** Label and field selectors, in their query-string and object forms. */
public final class Selectors {
  private Selectors() {}

  /** Parses a {@code labelSelector} query parameter; null or blank matches everything. */
  public static Predicate<JsonNode> labelSelector(String selector) {
    if (selector == null || selector.isBlank()) {
      return o -> true;
    }
    List<Predicate<Map<String, String>>> terms = new ArrayList<>();
    for (String term : splitTerms(selector)) {
      terms.add(labelTerm(term.trim()));
    }
    return o -> {
      Map<String, String> labels = labels(o);
      return terms.stream().allMatch(t -> t.test(labels));
    };
  }

  /**
   * Parses a {@code fieldSelector}: {@code path=value}, {@code path==value}, {@code path!=value}.
   */
  public static Predicate<JsonNode> fieldSelector(String selector) {
    if (selector == null || selector.isBlank()) {
      return o -> true;
    }
    List<Predicate<JsonNode>> terms = new ArrayList<>();
    for (String term : selector.split(",")) {
      boolean negate = term.contains("!=");
      String[] kv = term.split(negate ? "!=" : "==?", 2);
      if (kv.length != 2) {
        throw ApiException.badRequest("invalid field selector: " + term);
      }
      String[] path = kv[0].trim().split("\\.");
      String value = kv[1].trim();
      terms.add(
          o -> {
            JsonNode n = o;
            for (String p : path) {
              n = n.path(p);
            }
            String actual = n.isMissingNode() || n.isNull() ? "" : n.asText();
            return negate != actual.equals(value);
          });
    }
    return o -> terms.stream().allMatch(t -> t.test(o));
  }

  /** Matches a {@code LabelSelector} object ({@code matchLabels}, {@code matchExpressions}). */
  public static boolean matches(JsonNode labelSelector, Map<String, String> labels) {
    if (labelSelector == null || labelSelector.isMissingNode() || labelSelector.isNull()) {
      return true;
    }
    var it = labelSelector.path("matchLabels").fields();
    while (it.hasNext()) {
      var e = it.next();
      if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    for (JsonNode expr : labelSelector.path("matchExpressions")) {
      String key = expr.path("key").asText();
      Set<String> values = new java.util.HashSet<>();
      expr.path("values").forEach(v -> values.add(v.asText()));
      String op = expr.path("operator").asText();
      boolean ok =
          switch (op) {
            case "In" -> labels.containsKey(key) && values.contains(labels.get(key));
            case "NotIn" -> !labels.containsKey(key) || !values.contains(labels.get(key));
            case "Exists" -> labels.containsKey(key);
            case "DoesNotExist" -> !labels.containsKey(key);
            default -> throw ApiException.badRequest("unknown selector operator " + op);
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Matches a plain {@code map[string]string} selector, as Services and ReplicaSets use. */
  public static boolean matchesMap(JsonNode selector, Map<String, String> labels) {
    if (selector == null || !selector.isObject() || selector.isEmpty()) {
      return false;
    }
    var it = selector.fields();
    while (it.hasNext()) {
      var e = it.next();
      if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  public static Map<String, String> labels(JsonNode object) {
    return stringMap(object.path("metadata").path("labels"));
  }

  public static Map<String, String> stringMap(JsonNode node) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    if (node != null && node.isObject()) {
      node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    }
    return m;
  }

  private static List<String> splitTerms(String selector) {
    List<String> terms = new ArrayList<>();
    int depth = 0;
    StringBuilder cur = new StringBuilder();
    for (char c : selector.toCharArray()) {
      if (c == '(') depth++;
      if (c == ')') depth--;
      if (c == ',' && depth == 0) {
        terms.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    if (!cur.isEmpty()) terms.add(cur.toString());
    return terms;
  }

  private static Predicate<Map<String, String>> labelTerm(String term) {
    String lower = term.replaceAll("\\s+", " ");
    int in = lower.indexOf(" in ");
    int notin = lower.indexOf(" notin ");
    if (notin > 0 || in > 0) {
      boolean negate = notin > 0;
      String key = lower.substring(0, negate ? notin : in).trim();
      String set = lower.substring(lower.indexOf('(') + 1, lower.lastIndexOf(')'));
      Set<String> values =
          Arrays.stream(set.split(",")).map(String::trim).collect(Collectors.toSet());
      return l -> negate != (l.containsKey(key) && values.contains(l.get(key)));
    }
    if (term.contains("!=")) {
      String[] kv = term.split("!=", 2);
      return l -> !kv[1].trim().equals(l.get(kv[0].trim()));
    }
    if (term.contains("=")) {
      String[] kv = term.split("==?", 2);
      return l -> kv[1].trim().equals(l.get(kv[0].trim()));
    }
    if (term.startsWith("!")) {
      String key = term.substring(1).trim();
      return l -> !l.containsKey(key);
    }
    return l -> l.containsKey(term);
  }
}
