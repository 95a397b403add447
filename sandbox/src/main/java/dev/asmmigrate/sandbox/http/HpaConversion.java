package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;

/** autoscaling/v1 ⇄ v2 for HorizontalPodAutoscalers (stored as v2), CPU target only, as in v1. */
final class HpaConversion {
  private HpaConversion() {}

  static void toV1(ObjectNode hpa) {
    ObjectNode spec = Json.with(hpa, "spec");
    JsonNode metrics = spec.remove("metrics");
    spec.remove("behavior");
    if (metrics != null) {
      for (JsonNode m : metrics) {
        JsonNode target = m.path("resource").path("target");
        if ("cpu".equals(m.path("resource").path("name").asText())
            && target.has("averageUtilization")) {
          spec.put("targetCPUUtilizationPercentage", target.get("averageUtilization").asInt());
        }
      }
    }
    ObjectNode status = Json.with(hpa, "status");
    status.remove("conditions");
    status.remove("currentMetrics");
  }

  static void toV2(ObjectNode hpa) {
    ObjectNode spec = Json.with(hpa, "spec");
    JsonNode cpu = spec.remove("targetCPUUtilizationPercentage");
    if (cpu != null) {
      ArrayNode metrics = spec.putArray("metrics");
      ObjectNode m = metrics.addObject();
      m.put("type", "Resource");
      ObjectNode r = m.putObject("resource");
      r.put("name", "cpu");
      ObjectNode t = r.putObject("target");
      t.put("type", "Utilization");
      t.put("averageUtilization", cpu.asInt());
    }
  }
}
