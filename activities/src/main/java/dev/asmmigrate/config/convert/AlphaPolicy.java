package dev.asmmigrate.config.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A v1alpha1 Policy or MeshPolicy as the converter sees it. Field reads accept both the JSON
 * (camelCase) and the original proto (snake_case) spelling, as the alpha API server did.
 */
record AlphaPolicy(String kind, String namespace, String name, JsonNode spec) {

  static final String MESH_POLICY = "MeshPolicy";

  /** The alpha policies among {@code objects}, deduplicated, in the reference's order. */
  static List<AlphaPolicy> inConversionOrder(List<? extends JsonNode> objects) {
    Map<String, AlphaPolicy> byKey = new LinkedHashMap<>();
    for (JsonNode object : objects) {
      if (!ConversionInput.isAlphaPolicy(object)) {
        continue;
      }
      String kind = object.path("kind").asText();
      JsonNode metadata = object.path("metadata");
      // MeshPolicy is cluster-scoped: whatever namespace a manifest gives it is not part of its
      // identity.
      String namespace = kind.equals(MESH_POLICY) ? "" : metadata.path("namespace").asText("");
      AlphaPolicy policy =
          new AlphaPolicy(kind, namespace, metadata.path("name").asText(""), object.path("spec"));
      byKey.putIfAbsent(policy.ref(), policy);
    }
    // The reference lists policies, then mesh policies, each in the API server's order
    // (namespace, then name).
    List<AlphaPolicy> sorted = new ArrayList<>(byKey.values());
    sorted.sort(
        Comparator.comparing((AlphaPolicy p) -> p.isMeshPolicy())
            .thenComparing(AlphaPolicy::namespace)
            .thenComparing(AlphaPolicy::name));
    return sorted;
  }

  boolean isMeshPolicy() {
    return kind.equals(MESH_POLICY);
  }

  /** {@code Kind namespace/name}, or {@code Kind name} for a MeshPolicy. */
  String ref() {
    return namespace.isEmpty() ? kind + " " + name : kind + " " + namespace + "/" + name;
  }

  /** {@code field} of {@code node} in either spelling, or a missing node. */
  static JsonNode field(JsonNode node, String camelCaseName) {
    if (node == null) {
      return MissingNode.getInstance();
    }
    JsonNode value = node.get(camelCaseName);
    if (value == null) {
      value = node.get(snakeCase(camelCaseName));
    }
    return value == null ? MissingNode.getInstance() : value;
  }

  /** The elements of an array field, or none when it is absent or null. */
  static List<JsonNode> elements(JsonNode node, String camelCaseName) {
    JsonNode value = field(node, camelCaseName);
    List<JsonNode> out = new ArrayList<>();
    if (value.isArray()) {
      value.forEach(out::add);
    }
    return out;
  }

  /** Text values of an array-of-strings field, in order. */
  static List<String> strings(JsonNode node, String camelCaseName) {
    List<String> out = new ArrayList<>();
    for (JsonNode element : elements(node, camelCaseName)) {
      if (element.isValueNode() && !element.isNull()) {
        out.add(element.asText());
      }
    }
    return out;
  }

  /** A non-empty text field, or empty string. */
  static String text(JsonNode node, String camelCaseName) {
    JsonNode value = field(node, camelCaseName);
    return value.isValueNode() && !value.isNull() ? value.asText() : "";
  }

  private static String snakeCase(String camelCase) {
    StringBuilder out = new StringBuilder();
    for (char c : camelCase.toCharArray()) {
      if (Character.isUpperCase(c)) {
        out.append('_').append(Character.toLowerCase(c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
