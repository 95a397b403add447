package dev.asmmigrate.sandbox.istio;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.Json;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Google-managed control plane, as a cluster sees it: a ControlPlaneRevision {@code
 * istio-system/asm-managed[-rapid|-stable]} with spec {@code {type: managed_service, channel: <its
 * channel>}} reports {@code ProvisioningFinished=True} (reason {@code Provisioned}) after the
 * provisioning delay and brings the revision's injection webhook {@code istiod-<rev>} and
 * ConfigMaps {@code env-<rev>} and {@code istio-<rev>}; a bad spec reports {@code False} with the
 * reason; the never-provisioned fault keeps it {@code False} (reason {@code Provisioning}).
 * Deleting the revision removes what it brought. The CRD is installed at start when missing, as on
 * a cluster whose fleet can run the managed control plane.
 */
final class ManagedControlPlane extends SimulatedComponent {
  static final String CRD_NAME = ClusterState.CPR_PLURAL + "." + ClusterState.CPR_GROUP;
  static final String OWNED_BY = "istio.io/owned-by";
  static final String OWNER = "mesh.googleapis.com";
  static final ResourceDefinitionContext CPR =
      new ResourceDefinitionContext.Builder()
          .withGroup(ClusterState.CPR_GROUP)
          .withVersion(ClusterState.CPR_VERSION)
          .withPlural(ClusterState.CPR_PLURAL)
          .withKind("ControlPlaneRevision")
          .withNamespaced(true)
          .build();

  private SharedIndexInformer<GenericKubernetesResource> revisions;
  private SharedIndexInformer<MutatingWebhookConfiguration> webhooks;
  private SharedIndexInformer<ConfigMap> configMaps;
  private final Map<String, Instant> firstSeen = new HashMap<>();

  ManagedControlPlane(SandboxContext ctx) {
    super(ctx, "managed-control-plane");
  }

  @Override
  protected void setUp() {
    ensureCrd();
    revisions = watch(client.genericKubernetesResources(CPR).inAnyNamespace());
    webhooks = watch(client.admissionRegistration().v1().mutatingWebhookConfigurations());
    configMaps = watch(client.configMaps().inNamespace(ControlPlane.SYSTEM_NAMESPACE));
  }

  private void ensureCrd() {
    if (client.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get() != null) {
      return;
    }
    ObjectNode crd = Json.object();
    crd.put("apiVersion", "apiextensions.k8s.io/v1");
    crd.put("kind", "CustomResourceDefinition");
    crd.putObject("metadata").put("name", CRD_NAME);
    ObjectNode spec = crd.putObject("spec");
    spec.put("group", ClusterState.CPR_GROUP);
    spec.put("scope", "Namespaced");
    spec.putObject("names")
        .put("kind", "ControlPlaneRevision")
        .put("listKind", "ControlPlaneRevisionList")
        .put("plural", ClusterState.CPR_PLURAL)
        .put("singular", "controlplanerevision");
    ObjectNode version = spec.putArray("versions").addObject();
    version.put("name", ClusterState.CPR_VERSION).put("served", true).put("storage", true);
    version
        .putObject("schema")
        .putObject("openAPIV3Schema")
        .put("type", "object")
        .put("x-kubernetes-preserve-unknown-fields", true);
    version.putObject("subresources").putObject("status");
    ArrayNode columns = version.putArray("additionalPrinterColumns");
    for (String type : List.of("Reconciled", "Stalled")) {
      columns
          .addObject()
          .put("name", type)
          .put("type", "string")
          .put("jsonPath", ".status.conditions[?(@.type==\"" + type + "\")].status");
    }
    columns
        .addObject()
        .put("name", "Age")
        .put("type", "date")
        .put("jsonPath", ".metadata.creationTimestamp");
    try {
      client.resource(Json.write(crd)).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  @Override
  protected void reconcile() {
    Map<String, GenericKubernetesResource> provisioned = new HashMap<>();
    for (GenericKubernetesResource cpr : revisions.getStore().list()) {
      if (cpr.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      Verdict verdict = judge(cpr);
      writeStatus(cpr, verdict);
      if (verdict.status().equals("True")) {
        provisioned.put(cpr.getMetadata().getName(), cpr);
      }
    }
    firstSeen.keySet().retainAll(uids());
    SandboxSettings s = ctx.settings();
    for (String rev : ControlPlane.MANAGED_CHANNELS.keySet()) {
      if (provisioned.containsKey(rev)) {
        ensureWebhook(rev, s);
        ensureConfigMap(envConfigMap(rev, s));
        ensureConfigMap(meshConfigMap(rev, s));
      } else if (!hasRevision(rev)) {
        removeWhatItBrought(rev);
      }
    }
  }

  /** A condition's status, reason and message. */
  record Verdict(String status, String reason, String message) {}

  private Verdict judge(GenericKubernetesResource cpr) {
    String name = cpr.getMetadata().getName();
    String ns = cpr.getMetadata().getNamespace();
    String type = Objects.toString(cpr.get("spec", "type"), "");
    String channel = Objects.toString(cpr.get("spec", "channel"), "");
    String expected = ControlPlane.MANAGED_CHANNELS.get(name);
    if (!ControlPlane.SYSTEM_NAMESPACE.equals(ns)) {
      return new Verdict(
          "False", "InvalidNamespace", "ControlPlaneRevision must be in namespace istio-system");
    }
    if (expected == null) {
      return new Verdict(
          "False",
          "InvalidRevision",
          "revision \""
              + name
              + "\" is not one of asm-managed, asm-managed-rapid, asm-managed-stable");
    }
    if (!type.equals("managed_service")) {
      return new Verdict(
          "False",
          "InvalidType",
          "spec.type \"" + type + "\" is not supported: use managed_service");
    }
    if (!channel.isEmpty() ? !channel.equals(expected) : !expected.equals("regular")) {
      return new Verdict(
          "False",
          "ChannelMismatch",
          "spec.channel \""
              + channel
              + "\" does not match revision "
              + name
              + " (channel "
              + expected
              + ")");
    }
    if (provisionedAlready(cpr)) {
      return provisionedVerdict();
    }
    if (ctx.faults().controlPlaneNeverProvisioned) {
      return provisioning();
    }
    Instant since = firstSeen.computeIfAbsent(cpr.getMetadata().getUid(), k -> now());
    Instant due = since.plus(ctx.settings().controlPlaneProvisionDelay());
    if (now().isBefore(due)) {
      triggerAt(due);
      return provisioning();
    }
    return provisionedVerdict();
  }

  private static Verdict provisioning() {
    return new Verdict("False", "Provisioning", "Provisioning is in progress");
  }

  private static Verdict provisionedVerdict() {
    return new Verdict("True", "Provisioned", "Provisioning has finished");
  }

  @SuppressWarnings("unchecked")
  private static boolean provisionedAlready(GenericKubernetesResource cpr) {
    Object conditions = cpr.get("status", "conditions");
    if (conditions instanceof List<?> list) {
      for (Object c : list) {
        if (c instanceof Map<?, ?> m
            && "ProvisioningFinished".equals(m.get("type"))
            && "True".equals(m.get("status"))) {
          return true;
        }
      }
    }
    return false;
  }

  @SuppressWarnings("unchecked")
  private void writeStatus(GenericKubernetesResource cpr, Verdict v) {
    boolean ok = v.status().equals("True");
    List<Map<String, Object>> wanted = new ArrayList<>();
    wanted.add(condition("Reconciled", v.status(), v.reason(), v.message()));
    wanted.add(condition("ProvisioningFinished", v.status(), v.reason(), v.message()));
    wanted.add(
        condition(
            "Stalled",
            ok || v.reason().equals("Provisioning") ? "False" : "True",
            ok || v.reason().equals("Provisioning") ? "NotStalled" : v.reason(),
            ok || v.reason().equals("Provisioning") ? "Not stalled" : v.message()));
    Object current = cpr.get("status", "conditions");
    List<Map<String, Object>> have =
        current instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    String now = dev.asmmigrate.sandbox.api.Json.timestamp(now());
    boolean changed = have.size() != wanted.size();
    for (Map<String, Object> w : wanted) {
      Map<String, Object> old = find(have, (String) w.get("type"));
      boolean same =
          old != null
              && Objects.equals(old.get("status"), w.get("status"))
              && Objects.equals(old.get("reason"), w.get("reason"))
              && Objects.equals(old.get("message"), w.get("message"));
      if (same) {
        w.put("lastTransitionTime", old.get("lastTransitionTime"));
      } else {
        changed = true;
        w.put(
            "lastTransitionTime",
            old != null && Objects.equals(old.get("status"), w.get("status"))
                ? old.get("lastTransitionTime")
                : now);
      }
    }
    if (!changed) {
      return;
    }
    GenericKubernetesResource next = new GenericKubernetesResource();
    next.setApiVersion(cpr.getApiVersion());
    next.setKind(cpr.getKind());
    next.setMetadata(cpr.getMetadata());
    Map<String, Object> props = new LinkedHashMap<>(cpr.getAdditionalProperties());
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("conditions", wanted);
    status.put("observedGeneration", cpr.getMetadata().getGeneration());
    props.put("status", status);
    next.setAdditionalProperties(props);
    client
        .genericKubernetesResources(CPR)
        .inNamespace(cpr.getMetadata().getNamespace())
        .resource(next)
        .updateStatus();
  }

  private static Map<String, Object> condition(
      String type, String status, String reason, String message) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("type", type);
    c.put("status", status);
    c.put("reason", reason);
    c.put("message", message);
    return c;
  }

  private static Map<String, Object> find(List<Map<String, Object>> conditions, String type) {
    for (Map<String, Object> c : conditions) {
      if (type.equals(c.get("type"))) {
        return c;
      }
    }
    return null;
  }

  private List<String> uids() {
    List<String> out = new ArrayList<>();
    for (GenericKubernetesResource cpr : revisions.getStore().list()) {
      out.add(cpr.getMetadata().getUid());
    }
    return out;
  }

  private boolean hasRevision(String rev) {
    return revisions.getStore().getByKey(ControlPlane.SYSTEM_NAMESPACE + "/" + rev) != null;
  }

  private void ensureWebhook(String rev, SandboxSettings s) {
    if (webhooks.getStore().getByKey("istiod-" + rev) != null) {
      return;
    }
    create(Json.write(injectionWebhook(rev, s)));
  }

  private void ensureConfigMap(ConfigMap cm) {
    if (configMaps.getStore().getByKey(Citadel.key(cm.getMetadata().getName())) != null) {
      return;
    }
    try {
      client.configMaps().inNamespace(ControlPlane.SYSTEM_NAMESPACE).resource(cm).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private void create(String json) {
    try {
      client.resource(json).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private void removeWhatItBrought(String rev) {
    MutatingWebhookConfiguration mwc = webhooks.getStore().getByKey("istiod-" + rev);
    if (mwc != null && ownedByUs(mwc.getMetadata().getLabels())) {
      client
          .admissionRegistration()
          .v1()
          .mutatingWebhookConfigurations()
          .withName("istiod-" + rev)
          .delete();
    }
    for (String name : List.of("env-" + rev, "istio-" + rev)) {
      ConfigMap cm = configMaps.getStore().getByKey(Citadel.key(name));
      if (cm != null && ownedByUs(cm.getMetadata().getLabels())) {
        client.configMaps().inNamespace(ControlPlane.SYSTEM_NAMESPACE).withName(name).delete();
      }
    }
  }

  private static boolean ownedByUs(Map<String, String> labels) {
    return labels != null && OWNER.equals(labels.get(OWNED_BY));
  }

  /**
   * The injection webhook of a managed revision, as the managed control plane installs it: the
   * revision's endpoint by URL, with the caBundle of its serving CA ({@link WebhookTls}).
   */
  static ObjectNode injectionWebhook(String rev, SandboxSettings s) {
    ObjectNode mwc = Json.object();
    mwc.put("apiVersion", "admissionregistration.k8s.io/v1");
    mwc.put("kind", "MutatingWebhookConfiguration");
    ObjectNode meta = mwc.putObject("metadata");
    meta.put("name", "istiod-" + rev);
    meta.putObject("labels")
        .put("app", "sidecar-injector")
        .put(ControlPlane.REV_LABEL, rev)
        .put(OWNED_BY, OWNER);
    ArrayNode hooks = mwc.putArray("webhooks");
    String url =
        "https://meshconfig.googleapis.com/v1alpha1/projects/"
            + s.project()
            + "/locations/"
            + s.location()
            + "/clusters/"
            + s.cluster()
            + "/channels/"
            + ControlPlane.MANAGED_CHANNELS.get(rev)
            + "/targets/"
            + rev
            + "/inject";
    ObjectNode byNamespace = webhook(hooks, "rev.namespace.sidecar-injector.istio.io", url);
    ArrayNode nsExpr = byNamespace.putObject("namespaceSelector").putArray("matchExpressions");
    expression(nsExpr, ControlPlane.REV_LABEL, "In", rev);
    expression(nsExpr, "istio-injection", "DoesNotExist");
    ArrayNode nsObj = byNamespace.putObject("objectSelector").putArray("matchExpressions");
    expression(nsObj, SidecarInjector.INJECT, "NotIn", "false");
    ObjectNode byObject = webhook(hooks, "rev.object.sidecar-injector.istio.io", url);
    ArrayNode objNs = byObject.putObject("namespaceSelector").putArray("matchExpressions");
    expression(objNs, ControlPlane.REV_LABEL, "DoesNotExist");
    expression(objNs, "istio-injection", "DoesNotExist");
    ArrayNode objObj = byObject.putObject("objectSelector").putArray("matchExpressions");
    expression(objObj, SidecarInjector.INJECT, "NotIn", "false");
    expression(objObj, ControlPlane.REV_LABEL, "In", rev);
    return mwc;
  }

  private static ObjectNode webhook(ArrayNode hooks, String name, String url) {
    ObjectNode w = hooks.addObject();
    w.put("name", name);
    w.putArray("admissionReviewVersions").add("v1beta1").add("v1");
    w.putObject("clientConfig").put("url", url).put("caBundle", WebhookTls.managedCaBundle());
    w.put("failurePolicy", "Fail");
    w.put("matchPolicy", "Equivalent");
    w.put("reinvocationPolicy", "Never");
    ObjectNode rule = w.putArray("rules").addObject();
    rule.putArray("apiGroups").add("");
    rule.putArray("apiVersions").add("v1");
    rule.putArray("operations").add("CREATE");
    rule.putArray("resources").add("pods");
    rule.put("scope", "*");
    w.put("sideEffects", "None");
    w.put("timeoutSeconds", 10);
    return w;
  }

  private static void expression(ArrayNode list, String key, String operator, String... values) {
    ObjectNode e = list.addObject().put("key", key).put("operator", operator);
    if (values.length > 0) {
      ArrayNode v = e.putArray("values");
      for (String value : values) {
        v.add(value);
      }
    }
  }

  static ConfigMap envConfigMap(String rev, SandboxSettings s) {
    String clusterId = "cn-" + s.project() + "-" + s.location() + "-" + s.cluster();
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName("env-" + rev)
        .withNamespace(ControlPlane.SYSTEM_NAMESPACE)
        .addToLabels(ControlPlane.REV_LABEL, rev)
        .addToLabels(OWNED_BY, OWNER)
        .endMetadata()
        .addToData("CA", "MESHCA")
        .addToData("CLUSTER_ID", clusterId)
        .addToData(
            "GKE_CLUSTER_URL",
            "https://container.googleapis.com/v1/projects/"
                + s.project()
                + "/locations/"
                + s.location()
                + "/clusters/"
                + s.cluster())
        .addToData("ASM_REVISION", rev)
        .addToData("CHANNEL", ControlPlane.MANAGED_CHANNELS.get(rev))
        .addToData("TRUST_DOMAIN", s.project() + ".svc.id.goog")
        .addToData("XDS_ADDR", "meshconfig.googleapis.com:443")
        .build();
  }

  static ConfigMap meshConfigMap(String rev, SandboxSettings s) {
    ObjectNode mesh = Json.object();
    ObjectNode defaults = mesh.putObject("defaultConfig");
    defaults.put("discoveryAddress", "meshconfig.googleapis.com:443");
    defaults.putObject("proxyMetadata").put("CA_PROVIDER", "GoogleCA");
    mesh.put("rootNamespace", ControlPlane.SYSTEM_NAMESPACE);
    mesh.put("trustDomain", s.project() + ".svc.id.goog");
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName("istio-" + rev)
        .withNamespace(ControlPlane.SYSTEM_NAMESPACE)
        .addToLabels(ControlPlane.REV_LABEL, rev)
        .addToLabels(OWNED_BY, OWNER)
        .endMetadata()
        .addToData("mesh", Json.toYaml(mesh))
        .build();
  }
}
