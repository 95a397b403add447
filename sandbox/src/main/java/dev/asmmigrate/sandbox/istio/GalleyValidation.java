package dev.asmmigrate.sandbox.istio;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.sandbox.api.AdmissionPlugin;
import dev.asmmigrate.sandbox.api.AdmissionRequest;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.sandbox.api.Selectors;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Istio's validation webhooks (the add-on's {@code istio-galley}): while a
 * ValidatingWebhookConfiguration of Istio's covers a request and its backend Deployment has no
 * available replicas, creating or updating Istio config fails when the webhook's failurePolicy is
 * {@code Fail}, which is why the migration removes Galley's webhook before it touches Istio config.
 * A Galley that runs accepts everything (the sandbox does not re-implement Istio's validation).
 */
final class GalleyValidation implements AdmissionPlugin {
  private final BooleanSupplier running;
  private final WebhookTls tls;

  /**
   * @param running whether the simulation runs (fixtures are loaded before it does)
   */
  GalleyValidation(BooleanSupplier running, WebhookTls tls) {
    this.running = running;
    this.tls = tls;
  }

  @Override
  public void admit(AdmissionRequest r) {
    if (!running.getAsBoolean() || !r.type().group().endsWith("istio.io")) {
      return;
    }
    ObjectStore store = r.store();
    for (var vwc : store.list(ResourceRegistry.VALIDATING_WEBHOOKS, null)) {
      for (JsonNode webhook : vwc.path("webhooks")) {
        if (!webhook.path("name").asText("").endsWith("istio.io")
            || !covers(webhook, r.type(), r.operation())
            || !selectorsMatch(store, webhook, r)) {
          continue;
        }
        JsonNode service = webhook.path("clientConfig").path("service");
        if (!service.isObject()) {
          continue;
        }
        String ns = service.path("namespace").asText(ControlPlane.SYSTEM_NAMESPACE);
        String svc = service.path("name").asText();
        if ("Ignore".equals(webhook.path("failurePolicy").asText("Fail"))) {
          continue;
        }
        String target =
            "Post \"https://"
                + svc
                + "."
                + ns
                + ".svc:443"
                + service.path("path").asText("/")
                + "?timeout=30s\"";
        if (ClusterState.deploymentAvailable(store, ns, svc)) {
          String x509 = tls.handshakeFailure(webhook);
          if (x509 == null) {
            continue;
          }
          throw new ApiException(
              500,
              "InternalError",
              "Internal error occurred: failed calling webhook \""
                  + webhook.path("name").asText()
                  + "\": failed to call webhook: "
                  + target
                  + ": "
                  + x509);
        }
        throw new ApiException(
            500,
            "InternalError",
            "Internal error occurred: failed calling webhook \""
                + webhook.path("name").asText()
                + "\": Post \"https://"
                + svc
                + "."
                + ns
                + ".svc:443"
                + service.path("path").asText("/")
                + "?timeout=30s\": no endpoints available for service \""
                + svc
                + "\"");
      }
    }
  }

  private static boolean covers(
      JsonNode webhook, ResourceType type, AdmissionRequest.Operation op) {
    for (JsonNode rule : webhook.path("rules")) {
      if (has(rule.path("apiGroups"), type.group())
          && has(rule.path("apiVersions"), type.version())
          && has(rule.path("operations"), op.name())
          && (has(rule.path("resources"), type.plural()) || has(rule.path("resources"), "*/*"))) {
        return true;
      }
    }
    return false;
  }

  private static boolean selectorsMatch(ObjectStore store, JsonNode webhook, AdmissionRequest r) {
    Map<String, String> nsLabels =
        r.namespace() == null
            ? Map.of()
            : store
                .get(ResourceRegistry.NAMESPACES, null, r.namespace())
                .map(Selectors::labels)
                .orElse(Map.of());
    return (r.namespace() == null || Selectors.matches(webhook.get("namespaceSelector"), nsLabels))
        && Selectors.matches(webhook.get("objectSelector"), Selectors.labels(r.object()));
  }

  private static boolean has(JsonNode list, String value) {
    for (JsonNode v : list) {
      if (v.asText().equals(value) || v.asText().equals("*")) {
        return true;
      }
    }
    return false;
  }
}
