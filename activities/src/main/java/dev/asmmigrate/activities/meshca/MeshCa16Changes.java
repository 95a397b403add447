package dev.asmmigrate.activities.meshca;

import static dev.asmmigrate.activities.meshca.MeshCaObjects.CA_CERT;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.CA_SECRET_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ISTIOD_IMAGE_16;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ISTIOD_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESH_CONFIG_16_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.OPERATOR_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_CONTAINER;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_HUB_16;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_TAG_16;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.RESTARTED_AT;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.STEP;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.TRIGGER_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.TRIGGER_TEMPLATE;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.base64;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.container;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.containerPatch;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.decode;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.rootHash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.activities.plan.PlannedChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What step {@code configure-mesh-ca} changes on add-on 1.6, computed from what it read and nothing
 * else (no client): the trust domain alias in mesh config {@code istio-istio-1611}, the
 * IstioOperator's pilot moved to the 1.6 build that supports aliases, the Mesh CA root appended
 * once to istio-ca-secret, istiod restarted to read it ({@link #configure}); then, once every
 * namespace has the root, EnvoyFilter trigger-root-cert created for a while and deleted ({@link
 * #trigger}). {@code plan} lists both, the two activities apply them.
 */
final class MeshCa16Changes {
  private MeshCa16Changes() {}

  /**
   * The objects the step reads on add-on 1.6, as Jackson trees.
   *
   * @param trigger EnvoyFilter trigger-root-cert, or null when absent (the usual case)
   */
  record Observed(
      ObjectNode meshConfig,
      ObjectNode operator,
      ObjectNode caSecret,
      ObjectNode istiod,
      ObjectNode trigger) {}

  /**
   * Every change of the step, in order: {@link #configure}'s, then {@link #trigger}'s.
   *
   * @param restartToken istiod's restart annotation for this migration
   * @param triggerHold how long the trigger filter stays
   */
  static List<DesiredChange> desired(
      Observed o, String trustDomain, String restartToken, Duration triggerHold) {
    List<DesiredChange> out = new ArrayList<>(configure(o, trustDomain, restartToken));
    out.addAll(trigger(o.trigger(), triggerHold));
    return out;
  }

  /** The changes of activity {@code configureMeshCa}; none once it has run. */
  static List<DesiredChange> configure(Observed o, String trustDomain, String restartToken) {
    List<DesiredChange> out = new ArrayList<>();
    TrustDomain.alias(o.meshConfig(), MESH_CONFIG_16_KEY, trustDomain).ifPresent(out::add);
    JsonNode pilot = o.operator().path("spec").path("components").path("pilot");
    if (!PILOT_HUB_16.equals(pilot.path("hub").asText())
        || !PILOT_TAG_16.equals(pilot.path("tag").asText())) {
      out.add(
          DesiredChange.of(
              PlannedChange.patch(
                  STEP, OPERATOR_KEY, "merge", operatorPatch(), "pilot hub/tag " + ISTIOD_IMAGE_16),
              "patched " + OPERATOR_KEY + " pilot hub/tag to " + ISTIOD_IMAGE_16));
    }
    caSecret(o.caSecret(), out);
    if (!istiodPatched(o.istiod(), restartToken)) {
      out.add(
          DesiredChange.of(
              PlannedChange.patch(
                  STEP,
                  ISTIOD_KEY,
                  "strategic",
                  istiodPatch(restartToken),
                  "image " + ISTIOD_IMAGE_16 + " and a restart, so istiod reads the new CA bundle"),
              "patched " + ISTIOD_KEY + " to " + ISTIOD_IMAGE_16 + " and restarted it"));
    }
    return out;
  }

  /**
   * istio-ca-secret ca-cert.pem: the Mesh CA root appended once (never a second time). The plan
   * shows no body, only the root's hash.
   */
  private static void caSecret(ObjectNode current, List<DesiredChange> out) {
    String encoded = current.path("data").path(CA_CERT).asText(null);
    String bundle = encoded == null ? "" : decode(encoded);
    if (MeshCaRoot.in(bundle)) {
      return;
    }
    ObjectNode updated = current.deepCopy();
    updated.with("data").put(CA_CERT, base64(MeshCaRoot.appendOnce(bundle)));
    out.add(
        new DesiredChange(
            PlannedChange.update(
                STEP,
                CA_SECRET_KEY,
                null,
                "append the Mesh CA root (" + rootHash() + ") to " + CA_CERT + ", once"),
            updated,
            "appended the Mesh CA root to " + CA_SECRET_KEY + " " + CA_CERT));
  }

  /**
   * The changes of activity {@code awaitRootDistribution} once every namespace has the root:
   * EnvoyFilter trigger-root-cert created, so that 1.6 proxies fetch the new roots, then deleted
   * after {@code hold}; none when it exists already (an earlier attempt created it: the activity
   * holds, then puts it back as it was before the migration).
   */
  static List<DesiredChange> trigger(ObjectNode current, Duration hold) {
    if (current != null) {
      return List.of();
    }
    return List.of(
        DesiredChange.of(
            PlannedChange.create(
                STEP,
                TRIGGER_KEY,
                StepChanges.template(TRIGGER_TEMPLATE),
                "once every namespace has the root: makes 1.6 proxies fetch it, held "
                    + hold.toSeconds()
                    + " s"),
            "created " + TRIGGER_KEY + " so that 1.6 proxies fetch the new roots"),
        DesiredChange.of(
            PlannedChange.delete(STEP, TRIGGER_KEY, "after the hold"),
            "deleted " + TRIGGER_KEY + " after the hold"));
  }

  /** The merge patch of the IstioOperator: pilot hub and tag of the 1.6 build. */
  static ObjectNode operatorPatch() {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    ObjectNode p = patch.putObject("spec").putObject("components").putObject("pilot");
    p.put("hub", PILOT_HUB_16);
    p.put("tag", PILOT_TAG_16);
    return patch;
  }

  private static boolean istiodPatched(JsonNode istiod, String restartToken) {
    JsonNode discovery = container(istiod, PILOT_CONTAINER, ISTIOD_KEY);
    JsonNode annotations =
        istiod.path("spec").path("template").path("metadata").path("annotations");
    return ISTIOD_IMAGE_16.equals(discovery.path("image").asText())
        && restartToken.equals(annotations.path(RESTARTED_AT).asText(null));
  }

  /** The strategic merge patch of istiod: the 1.6 build's image and a restart. */
  static ObjectNode istiodPatch(String restartToken) {
    ObjectNode c = JsonNodeFactory.instance.objectNode();
    c.put("name", PILOT_CONTAINER);
    c.put("image", ISTIOD_IMAGE_16);
    ObjectNode patch = containerPatch(c);
    ((ObjectNode) patch.path("spec").path("template"))
        .putObject("metadata")
        .putObject("annotations")
        .put(RESTARTED_AT, restartToken);
    return patch;
  }
}
