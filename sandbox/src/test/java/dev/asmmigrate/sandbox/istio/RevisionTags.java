package dev.asmmigrate.sandbox.istio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;

/**
 * The revision tag {@code default} as {@code istioctl tag set default --revision <rev>} writes it
 * (Istio 1.11-1.13), for tests: four webhooks ({@code rev.namespace}, {@code rev.object}, {@code
 * namespace}, {@code object}), each calling the revision's injector with the clientConfig of the
 * revision's own webhook.
 */
final class RevisionTags {
  private RevisionTags() {}

  static ObjectNode defaultTag(JsonNode revisionWebhook, String rev) {
    JsonNode clientConfig = revisionWebhook.path("webhooks").get(0).path("clientConfig");
    ObjectNode tag =
        (ObjectNode)
            Json.readYamlDocuments(
                    """
                    apiVersion: admissionregistration.k8s.io/v1
                    kind: MutatingWebhookConfiguration
                    metadata:
                      name: istio-revision-tag-default
                      labels:
                        istio.io/tag: default
                        istio.io/rev: %s
                        app: sidecar-injector
                    webhooks:
                    - name: rev.namespace.sidecar-injector.istio.io
                      namespaceSelector:
                        matchExpressions:
                        - {key: istio.io/rev, operator: In, values: [default]}
                        - {key: istio-injection, operator: DoesNotExist}
                      objectSelector:
                        matchExpressions:
                        - {key: sidecar.istio.io/inject, operator: NotIn, values: ["false"]}
                    - name: rev.object.sidecar-injector.istio.io
                      namespaceSelector:
                        matchExpressions:
                        - {key: istio.io/rev, operator: DoesNotExist}
                        - {key: istio-injection, operator: DoesNotExist}
                      objectSelector:
                        matchExpressions:
                        - {key: sidecar.istio.io/inject, operator: NotIn, values: ["false"]}
                        - {key: istio.io/rev, operator: In, values: [default]}
                    - name: namespace.sidecar-injector.istio.io
                      namespaceSelector:
                        matchExpressions:
                        - {key: istio-injection, operator: In, values: [enabled]}
                      objectSelector:
                        matchExpressions:
                        - {key: sidecar.istio.io/inject, operator: NotIn, values: ["false"]}
                    - name: object.sidecar-injector.istio.io
                      namespaceSelector:
                        matchExpressions:
                        - {key: istio-injection, operator: DoesNotExist}
                        - {key: istio.io/rev, operator: DoesNotExist}
                      objectSelector:
                        matchExpressions:
                        - {key: sidecar.istio.io/inject, operator: In, values: ["true"]}
                        - {key: istio.io/rev, operator: DoesNotExist}
                    """
                        .formatted(rev))
                .get(0);
    for (JsonNode w : (ArrayNode) tag.get("webhooks")) {
      ObjectNode webhook = (ObjectNode) w;
      webhook.set("clientConfig", clientConfig.deepCopy());
      webhook.put("sideEffects", "None");
      webhook.put("failurePolicy", "Fail");
      webhook.putArray("admissionReviewVersions").add("v1");
      ObjectNode rule = webhook.putArray("rules").addObject();
      rule.putArray("operations").add("CREATE");
      rule.putArray("apiGroups").add("");
      rule.putArray("apiVersions").add("v1");
      rule.putArray("resources").add("pods");
    }
    return tag;
  }
}
