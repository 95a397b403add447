package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Server-side printing ({@code as=Table}), which is what {@code kubectl get} shows: the columns the
 * real API server prints for each kind, CRDs' additionalPrinterColumns, NAME/AGE otherwise.
 */
final class TablePrinter {
  private record Column(String name, String type, int priority, Function<JsonNode, Object> cell) {}

  private final ResourceRegistry registry;
  private final java.util.function.Function<ResourceType, JsonNode> crdLookup;

  TablePrinter(ResourceRegistry registry, Function<ResourceType, JsonNode> crdLookup) {
    this.registry = registry;
    this.crdLookup = crdLookup;
  }

  ObjectNode table(
      ResourceType type,
      List<? extends JsonNode> objects,
      String resourceVersion,
      boolean includeObject) {
    List<Column> columns = columns(type);
    ObjectNode table = Json.object();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    table.putObject("metadata").put("resourceVersion", resourceVersion);
    ArrayNode defs = table.putArray("columnDefinitions");
    for (Column c : columns) {
      ObjectNode d = defs.addObject();
      d.put("name", c.name());
      d.put("type", c.type());
      d.put("format", c.name().equals("Name") ? "name" : "");
      d.put("description", c.name());
      d.put("priority", c.priority());
    }
    ArrayNode rows = table.putArray("rows");
    for (JsonNode o : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Column c : columns) {
        Object v = c.cell().apply(o);
        if (v instanceof Number n) {
          cells.add(n.longValue());
        } else {
          cells.add(v == null ? "<none>" : v.toString());
        }
      }
      if (includeObject) {
        row.set("object", o);
      } else {
        ObjectNode partial = row.putObject("object");
        partial.put("kind", "PartialObjectMetadata");
        partial.put("apiVersion", "meta.k8s.io/v1");
        partial.set("metadata", o.path("metadata").deepCopy());
      }
    }
    return table;
  }

  private List<Column> columns(ResourceType type) {
    List<Column> cols = new ArrayList<>();
    cols.add(new Column("Name", "string", 0, o -> o.path("metadata").path("name").asText()));
    String key = type.group() + "/" + type.plural();
    switch (key) {
      case "/pods" -> {
        cols.add(new Column("Ready", "string", 0, TablePrinter::podReady));
        cols.add(new Column("Status", "string", 0, TablePrinter::podStatus));
        cols.add(new Column("Restarts", "string", 0, TablePrinter::podRestarts));
        cols.add(age());
        cols.add(new Column("IP", "string", 1, o -> text(o, "status", "podIP")));
        cols.add(new Column("Node", "string", 1, o -> text(o, "spec", "nodeName")));
        cols.add(new Column("Nominated Node", "string", 1, o -> "<none>"));
        cols.add(new Column("Readiness Gates", "string", 1, o -> "<none>"));
      }
      case "apps/deployments" -> {
        cols.add(
            new Column(
                "Ready",
                "string",
                0,
                o -> num(o, "status", "readyReplicas") + "/" + num(o, "spec", "replicas")));
        cols.add(new Column("Up-to-date", "integer", 0, o -> num(o, "status", "updatedReplicas")));
        cols.add(new Column("Available", "integer", 0, o -> num(o, "status", "availableReplicas")));
        cols.add(age());
        cols.add(new Column("Containers", "string", 1, o -> containers(o, "name")));
        cols.add(new Column("Images", "string", 1, o -> containers(o, "image")));
        cols.add(
            new Column("Selector", "string", 1, o -> selector(o.path("spec").path("selector"))));
      }
      case "apps/replicasets" -> {
        cols.add(new Column("Desired", "integer", 0, o -> num(o, "spec", "replicas")));
        cols.add(new Column("Current", "integer", 0, o -> num(o, "status", "replicas")));
        cols.add(new Column("Ready", "integer", 0, o -> num(o, "status", "readyReplicas")));
        cols.add(age());
      }
      case "apps/statefulsets" -> {
        cols.add(
            new Column(
                "Ready",
                "string",
                0,
                o -> num(o, "status", "readyReplicas") + "/" + num(o, "spec", "replicas")));
        cols.add(age());
      }
      case "apps/daemonsets" -> {
        cols.add(
            new Column("Desired", "integer", 0, o -> num(o, "status", "desiredNumberScheduled")));
        cols.add(
            new Column("Current", "integer", 0, o -> num(o, "status", "currentNumberScheduled")));
        cols.add(new Column("Ready", "integer", 0, o -> num(o, "status", "numberReady")));
        cols.add(
            new Column(
                "Up-to-date", "integer", 0, o -> num(o, "status", "updatedNumberScheduled")));
        cols.add(new Column("Available", "integer", 0, o -> num(o, "status", "numberAvailable")));
        cols.add(
            new Column(
                "Node Selector",
                "string",
                0,
                o -> mapText(o.path("spec").path("template").path("spec").path("nodeSelector"))));
        cols.add(age());
      }
      case "/services" -> {
        cols.add(new Column("Type", "string", 0, o -> text(o, "spec", "type")));
        cols.add(new Column("Cluster-IP", "string", 0, o -> text(o, "spec", "clusterIP")));
        cols.add(new Column("External-IP", "string", 0, TablePrinter::externalIp));
        cols.add(new Column("Port(s)", "string", 0, TablePrinter::servicePorts));
        cols.add(age());
        cols.add(
            new Column("Selector", "string", 1, o -> mapText(o.path("spec").path("selector"))));
      }
      case "/namespaces" -> {
        cols.add(new Column("Status", "string", 0, o -> text(o, "status", "phase")));
        cols.add(age());
      }
      case "/configmaps" -> {
        cols.add(
            new Column(
                "Data",
                "integer",
                0,
                o -> (long) (o.path("data").size() + o.path("binaryData").size())));
        cols.add(age());
      }
      case "/secrets" -> {
        cols.add(new Column("Type", "string", 0, o -> text(o, "type")));
        cols.add(new Column("Data", "integer", 0, o -> (long) o.path("data").size()));
        cols.add(age());
      }
      case "/serviceaccounts" -> {
        cols.add(new Column("Secrets", "integer", 0, o -> (long) o.path("secrets").size()));
        cols.add(age());
      }
      case "/endpoints" -> {
        cols.add(new Column("Endpoints", "string", 0, TablePrinter::endpoints));
        cols.add(age());
      }
      case "/nodes" -> {
        cols.add(
            new Column(
                "Status",
                "string",
                0,
                o -> condition(o, "Ready").equals("True") ? "Ready" : "NotReady"));
        cols.add(new Column("Roles", "string", 0, o -> "<none>"));
        cols.add(age());
        cols.add(
            new Column(
                "Version", "string", 0, o -> text(o, "status", "nodeInfo", "kubeletVersion")));
      }
      case "autoscaling/horizontalpodautoscalers" -> {
        cols.add(
            new Column(
                "Reference",
                "string",
                0,
                o ->
                    text(o, "spec", "scaleTargetRef", "kind")
                        + "/"
                        + text(o, "spec", "scaleTargetRef", "name")));
        cols.add(new Column("Targets", "string", 0, o -> "<unknown>"));
        cols.add(new Column("MinPods", "string", 0, o -> num(o, "spec", "minReplicas")));
        cols.add(new Column("MaxPods", "integer", 0, o -> num(o, "spec", "maxReplicas")));
        cols.add(new Column("Replicas", "integer", 0, o -> num(o, "status", "currentReplicas")));
        cols.add(age());
      }
      case "policy/poddisruptionbudgets" -> {
        cols.add(
            new Column(
                "Min Available",
                "string",
                0,
                o -> o.path("spec").has("minAvailable") ? text(o, "spec", "minAvailable") : "N/A"));
        cols.add(
            new Column(
                "Max Unavailable",
                "string",
                0,
                o ->
                    o.path("spec").has("maxUnavailable")
                        ? text(o, "spec", "maxUnavailable")
                        : "N/A"));
        cols.add(
            new Column(
                "Allowed Disruptions", "integer", 0, o -> num(o, "status", "disruptionsAllowed")));
        cols.add(age());
      }
      case "batch/jobs" -> {
        cols.add(
            new Column(
                "Status",
                "string",
                0,
                o -> condition(o, "Complete").equals("True") ? "Complete" : "Running"));
        cols.add(
            new Column(
                "Completions",
                "string",
                0,
                o ->
                    num(o, "status", "succeeded")
                        + "/"
                        + o.path("spec").path("completions").asLong(1)));
        cols.add(new Column("Duration", "string", 0, TablePrinter::jobDuration));
        cols.add(age());
      }
      case "admissionregistration.k8s.io/mutatingwebhookconfigurations",
          "admissionregistration.k8s.io/validatingwebhookconfigurations" -> {
        cols.add(new Column("Webhooks", "integer", 0, o -> (long) o.path("webhooks").size()));
        cols.add(age());
      }
      case "apiextensions.k8s.io/customresourcedefinitions" ->
          cols.add(
              new Column("Created At", "date", 0, o -> text(o, "metadata", "creationTimestamp")));
      default -> {
        JsonNode crd = crdLookup.apply(type);
        boolean any = false;
        if (crd != null) {
          for (JsonNode v : crd.path("spec").path("versions")) {
            if (!v.path("name").asText().equals(type.version())) {
              continue;
            }
            for (JsonNode c : v.path("additionalPrinterColumns")) {
              String path = c.path("jsonPath").asText();
              any = true;
              if (path.equals(".metadata.creationTimestamp")) {
                cols.add(age());
              } else {
                cols.add(
                    new Column(
                        c.path("name").asText(),
                        c.path("type").asText("string"),
                        c.path("priority").asInt(0),
                        o -> JsonPathLite.eval(o, path)));
              }
            }
          }
        }
        if (!any) {
          cols.add(age());
        }
      }
    }
    return cols;
  }

  private static Column age() {
    return new Column(
        "Age", "string", 0, o -> age(o.path("metadata").path("creationTimestamp").asText(null)));
  }

  static String age(String timestamp) {
    if (timestamp == null) {
      return "<unknown>";
    }
    Duration d = Duration.between(Instant.parse(timestamp), Instant.now());
    long s = Math.max(0, d.getSeconds());
    if (s < 120) return s + "s";
    long m = s / 60;
    if (m < 10) return m + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
    if (m < 180) return m + "m";
    long h = m / 60;
    if (h < 8) return h + "h" + (m % 60 == 0 ? "" : (m % 60) + "m");
    if (h < 48) return h + "h";
    return (h / 24) + "d";
  }

  private static String podReady(JsonNode o) {
    int total = o.path("spec").path("containers").size();
    int ready = 0;
    for (JsonNode cs : o.path("status").path("containerStatuses")) {
      if (cs.path("ready").asBoolean()) ready++;
    }
    return ready + "/" + total;
  }

  private static String podRestarts(JsonNode o) {
    long restarts = 0;
    for (JsonNode cs : o.path("status").path("containerStatuses")) {
      restarts += cs.path("restartCount").asLong();
    }
    return Long.toString(restarts);
  }

  static String podStatus(JsonNode o) {
    String reason =
        o.path("status").path("reason").asText(o.path("status").path("phase").asText("Pending"));
    for (JsonNode cs : o.path("status").path("initContainerStatuses")) {
      JsonNode state = cs.path("state");
      if (state.has("waiting") && !state.path("waiting").path("reason").asText().isEmpty()) {
        return "Init:" + state.path("waiting").path("reason").asText();
      }
    }
    boolean running = false;
    for (JsonNode cs : o.path("status").path("containerStatuses")) {
      JsonNode state = cs.path("state");
      if (state.has("waiting") && !state.path("waiting").path("reason").asText().isEmpty()) {
        reason = state.path("waiting").path("reason").asText();
      } else if (state.has("terminated")) {
        reason = state.path("terminated").path("reason").asText("Terminated");
      } else if (state.has("running") && cs.path("ready").asBoolean()) {
        running = true;
      }
    }
    if ("Running".equals(reason) && running) {
      reason = "Running";
    }
    if (o.path("metadata").has("deletionTimestamp")) {
      reason = "Terminating";
    }
    return reason;
  }

  private static String externalIp(JsonNode o) {
    String type = text(o, "spec", "type");
    if ("LoadBalancer".equals(type)) {
      List<String> ips = new ArrayList<>();
      o.path("status")
          .path("loadBalancer")
          .path("ingress")
          .forEach(i -> ips.add(i.path("ip").asText(i.path("hostname").asText())));
      return ips.isEmpty() ? "<pending>" : String.join(",", ips);
    }
    return "<none>";
  }

  private static String servicePorts(JsonNode o) {
    List<String> ports = new ArrayList<>();
    for (JsonNode p : o.path("spec").path("ports")) {
      String s = p.path("port").asText();
      if (p.has("nodePort")) s += ":" + p.path("nodePort").asText();
      ports.add(s + "/" + p.path("protocol").asText("TCP"));
    }
    return ports.isEmpty() ? "<none>" : String.join(",", ports);
  }

  private static String endpoints(JsonNode o) {
    List<String> eps = new ArrayList<>();
    for (JsonNode subset : o.path("subsets")) {
      for (JsonNode a : subset.path("addresses")) {
        for (JsonNode p : subset.path("ports")) {
          eps.add(a.path("ip").asText() + ":" + p.path("port").asText());
        }
      }
    }
    if (eps.isEmpty()) return "<none>";
    if (eps.size() > 3)
      return String.join(",", eps.subList(0, 3)) + " + " + (eps.size() - 3) + " more...";
    return String.join(",", eps);
  }

  private static String jobDuration(JsonNode o) {
    String start = text(o, "status", "startTime");
    if (start == null) return "";
    String end = text(o, "status", "completionTime");
    Instant to = end == null ? Instant.now() : Instant.parse(end);
    return Math.max(0, Duration.between(Instant.parse(start), to).getSeconds()) + "s";
  }

  private static String containers(JsonNode o, String field) {
    List<String> out = new ArrayList<>();
    o.path("spec")
        .path("template")
        .path("spec")
        .path("containers")
        .forEach(c -> out.add(c.path(field).asText()));
    return String.join(",", out);
  }

  private static String selector(JsonNode sel) {
    return mapText(sel.path("matchLabels"));
  }

  private static String mapText(JsonNode map) {
    if (!map.isObject() || map.isEmpty()) return "<none>";
    List<String> parts = new ArrayList<>();
    map.fields().forEachRemaining(e -> parts.add(e.getKey() + "=" + e.getValue().asText()));
    return String.join(",", parts);
  }

  private static String condition(JsonNode o, String type) {
    for (JsonNode c : o.path("status").path("conditions")) {
      if (type.equals(c.path("type").asText())) return c.path("status").asText();
    }
    return "Unknown";
  }

  private static long num(JsonNode o, String... path) {
    JsonNode n = o;
    for (String p : path) n = n.path(p);
    return n.asLong(0);
  }

  private static String text(JsonNode o, String... path) {
    JsonNode n = o;
    for (String p : path) n = n.path(p);
    return n.isMissingNode() || n.isNull() ? null : n.asText();
  }

  @SuppressWarnings("unused")
  private static Map<String, String> unused() {
    return Map.of();
  }
}
