package dev.asmmigrate.activities.meshca;

import static dev.asmmigrate.activities.meshca.MeshCaObjects.CA_CERT;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.CA_SECRET;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.CA_SECRET_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ENVOY_FILTERS;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ISTIOD;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ISTIOD_IMAGE_16;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ISTIOD_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ISTIO_OPERATORS;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESH_CONFIG_16;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESH_CONFIG_16_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.NS;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.OPERATOR;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.OPERATOR_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_CONTAINER;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_HUB_16;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_TAG_16;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.RESTARTED_AT;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.TRIGGER;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.TRIGGER_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.TRIGGER_TEMPLATE;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.awaitRollouts;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.base64;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.container;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.containerPatch;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.decode;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.deployment;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.notFound;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.requireConfigMap;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.requireDeployment;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.requireSecret;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.kube.GenericResources;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.MigrationContext;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Step {@code configure-mesh-ca} on add-on 1.6: the trust domain alias in mesh config {@code
 * istio-istio-1611}, the IstioOperator's pilot moved to the 1.6 build that supports aliases, the
 * Mesh CA root appended once to istio-ca-secret, and istiod restarted to read it.
 */
record MeshCa16(MeshCaActivitiesImpl.Settings settings) {
  void configure(StepChanges changes, String trustDomain, MigrationContext ctx) {
    KubernetesClient client = changes.client();
    requireDeployment(client, ISTIOD);
    requireConfigMap(client, MESH_CONFIG_16);
    requireSecret(client, CA_SECRET);
    Resource<GenericKubernetesResource> operator =
        client.genericKubernetesResources(ISTIO_OPERATORS).inNamespace(NS).withName(OPERATOR);
    // none when the type is not served: a 1.4 cluster has no IstioOperator CRD
    if (StepChanges.call(
            "get " + OPERATOR_KEY,
            () -> GenericResources.get(client, ISTIO_OPERATORS, NS, OPERATOR))
        == null) {
      throw notFound(OPERATOR_KEY, "add-on 1.6");
    }

    StepChanges.rereadOnConflict(
        "edit " + MESH_CONFIG_16_KEY,
        () -> TrustDomain.addAlias(changes, MESH_CONFIG_16, MESH_CONFIG_16_KEY, trustDomain));
    patchOperator16(changes, operator);
    StepChanges.rereadOnConflict(
        "append the Mesh CA root to " + CA_SECRET_KEY, () -> appendRootToCaSecret(changes));
    patchIstiod16(changes, MigrationContext.restartedAt(ctx.migrationId()));
    awaitRollouts(client, List.of(ISTIOD), settings);
  }

  /** IstioOperator istio-1-6-11-gke-0: pilot hub/tag of the 1.6 build that supports aliases. */
  private void patchOperator16(StepChanges changes, Resource<GenericKubernetesResource> operator) {
    GenericKubernetesResource current = StepChanges.call("get " + OPERATOR_KEY, operator::get);
    changes.backup(OPERATOR_KEY, current);
    if (operatorPatched16(Restorer.toTree(current))) {
      changes.unchanged(OPERATOR_KEY + " pilot is " + PILOT_HUB_16 + ":" + PILOT_TAG_16);
      return;
    }
    ObjectNode patch = operatorPatch16();
    StepChanges.patch(
        "patch " + OPERATOR_KEY,
        () -> operator.patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString()));
    changes.changed("patched " + OPERATOR_KEY + " pilot hub/tag to " + ISTIOD_IMAGE_16);
  }

  private static boolean operatorPatched16(JsonNode operator) {
    JsonNode pilot = operator.path("spec").path("components").path("pilot");
    return PILOT_HUB_16.equals(pilot.path("hub").asText())
        && PILOT_TAG_16.equals(pilot.path("tag").asText());
  }

  /** The merge patch of the IstioOperator: pilot hub and tag of the 1.6 build. */
  static ObjectNode operatorPatch16() {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    ObjectNode p = patch.putObject("spec").putObject("components").putObject("pilot");
    p.put("hub", PILOT_HUB_16);
    p.put("tag", PILOT_TAG_16);
    return patch;
  }

  /** istio-ca-secret ca-cert.pem: the Mesh CA root appended once (never a second time). */
  private void appendRootToCaSecret(StepChanges changes) {
    Resource<Secret> resource = changes.client().secrets().inNamespace(NS).withName(CA_SECRET);
    Secret current = StepChanges.call("get " + CA_SECRET_KEY, resource::get);
    changes.backup(CA_SECRET_KEY, current);
    String encoded = current.getData() == null ? null : current.getData().get(CA_CERT);
    String bundle = encoded == null ? "" : decode(encoded);
    if (MeshCaRoot.in(bundle)) {
      changes.unchanged(CA_SECRET_KEY + " " + CA_CERT + " has the Mesh CA root");
      return;
    }
    Map<String, String> data = new LinkedHashMap<>();
    if (current.getData() != null) {
      data.putAll(current.getData());
    }
    data.put(CA_CERT, base64(MeshCaRoot.appendOnce(bundle)));
    current.setData(data);
    StepChanges.call(
        "update " + CA_SECRET_KEY,
        () -> changes.client().secrets().inNamespace(NS).resource(current).update());
    changes.changed("appended the Mesh CA root to " + CA_SECRET_KEY + " " + CA_CERT);
  }

  /**
   * istiod-istio-1611: the pilot image of the 1.6 build, and a restart with a value fixed for this
   * migration (a retry finds it and restarts nothing more) so istiod reads the new CA bundle.
   */
  private void patchIstiod16(StepChanges changes, String restartToken) {
    Resource<Deployment> istiod = deployment(changes.client(), ISTIOD);
    Deployment current = StepChanges.call("get " + ISTIOD_KEY, istiod::get);
    changes.backup(ISTIOD_KEY, current);
    if (istiodPatched16(current, restartToken)) {
      changes.unchanged(ISTIOD_KEY + " runs " + ISTIOD_IMAGE_16 + ", restarted for this migration");
      return;
    }
    ObjectNode patch = istiodPatch16(restartToken);
    StepChanges.patch(
        "patch " + ISTIOD_KEY,
        () -> istiod.patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch.toString()));
    changes.changed("patched " + ISTIOD_KEY + " to " + ISTIOD_IMAGE_16 + " and restarted it");
  }

  private static boolean istiodPatched16(Deployment current, String restartToken) {
    Container discovery = container(current, PILOT_CONTAINER, ISTIOD_KEY);
    Map<String, String> annotations =
        current.getSpec().getTemplate().getMetadata() == null
                || current.getSpec().getTemplate().getMetadata().getAnnotations() == null
            ? Map.of()
            : current.getSpec().getTemplate().getMetadata().getAnnotations();
    return ISTIOD_IMAGE_16.equals(discovery.getImage())
        && restartToken.equals(annotations.get(RESTARTED_AT));
  }

  /** The strategic merge patch of istiod: the 1.6 build's image and a restart. */
  static ObjectNode istiodPatch16(String restartToken) {
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

  /**
   * What {@link #configure} and the root-distribution wait will change, read only, into {@code
   * out}.
   */
  void plan(
      KubernetesClient client,
      List<PlannedChange> out,
      String step,
      String rootHash,
      String trustDomain,
      String migrationId) {
    requireConfigMap(client, MESH_CONFIG_16);
    requireSecret(client, CA_SECRET);
    GenericKubernetesResource operator =
        StepChanges.call(
            "get " + OPERATOR_KEY,
            () -> GenericResources.get(client, ISTIO_OPERATORS, NS, OPERATOR));
    if (operator == null) {
      throw notFound(OPERATOR_KEY, "add-on 1.6");
    }
    TrustDomain.planAlias(client, out, step, MESH_CONFIG_16, MESH_CONFIG_16_KEY, trustDomain);
    if (!operatorPatched16(Restorer.toTree(operator))) {
      out.add(
          PlannedChange.patch(
              step, OPERATOR_KEY, "merge", operatorPatch16(), "pilot hub/tag " + ISTIOD_IMAGE_16));
    }
    Secret ca =
        StepChanges.call(
            "get " + CA_SECRET_KEY, client.secrets().inNamespace(NS).withName(CA_SECRET)::get);
    String encoded = ca.getData() == null ? null : ca.getData().get(CA_CERT);
    if (!MeshCaRoot.in(encoded == null ? "" : decode(encoded))) {
      out.add(
          PlannedChange.update(
              step,
              CA_SECRET_KEY,
              null,
              "append the Mesh CA root (" + rootHash + ") to " + CA_CERT + ", once"));
    }
    String token = MigrationContext.restartedAt(migrationId);
    Deployment istiod = StepChanges.call("get " + ISTIOD_KEY, deployment(client, ISTIOD)::get);
    if (!istiodPatched16(istiod, token)) {
      out.add(
          PlannedChange.patch(
              step,
              ISTIOD_KEY,
              "strategic",
              istiodPatch16(token),
              "image " + ISTIOD_IMAGE_16 + " and a restart, so istiod reads the new CA bundle"));
    }
    GenericKubernetesResource trigger =
        StepChanges.call(
            "get " + TRIGGER_KEY,
            client.genericKubernetesResources(ENVOY_FILTERS).inNamespace(NS).withName(TRIGGER)
                ::get);
    if (trigger == null) {
      out.add(
          PlannedChange.create(
              step,
              TRIGGER_KEY,
              StepChanges.template(TRIGGER_TEMPLATE),
              "once every namespace has the root: makes 1.6 proxies fetch it, held "
                  + settings.triggerHold().toSeconds()
                  + " s"));
      out.add(PlannedChange.delete(step, TRIGGER_KEY, "after the hold"));
    }
  }
}
