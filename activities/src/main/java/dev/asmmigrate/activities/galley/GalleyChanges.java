package dev.asmmigrate.activities.galley;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code disable-galley-webhook} changes, computed once from what it read: the one place that
 * decides; {@link GalleyActivitiesImpl#disableGalleyWebhook} applies the list, {@code plan} shows
 * it.
 */
final class GalleyChanges {
  static final String STEP = Step.DISABLE_GALLEY_WEBHOOK.id();
  static final String CLUSTER_ROLE = "istio-galley-istio-system";
  static final String WEBHOOK = "istio-galley";
  static final String RESOURCE = "validatingwebhookconfigurations";
  static final ObjectKey ROLE_KEY =
      new ObjectKey("rbac.authorization.k8s.io/v1", "ClusterRole", null, CLUSTER_ROLE);
  static final ObjectKey WEBHOOK_KEY =
      new ObjectKey(
          "admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", null, WEBHOOK);

  /**
   * What the step reads.
   *
   * @param role Galley's ClusterRole, null when absent
   * @param webhook Galley's validating webhook configuration, null when absent
   */
  record Observed(ObjectNode role, ObjectNode webhook) {}

  private GalleyChanges() {}

  /**
   * The JSON patch narrowing the ClusterRole when a rule still grants {@code *} on {@value
   * #RESOURCE}, then the webhook's deletion when it exists; in that order, so that Galley cannot
   * re-create the webhook.
   */
  static List<PlannedChange> desired(Observed observed) {
    List<PlannedChange> out = new ArrayList<>();
    ArrayNode ops = observed.role() == null ? null : narrowingPatch(observed.role());
    if (ops != null && !ops.isEmpty()) {
      out.add(
          PlannedChange.patch(
              STEP,
              ROLE_KEY,
              "json",
              ops,
              "verbs on " + RESOURCE + " from * to get, so Galley cannot re-create its webhook"));
    }
    if (observed.webhook() != null) {
      out.add(PlannedChange.delete(STEP, WEBHOOK_KEY, "Galley's validating webhook"));
    }
    return out;
  }

  /**
   * The JSON patch narrowing {@code role}: verb {@code *} replaced by {@code get} in every rule
   * naming {@value #RESOURCE}, wherever it is (rule 2 on the add-on; never trusted), its {@code
   * test} operations making a concurrent change of those rules fail instead of being overwritten.
   * Empty when no rule grants {@code *} on the resource any more, null when no rule names it.
   */
  static ArrayNode narrowingPatch(JsonNode role) {
    ArrayNode ops = JsonNodeFactory.instance.arrayNode();
    JsonNode rules = role.path("rules");
    boolean named = false;
    for (int i = 0; i < rules.size(); i++) {
      JsonNode rule = rules.get(i);
      if (!contains(rule.path("resources"), RESOURCE)) {
        continue;
      }
      named = true;
      JsonNode verbs = rule.path("verbs");
      int star = indexOf(verbs, "*");
      if (star < 0) {
        continue;
      }
      String base = "/rules/" + i;
      ops.add(op("test", base + "/resources", rule.path("resources")));
      ops.add(op("test", base + "/verbs", verbs));
      if (contains(verbs, "get")) {
        ops.add(op("remove", base + "/verbs/" + star, null));
      } else {
        ops.add(op("replace", base + "/verbs/" + star, JsonNodeFactory.instance.textNode("get")));
      }
    }
    return named ? ops : null;
  }

  private static ObjectNode op(String op, String path, JsonNode value) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("op", op);
    o.put("path", path);
    if (value != null) {
      o.set("value", value.deepCopy());
    }
    return o;
  }

  private static boolean contains(JsonNode array, String value) {
    return indexOf(array, value) >= 0;
  }

  private static int indexOf(JsonNode array, String value) {
    for (int i = 0; i < array.size(); i++) {
      if (value.equals(array.get(i).asText())) {
        return i;
      }
    }
    return -1;
  }
}
