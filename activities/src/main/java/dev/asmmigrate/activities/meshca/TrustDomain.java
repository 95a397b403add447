package dev.asmmigrate.activities.meshca;

import static dev.asmmigrate.activities.meshca.MeshCaObjects.NS;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;

/**
 * The managed control plane's trust domain, and its alias in the add-on's mesh config: read,
 * computed once for plan and apply, and written.
 */
final class TrustDomain {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

  private TrustDomain() {}

  /**
   * The managed control plane's trust domain: ConfigMap {@code env-<rev>} {@code TRUST_DOMAIN},
   * else {@code trustDomain} of the mesh config in ConfigMap {@code istio-<rev>}.
   *
   * @throws io.temporal.failure.ApplicationFailure TRUST_DOMAIN_UNKNOWN when neither names it
   */
  static String of(KubernetesClient client, String revision) {
    String envName = "env-" + revision;
    ConfigMap env =
        StepChanges.call(
            "get ConfigMap " + NS + "/" + envName,
            () -> client.configMaps().inNamespace(NS).withName(envName).get());
    String td = env == null || env.getData() == null ? null : env.getData().get("TRUST_DOMAIN");
    if (td != null && !td.isBlank()) {
      return td.trim();
    }
    String meshName = "istio-" + revision;
    ConfigMap mesh =
        StepChanges.call(
            "get ConfigMap " + NS + "/" + meshName,
            () -> client.configMaps().inNamespace(NS).withName(meshName).get());
    String doc = mesh == null || mesh.getData() == null ? null : mesh.getData().get("mesh");
    String why;
    if (doc == null) {
      why = mesh == null ? "it does not exist" : "it has no mesh";
    } else {
      try {
        JsonNode parsed = YAML.readTree(doc);
        String fromMesh = parsed == null ? "" : parsed.path("trustDomain").asText("");
        if (!fromMesh.isBlank()) {
          return fromMesh.trim();
        }
        why = "its mesh has no trustDomain";
      } catch (JsonProcessingException e) {
        why = "its mesh is not valid YAML";
      }
    }
    throw Failures.permanent(
        FailureType.TRUST_DOMAIN_UNKNOWN,
        "cannot determine the trust domain of "
            + revision
            + ": ConfigMap "
            + NS
            + "/"
            + envName
            + (env == null ? " does not exist" : " has no TRUST_DOMAIN")
            + ", and ConfigMap "
            + NS
            + "/"
            + meshName
            + ": "
            + why
            + " (is the managed control plane provisioned?)");
  }

  /**
   * The update adding the managed control plane's trust domain to {@code trustDomainAliases} of the
   * mesh config in {@code configMap}, the text edited in place and everything else kept; empty when
   * the alias is there already.
   */
  static Optional<DesiredChange> alias(ObjectNode configMap, ObjectKey key, String trustDomain) {
    String mesh = configMap.path("data").path("mesh").asText(null);
    String edited = withTrustDomainAlias(mesh, trustDomain, key);
    if (edited == null) {
      return Optional.empty();
    }
    ObjectNode shown = JsonNodeFactory.instance.objectNode();
    shown.putObject("data").put("mesh", edited);
    ObjectNode sent = configMap.deepCopy();
    sent.with("data").put("mesh", edited);
    return Optional.of(
        new DesiredChange(
            PlannedChange.update(
                MeshCaObjects.STEP,
                key,
                shown,
                "add trust domain alias " + trustDomain + " to the mesh config"),
            sent,
            "added trust domain alias " + trustDomain + " to " + key + " mesh"));
  }

  /**
   * The mesh config text with {@code trustDomain} in its {@code trustDomainAliases} (aliases
   * already there are kept), or null when it is there already. Edited in place ({@link
   * MeshConfigText}): comments, key order and every other value stay byte for byte.
   */
  static String withTrustDomainAlias(String mesh, String trustDomain, ObjectKey key) {
    try {
      return MeshConfigText.withAlias(mesh, trustDomain);
    } catch (MeshConfigText.NotEditable e) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT, key + " " + e.getMessage() + "; fix it by hand");
    }
  }
}
