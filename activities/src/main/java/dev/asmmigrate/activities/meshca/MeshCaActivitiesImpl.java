package dev.asmmigrate.activities.meshca;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.GenericResources;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.Rollouts;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.activities.kube.Waits.Check;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.activities.MeshCaActivities;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step {@code configure-mesh-ca}: the add-on's control plane learns to trust the Mesh CA before any
 * workload moves, so that add-on proxies and managed ASM proxies accept each other's certificates
 * during the migration (zero downtime). Everything is backed up before its first change, every
 * change is made only when the object is not as wanted yet (the Mesh CA root is appended to {@code
 * istio-ca-secret} once, ever), and the undo puts every object back from its backup.
 */
public final class MeshCaActivitiesImpl implements MeshCaActivities {
  private static final Logger log = LoggerFactory.getLogger(MeshCaActivitiesImpl.class);

  static final String NS = "istio-system";
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
  static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

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

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
  private static final int PATCH_ATTEMPTS = 3;
  private static final String TRIGGER_TEMPLATE = "meshca/trigger-root-cert.yaml";

  /**
   * The bounds and pauses of the step.
   *
   * @param rollout how long a patched control-plane Deployment may take to roll out
   * @param pollInterval how often waits look again
   * @param proxyPickup 1.4: how long to give proxies, once every bundle has the root, to read the
   *     refreshed secret volume (the kubelet's sync period plus its cache; no API shows it)
   * @param triggerHold 1.6: how long EnvoyFilter trigger-root-cert stays, so that every proxy
   *     receives it and sends its new SDS request
   */
  public record Settings(
      Duration rollout, Duration pollInterval, Duration proxyPickup, Duration triggerHold) {
    public static Settings defaults() {
      return new Settings(
          Duration.ofMinutes(10),
          Duration.ofSeconds(1),
          Duration.ofSeconds(75),
          Duration.ofSeconds(15));
    }

    /** These settings with other holds (the worker's flags, or a sandbox's quick proxies). */
    public Settings withHolds(Duration proxyPickup, Duration triggerHold) {
      return new Settings(rollout, pollInterval, proxyPickup, triggerHold);
    }
  }

  private final KubeClients clients;
  private final BackupStores backups;
  private final Settings settings;

  public MeshCaActivitiesImpl(KubeClients clients, BackupStores backups) {
    this(clients, backups, Settings.defaults());
  }

  public MeshCaActivitiesImpl(KubeClients clients, BackupStores backups, Settings settings) {
    this.clients = clients;
    this.backups = backups;
    this.settings = settings;
  }

  // --- configure ---------------------------------------------------------------------------------

  @Override
  public StepResult configureMeshCa(MeshCaRequest request) {
    MigrationContext ctx = request.context();
    StepChanges changes = session(ctx);
    String trustDomain = trustDomain(changes.client(), ctx.revision());
    log.info(
        "configure-mesh-ca {}: trust domain of {} is {}",
        request.version().display(),
        ctx.revision(),
        trustDomain);
    if (request.version() == AddonVersion.V1_4) {
      configure14(changes, trustDomain);
    } else {
      configure16(changes, trustDomain, ctx);
    }
    return changes.result();
  }

  private void configure14(StepChanges changes, String trustDomain) {
    KubernetesClient client = changes.client();
    // read everything first: a missing add-on object fails the step before it changes anything
    requireDeployment(client, PILOT);
    requireDeployment(client, CITADEL);
    requireConfigMap(client, MESH_CONFIG_14);

    StepChanges.rereadOnConflict("set " + MESHCA_SECRET_KEY, () -> ensureMeshCaSecret(changes));
    StepChanges.rereadOnConflict(
        "edit " + MESH_CONFIG_14_KEY,
        () -> addTrustDomainAlias(changes, MESH_CONFIG_14, MESH_CONFIG_14_KEY, trustDomain));
    patchPilot14(changes);
    patchCitadel14(changes);
    awaitRollouts(client, List.of(PILOT, CITADEL));
  }

  private void configure16(StepChanges changes, String trustDomain, MigrationContext ctx) {
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
        () -> addTrustDomainAlias(changes, MESH_CONFIG_16, MESH_CONFIG_16_KEY, trustDomain));
    patchOperator16(changes, operator);
    StepChanges.rereadOnConflict(
        "append the Mesh CA root to " + CA_SECRET_KEY, () -> appendRootToCaSecret(changes));
    patchIstiod16(changes, MigrationContext.restartedAt(ctx.migrationId()));
    awaitRollouts(client, List.of(ISTIOD));
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

  /**
   * Adds the managed control plane's trust domain to {@code trustDomainAliases} of the mesh config
   * in ConfigMap {@code name}, editing the text in place and keeping everything else as it is.
   */
  private void addTrustDomainAlias(
      StepChanges changes, String name, ObjectKey key, String trustDomain) {
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

  private void awaitRollouts(KubernetesClient client, List<String> names) {
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

  // --- root distribution
  // ----------------------------------------------------------------------------

  @Override
  public void awaitRootDistribution(RootDistributionRequest request) {
    MigrationContext ctx = request.context();
    KubernetesClient client = clients.client(ctx.connection());
    boolean v14 = request.version() == AddonVersion.V1_4;
    String bundle =
        v14
            ? "Secret " + BUNDLE_SECRET_14 + " " + ROOT_CERT_KEY
            : "ConfigMap " + BUNDLE_CONFIGMAP_16 + " " + ROOT_CERT_KEY;
    List<String> skipped = new ArrayList<>();
    Waits.until(
        "Mesh CA root in every namespace's " + bundle,
        request.timeout(),
        settings.pollInterval(),
        () -> distribution(client, v14, skipped),
        FailureType.ROOT_DISTRIBUTION_TIMEOUT);
    if (!skipped.isEmpty()) {
      log.warn(
          "configure-mesh-ca {}: namespaces without {} and without injected pods were not waited"
              + " for: {}",
          request.version().display(),
          bundle,
          skipped);
    }
    if (v14) {
      Waits.hold(
          "add-on 1.4 proxies reading the refreshed root bundle",
          settings.proxyPickup(),
          settings.pollInterval());
    } else {
      triggerRootCertFetch(ctx, client);
    }
  }

  /** One look at every namespace's bundle. */
  private Check distribution(KubernetesClient client, boolean v14, List<String> skippedOut) {
    Map<String, String> bundles = new HashMap<>();
    if (v14) {
      for (Secret s :
          client
              .secrets()
              .inAnyNamespace()
              .withField("metadata.name", BUNDLE_SECRET_14)
              .list()
              .getItems()) {
        String value = s.getData() == null ? null : s.getData().get(ROOT_CERT_KEY);
        bundles.put(s.getMetadata().getNamespace(), value == null ? "" : decode(value));
      }
    } else {
      for (ConfigMap cm :
          client
              .configMaps()
              .inAnyNamespace()
              .withField("metadata.name", BUNDLE_CONFIGMAP_16)
              .list()
              .getItems()) {
        String value = cm.getData() == null ? null : cm.getData().get(ROOT_CERT_KEY);
        bundles.put(cm.getMetadata().getNamespace(), value == null ? "" : value);
      }
    }
    Map<String, String> waiting = new TreeMap<>();
    List<String> skipped = new ArrayList<>();
    int done = 0;
    int total = 0;
    for (Namespace ns : client.namespaces().list().getItems()) {
      if (ns.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      String name = ns.getMetadata().getName();
      String have = bundles.get(name);
      if (have == null) {
        int injected = injectedPods(client, name);
        if (injected == 0) {
          skipped.add(name);
          continue;
        }
        total++;
        waiting.put(name, "no bundle yet, " + injected + " injected pods");
      } else {
        total++;
        if (MeshCaRoot.in(have)) {
          done++;
        } else {
          waiting.put(name, "bundle without the Mesh CA root");
        }
      }
    }
    skippedOut.clear();
    skippedOut.addAll(skipped);
    String progress =
        done
            + "/"
            + total
            + " namespaces have it"
            + (waiting.isEmpty() ? "" : "; waiting for " + waiting)
            + (skipped.isEmpty() ? "" : "; skipped (no bundle, no injected pods): " + skipped);
    return waiting.isEmpty() ? Check.done(progress) : Check.waiting(progress);
  }

  private static int injectedPods(KubernetesClient client, String namespace) {
    int n = 0;
    for (Pod p : client.pods().inNamespace(namespace).list().getItems()) {
      if (p.getSpec() != null
          && p.getSpec().getContainers().stream().anyMatch(c -> "istio-proxy".equals(c.getName()))
          && !"Succeeded".equals(p.getStatus() == null ? null : p.getStatus().getPhase())) {
        n++;
      }
    }
    return n;
  }

  /**
   * 1.6 proxies fetch roots over SDS only when they need a secret: EnvoyFilter trigger-root-cert
   * makes each ask for a new one. It is backed up as absent first, so that an undo after a crash
   * here deletes it, held briefly, and deleted.
   */
  private void triggerRootCertFetch(MigrationContext ctx, KubernetesClient client) {
    StepChanges changes = session(ctx);
    Resource<GenericKubernetesResource> filter =
        client.genericKubernetesResources(ENVOY_FILTERS).inNamespace(NS).withName(TRIGGER);
    GenericKubernetesResource current = StepChanges.call("get " + TRIGGER_KEY, filter::get);
    changes.backup(TRIGGER_KEY, current);
    if (current == null) {
      ObjectNode desired = StepChanges.template(TRIGGER_TEMPLATE);
      StepChanges.call(
          "create " + TRIGGER_KEY,
          () ->
              client
                  .genericKubernetesResources(ENVOY_FILTERS)
                  .inNamespace(NS)
                  .resource(Restorer.fromTree(desired))
                  .create());
      changes.changed("created " + TRIGGER_KEY + " so that 1.6 proxies fetch the new roots");
    }
    Waits.hold(
        "add-on 1.6 proxies fetching the new roots (" + TRIGGER_KEY + ")",
        settings.triggerHold(),
        settings.pollInterval());
    // put back as before the migration: absent (the usual case) deletes it
    changes.restore(TRIGGER_KEY);
  }

  // --- plan ------------------------------------------------------------------------------------

  /**
   * What {@link #configureMeshCa} and {@link #awaitRootDistribution} will do for one add-on
   * version, read only, from the same builders. The managed control plane's trust domain and the
   * migration's id are not known before the migration runs: {@code trustDomain} and {@code
   * migrationId} stand for them in the bodies shown. Secret content never appears: a note names the
   * key and the root's sha256.
   */
  public List<PlannedChange> plan(
      MigrationContext ctx, AddonVersion version, String trustDomain, String migrationId) {
    KubernetesClient client = clients.client(ctx.connection());
    String step = Step.CONFIGURE_MESH_CA.id();
    String rootHash = "sha256:" + sha256(MeshCaRoot.PEM);
    List<PlannedChange> out = new ArrayList<>();
    if (version == AddonVersion.V1_4) {
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
      planAlias(client, out, step, MESH_CONFIG_14, MESH_CONFIG_14_KEY, trustDomain);
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
      return out;
    }
    requireDeployment(client, ISTIOD);
    requireConfigMap(client, MESH_CONFIG_16);
    requireSecret(client, CA_SECRET);
    GenericKubernetesResource operator =
        StepChanges.call(
            "get " + OPERATOR_KEY,
            () -> GenericResources.get(client, ISTIO_OPERATORS, NS, OPERATOR));
    if (operator == null) {
      throw notFound(OPERATOR_KEY, "add-on 1.6");
    }
    planAlias(client, out, step, MESH_CONFIG_16, MESH_CONFIG_16_KEY, trustDomain);
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
    return out;
  }

  /**
   * The managed control plane's trust domain if it can be read already (the revision is
   * provisioned), else empty.
   */
  public Optional<String> knownTrustDomain(MigrationContext ctx) {
    try {
      return Optional.of(trustDomain(clients.client(ctx.connection()), ctx.revision()));
    } catch (ApplicationFailure e) {
      if (FailureType.TRUST_DOMAIN_UNKNOWN.name().equals(e.getType())) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private void planAlias(
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

  private static String sha256(String text) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // --- undo
  // ------------------------------------------------------------------------------------------

  @Override
  public void restoreMeshCa(MeshCaRequest request) {
    StepChanges changes = session(request.context());
    KubernetesClient client = changes.client();
    List<String> restarted = new ArrayList<>();
    if (request.version() == AddonVersion.V1_4) {
      restoreDeployment(changes, CITADEL_KEY, restarted);
      restoreDeployment(changes, PILOT_KEY, restarted);
      changes.restore(MESH_CONFIG_14_KEY);
      // after Citadel no longer mounts it
      changes.restore(MESHCA_SECRET_KEY);
    } else {
      changes.restore(TRIGGER_KEY);
      // the CA bundle before istiod, so that the restarted istiod reads the restored one
      changes.restore(CA_SECRET_KEY);
      changes.restore(OPERATOR_KEY);
      changes.restore(MESH_CONFIG_16_KEY);
      restoreDeployment(changes, ISTIOD_KEY, restarted);
    }
    awaitRollouts(client, restarted);
  }

  private static void restoreDeployment(StepChanges changes, ObjectKey key, List<String> restored) {
    changes.restore(key).ifPresent(action -> restored.add(key.name()));
  }

  // --- trust domain
  // ----------------------------------------------------------------------------------

  /**
   * The managed control plane's trust domain: ConfigMap {@code env-<rev>} {@code TRUST_DOMAIN},
   * else {@code trustDomain} of the mesh config in ConfigMap {@code istio-<rev>}.
   *
   * @throws io.temporal.failure.ApplicationFailure TRUST_DOMAIN_UNKNOWN when neither names it
   */
  static String trustDomain(KubernetesClient client, String revision) {
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

  // --- helpers
  // -------------------------------------------------------------------------------------

  private StepChanges session(MigrationContext ctx) {
    return new StepChanges(
        clients.client(ctx.connection()),
        backups.forContext(ctx),
        ctx,
        Step.CONFIGURE_MESH_CA.id());
  }

  private static Resource<Deployment> deployment(KubernetesClient client, String name) {
    return client.apps().deployments().inNamespace(NS).withName(name);
  }

  private static void requireDeployment(KubernetesClient client, String name) {
    require(new ObjectKey("apps/v1", "Deployment", NS, name), () -> deployment(client, name).get());
  }

  private static void requireConfigMap(KubernetesClient client, String name) {
    require(
        new ObjectKey("v1", "ConfigMap", NS, name),
        () -> client.configMaps().inNamespace(NS).withName(name).get());
  }

  private static void requireSecret(KubernetesClient client, String name) {
    require(
        new ObjectKey("v1", "Secret", NS, name),
        () -> client.secrets().inNamespace(NS).withName(name).get());
  }

  private static void require(ObjectKey key, java.util.function.Supplier<HasMetadata> get) {
    if (StepChanges.call("get " + key, get) == null) {
      throw notFound(key, "the add-on");
    }
  }

  private static RuntimeException notFound(ObjectKey key, String of) {
    return Failures.permanent(
        FailureType.NOT_FOUND, key + " not found: it is part of " + of + " this step configures");
  }

  private static Container container(Deployment d, String name, ObjectKey key) {
    return d.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> name.equals(c.getName()))
        .findFirst()
        .orElseThrow(
            () -> Failures.permanent(FailureType.NOT_FOUND, key + " has no container " + name));
  }

  /** {@code {"spec":{"template":{"spec":{"containers":[c]}}}}}: strategic merge by name. */
  private static ObjectNode containerPatch(ObjectNode container) {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    patch
        .putObject("spec")
        .putObject("template")
        .putObject("spec")
        .putArray("containers")
        .add(container);
    return patch;
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

  private static int indexOf(JsonNode array, String value) {
    for (int i = 0; i < array.size(); i++) {
      if (value.equals(array.get(i).asText())) {
        return i;
      }
    }
    return -1;
  }

  private static int certificatesIn(String base64) {
    return MeshCaRoot.certificates(decode(base64)).size();
  }

  static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }

  static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
