package dev.asmmigrate.activities.meshca;

import static dev.asmmigrate.activities.meshca.MeshCaObjects.NS;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.notFound;

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
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
   * Adds the managed control plane's trust domain to {@code trustDomainAliases} of the mesh config
   * in ConfigMap {@code name}, editing the text in place and keeping everything else as it is.
   */
  static void addAlias(StepChanges changes, String name, ObjectKey key, String trustDomain) {
    Resource<ConfigMap> resource = changes.client().configMaps().inNamespace(NS).withName(name);
    ConfigMap current = StepChanges.call("get " + key, resource::get);
    if (current == null) {
      throw notFound(key, "the add-on's mesh config");
    }
    changes.backup(key, current);
    String mesh = current.getData() == null ? null : current.getData().get("mesh");
    String edited = withTrustDomainAlias(mesh, trustDomain, key);
    if (edited == null) {
      changes.unchanged(key + " mesh already has trust domain alias " + trustDomain);
      return;
    }
    Map<String, String> data = new LinkedHashMap<>();
    if (current.getData() != null) {
      data.putAll(current.getData());
    }
    data.put("mesh", edited);
    current.setData(data);
    StepChanges.call(
        "update " + key,
        () -> changes.client().configMaps().inNamespace(NS).resource(current).update());
    changes.changed("added trust domain alias " + trustDomain + " to " + key + " mesh");
  }

  /**
   * The mesh config text with {@code trustDomain} in its {@code trustDomainAliases} (aliases
   * already there are kept), or null when it is there already. Edited in place ({@link
   * MeshConfigText}): comments, key order and every other value stay byte for byte. Plan and apply
   * both call this.
   */
  static String withTrustDomainAlias(String mesh, String trustDomain, ObjectKey key) {
    try {
      return MeshConfigText.withAlias(mesh, trustDomain);
    } catch (MeshConfigText.NotEditable e) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT, key + " " + e.getMessage() + "; fix it by hand");
    }
  }

  static void planAlias(
      KubernetesClient client,
      List<PlannedChange> out,
      String step,
      String name,
      ObjectKey key,
      String trustDomain) {
    ConfigMap current =
        StepChanges.call("get " + key, client.configMaps().inNamespace(NS).withName(name)::get);
    String mesh = current.getData() == null ? null : current.getData().get("mesh");
    String edited = withTrustDomainAlias(mesh, trustDomain, key);
    if (edited != null) {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.putObject("data").put("mesh", edited);
      out.add(
          PlannedChange.update(
              step, key, body, "add trust domain alias " + trustDomain + " to the mesh config"));
    }
  }
}
