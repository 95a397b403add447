package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import java.util.ArrayList;
import java.util.List;

/**
 * Between the stored form of an object and what a request names: the requested API version (HPA v1
 * and v2), the kind check of a body, the Scale subresource, and whether a type is a custom
 * resource.
 */
final class Conversions {
  private final ObjectStore store;

  Conversions(ObjectStore store) {
    this.store = store;
  }

  /** Sets the replicas a Scale asks for on its object, and answers the object's Scale. */
  ObjectNode scaleTo(Target t, ObjectNode scale, boolean dryRun) {
    return scaleOf(
        t.type(),
        setReplicas(
            t.type(),
            t.namespace(),
            t.name(),
            scale.path("spec").path("replicas").asInt(),
            dryRun));
  }

  private ObjectNode setReplicas(
      ResourceType type, String ns, String name, int replicas, boolean dryRun) {
    if (replicas < 0) {
      throw ApiException.invalid(
          type,
          name,
          "spec.replicas: Invalid value: " + replicas + ": must be greater than or equal to 0");
    }
    return store.mutate(
        type,
        ns,
        name,
        o -> {
          Json.with(o, "spec").put("replicas", replicas);
          return o;
        },
        null,
        dryRun);
  }

  ObjectNode scaleOf(ResourceType type, ObjectNode o) {
    ObjectNode s = Json.object();
    s.put("kind", "Scale");
    s.put("apiVersion", "autoscaling/v1");
    ObjectNode meta = s.putObject("metadata");
    for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
      if (o.path("metadata").has(f)) meta.set(f, o.path("metadata").get(f));
    }
    s.putObject("spec").put("replicas", o.path("spec").path("replicas").asInt(1));
    ObjectNode status = s.putObject("status");
    status.put("replicas", o.path("status").path("replicas").asInt(0));
    List<String> sel = new ArrayList<>();
    o.path("spec")
        .path("selector")
        .path("matchLabels")
        .fields()
        .forEachRemaining(e -> sel.add(e.getKey() + "=" + e.getValue().asText()));
    status.put("selector", String.join(",", sel));
    return s;
  }

  ObjectNode render(ResourceType requested, ObjectNode stored) {
    ObjectNode o = stored.deepCopy();
    if (!requested.apiVersion().equals(o.path("apiVersion").asText())) {
      o.put("apiVersion", requested.apiVersion());
      if (requested.equals(ResourceRegistry.HPAS.atVersion("v1"))) {
        HpaConversion.toV1(o);
      }
    }
    return o;
  }

  /**
   * The stored object as {@code requested} shows it, only to be serialised: the stored tree itself
   * when no conversion applies (a watch sends every event to each of its watchers), else a rendered
   * copy.
   */
  JsonNode view(ResourceType requested, ObjectNode stored) {
    return requested.apiVersion().equals(stored.path("apiVersion").asText())
        ? stored
        : render(requested, stored);
  }

  ObjectNode convertIn(ResourceType requested, ObjectNode body) {
    if (requested.equals(ResourceRegistry.HPAS.atVersion("v1"))) {
      HpaConversion.toV2(body);
    }
    body.put("apiVersion", store.registry().storageType(requested).apiVersion());
    return body;
  }

  void checkKind(ResourceType type, ObjectNode body) {
    String kind = body.path("kind").asText(type.kind());
    if (!kind.equals(type.kind())) {
      throw ApiException.badRequest(
          "the kind " + kind + " does not match the resource " + type.plural());
    }
    String apiVersion = body.path("apiVersion").asText(type.apiVersion());
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    if (!group.equals(type.group())) {
      throw ApiException.badRequest(
          "the API version " + apiVersion + " does not match the resource " + type.groupResource());
    }
  }

  boolean isCustom(ResourceType type) {
    return crdOf(type) != null;
  }

  JsonNode crdOf(ResourceType type) {
    if (type.group().isEmpty()) {
      return null;
    }
    return store.get(ResourceRegistry.CRDS, null, type.plural() + "." + type.group()).orElse(null);
  }
}
