package dev.asmmigrate.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every object of a cluster at one moment, normalized so that a migration rolled back compares
 * equal to the cluster before it (issue 3). Only what a rollback cannot and should not restore is
 * ignored: resourceVersion, uid (also in owner references and the labels derived from it),
 * timestamps, the other fields the server generates (managedFields, generation, selfLink), status,
 * pod names and restart annotations. So:
 *
 * <ul>
 *   <li>every object is compared whole after that normalization, except Events (a timestamped log
 *       of what happened, not state) and the tool's own records: its backups (namespace {@value
 *       #BACKUP_NAMESPACE}) and its state ConfigMap, which a rollback must leave behind;
 *   <li>a restart is the one change a rollback repeats rather than undoes, and what it generates is
 *       ignored with it: annotation {@code kubectl.kubernetes.io/restartedAt}, the rollout counters
 *       ({@code deployment.kubernetes.io/revision}, label {@code pod-template-generation}), the
 *       template hashes ({@code pod-template-hash}, {@code controller-revision-hash}) wherever they
 *       occur, and the rollout history it leaves: a Deployment's ReplicaSets scaled to zero and
 *       ControllerRevisions;
 *   <li>pods and the live ReplicaSets are compared whole, without their generated names, grouped by
 *       their owner: a workload must have as many pods as before, each equal to one before (images,
 *       injected containers, labels, annotations); the node a pod was scheduled to and its IP are
 *       the scheduler's and the network's, not the cluster's configuration;
 *   <li>Endpoints are compared with their addresses named by the workload behind them.
 * </ul>
 */
public final class ClusterSnapshot {
  public static final String BACKUP_NAMESPACE = "asm-migrate-system";
  public static final String STATE_CONFIGMAP = "istio-system/asm-addon-migration-state";

  private static final Set<String> SKIPPED_KINDS = Set.of("Event", "ControllerRevision");
  private static final Set<String> SERVER_METADATA =
      Set.of(
          "resourceVersion",
          "uid",
          "creationTimestamp",
          "deletionTimestamp",
          "deletionGracePeriodSeconds",
          "generation",
          "managedFields",
          "selfLink");
  private static final Set<String> IGNORED_ANNOTATIONS =
      Set.of(
          "kubectl.kubernetes.io/restartedAt",
          "deployment.kubernetes.io/revision",
          "deployment.kubernetes.io/revision-history");
  private static final String TEMPLATE_HASH = "pod-template-hash";
  private static final String REVISION_HASH = "controller-revision-hash";
  private static final String TEMPLATE_GENERATION = "pod-template-generation";

  private final Map<String, JsonNode> objects;

  private ClusterSnapshot(Map<String, JsonNode> objects) {
    this.objects = objects;
  }

  public static ClusterSnapshot take(ObjectStore store) {
    Map<String, JsonNode> objects = new TreeMap<>();
    Map<String, List<JsonNode>> grouped = new TreeMap<>();
    Map<String, String> podWorkloads = new HashMap<>();
    List<ObjectNode> endpoints = new ArrayList<>();
    for (ResourceType t : store.registry().all()) {
      if (!store.registry().storageType(t).equals(t) || SKIPPED_KINDS.contains(t.kind())) {
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
            String workload = workload(o);
            podWorkloads.put(ns + "/" + name, workload);
            grouped.computeIfAbsent("pods " + ns + " " + workload, k -> new ArrayList<>());
            grouped.get("pods " + ns + " " + workload).add(normalize(o));
          }
          continue;
        }
        if (t.equals(ResourceRegistry.REPLICASETS)) {
          if (!isRolloutHistory(o)) {
            String key = "replicasets " + ns + " " + workload(o);
            grouped.computeIfAbsent(key, k -> new ArrayList<>()).add(normalize(o));
          }
          continue;
        }
        if (t.equals(ResourceRegistry.ENDPOINTS)) {
          endpoints.add(o);
          continue;
        }
        objects.put(key(t, ns, name), normalize(o));
      }
    }
    for (ObjectNode ep : endpoints) {
      objects.put(
          key(
              ResourceRegistry.ENDPOINTS,
              ep.path("metadata").path("namespace").asText(),
              ep.path("metadata").path("name").asText()),
          normalizeEndpoints(ep, podWorkloads));
    }
    grouped.forEach(
        (key, list) -> {
          ArrayNode sorted = JsonNodeFactory.instance.arrayNode();
          list.stream().sorted(Comparator.comparing(JsonNode::toString)).forEach(sorted::add);
          objects.put(key, sorted);
        });
    return new ClusterSnapshot(objects);
  }

  /** What differs from {@code other}, one line per object; empty when equal. */
  public List<String> diff(ClusterSnapshot after) {
    List<String> out = new ArrayList<>();
    for (var e : objects.entrySet()) {
      JsonNode later = after.objects.get(e.getKey());
      if (later == null) {
        out.add("missing: " + e.getKey() + "\n  before: " + e.getValue());
      } else if (!later.equals(e.getValue())) {
        out.add("changed: " + e.getKey() + "\n  before: " + e.getValue() + "\n  after:  " + later);
      }
    }
    for (var e : after.objects.entrySet()) {
      if (!objects.containsKey(e.getKey())) {
        out.add("added: " + e.getKey() + "\n  after:  " + e.getValue());
      }
    }
    return out;
  }

  /** How many entries were compared: objects, and the pods and live ReplicaSets of a workload. */
  public int size() {
    return objects.size();
  }

  private static String key(ResourceType t, String ns, String name) {
    return t.groupResource() + " " + (ns.isEmpty() ? "" : ns + "/") + name;
  }

  /**
   * A ReplicaSet a Deployment scaled to zero after a rollout: kept by the Deployment controller as
   * rollout history (revisionHistoryLimit), not something a rollback can take back.
   */
  private static boolean isRolloutHistory(ObjectNode rs) {
    boolean ownedByDeployment = false;
    for (JsonNode ref : rs.path("metadata").path("ownerReferences")) {
      ownedByDeployment |= ref.path("kind").asText().equals("Deployment");
    }
    return ownedByDeployment && rs.path("spec").path("replicas").asInt(1) == 0;
  }

  /** The controller of a pod or ReplicaSet, {@code Kind/name} with generated hashes stripped. */
  private static String workload(ObjectNode o) {
    Map<String, String> generated = generatedValues(o);
    for (JsonNode ref : o.path("metadata").path("ownerReferences")) {
      if (ref.path("controller").asBoolean(false)
          || o.path("metadata").path("ownerReferences").size() == 1) {
        return ref.path("kind").asText() + "/" + replaceGenerated(ref.path("name"), generated);
      }
    }
    return o.path("kind").asText() + "/" + o.path("metadata").path("name").asText();
  }

  /**
   * The values an object carries that the server or a controller generated for it: uids, a pod's
   * name, template hashes, rollout counters; each mapped to a placeholder, longest first so a name
   * that contains a hash is replaced whole.
   */
  private static Map<String, String> generatedValues(JsonNode o) {
    Map<String, String> values = new HashMap<>();
    JsonNode meta = o.path("metadata");
    put(values, meta.path("uid").asText(""), "<uid>");
    for (JsonNode ref : meta.path("ownerReferences")) {
      put(values, ref.path("uid").asText(""), "<uid>");
    }
    JsonNode labels = meta.path("labels");
    String templateHash = labels.path(TEMPLATE_HASH).asText("");
    String revisionHash = labels.path(REVISION_HASH).asText("");
    if (o.path("kind").asText().equals("Pod") && !meta.path("ownerReferences").isEmpty()) {
      // a controller's pod: its name is generated (a bare pod's name is its own)
      put(values, meta.path("name").asText(""), "<pod-name>");
    }
    put(values, templateHash, "<" + TEMPLATE_HASH + ">");
    put(values, revisionHash, "<" + REVISION_HASH + ">");
    Map<String, String> sorted = new LinkedHashMap<>();
    values.entrySet().stream()
        .sorted(Comparator.comparing((Map.Entry<String, String> e) -> -e.getKey().length()))
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return sorted;
  }

  private static void put(Map<String, String> values, String value, String placeholder) {
    if (!value.isEmpty()) {
      values.putIfAbsent(value, placeholder);
    }
  }

  private static String replaceGenerated(JsonNode text, Map<String, String> generated) {
    String s = text.asText();
    for (var e : generated.entrySet()) {
      s = s.replace(e.getKey(), e.getValue());
    }
    return s;
  }

  private static JsonNode normalize(ObjectNode o) {
    Map<String, String> generated = generatedValues(o);
    ObjectNode c = o.deepCopy();
    c.remove("status");
    if (c.get("metadata") instanceof ObjectNode meta) {
      SERVER_METADATA.forEach(meta::remove);
      normalizeMetadata(meta);
      if (meta.get("ownerReferences") instanceof ArrayNode refs) {
        refs.forEach(ref -> ((ObjectNode) ref).remove("uid"));
      }
    }
    if (c.path("spec").path("template").get("metadata") instanceof ObjectNode template) {
      normalizeMetadata(template);
    }
    if (o.path("kind").asText().equals("Pod") && c.get("spec") instanceof ObjectNode spec) {
      spec.remove("nodeName");
    }
    return replaceGeneratedValues(c, generated);
  }

  private static void normalizeMetadata(ObjectNode meta) {
    if (meta.get("annotations") instanceof ObjectNode a) {
      IGNORED_ANNOTATIONS.forEach(a::remove);
      if (a.isEmpty()) {
        meta.remove("annotations");
      }
    }
    if (meta.get("labels") instanceof ObjectNode l && l.has(TEMPLATE_GENERATION)) {
      l.put(TEMPLATE_GENERATION, "<" + TEMPLATE_GENERATION + ">");
    }
  }

  /** Every text value (not keys) with its generated values replaced by placeholders. */
  private static JsonNode replaceGeneratedValues(JsonNode node, Map<String, String> generated) {
    if (generated.isEmpty()) {
      return node;
    }
    if (node.isTextual()) {
      String replaced = replaceGenerated(node, generated);
      return replaced.equals(node.asText()) ? node : TextNode.valueOf(replaced);
    }
    if (node instanceof ObjectNode obj) {
      List<String> fields = new ArrayList<>();
      obj.fieldNames().forEachRemaining(fields::add);
      for (String f : fields) {
        obj.set(f, replaceGeneratedValues(obj.get(f), generated));
      }
    } else if (node instanceof ArrayNode arr) {
      for (int i = 0; i < arr.size(); i++) {
        arr.set(i, replaceGeneratedValues(arr.get(i), generated));
      }
    }
    return node;
  }

  /**
   * Endpoints with each address named by the workload of its pod (pod names, IPs and nodes are
   * generated), addresses sorted.
   */
  private static JsonNode normalizeEndpoints(ObjectNode ep, Map<String, String> podWorkloads) {
    ObjectNode c = (ObjectNode) normalize(ep);
    String ns = ep.path("metadata").path("namespace").asText();
    for (JsonNode subset : c.path("subsets")) {
      for (String list : new String[] {"addresses", "notReadyAddresses"}) {
        if (!(subset.get(list) instanceof ArrayNode addresses)) {
          continue;
        }
        List<JsonNode> named = new ArrayList<>();
        for (JsonNode a : addresses) {
          ObjectNode address = JsonNodeFactory.instance.objectNode();
          JsonNode ref = a.path("targetRef");
          if (ref.isObject()) {
            String podNs = ref.path("namespace").asText(ns);
            String pod = ref.path("name").asText();
            address.put(
                "workload",
                podNs + "/" + podWorkloads.getOrDefault(podNs + "/" + pod, "Pod/" + pod));
          } else {
            address.put("ip", a.path("ip").asText());
          }
          named.add(address);
        }
        addresses.removeAll();
        named.stream().sorted(Comparator.comparing(JsonNode::toString)).forEach(addresses::add);
      }
    }
    return c;
  }
}
