package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.Json;
import java.time.Duration;

/** Faults as JSON, for {@code /sandbox/faults}: a PUT sets the fields it names and no others. */
public final class FaultsJson {
  private FaultsJson() {}

  public static ObjectNode toJson(Faults f) {
    ObjectNode o = Json.object();
    ObjectNode rates = o.putObject("apiErrorRate");
    f.apiErrorRate.forEach(rates::put);
    f.apiErrorCodes.forEach(o.putArray("apiErrorCodes")::add);
    o.put("apiErrorAppliedFraction", f.apiErrorAppliedFraction);
    o.put("apiTimeoutMillis", f.apiTimeout.toMillis());
    o.put("watchLagMillis", f.watchLag.toMillis());
    o.put("apiLatencyMillis", f.apiLatency.toMillis());
    f.crashLoopNamespaces.forEach(o.putArray("crashLoopNamespaces")::add);
    o.put("controlPlaneNeverProvisioned", f.controlPlaneNeverProvisioned);
    o.put("rootDistributionStuck", f.rootDistributionStuck);
    o.put("proxyRootPickupHeld", f.proxyRootPickupHeld);
    o.put("injectionWebhookUnavailable", f.injectionWebhookUnavailable);
    f.denied.forEach(o.putArray("denied")::add);
    o.put("googleApiFault", f.googleApiFault);
    o.put("googleOperationDelayMillis", f.googleOperationDelay.toMillis());
    return o;
  }

  public static void apply(Faults f, JsonNode in) {
    if (!in.isObject()) {
      throw ApiException.badRequest("faults must be a JSON object");
    }
    if (in.has("apiErrorRate")) {
      f.apiErrorRate.clear();
      in.get("apiErrorRate")
          .fields()
          .forEachRemaining(
              e -> {
                double rate = e.getValue().asDouble();
                if (rate < 0 || rate > 1) {
                  throw ApiException.badRequest(
                      "apiErrorRate." + e.getKey() + " must be between 0 and 1");
                }
                f.apiErrorRate.put(e.getKey(), rate);
              });
    }
    if (in.has("apiErrorCodes")) {
      f.apiErrorCodes.clear();
      in.get("apiErrorCodes").forEach(c -> f.apiErrorCodes.add(c.asInt()));
    }
    if (in.has("apiErrorAppliedFraction")) {
      double fraction = in.get("apiErrorAppliedFraction").asDouble();
      if (fraction < 0 || fraction > 1) {
        throw ApiException.badRequest("apiErrorAppliedFraction must be between 0 and 1");
      }
      f.apiErrorAppliedFraction = fraction;
    }
    if (in.has("watchLagMillis")) {
      long lag = in.get("watchLagMillis").asLong();
      if (lag < 0) {
        throw ApiException.badRequest("watchLagMillis must not be negative");
      }
      f.watchLag = Duration.ofMillis(lag);
    }
    if (in.has("apiLatencyMillis")) {
      long latency = in.get("apiLatencyMillis").asLong();
      if (latency < 0) {
        throw ApiException.badRequest("apiLatencyMillis must not be negative");
      }
      f.apiLatency = Duration.ofMillis(latency);
    }
    if (in.has("apiTimeoutMillis")) {
      f.apiTimeout = Duration.ofMillis(in.get("apiTimeoutMillis").asLong());
    }
    if (in.has("crashLoopNamespaces")) {
      f.crashLoopNamespaces.clear();
      in.get("crashLoopNamespaces").forEach(n -> f.crashLoopNamespaces.add(n.asText()));
    }
    if (in.has("controlPlaneNeverProvisioned")) {
      f.controlPlaneNeverProvisioned = in.get("controlPlaneNeverProvisioned").asBoolean();
    }
    if (in.has("rootDistributionStuck")) {
      f.rootDistributionStuck = in.get("rootDistributionStuck").asBoolean();
    }
    if (in.has("proxyRootPickupHeld")) {
      f.proxyRootPickupHeld = in.get("proxyRootPickupHeld").asBoolean();
    }
    if (in.has("injectionWebhookUnavailable")) {
      f.injectionWebhookUnavailable = in.get("injectionWebhookUnavailable").asBoolean();
    }
    if (in.has("denied")) {
      f.denied.clear();
      in.get("denied").forEach(n -> f.denied.add(n.asText()));
    }
    if (in.has("googleApiFault")) {
      f.googleApiFault = in.get("googleApiFault").asText();
    }
    if (in.has("googleOperationDelayMillis")) {
      f.googleOperationDelay = Duration.ofMillis(in.get("googleOperationDelayMillis").asLong());
    }
  }
}
