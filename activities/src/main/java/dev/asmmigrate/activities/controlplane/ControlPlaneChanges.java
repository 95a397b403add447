package dev.asmmigrate.activities.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.Step;
import java.util.List;

/**
 * What {@code control-plane} changes, computed once from what it read: the one place that decides;
 * {@link ControlPlaneActivitiesImpl#applyControlPlaneRevision} applies the list, {@code plan} shows
 * it.
 */
final class ControlPlaneChanges {
  static final String STEP = Step.CONTROL_PLANE.id();
  static final String API_VERSION = "mesh.cloud.google.com/v1beta1";
  static final String KIND = "ControlPlaneRevision";
  static final String NAMESPACE = IstioNames.ISTIO_SYSTEM;
  private static final String TEMPLATE = "controlplane/controlplanerevision.yaml";

  /**
   * What the step reads.
   *
   * @param revision the revision's name (the migration's target revision)
   * @param channel the release channel it requests
   * @param current the revision as it is, null when absent
   */
  record Observed(String revision, String channel, ObjectNode current) {}

  private ControlPlaneChanges() {}

  static ObjectKey key(String revision) {
    return new ObjectKey(API_VERSION, KIND, NAMESPACE, revision);
  }

  /**
   * The revision created when absent; its spec patched (merge) to type {@code managed_service} on
   * the channel when it requests anything else; nothing when it requests that already.
   */
  static List<PlannedChange> desired(Observed observed) {
    ObjectKey key = key(observed.revision());
    ObjectNode revision = revision(observed.revision(), observed.channel());
    if (observed.current() == null) {
      return List.of(
          PlannedChange.create(
              STEP,
              key,
              revision,
              "the managed control plane, type managed_service, channel " + observed.channel()));
    }
    if (requests(observed.current(), observed.channel())) {
      return List.of();
    }
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    patch.set("spec", revision.get("spec").deepCopy());
    return List.of(
        PlannedChange.patch(
            STEP,
            key,
            "merge",
            patch,
            "request type managed_service, channel " + observed.channel()));
  }

  /** The revision as the step creates it. */
  static ObjectNode revision(String revision, String channel) {
    ObjectNode desired = StepChanges.template(TEMPLATE);
    ((ObjectNode) desired.get("metadata")).put("name", revision);
    ((ObjectNode) desired.get("spec")).put("channel", channel);
    return desired;
  }

  private static boolean requests(JsonNode cpr, String channel) {
    JsonNode spec = cpr.path("spec");
    return spec.path("type").asText().equals("managed_service")
        && spec.path("channel").asText().equals(channel);
  }
}
