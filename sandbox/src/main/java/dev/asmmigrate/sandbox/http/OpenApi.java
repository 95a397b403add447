package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import java.util.List;

/**
 * A minimal OpenAPI v3: enough for kubectl to learn that the server validates fields itself ({@code
 * fieldValidation} on every write), so that {@code kubectl apply} and {@code create} work without
 * client-side schemas. Schemas are not served.
 */
final class OpenApi {
  private final ResourceRegistry registry;

  OpenApi(ResourceRegistry registry) {
    this.registry = registry;
  }

  ObjectNode root() {
    ObjectNode root = Json.object();
    ObjectNode paths = root.putObject("paths");
    registry
        .groupVersions()
        .forEach(
            (group, versions) -> {
              for (String v : versions) {
                String gv = group.isEmpty() ? "api/" + v : "apis/" + group + "/" + v;
                paths
                    .putObject(gv)
                    .put("serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + hash(group, v));
              }
            });
    return root;
  }

  ObjectNode groupVersion(String path) {
    String[] s = path.split("/");
    String group;
    String version;
    if (s.length == 2 && s[0].equals("api")) {
      group = "";
      version = s[1];
    } else if (s.length == 3 && s[0].equals("apis")) {
      group = s[1];
      version = s[2];
    } else {
      return null;
    }
    List<ResourceType> types = registry.inGroupVersion(group, version);
    if (types.isEmpty()) {
      return null;
    }
    ObjectNode doc = Json.object();
    doc.put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", "v1.19.8");
    ObjectNode paths = doc.putObject("paths");
    String prefix = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    for (ResourceType t : types) {
      String collection = prefix + (t.namespaced() ? "/namespaces/{namespace}/" : "/") + t.plural();
      ObjectNode item = paths.putObject(collection + "/{name}");
      for (String op : List.of("get", "put", "patch", "delete")) {
        operation(item, op, t, op.equals("get") ? "get" : op.equals("put") ? "put" : op);
      }
      ObjectNode coll = paths.putObject(collection);
      operation(coll, "get", t, "list");
      operation(coll, "post", t, "post");
    }
    doc.putObject("components").putObject("schemas");
    return doc;
  }

  private static void operation(ObjectNode path, String method, ResourceType t, String action) {
    ObjectNode op = path.putObject(method);
    op.put("operationId", action + t.kind());
    ArrayNode params = op.putArray("parameters");
    if (!method.equals("get") && !method.equals("delete")) {
      ObjectNode p = params.addObject();
      p.put("name", "fieldValidation");
      p.put("in", "query");
      p.putObject("schema").put("type", "string").put("uniqueItems", true);
      ObjectNode d = params.addObject();
      d.put("name", "dryRun");
      d.put("in", "query");
      d.putObject("schema").put("type", "string").put("uniqueItems", true);
    }
    op.put("x-kubernetes-action", action);
    ObjectNode gvk = op.putObject("x-kubernetes-group-version-kind");
    gvk.put("group", t.group());
    gvk.put("version", t.version());
    gvk.put("kind", t.kind());
    op.putObject("responses").putObject("200").put("description", "OK");
  }

  private String hash(String group, String version) {
    StringBuilder sb = new StringBuilder();
    registry.inGroupVersion(group, version).forEach(t -> sb.append(t.plural()));
    return Integer.toHexString(sb.toString().hashCode());
  }
}
