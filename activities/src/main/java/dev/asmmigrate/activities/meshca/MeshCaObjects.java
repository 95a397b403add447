package dev.asmmigrate.activities.meshca;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.Rollouts;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.Step;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;

/**
 * The add-on objects step {@code configure-mesh-ca} reads and changes, by version, and the small
 * helpers its 1.4 path, 1.6 path, trust domain and root-distribution wait share.
 */
final class MeshCaObjects {
  static final String NS = IstioNames.ISTIO_SYSTEM;
  // add-on 1.4
  static final String MESHCA_SECRET = "meshca-root";
  static final String MESHCA_FILE = "meshca-root.pem";
  static final String MESH_CONFIG_14 = "istio";
  static final String PILOT = "istio-pilot";
  static final String PILOT_CONTAINER = "discovery";
  static final String PILOT_IMAGE_14 = "gke.gcr.io/istio/pilot:1.4.10-gke.21";
  static final String SKIP_TD_ENV = "PILOT_SKIP_VALIDATE_TRUST_DOMAIN";
  static final String CITADEL = "istio-citadel";
  static final String CITADEL_CONTAINER = "citadel";
  static final String ROOT_CERT_DIR = "/var/run/root-certs";
  static final String ROOT_CERT_ARG = "--root-cert=" + ROOT_CERT_DIR + "/" + MESHCA_FILE;
  static final String BUNDLE_SECRET_14 = "istio.default";
  // add-on 1.6
  static final String MESH_CONFIG_16 = "istio-istio-1611";
  static final String OPERATOR = "istio-1-6-11-gke-0";
  static final String CA_SECRET = "istio-ca-secret";
  static final String CA_CERT = "ca-cert.pem";
  static final String ISTIOD = "istiod-istio-1611";
  static final String PILOT_HUB_16 = "gke.gcr.io/istio";
  static final String PILOT_TAG_16 = "1.6.14-gke.7";
  static final String ISTIOD_IMAGE_16 = PILOT_HUB_16 + "/pilot:" + PILOT_TAG_16;
  static final String BUNDLE_CONFIGMAP_16 = "istio-ca-root-cert";
  static final String TRIGGER = "trigger-root-cert";
  static final String ROOT_CERT_KEY = "root-cert.pem";
  static final String RESTARTED_AT = IstioNames.RESTARTED_AT;

  static final ObjectKey MESHCA_SECRET_KEY = new ObjectKey("v1", "Secret", NS, MESHCA_SECRET);
  static final ObjectKey MESH_CONFIG_14_KEY = new ObjectKey("v1", "ConfigMap", NS, MESH_CONFIG_14);
  static final ObjectKey PILOT_KEY = new ObjectKey("apps/v1", "Deployment", NS, PILOT);
  static final ObjectKey CITADEL_KEY = new ObjectKey("apps/v1", "Deployment", NS, CITADEL);
  static final ObjectKey MESH_CONFIG_16_KEY = new ObjectKey("v1", "ConfigMap", NS, MESH_CONFIG_16);
  static final ObjectKey OPERATOR_KEY =
      new ObjectKey("install.istio.io/v1alpha1", "IstioOperator", NS, OPERATOR);
  static final ObjectKey CA_SECRET_KEY = new ObjectKey("v1", "Secret", NS, CA_SECRET);
  static final ObjectKey ISTIOD_KEY = new ObjectKey("apps/v1", "Deployment", NS, ISTIOD);
  static final ObjectKey TRIGGER_KEY =
      new ObjectKey("networking.istio.io/v1alpha3", "EnvoyFilter", NS, TRIGGER);

  static final ResourceDefinitionContext ISTIO_OPERATORS =
      new ResourceDefinitionContext.Builder()
          .withGroup("install.istio.io")
          .withVersion("v1alpha1")
          .withPlural("istiooperators")
          .withKind("IstioOperator")
          .withNamespaced(true)
          .build();
  static final ResourceDefinitionContext ENVOY_FILTERS =
      new ResourceDefinitionContext.Builder()
          .withGroup("networking.istio.io")
          .withVersion("v1alpha3")
          .withPlural("envoyfilters")
          .withKind("EnvoyFilter")
          .withNamespaced(true)
          .build();

  static final String STEP = Step.CONFIGURE_MESH_CA.id();
  static final String TRIGGER_TEMPLATE = "meshca/trigger-root-cert.yaml";

  private MeshCaObjects() {}

  static StepChanges session(KubeClients clients, BackupStores backups, MigrationContext ctx) {
    return new StepChanges(clients.client(ctx.connection()), backups.forContext(ctx), ctx, STEP);
  }

  static Resource<Deployment> deployment(KubernetesClient client, String name) {
    return client.apps().deployments().inNamespace(NS).withName(name);
  }

  /** The object as a Jackson tree, or null when it does not exist. */
  static ObjectNode read(ObjectKey key, Supplier<? extends HasMetadata> get) {
    return Restorer.toTree(StepChanges.call("get " + key, get));
  }

  /** The add-on's object as a Jackson tree; NOT_FOUND when it does not exist. */
  static ObjectNode require(ObjectKey key, Supplier<? extends HasMetadata> get, String of) {
    ObjectNode found = read(key, get);
    if (found == null) {
      throw notFound(key, of);
    }
    return found;
  }

  static ObjectNode requireDeployment(KubernetesClient client, ObjectKey key) {
    return require(key, () -> deployment(client, key.name()).get(), "the add-on");
  }

  static ObjectNode requireConfigMap(KubernetesClient client, ObjectKey key) {
    return require(
        key, () -> client.configMaps().inNamespace(NS).withName(key.name()).get(), "the add-on");
  }

  static ObjectNode secret(KubernetesClient client, ObjectKey key) {
    return read(key, () -> client.secrets().inNamespace(NS).withName(key.name()).get());
  }

  static RuntimeException notFound(ObjectKey key, String of) {
    return Failures.permanent(
        FailureType.NOT_FOUND, key + " not found: it is part of " + of + " this step configures");
  }

  /** Container {@code name} of a Deployment's pod template; NOT_FOUND without it. */
  static JsonNode container(JsonNode deployment, String name, ObjectKey key) {
    for (JsonNode c : deployment.path("spec").path("template").path("spec").path("containers")) {
      if (name.equals(c.path("name").asText())) {
        return c;
      }
    }
    throw Failures.permanent(FailureType.NOT_FOUND, key + " has no container " + name);
  }

  /** {@code {"spec":{"template":{"spec":{"containers":[c]}}}}}: strategic merge by name. */
  static ObjectNode containerPatch(ObjectNode container) {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    patch
        .putObject("spec")
        .putObject("template")
        .putObject("spec")
        .putArray("containers")
        .add(container);
    return patch;
  }

  static ObjectNode op(String op, String path, JsonNode value) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("op", op);
    o.put("path", path);
    if (value != null) {
      o.set("value", value.deepCopy());
    }
    return o;
  }

  static int indexOf(JsonNode array, String value) {
    for (int i = 0; i < array.size(); i++) {
      if (value.equals(array.get(i).asText())) {
        return i;
      }
    }
    return -1;
  }

  static int certificatesIn(String base64) {
    return MeshCaRoot.certificates(decode(base64)).size();
  }

  static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }

  static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  static void awaitRollouts(
      KubernetesClient client, List<String> names, MeshCaActivitiesImpl.Settings settings) {
    for (String name : names) {
      Resource<Deployment> d = deployment(client, name);
      Waits.until(
          "rollout of Deployment " + NS + "/" + name,
          settings.rollout(),
          settings.pollInterval(),
          () -> Rollouts.rolledOut(NS + "/" + name, d.get()),
          FailureType.VERIFICATION_FAILED);
    }
  }

  /** The Mesh CA root as plans name it: by its hash, never its content. */
  static String rootHash() {
    return "sha256:" + sha256(MeshCaRoot.PEM);
  }

  static String sha256(String text) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
