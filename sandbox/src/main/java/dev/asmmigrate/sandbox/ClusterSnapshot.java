package dev.asmmigrate.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every object of a cluster at one moment, normalized so that a migration rolled back compares
 * equal to the cluster before it: server-managed metadata, status, restart annotations and rollout
 * revisions are ignored; pods are compared by what runs (namespace, owner, images), not by name;
 * ReplicaSets, ControllerRevisions, Endpoints, Events and Nodes (controllers' bookkeeping) are left
 * out, as are the tool's own backups (namespace asm-migrate-system) and its state ConfigMap.
 */
public final class ClusterSnapshot {
  private static final Set<String> SKIPPED_KINDS =
      Set.of(
          "ReplicaSet",
          "ControllerRevision",
          "Endpoints",
          "Event",
          "Node",
          "SelfSubjectAccessReview",
          "Pod");
  private static final Set<String> SERVER_METADATA =
      Set.of(
          "resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink");
  private static final Set<String> IGNORED_ANNOTATIONS =
      Set.of("kubectl.kubernetes.io/restartedAt", "deployment.kubernetes.io/revision");
  public static final String BACKUP_NAMESPACE = "asm-migrate-system";
  public static final String STATE_CONFIGMAP = "istio-system/asm-addon-migration-state";

  private final Map<String, JsonNode> objects;

  private ClusterSnapshot(Map<String, JsonNode> objects) {
    this.objects = objects;
  }

  public static ClusterSnapshot take(ObjectStore store) {
    Map<String, JsonNode> objects = new TreeMap<>();
    Map<String, Integer> podCounts = new TreeMap<>();
    for (ResourceType t : store.registry().all()) {
      if (!store.registry().storageType(t).equals(t)) {
        continue;
      }
      for (ObjectNode o : store.list(t, null)) {
        String ns = o.path("metadata").path("namespace").asText("");
        String name = o.path("metadata").path("name").asText();
        if (ns.equals(BACKUP_NAMESPACE)
            || (t.equals(ResourceRegistry.NAMESPACES) && name.equals(BACKUP_NAMESPACE))) {
          continue;
        }
        if ((ns + "/" + name).equals(STATE_CONFIGMAP) && t.equals(ResourceRegistry.CONFIGMAPS)) {
          continue;
        }
        if (t.equals(ResourceRegistry.PODS)) {
          if (!o.path("metadata").has("deletionTimestamp")) {
            podCounts.merge(podIdentity(o), 1, Integer::sum);
          }
          continue;
        }
        if (SKIPPED_KINDS.contains(t.kind())) {
          continue;
        }
        objects.put(t.groupResource() + " " + (ns.isEmpty() ? "" : ns + "/") + name, normalize(o));
      }
    }
    podCounts.forEach(
        (k, n) -> objects.put("pods " + k, com.fasterxml.jackson.databind.node.IntNode.valueOf(n)));
    return new ClusterSnapshot(objects);
  }

  /** What differs from {@code other}, one line per object; empty when equal. */
  public List<String> diff(ClusterSnapshot after) {
    List<String> out = new ArrayList<>();
    for (var e : objects.entrySet()) {
      JsonNode later = after.objects.get(e.getKey());
      if (later == null) {
        out.add("missing: " + e.getKey());
      } else if (!later.equals(e.getValue())) {
        out.add("changed: " + e.getKey() + "\n  before: " + e.getValue() + "\n  after:  " + later);
      }
    }
    for (String k : after.objects.keySet()) {
      if (!objects.containsKey(k)) {
        out.add("added: " + k);
      }
    }
    return out;
  }

  public int size() {
    return objects.size();
  }

  private static String podIdentity(ObjectNode pod) {
    String ns = pod.path("metadata").path("namespace").asText();
    String owner = "";
    for (JsonNode ref : pod.path("metadata").path("ownerReferences")) {
      String name = ref.path("name").asText();
      owner =
          ref.path("kind").asText()
              + "/"
              + (ref.path("kind").asText().equals("ReplicaSet")
                  ? name.replaceFirst("-[a-z0-9]{5,10}$", "")
                  : name);
    }
    if (owner.isEmpty()) {
      owner = "Pod/" + pod.path("metadata").path("name").asText();
    }
    List<String> images = new ArrayList<>();
    for (String list : new String[] {"initContainers", "containers"}) {
      pod.path("spec")
          .path(list)
          .forEach(c -> images.add(c.path("name").asText() + "=" + c.path("image").asText()));
    }
    images.sort(String::compareTo);
    return ns + " " + owner + " " + images;
  }

  private static JsonNode normalize(ObjectNode o) {
    ObjectNode c = o.deepCopy();
    c.remove("status");
    ObjectNode meta = (ObjectNode) c.get("metadata");
    if (meta != null) {
      SERVER_METADATA.forEach(meta::remove);
      stripAnnotations(meta);
      if (meta.path("annotations").isEmpty()) {
        meta.remove("annotations");
      }
    }
    JsonNode template = c.path("spec").path("template").path("metadata");
    if (template instanceof ObjectNode tm) {
      stripAnnotations(tm);
      if (tm.path("annotations").isEmpty()) {
        tm.remove("annotations");
      }
    }
    return c;
  }

  private static void stripAnnotations(ObjectNode meta) {
    if (meta.get("annotations") instanceof ObjectNode a) {
      IGNORED_ANNOTATIONS.forEach(a::remove);
    }
  }
}
