package dev.asmmigrate.activities.gateway;

import static dev.asmmigrate.activities.gateway.GatewayActivitiesImpl.BINDING_KEY;
import static dev.asmmigrate.activities.gateway.GatewayActivitiesImpl.DEPLOYMENT_KEY;
import static dev.asmmigrate.activities.gateway.GatewayActivitiesImpl.HPA_KEY;
import static dev.asmmigrate.activities.gateway.GatewayActivitiesImpl.INJECTION_LABEL;
import static dev.asmmigrate.activities.gateway.GatewayActivitiesImpl.NAMESPACE_KEY;
import static dev.asmmigrate.activities.gateway.GatewayActivitiesImpl.NEW;
import static dev.asmmigrate.activities.gateway.GatewayActivitiesImpl.NS;
import static dev.asmmigrate.activities.gateway.GatewayActivitiesImpl.OLD_KEY;
import static dev.asmmigrate.activities.gateway.GatewayActivitiesImpl.REV_LABEL;
import static dev.asmmigrate.activities.gateway.GatewayActivitiesImpl.ROLE_KEY;
import static dev.asmmigrate.activities.gateway.GatewayActivitiesImpl.SA_KEY;
import static dev.asmmigrate.activities.gateway.GatewayActivitiesImpl.SERVICE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What step {@code replace-gateway} changes, computed from what it read and nothing else (no
 * client): istio-system's injection labels removed, the new gateway's four objects created (or
 * replaced) with as many replicas as the old gateway had before the migration, then — once the new
 * pods serve — the HPA's minReplicas set to 1 and the old gateway scaled to 0. {@code plan} lists
 * {@link Desired#all}, the activity applies {@link Desired#beforeServing}, waits, and applies
 * {@link Desired#afterServing} (computed again from what it reads then).
 */
final class GatewayChanges {
  static final String STEP = Step.REPLACE_GATEWAY.id();

  private GatewayChanges() {}

  /**
   * What the step reads, as Jackson trees.
   *
   * @param namespace Namespace istio-system
   * @param old Deployment istio-ingressgateway, or null when it is gone
   * @param originalReplicas the old gateway's replicas before the migration (its backup's, else as
   *     it is now)
   * @param live the new gateway's objects that exist, by key
   * @param hpa HPA istio-ingressgateway, or null when absent
   */
  record Observed(
      ObjectNode namespace,
      ObjectNode old,
      int originalReplicas,
      Map<ObjectKey, ObjectNode> live,
      ObjectNode hpa) {}

  /** The changes made before the new gateway serves, and those made once it does. */
  record Desired(List<DesiredChange> beforeServing, List<DesiredChange> afterServing) {
    List<DesiredChange> all() {
      List<DesiredChange> out = new ArrayList<>(beforeServing);
      out.addAll(afterServing);
      return out;
    }
  }

  /** The step's changes, in order; none once it has run. */
  static Desired desired(Observed o, String revision) {
    List<DesiredChange> before = new ArrayList<>();
    JsonNode labels = o.namespace().path("metadata").path("labels");
    if (labels.has(INJECTION_LABEL) || labels.has(REV_LABEL)) {
      before.add(
          DesiredChange.of(
              PlannedChange.patch(
                  STEP,
                  NAMESPACE_KEY,
                  "merge",
                  injectionLabelsRemoval(),
                  "remove the injection labels: only the gateway pods' own revision label counts"),
              "removed labels " + INJECTION_LABEL + ", " + REV_LABEL + " from " + NAMESPACE_KEY));
    }
    int replicas = Math.max(1, o.originalReplicas());
    for (Map.Entry<ObjectKey, ObjectNode> e : objects(revision, replicas).entrySet()) {
      ObjectKey key = e.getKey();
      ObjectNode wanted = e.getValue();
      ObjectNode live = o.live().get(key);
      if (live == null) {
        before.add(
            DesiredChange.of(
                PlannedChange.create(STEP, key, wanted, "the managed ASM gateway"),
                "created " + key));
      } else if (!StepChanges.covers(live, wanted)) {
        ObjectNode sent = wanted.deepCopy();
        sent.with("metadata")
            .put("resourceVersion", live.path("metadata").path("resourceVersion").asText());
        before.add(
            new DesiredChange(
                PlannedChange.update(STEP, key, wanted, "replaced with the template's content"),
                sent,
                "replaced " + key + " with the template's content"));
      }
    }

    List<DesiredChange> after = new ArrayList<>();
    JsonNode min = o.hpa() == null ? null : o.hpa().path("spec").path("minReplicas");
    if (min != null && (!min.isNumber() || min.asInt() != 1)) {
      after.add(
          DesiredChange.of(
              PlannedChange.patch(
                  STEP,
                  HPA_KEY,
                  "merge",
                  spec("minReplicas", 1),
                  "minReplicas 1, before the scale to 0"),
              "set " + HPA_KEY + " minReplicas to 1"));
    }
    JsonNode r = o.old() == null ? null : o.old().path("spec").path("replicas");
    if (r != null && (!r.isNumber() || r.asInt() != 0)) {
      after.add(
          DesiredChange.of(
              PlannedChange.patch(
                  STEP,
                  OLD_KEY,
                  "merge",
                  spec("replicas", 0),
                  "scaled to 0 once "
                      + NEW
                      + " pods are Ready endpoints of Service "
                      + NS
                      + "/"
                      + SERVICE),
              "scaled " + OLD_KEY + " from " + (r.isNumber() ? r.asInt() : 1) + " to 0 replicas"));
    }
    return new Desired(before, after);
  }

  /** The new gateway's four objects, in the order they are created. */
  static Map<ObjectKey, ObjectNode> objects(String revision, int replicas) {
    Map<ObjectKey, ObjectNode> out = new LinkedHashMap<>();
    out.put(SA_KEY, StepChanges.template("gateway/serviceaccount.yaml"));
    out.put(ROLE_KEY, StepChanges.template("gateway/role.yaml"));
    out.put(BINDING_KEY, StepChanges.template("gateway/rolebinding.yaml"));
    ObjectNode deployment = StepChanges.template("gateway/deployment.yaml");
    ObjectNode spec = (ObjectNode) deployment.get("spec");
    spec.put("replicas", replicas);
    ((ObjectNode) spec.path("template").path("metadata").path("labels")).put(REV_LABEL, revision);
    out.put(DEPLOYMENT_KEY, deployment);
    return out;
  }

  /** The merge patch removing istio-system's injection labels. */
  static ObjectNode injectionLabelsRemoval() {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    ObjectNode l = patch.putObject("metadata").putObject("labels");
    l.putNull(INJECTION_LABEL);
    l.putNull(REV_LABEL);
    return patch;
  }

  /** The replicas a Deployment's tree asks for (1 when absent or unset). */
  static int replicas(JsonNode deployment) {
    JsonNode r = deployment == null ? null : deployment.path("spec").path("replicas");
    return r == null || !r.isNumber() ? 1 : r.asInt();
  }

  private static ObjectNode spec(String field, int value) {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    patch.putObject("spec").put(field, value);
    return patch;
  }
}
