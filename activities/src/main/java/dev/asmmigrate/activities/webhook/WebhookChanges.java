package dev.asmmigrate.activities.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code replace-webhook} changes, computed once from what it read: the one place that
 * decides; {@link WebhookActivitiesImpl#replaceWebhook} applies the list, {@code plan} shows it.
 */
final class WebhookChanges {
  static final String STEP = Step.REPLACE_WEBHOOK.id();
  static final String INJECTOR = IstioNames.INJECTOR_WEBHOOK_14;
  static final String TAG = IstioNames.DEFAULT_TAG_WEBHOOK;
  static final String API_VERSION = "admissionregistration.k8s.io/v1";
  static final String KIND = "MutatingWebhookConfiguration";
  static final ObjectKey INJECTOR_KEY = new ObjectKey(API_VERSION, KIND, null, INJECTOR);
  static final ObjectKey TAG_KEY = new ObjectKey(API_VERSION, KIND, null, TAG);
  private static final String TEMPLATE = "webhook/revision-tag-default.yaml";

  /** The suffix of Istio's injection webhooks' names. */
  static final String INJECTION_SUFFIX = "sidecar-injector.istio.io";

  /**
   * What the step reads; each object null when absent.
   *
   * @param revision the managed revision
   * @param injector the add-on's injector configuration {@value #INJECTOR}
   * @param revisionWebhook the managed revision's configuration {@code istiod-<revision>}
   * @param tag the default tag's configuration {@value #TAG}
   */
  record Observed(
      String revision, ObjectNode injector, ObjectNode revisionWebhook, ObjectNode tag) {

    /** Whether the revision's configuration has an injection webhook to copy the endpoint of. */
    boolean provisioned() {
      return revisionWebhook != null && injectionClientConfig(revisionWebhook) != null;
    }
  }

  private WebhookChanges() {}

  static ObjectKey sourceKey(String revision) {
    return new ObjectKey(API_VERSION, KIND, null, "istiod-" + revision);
  }

  /**
   * The add-on injector emptied (an update of the object as read, so a concurrent write makes it
   * conflict), when it has webhooks; then the tag created from {@link #tag}, or, when it does not
   * hold that already, written over (an update carrying the read resourceVersion). In that order,
   * so that no namespace is ever matched by two injection webhooks. Before the managed control
   * plane is provisioned the tag's webhooks have no clientConfig and the notes say so.
   */
  static List<PlannedChange> desired(Observed observed) {
    List<PlannedChange> out = new ArrayList<>();
    ObjectNode injector = observed.injector();
    if (injector != null && !injector.path("webhooks").isEmpty()) {
      ObjectNode emptied = injector.deepCopy();
      emptied.putArray("webhooks");
      out.add(
          PlannedChange.update(
              STEP,
              INJECTOR_KEY,
              emptied,
              "emptied ("
                  + injector.path("webhooks").size()
                  + " webhooks removed), so that no namespace is matched by two injectors"));
    }
    boolean provisioned = observed.provisioned();
    ObjectNode desired =
        tag(
            provisioned ? observed.revisionWebhook() : JsonNodeFactory.instance.objectNode(),
            observed.revision());
    String note = note(desired, observed.revision(), provisioned);
    ObjectNode current = observed.tag();
    if (current == null) {
      out.add(PlannedChange.create(STEP, TAG_KEY, desired, note));
    } else if (!provisioned || !StepChanges.covers(current, desired)) {
      ObjectNode replacement = desired.deepCopy();
      JsonNode version = current.path("metadata").path("resourceVersion");
      if (version.isTextual()) {
        ((ObjectNode) replacement.get("metadata")).put("resourceVersion", version.asText());
      }
      out.add(PlannedChange.update(STEP, TAG_KEY, replacement, note));
    }
    return out;
  }

  private static String note(ObjectNode desired, String revision, boolean provisioned) {
    List<String> names = new ArrayList<>();
    desired.path("webhooks").forEach(w -> names.add(w.path("name").asText()));
    return "revision tag default -> "
        + revision
        + ", "
        + names.size()
        + " webhooks as istioctl writes them ("
        + String.join(", ", names)
        + ": namespaces labelled istio.io/rev=default or istio-injection=enabled, pods"
        + " labelled istio.io/rev=default or sidecar.istio.io/inject=true)"
        + (provisioned
            ? ""
            : "; each webhook's clientConfig (endpoint and caBundle) copied from"
                + " MutatingWebhookConfiguration istiod-"
                + revision
                + " once the managed control plane installs it");
  }

  /**
   * The tag configuration as istioctl writes it: the template's four webhooks (names, selectors,
   * rules and policies), labelled with the revision, each calling the revision's injector with the
   * {@code clientConfig} (URL or Service, and caBundle) of the revision's first injection webhook
   * ({@code *sidecar-injector.istio.io}), as {@code istioctl tag set} takes it. Without such a
   * webhook (plan before provisioning) the webhooks have no clientConfig.
   */
  static ObjectNode tag(JsonNode revisionWebhook, String revision) {
    ObjectNode desired = StepChanges.template(TEMPLATE);
    ((ObjectNode) desired.path("metadata").path("labels")).put("istio.io/rev", revision);
    JsonNode clientConfig = injectionClientConfig(revisionWebhook);
    for (JsonNode w : (ArrayNode) desired.get("webhooks")) {
      if (clientConfig != null) {
        ((ObjectNode) w).set("clientConfig", clientConfig.deepCopy());
      }
    }
    return desired;
  }

  /** The clientConfig of the first injection webhook of a configuration, or null. */
  static JsonNode injectionClientConfig(JsonNode configuration) {
    for (JsonNode w : configuration.path("webhooks")) {
      if (w.path("name").asText().endsWith(INJECTION_SUFFIX) && w.path("clientConfig").isObject()) {
        return w.get("clientConfig");
      }
    }
    return null;
  }
}
