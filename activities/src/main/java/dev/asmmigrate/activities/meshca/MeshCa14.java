package dev.asmmigrate.activities.meshca;

import static dev.asmmigrate.activities.meshca.MeshCaObjects.CITADEL;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.CITADEL_CONTAINER;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.CITADEL_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESHCA_FILE;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESHCA_SECRET;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESHCA_SECRET_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESH_CONFIG_14;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESH_CONFIG_14_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.NS;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_CONTAINER;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_IMAGE_14;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ROOT_CERT_ARG;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ROOT_CERT_DIR;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.SKIP_TD_ENV;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.awaitRollouts;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.base64;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.certificatesIn;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.container;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.containerPatch;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.decode;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.deployment;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.indexOf;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.op;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.requireConfigMap;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.requireDeployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step {@code configure-mesh-ca} on add-on 1.4: Secret meshca-root with the Mesh CA root, the trust
 * domain alias in mesh config {@code istio}, the patched istio-pilot told not to validate the
 * peer's trust domain, and istio-citadel distributing the root with {@code --root-cert}.
 */
record MeshCa14(MeshCaActivitiesImpl.Settings settings) {
  private static final Logger log = LoggerFactory.getLogger(MeshCaActivitiesImpl.class);
  private static final int PATCH_ATTEMPTS = 3;

  void configure(StepChanges changes, String trustDomain) {
    KubernetesClient client = changes.client();
    // read everything first: a missing add-on object fails the step before it changes anything
    requireDeployment(client, PILOT);
    requireDeployment(client, CITADEL);
    requireConfigMap(client, MESH_CONFIG_14);

    StepChanges.rereadOnConflict("set " + MESHCA_SECRET_KEY, () -> ensureMeshCaSecret(changes));
    StepChanges.rereadOnConflict(
        "edit " + MESH_CONFIG_14_KEY,
        () -> TrustDomain.addAlias(changes, MESH_CONFIG_14, MESH_CONFIG_14_KEY, trustDomain));
    patchPilot14(changes);
    patchCitadel14(changes);
    awaitRollouts(client, List.of(PILOT, CITADEL), settings);
  }

  /** Secret meshca-root with the Mesh CA root, for Citadel's {@code --root-cert}. */
  private void ensureMeshCaSecret(StepChanges changes) {
    Resource<Secret> secret = changes.client().secrets().inNamespace(NS).withName(MESHCA_SECRET);
    Secret current = StepChanges.call("get " + MESHCA_SECRET_KEY, secret::get);
    changes.backup(MESHCA_SECRET_KEY, current);
    String encoded = base64(MeshCaRoot.PEM);
    if (current == null) {
      Secret created = meshCaSecret();
      StepChanges.call(
          "create " + MESHCA_SECRET_KEY,
          () -> changes.client().secrets().inNamespace(NS).resource(created).create());
      changes.changed("created " + MESHCA_SECRET_KEY + " with the Mesh CA root");
      return;
    }
    if (holdsMeshCaRoot(current)) {
      changes.unchanged(MESHCA_SECRET_KEY + " holds the Mesh CA root");
      return;
    }
    Map<String, String> data = new LinkedHashMap<>();
    if (current.getData() != null) {
      data.putAll(current.getData());
    }
    data.put(MESHCA_FILE, encoded);
    current.setData(data);
    StepChanges.call(
        "update " + MESHCA_SECRET_KEY,
        () -> changes.client().secrets().inNamespace(NS).resource(current).update());
    changes.changed("set " + MESHCA_SECRET_KEY + " " + MESHCA_FILE + " to the Mesh CA root");
  }

  /** Secret meshca-root as the step creates it. */
  static Secret meshCaSecret() {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(MESHCA_SECRET)
        .withNamespace(NS)
        .addToLabels("app.kubernetes.io/managed-by", "asm-migrate")
        .endMetadata()
        .withType("Opaque")
        .addToData(MESHCA_FILE, base64(MeshCaRoot.PEM))
        .build();
  }

  private static boolean holdsMeshCaRoot(Secret current) {
    String have = current.getData() == null ? null : current.getData().get(MESHCA_FILE);
    return have != null && MeshCaRoot.occurrences(decode(have)) == 1 && certificatesIn(have) == 1;
  }

  /** istio-pilot: the patched 1.4 pilot, told not to validate the peer's trust domain. */
  private void patchPilot14(StepChanges changes) {
    Resource<Deployment> pilot = deployment(changes.client(), PILOT);
    Deployment current = StepChanges.call("get " + PILOT_KEY, pilot::get);
    changes.backup(PILOT_KEY, current);
    if (pilotPatched14(current)) {
      changes.unchanged(PILOT_KEY + " runs " + PILOT_IMAGE_14 + " with " + SKIP_TD_ENV);
      return;
    }
    ObjectNode patch = pilotPatch14();
    StepChanges.patch(
        "patch " + PILOT_KEY,
        () -> pilot.patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch.toString()));
    changes.changed(
        "patched "
            + PILOT_KEY
            + " container discovery: image "
            + PILOT_IMAGE_14
            + ", "
            + SKIP_TD_ENV);
  }

  private static boolean pilotPatched14(Deployment current) {
    Container discovery = container(current, PILOT_CONTAINER, PILOT_KEY);
    boolean envSet =
        discovery.getEnv() != null
            && discovery.getEnv().stream()
                .anyMatch(e -> SKIP_TD_ENV.equals(e.getName()) && "true".equals(e.getValue()));
    return PILOT_IMAGE_14.equals(discovery.getImage()) && envSet;
  }

  /** The strategic merge patch of istio-pilot: the patched image, trust domain not validated. */
  static ObjectNode pilotPatch14() {
    ObjectNode c = JsonNodeFactory.instance.objectNode();
    c.put("name", PILOT_CONTAINER);
    c.put("image", PILOT_IMAGE_14);
    ObjectNode env = c.putArray("env").addObject();
    env.put("name", SKIP_TD_ENV);
    env.put("value", "true");
    return containerPatch(c);
  }

  /**
   * istio-citadel: {@code --root-cert} added to the citadel container's args (others kept), Secret
   * meshca-root mounted read-only at {@code /var/run/root-certs}. A JSON patch whose {@code test}
   * operations guard the container and args it edits; a concurrent change re-reads and retries.
   */
  private void patchCitadel14(StepChanges changes) {
    Resource<Deployment> citadel = deployment(changes.client(), CITADEL);
    for (int attempt = 1; ; attempt++) {
      Deployment current = StepChanges.call("get " + CITADEL_KEY, citadel::get);
      changes.backup(CITADEL_KEY, current);
      ArrayNode ops = citadelPatch(Restorer.toTree(current));
      if (ops.isEmpty()) {
        changes.unchanged(CITADEL_KEY + " already distributes the Mesh CA root");
        return;
      }
      try {
        citadel.patch(PatchContext.of(PatchType.JSON), ops.toString());
        changes.changed(
            "patched "
                + CITADEL_KEY
                + " container citadel: "
                + ROOT_CERT_ARG
                + ", secret "
                + MESHCA_SECRET
                + " mounted at "
                + ROOT_CERT_DIR);
        return;
      } catch (KubernetesClientException e) {
        boolean raced = e.getCode() == 422 || e.getCode() == 409;
        if (!raced || attempt >= PATCH_ATTEMPTS) {
          throw Failures.kubernetes("patch " + CITADEL_KEY, e);
        }
        log.info(
            "{} changed while it was patched ({}); reading it again", CITADEL_KEY, e.getCode());
      }
    }
  }

  /** The JSON patch configuring Citadel; empty when it is configured already. */
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

  /** What {@link #configure} will change, read only, into {@code out}. */
  void plan(
      KubernetesClient client,
      List<PlannedChange> out,
      String step,
      String rootHash,
      String trustDomain) {
    requireDeployment(client, PILOT);
    requireDeployment(client, CITADEL);
    requireConfigMap(client, MESH_CONFIG_14);
    Secret secret =
        StepChanges.call(
            "get " + MESHCA_SECRET_KEY,
            client.secrets().inNamespace(NS).withName(MESHCA_SECRET)::get);
    if (secret == null) {
      ObjectNode shown = Restorer.toTree(meshCaSecret());
      ((ObjectNode) shown.get("data")).put(MESHCA_FILE, rootHash);
      out.add(
          PlannedChange.create(
              step,
              MESHCA_SECRET_KEY,
              shown,
              MESHCA_FILE + " = the Mesh CA root (" + rootHash + "), for Citadel's --root-cert"));
    } else if (!holdsMeshCaRoot(secret)) {
      out.add(
          PlannedChange.update(
              step,
              MESHCA_SECRET_KEY,
              null,
              "set " + MESHCA_FILE + " to the Mesh CA root (" + rootHash + ")"));
    }
    TrustDomain.planAlias(client, out, step, MESH_CONFIG_14, MESH_CONFIG_14_KEY, trustDomain);
    Deployment pilot = StepChanges.call("get " + PILOT_KEY, deployment(client, PILOT)::get);
    if (!pilotPatched14(pilot)) {
      out.add(
          PlannedChange.patch(
              step,
              PILOT_KEY,
              "strategic",
              pilotPatch14(),
              "container discovery: image " + PILOT_IMAGE_14 + ", " + SKIP_TD_ENV + "=true"));
    }
    Deployment citadel = StepChanges.call("get " + CITADEL_KEY, deployment(client, CITADEL)::get);
    ArrayNode ops = citadelPatch(Restorer.toTree(citadel));
    if (!ops.isEmpty()) {
      out.add(
          PlannedChange.patch(
              step,
              CITADEL_KEY,
              "json",
              ops,
              "container citadel: "
                  + ROOT_CERT_ARG
                  + ", secret "
                  + MESHCA_SECRET
                  + " mounted at "
                  + ROOT_CERT_DIR));
    }
  }
}
