package dev.asmmigrate.sandbox.http;

import static dev.asmmigrate.sandbox.http.HttpIo.send;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.sandbox.patch.JsonPatch;
import dev.asmmigrate.sandbox.patch.MergePatch;
import dev.asmmigrate.sandbox.patch.StrategicMergePatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** The patch verb: JSON, merge and strategic merge patches, and server-side apply. */
final class PatchVerb {
  private final ObjectStore store;
  private final Conversions conversions;

  PatchVerb(ObjectStore store, Conversions conversions) {
    this.store = store;
    this.conversions = conversions;
  }

  int patch(HttpExchange ex, Target t, Map<String, String> query, boolean dryRun)
      throws IOException {
    ResourceType type = t.type();
    String contentType =
        Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type"))
            .orElse("")
            .split(";")[0]
            .trim();
    byte[] raw = ex.getRequestBody().readAllBytes();
    boolean custom = conversions.isCustom(type);
    UnaryOperator<ObjectNode> change;
    switch (contentType) {
      case "application/json-patch+json" -> {
        JsonNode patch = Json.parse(raw);
        change = o -> JsonPatch.apply(o, patch);
      }
      case "application/merge-patch+json" -> {
        JsonNode patch = Json.parse(raw);
        change = o -> MergePatch.apply(o, patch);
      }
      case "application/strategic-merge-patch+json" -> {
        if (custom) {
          throw new ApiException(
              415,
              "UnsupportedMediaType",
              "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }
        JsonNode patch = Json.parse(raw);
        change = o -> StrategicMergePatch.apply(o, patch);
      }
      case "application/apply-patch+yaml" -> {
        return serverSideApply(ex, t, raw, custom, dryRun);
      }
      default ->
          throw new ApiException(
              415,
              "UnsupportedMediaType",
              "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                  + (custom ? "" : ", application/strategic-merge-patch+json"));
    }
    if ("scale".equals(t.subresource())) {
      ObjectNode current = store.require(type, t.namespace(), t.name());
      ObjectNode scale = change.apply(conversions.scaleOf(type, current));
      return send(ex, 200, conversions.scaleTo(t, scale, dryRun));
    }
    UnaryOperator<ObjectNode> versioned =
        o -> conversions.convertIn(type, change.apply(conversions.render(type, o)));
    ObjectNode result =
        store.mutate(type, t.namespace(), t.name(), versioned, t.subresource(), dryRun);
    return send(ex, 200, conversions.render(type, result));
  }

  /**
   * Server-side apply, approximated: creates the object when absent, otherwise merges the applied
   * configuration into it (strategically for built-in kinds). Unlike the real field manager, it
   * does not remove fields that an earlier apply set and this one leaves out.
   */
  private int serverSideApply(HttpExchange ex, Target t, byte[] raw, boolean custom, boolean dryRun)
      throws IOException {
    List<JsonNode> docs = Json.readYamlDocuments(new String(raw, StandardCharsets.UTF_8));
    if (docs.size() != 1 || !docs.get(0).isObject()) {
      throw ApiException.badRequest("server-side apply takes exactly one object");
    }
    ObjectNode applied = (ObjectNode) docs.get(0);
    conversions.checkKind(t.type(), applied);
    Optional<ObjectNode> existing = store.get(t.type(), t.namespace(), t.name());
    if (existing.isEmpty()) {
      Json.with(applied, "metadata").put("name", t.name());
      return send(
          ex,
          201,
          conversions.render(
              t.type(),
              store.create(
                  t.type(), t.namespace(), conversions.convertIn(t.type(), applied), dryRun)));
    }
    ObjectNode patch = applied.deepCopy();
    ((ObjectNode) patch.get("metadata")).remove("resourceVersion");
    UnaryOperator<ObjectNode> change =
        o ->
            conversions.convertIn(
                t.type(),
                custom
                    ? MergePatch.apply(conversions.render(t.type(), o), patch)
                    : StrategicMergePatch.apply(conversions.render(t.type(), o), patch));
    return send(
        ex,
        200,
        conversions.render(
            t.type(),
            store.mutate(t.type(), t.namespace(), t.name(), change, t.subresource(), dryRun)));
  }
}
