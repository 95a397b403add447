package dev.asmmigrate.activities.meshca;

import static dev.asmmigrate.activities.meshca.MeshCaObjects.CITADEL;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.CITADEL_CONTAINER;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.CITADEL_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESHCA_FILE;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESHCA_SECRET;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESHCA_SECRET_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESH_CONFIG_14_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.NS;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_CONTAINER;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_IMAGE_14;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ROOT_CERT_ARG;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ROOT_CERT_DIR;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.SKIP_TD_ENV;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.STEP;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.base64;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.certificatesIn;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.container;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.containerPatch;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.decode;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.indexOf;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.op;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.rootHash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * What step {@code configure-mesh-ca} changes on add-on 1.4, computed from what it read and nothing
 * else (no client): Secret meshca-root with the Mesh CA root, the trust domain alias in mesh config
 * {@code istio}, istio-pilot's patched build told not to validate the peer's trust domain, and
 * istio-citadel distributing the root with {@code --root-cert}. {@code plan} lists these changes,
 * the activity applies them.
 */
final class MeshCa14Changes {
  private MeshCa14Changes() {}

  /**
   * The objects the step reads on add-on 1.4, as Jackson trees.
   *
   * @param meshCaSecret Secret meshca-root, or null when absent
   */
  record Observed(
      ObjectNode meshCaSecret, ObjectNode meshConfig, ObjectNode pilot, ObjectNode citadel) {}

  /** The changes, in the order they are made; none once the step has run. */
  static List<DesiredChange> desired(Observed o, String trustDomain) {
    List<DesiredChange> out = new ArrayList<>();
    secret(o.meshCaSecret(), out);
    TrustDomain.alias(o.meshConfig(), MESH_CONFIG_14_KEY, trustDomain).ifPresent(out::add);
    if (!pilotPatched(o.pilot())) {
      out.add(
          DesiredChange.of(
              PlannedChange.patch(
                  STEP,
                  PILOT_KEY,
                  "strategic",
                  pilotPatch(),
                  "container discovery: image " + PILOT_IMAGE_14 + ", " + SKIP_TD_ENV + "=true"),
              "patched "
                  + PILOT_KEY
                  + " container discovery: image "
                  + PILOT_IMAGE_14
                  + ", "
                  + SKIP_TD_ENV));
    }
    ArrayNode ops = citadelPatch(o.citadel());
    if (!ops.isEmpty()) {
      String what =
          "container citadel: "
              + ROOT_CERT_ARG
              + ", secret "
              + MESHCA_SECRET
              + " mounted at "
              + ROOT_CERT_DIR;
      out.add(
          DesiredChange.of(
              PlannedChange.patch(STEP, CITADEL_KEY, "json", ops, what),
              "patched " + CITADEL_KEY + " " + what));
    }
    return out;
  }

  /**
   * Secret meshca-root with the Mesh CA root, for Citadel's {@code --root-cert}: created, or its
   * key set. The plan shows the root's hash, never its content.
   */
  private static void secret(ObjectNode current, List<DesiredChange> out) {
    String hash = rootHash();
    if (current == null) {
      ObjectNode created = meshCaSecret();
      ObjectNode shown = created.deepCopy();
      ((ObjectNode) shown.get("data")).put(MESHCA_FILE, hash);
      out.add(
          new DesiredChange(
              PlannedChange.create(
                  STEP,
                  MESHCA_SECRET_KEY,
                  shown,
                  MESHCA_FILE + " = the Mesh CA root (" + hash + "), for Citadel's --root-cert"),
              created,
              "created " + MESHCA_SECRET_KEY + " with the Mesh CA root"));
      return;
    }
    String have = current.path("data").path(MESHCA_FILE).asText(null);
    if (have != null && MeshCaRoot.occurrences(decode(have)) == 1 && certificatesIn(have) == 1) {
      return;
    }
    ObjectNode updated = current.deepCopy();
    updated.with("data").put(MESHCA_FILE, base64(MeshCaRoot.PEM));
    out.add(
        new DesiredChange(
            PlannedChange.update(
                STEP,
                MESHCA_SECRET_KEY,
                null,
                "set " + MESHCA_FILE + " to the Mesh CA root (" + hash + ")"),
            updated,
            "set " + MESHCA_SECRET_KEY + " " + MESHCA_FILE + " to the Mesh CA root"));
  }

  /** Secret meshca-root as the step creates it. */
  static ObjectNode meshCaSecret() {
    return Restorer.toTree(
        new SecretBuilder()
            .withNewMetadata()
            .withName(MESHCA_SECRET)
            .withNamespace(NS)
            .addToLabels("app.kubernetes.io/managed-by", "asm-migrate")
            .endMetadata()
            .withType("Opaque")
            .addToData(MESHCA_FILE, base64(MeshCaRoot.PEM))
            .build());
  }

  private static boolean pilotPatched(JsonNode pilot) {
    JsonNode discovery = container(pilot, PILOT_CONTAINER, PILOT_KEY);
    boolean envSet = false;
    for (JsonNode e : discovery.path("env")) {
      envSet |=
          SKIP_TD_ENV.equals(e.path("name").asText()) && "true".equals(e.path("value").asText());
    }
    return PILOT_IMAGE_14.equals(discovery.path("image").asText()) && envSet;
  }

  /** The strategic merge patch of istio-pilot: the patched image, trust domain not validated. */
  static ObjectNode pilotPatch() {
    ObjectNode c = JsonNodeFactory.instance.objectNode();
    c.put("name", PILOT_CONTAINER);
    c.put("image", PILOT_IMAGE_14);
    ObjectNode env = c.putArray("env").addObject();
    env.put("name", SKIP_TD_ENV);
    env.put("value", "true");
    return containerPatch(c);
  }

  /**
   * The JSON patch of istio-citadel, empty when it is configured already: {@code --root-cert} added
   * to the citadel container's args (others kept), Secret meshca-root mounted read-only at {@code
   * /var/run/root-certs}. Its {@code test} operations guard the container and args it edits, so
   * that a concurrent change fails it (and the step reads again).
   */
  static ArrayNode citadelPatch(JsonNode deployment) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ArrayNode ops = f.arrayNode();
    JsonNode podSpec = deployment.path("spec").path("template").path("spec");
    JsonNode containers = podSpec.path("containers");
    int index = -1;
    for (int i = 0; i < containers.size(); i++) {
      if (CITADEL_CONTAINER.equals(containers.get(i).path("name").asText())) {
        index = i;
      }
    }
    if (index < 0) {
      throw Failures.permanent(
          FailureType.NOT_FOUND, "Deployment " + NS + "/" + CITADEL + " has no container citadel");
    }
    String base = "/spec/template/spec/containers/" + index;
    JsonNode container = containers.get(index);
    List<ObjectNode> changes = new ArrayList<>();

    JsonNode args = container.path("args");
    if (!args.isArray()) {
      changes.add(op("add", base + "/args", f.arrayNode().add(ROOT_CERT_ARG)));
    } else if (indexOf(args, ROOT_CERT_ARG) < 0) {
      int other = -1;
      for (int i = 0; i < args.size(); i++) {
        if (args.get(i).asText().startsWith("--root-cert=")) {
          other = i;
        }
      }
      changes.add(op("test", base + "/args", args));
      changes.add(
          other >= 0
              ? op("replace", base + "/args/" + other, f.textNode(ROOT_CERT_ARG))
              : op("add", base + "/args/-", f.textNode(ROOT_CERT_ARG)));
    }

    ObjectNode mount = f.objectNode();
    mount.put("name", MESHCA_SECRET);
    mount.put("mountPath", ROOT_CERT_DIR);
    mount.put("readOnly", true);
    namedEntry(container.path("volumeMounts"), base + "/volumeMounts", mount, changes);

    ObjectNode volume = f.objectNode();
    volume.put("name", MESHCA_SECRET);
    volume.putObject("secret").put("secretName", MESHCA_SECRET);
    namedEntry(podSpec.path("volumes"), "/spec/template/spec/volumes", volume, changes);

    if (changes.isEmpty()) {
      return ops;
    }
    ops.add(op("test", base + "/name", f.textNode(CITADEL_CONTAINER)));
    changes.forEach(ops::add);
    return ops;
  }

  /** Adds {@code wanted} to a list of named entries, or replaces the same-named entry unlike it. */
  private static void namedEntry(
      JsonNode list, String path, ObjectNode wanted, List<ObjectNode> changes) {
    String name = wanted.path("name").asText();
    if (!list.isArray()) {
      changes.add(op("add", path, JsonNodeFactory.instance.arrayNode().add(wanted)));
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode entry = list.get(i);
      if (name.equals(entry.path("name").asText())) {
        if (!StepChanges.covers(entry, wanted)) {
          changes.add(op("test", path + "/" + i, entry));
          changes.add(op("replace", path + "/" + i, wanted));
        }
        return;
      }
    }
    changes.add(op("add", path + "/-", wanted));
  }
}
