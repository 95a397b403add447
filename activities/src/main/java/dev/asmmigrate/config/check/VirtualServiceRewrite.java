package dev.asmmigrate.config.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the VirtualService fields Istio 1.4 still accepted but later versions removed, and rewrites
 * them to their replacements when the rewrite keeps the routing exactly as 1.4 programmed it.
 *
 * <p>How 1.4's Pilot used each deprecated field decides its replacement: {@code appendHeaders} and
 * {@code appendRequestHeaders} were added to requests with append=true, exactly like {@code
 * headers.request.add} ({@code appendResponseHeaders}: {@code headers.response.add}); the {@code
 * remove*Headers} lists joined {@code headers.*.remove}; {@code fault.*.percent} applied only when
 * {@code percentage} was unset; {@code websocketUpgrade} had been ignored since websockets became
 * always allowed; {@code corsPolicy.allowOrigin} entries were exact origins ({@code allowOrigins:
 * [{exact: ...}]}). A rewrite is not exact when a header would be added twice (the same name in a
 * deprecated field and in {@code headers.*.add}), or when {@code allowOrigin} and {@code
 * allowOrigins} are both set; then only the problems are reported. Fields are matched in either
 * spelling the 1.4 API server accepted (JSON camelCase or proto snake_case).
 */
final class VirtualServiceRewrite {

  /**
   * @param problems one line per removed field found, naming its path and replacement
   * @param rewritten the VirtualService with every removed field replaced, or null when no exact
   *     rewrite exists (or there was nothing to rewrite)
   * @param inexact why the rewrite is not exact, when it is not
   */
  record Result(List<String> problems, ObjectNode rewritten, List<String> inexact) {
    boolean found() {
      return !problems.isEmpty();
    }
  }

  private final List<String> problems = new ArrayList<>();
  private final List<String> inexact = new ArrayList<>();

  private VirtualServiceRewrite() {}

  static Result rewrite(ObjectNode virtualService) {
    VirtualServiceRewrite rw = new VirtualServiceRewrite();
    ObjectNode copy = virtualService.deepCopy();
    JsonNode http = copy.path("spec").path("http");
    if (http.isArray()) {
      for (int i = 0; i < http.size(); i++) {
        if (http.get(i).isObject()) {
          rw.route((ObjectNode) http.get(i), "spec.http[" + i + "]");
        }
      }
    }
    if (rw.problems.isEmpty()) {
      return new Result(List.of(), null, List.of());
    }
    ObjectNode rewritten = rw.inexact.isEmpty() ? applicable(copy) : null;
    return new Result(List.copyOf(rw.problems), rewritten, List.copyOf(rw.inexact));
  }

  private void route(ObjectNode route, String path) {
    moveHeaderMap(route, path, "appendHeaders", "request", "add");
    moveHeaderMap(route, path, "appendRequestHeaders", "request", "add");
    moveHeaderMap(route, path, "appendResponseHeaders", "response", "add");
    moveHeaderList(route, path, "removeRequestHeaders", "request");
    moveHeaderList(route, path, "removeResponseHeaders", "response");
    if (take(route, "websocketUpgrade") != null) {
      problems.add(
          path
              + ".websocketUpgrade was removed after Istio 1.4: websockets are always allowed, drop"
              + " it");
    }
    JsonNode fault = route.get("fault");
    if (fault != null && fault.isObject()) {
      percent((ObjectNode) fault, path + ".fault", "abort");
      percent((ObjectNode) fault, path + ".fault", "delay");
    }
    JsonNode cors = field(route, "corsPolicy");
    if (cors != null && cors.isObject()) {
      allowOrigin((ObjectNode) cors, path + ".corsPolicy");
    }
    JsonNode destinations = route.get("route");
    if (destinations != null && destinations.isArray()) {
      for (int j = 0; j < destinations.size(); j++) {
        if (destinations.get(j).isObject()) {
          ObjectNode destination = (ObjectNode) destinations.get(j);
          String dpath = path + ".route[" + j + "]";
          moveHeaderMap(destination, dpath, "appendRequestHeaders", "request", "add");
          moveHeaderMap(destination, dpath, "appendResponseHeaders", "response", "add");
          moveHeaderList(destination, dpath, "removeRequestHeaders", "request");
          moveHeaderList(destination, dpath, "removeResponseHeaders", "response");
        }
      }
    }
  }

  private void moveHeaderMap(
      ObjectNode owner, String path, String field, String direction, String operation) {
    JsonNode value = take(owner, field);
    if (value == null) {
      return;
    }
    String target = "headers." + direction + "." + operation;
    problems.add(path + "." + field + " was removed after Istio 1.4: use " + target);
    if (!value.isObject()) {
      inexact.add(path + "." + field + " is not a map of header names to values");
      return;
    }
    ObjectNode add = headers(owner, direction).withObjectProperty(operation);
    for (Map.Entry<String, JsonNode> entry : value.properties()) {
      if (add.has(entry.getKey())) {
        inexact.add(
            "header "
                + entry.getKey()
                + " is added twice in "
                + path
                + " (by "
                + field
                + " and another field); a map holds it once");
        continue;
      }
      add.set(entry.getKey(), entry.getValue());
    }
  }

  private void moveHeaderList(ObjectNode owner, String path, String field, String direction) {
    JsonNode value = take(owner, field);
    if (value == null) {
      return;
    }
    String target = "headers." + direction + ".remove";
    problems.add(path + "." + field + " was removed after Istio 1.4: use " + target);
    if (!value.isArray()) {
      inexact.add(path + "." + field + " is not a list of header names");
      return;
    }
    ObjectNode headers = headers(owner, direction);
    Set<String> names = new LinkedHashSet<>();
    JsonNode existing = headers.get("remove");
    if (existing != null && existing.isArray()) {
      existing.forEach(n -> names.add(n.asText()));
    }
    value.forEach(n -> names.add(n.asText()));
    ArrayNode remove = headers.putArray("remove");
    names.forEach(remove::add);
  }

  private void percent(ObjectNode fault, String path, String kind) {
    JsonNode action = fault.get(kind);
    if (action == null || !action.isObject()) {
      return;
    }
    ObjectNode node = (ObjectNode) action;
    JsonNode percent = take(node, "percent");
    if (percent == null) {
      return;
    }
    String where = path + "." + kind;
    if (node.has("percentage")) {
      problems.add(
          where
              + ".percent was removed after Istio 1.4; percentage is set and already takes"
              + " precedence: drop percent");
      return;
    }
    problems.add(
        where + ".percent was removed after Istio 1.4: use percentage: {value: " + percent + "}");
    if (!percent.isNumber() && !percent.asText().matches("-?\\d+")) {
      inexact.add(where + ".percent is not a number");
      return;
    }
    node.putObject("percentage").put("value", percent.asDouble());
  }

  private void allowOrigin(ObjectNode cors, String path) {
    JsonNode origins = take(cors, "allowOrigin");
    if (origins == null) {
      return;
    }
    problems.add(
        path + ".allowOrigin was removed after Istio 1.4: use allowOrigins with exact matches");
    if (field(cors, "allowOrigins") != null) {
      inexact.add(
          path
              + " sets both allowOrigin and allowOrigins; which origins to keep is a choice to"
              + " make by hand");
      return;
    }
    if (!origins.isArray()) {
      inexact.add(path + ".allowOrigin is not a list of origins");
      return;
    }
    ArrayNode matches = cors.putArray("allowOrigins");
    for (JsonNode origin : origins) {
      matches.addObject().put("exact", origin.asText());
    }
  }

  private static ObjectNode headers(ObjectNode owner, String direction) {
    return owner.withObjectProperty("headers").withObjectProperty(direction);
  }

  /** Removes and returns {@code camelCase} (or its snake_case spelling), or null when absent. */
  private static JsonNode take(ObjectNode node, String camelCase) {
    JsonNode value = node.remove(camelCase);
    JsonNode snake = node.remove(snakeCase(camelCase));
    JsonNode found = value != null ? value : snake;
    return found == null || found.isNull() ? null : found;
  }

  private static JsonNode field(JsonNode node, String camelCase) {
    JsonNode value = node.get(camelCase);
    if (value == null) {
      value = node.get(snakeCase(camelCase));
    }
    return value == null || value.isNull() ? null : value;
  }

  static String snakeCase(String camelCase) {
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

  /**
   * The object as an operator would apply it: identity, labels, annotations and spec, without the
   * fields the API server owns and without the last-applied configuration, which would restore the
   * old fields on the next client-side apply.
   */
  private static ObjectNode applicable(ObjectNode object) {
    ObjectNode out = object.objectNode();
    out.set("apiVersion", object.get("apiVersion"));
    out.set("kind", object.get("kind"));
    ObjectNode metadata = out.putObject("metadata");
    JsonNode source = object.path("metadata");
    for (String field : List.of("name", "namespace", "labels", "annotations")) {
      if (source.has(field)) {
        metadata.set(field, source.get(field).deepCopy());
      }
    }
    JsonNode annotations = metadata.get("annotations");
    if (annotations instanceof ObjectNode a) {
      a.remove("kubectl.kubernetes.io/last-applied-configuration");
      if (a.isEmpty()) {
        metadata.remove("annotations");
      }
    }
    out.set("spec", object.get("spec"));
    return out;
  }
}
