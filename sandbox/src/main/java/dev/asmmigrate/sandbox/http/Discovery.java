package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import java.util.List;
import java.util.Map;

/** The discovery documents kubectl and clients read before anything else. */
final class Discovery {
  private final ResourceRegistry registry;
  private final String gitVersion;

  Discovery(ResourceRegistry registry, String gitVersion) {
    this.registry = registry;
    this.gitVersion = gitVersion;
  }

  ObjectNode version() {
    ObjectNode v = Json.object();
    String[] parts = gitVersion.replaceFirst("^v", "").split("[.-]");
    v.put("major", parts[0]);
    v.put("minor", parts.length > 1 ? parts[1] + "+" : "0");
    v.put("gitVersion", gitVersion);
    v.put("gitCommit", "0000000000000000000000000000000000000000");
    v.put("gitTreeState", "clean");
    v.put("buildDate", "2021-03-01T00:00:00Z");
    v.put("goVersion", "go1.15.8b5");
    v.put("compiler", "gc");
    v.put("platform", "linux/amd64");
    return v;
  }

  ObjectNode coreVersions() {
    ObjectNode v = Json.object();
    v.put("kind", "APIVersions");
    v.putArray("versions").add("v1");
    ObjectNode addr = v.putArray("serverAddressByClientCIDRs").addObject();
    addr.put("clientCIDR", "0.0.0.0/0");
    addr.put("serverAddress", "127.0.0.1");
    return v;
  }

  ObjectNode groups() {
    ObjectNode list = Json.object();
    list.put("kind", "APIGroupList");
    list.put("apiVersion", "v1");
    ArrayNode groups = list.putArray("groups");
    for (Map.Entry<String, List<String>> g : registry.groupVersions().entrySet()) {
      if (g.getKey().isEmpty()) {
        continue;
      }
      groups.add(group(g.getKey(), g.getValue()));
    }
    return list;
  }

  ObjectNode group(String name, List<String> versions) {
    ObjectNode group = Json.object();
    group.put("kind", "APIGroup");
    group.put("apiVersion", "v1");
    group.put("name", name);
    ArrayNode vs = group.putArray("versions");
    for (String v : versions) {
      ObjectNode gv = vs.addObject();
      gv.put("groupVersion", name + "/" + v);
      gv.put("version", v);
    }
    ObjectNode preferred = group.putObject("preferredVersion");
    preferred.put("groupVersion", name + "/" + versions.get(0));
    preferred.put("version", versions.get(0));
    return group;
  }

  /** The APIResourceList of one group/version, or null when nothing is served there. */
  ObjectNode resources(String group, String version) {
    List<ResourceType> types = registry.inGroupVersion(group, version);
    if (types.isEmpty()) {
      return null;
    }
    ObjectNode list = Json.object();
    list.put("kind", "APIResourceList");
    list.put("apiVersion", "v1");
    list.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
    ArrayNode resources = list.putArray("resources");
    for (ResourceType t : types) {
      ObjectNode r = resources.addObject();
      r.put("name", t.plural());
      r.put("singularName", t.singular());
      r.put("namespaced", t.namespaced());
      r.put("kind", t.kind());
      ArrayNode verbs = r.putArray("verbs");
      if (t.equals(ResourceRegistry.SELF_SUBJECT_ACCESS_REVIEWS)) {
        verbs.add("create");
      } else {
        ResourceType.VERBS.forEach(verbs::add);
      }
      if (!t.shortNames().isEmpty()) {
        ArrayNode sn = r.putArray("shortNames");
        t.shortNames().forEach(sn::add);
      }
      if (!t.categories().isEmpty()) {
        ArrayNode c = r.putArray("categories");
        t.categories().forEach(c::add);
      }
      r.put("storageVersionHash", Integer.toHexString(t.groupResource().hashCode()));
      if (t.statusSubresource()) {
        sub(resources, t, "status", t.kind(), null, List.of("get", "patch", "update"));
      }
      if (t.scaleSubresource()) {
        sub(resources, t, "scale", "Scale", "autoscaling", List.of("get", "patch", "update"));
      }
      if (t.equals(ResourceRegistry.PODS)) {
        sub(resources, t, "eviction", "Eviction", "policy", List.of("create"));
        sub(resources, t, "binding", "Binding", "", List.of("create"));
      }
    }
    return list;
  }

  private static void sub(
      ArrayNode resources,
      ResourceType t,
      String name,
      String kind,
      String group,
      List<String> verbs) {
    ObjectNode r = resources.addObject();
    r.put("name", t.plural() + "/" + name);
    r.put("singularName", "");
    r.put("namespaced", t.namespaced());
    if (group != null) {
      r.put("group", group);
      r.put("version", "v1");
    }
    r.put("kind", kind);
    ArrayNode v = r.putArray("verbs");
    verbs.forEach(v::add);
  }
}
