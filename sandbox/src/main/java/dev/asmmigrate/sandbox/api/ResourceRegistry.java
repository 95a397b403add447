package dev.asmmigrate.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The resources the sandbox serves: the built-in kinds the add-on and the migration touch, plus
 * every custom resource whose CustomResourceDefinition is created in the store.
 */
public final class ResourceRegistry {

  public static final ResourceType NAMESPACES =
      core("namespaces", "namespace", "Namespace", false, List.of("ns"), true, false);
  public static final ResourceType PODS =
      core("pods", "pod", "Pod", true, List.of("po"), true, false, "all");
  public static final ResourceType SERVICES =
      core("services", "service", "Service", true, List.of("svc"), true, false, "all");
  public static final ResourceType ENDPOINTS =
      core("endpoints", "endpoints", "Endpoints", true, List.of("ep"), false, false);
  public static final ResourceType CONFIGMAPS =
      core("configmaps", "configmap", "ConfigMap", true, List.of("cm"), false, false);
  public static final ResourceType SECRETS =
      core("secrets", "secret", "Secret", true, List.of(), false, false);
  public static final ResourceType SERVICEACCOUNTS =
      core(
          "serviceaccounts", "serviceaccount", "ServiceAccount", true, List.of("sa"), false, false);
  public static final ResourceType NODES =
      core("nodes", "node", "Node", false, List.of("no"), true, false);
  public static final ResourceType EVENTS =
      core("events", "event", "Event", true, List.of("ev"), false, false);
  public static final ResourceType DEPLOYMENTS =
      of(
          "apps",
          "v1",
          "deployments",
          "deployment",
          "Deployment",
          true,
          List.of("deploy"),
          true,
          true,
          "all");
  public static final ResourceType REPLICASETS =
      of(
          "apps",
          "v1",
          "replicasets",
          "replicaset",
          "ReplicaSet",
          true,
          List.of("rs"),
          true,
          true,
          "all");
  public static final ResourceType STATEFULSETS =
      of(
          "apps",
          "v1",
          "statefulsets",
          "statefulset",
          "StatefulSet",
          true,
          List.of("sts"),
          true,
          true,
          "all");
  public static final ResourceType DAEMONSETS =
      of(
          "apps",
          "v1",
          "daemonsets",
          "daemonset",
          "DaemonSet",
          true,
          List.of("ds"),
          true,
          false,
          "all");
  public static final ResourceType CONTROLLERREVISIONS =
      of(
          "apps",
          "v1",
          "controllerrevisions",
          "controllerrevision",
          "ControllerRevision",
          true,
          List.of(),
          false,
          false);
  public static final ResourceType HPAS =
      of(
          "autoscaling",
          "v2",
          "horizontalpodautoscalers",
          "horizontalpodautoscaler",
          "HorizontalPodAutoscaler",
          true,
          List.of("hpa"),
          true,
          false,
          "all");
  public static final ResourceType PDBS =
      of(
          "policy",
          "v1",
          "poddisruptionbudgets",
          "poddisruptionbudget",
          "PodDisruptionBudget",
          true,
          List.of("pdb"),
          true,
          false);
  public static final ResourceType JOBS =
      of("batch", "v1", "jobs", "job", "Job", true, List.of(), true, false, "all");
  public static final ResourceType CRONJOBS =
      of("batch", "v1", "cronjobs", "cronjob", "CronJob", true, List.of("cj"), true, false, "all");
  public static final ResourceType ROLES = rbac("roles", "role", "Role", true);
  public static final ResourceType ROLEBINDINGS =
      rbac("rolebindings", "rolebinding", "RoleBinding", true);
  public static final ResourceType CLUSTERROLES =
      rbac("clusterroles", "clusterrole", "ClusterRole", false);
  public static final ResourceType CLUSTERROLEBINDINGS =
      rbac("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false);
  public static final ResourceType MUTATING_WEBHOOKS =
      of(
          "admissionregistration.k8s.io",
          "v1",
          "mutatingwebhookconfigurations",
          "mutatingwebhookconfiguration",
          "MutatingWebhookConfiguration",
          false,
          List.of(),
          false,
          false);
  public static final ResourceType VALIDATING_WEBHOOKS =
      of(
          "admissionregistration.k8s.io",
          "v1",
          "validatingwebhookconfigurations",
          "validatingwebhookconfiguration",
          "ValidatingWebhookConfiguration",
          false,
          List.of(),
          false,
          false);
  public static final ResourceType CRDS =
      of(
          "apiextensions.k8s.io",
          "v1",
          "customresourcedefinitions",
          "customresourcedefinition",
          "CustomResourceDefinition",
          false,
          List.of("crd", "crds"),
          true,
          false);
  public static final ResourceType SELF_SUBJECT_ACCESS_REVIEWS =
      of(
          "authorization.k8s.io",
          "v1",
          "selfsubjectaccessreviews",
          "selfsubjectaccessreview",
          "SelfSubjectAccessReview",
          false,
          List.of(),
          false,
          false);

  /** Extra versions served for a built-in resource, stored once (see {@link #storageType}). */
  private static final List<ResourceType> EXTRA_VERSIONS = List.of(HPAS.atVersion("v1"));

  private final List<ResourceType> types = new CopyOnWriteArrayList<>();

  public ResourceRegistry() {
    types.addAll(
        List.of(
            NAMESPACES,
            PODS,
            SERVICES,
            ENDPOINTS,
            CONFIGMAPS,
            SECRETS,
            SERVICEACCOUNTS,
            NODES,
            EVENTS,
            DEPLOYMENTS,
            REPLICASETS,
            STATEFULSETS,
            DAEMONSETS,
            CONTROLLERREVISIONS,
            HPAS,
            PDBS,
            JOBS,
            CRONJOBS,
            ROLES,
            ROLEBINDINGS,
            CLUSTERROLES,
            CLUSTERROLEBINDINGS,
            MUTATING_WEBHOOKS,
            VALIDATING_WEBHOOKS,
            CRDS,
            SELF_SUBJECT_ACCESS_REVIEWS));
    types.addAll(EXTRA_VERSIONS);
  }

  /** Every served (group, version, resource), built-in first, in a stable order. */
  public List<ResourceType> all() {
    return List.copyOf(types);
  }

  public Optional<ResourceType> find(String group, String version, String plural) {
    return types.stream()
        .filter(
            t ->
                t.group().equals(group) && t.version().equals(version) && t.plural().equals(plural))
        .findFirst();
  }

  /** The type of an object from its {@code apiVersion} and {@code kind}. */
  public Optional<ResourceType> forKind(String apiVersion, String kind) {
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    String version =
        apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
    return types.stream()
        .filter(
            t -> t.group().equals(group) && t.version().equals(version) && t.kind().equals(kind))
        .findFirst();
  }

  /**
   * The type objects of this resource are stored under: all versions of one group/resource share
   * one collection, keyed by the first registered version.
   */
  public ResourceType storageType(ResourceType type) {
    return types.stream()
        .filter(t -> t.group().equals(type.group()) && t.plural().equals(type.plural()))
        .findFirst()
        .orElse(type);
  }

  /** Groups with their versions, preferred (first registered) version first. */
  public Map<String, List<String>> groupVersions() {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (ResourceType t : types) {
      List<String> versions = groups.computeIfAbsent(t.group(), g -> new ArrayList<>());
      if (!versions.contains(t.version())) {
        versions.add(t.version());
      }
    }
    return groups;
  }

  public List<ResourceType> inGroupVersion(String group, String version) {
    return types.stream()
        .filter(t -> t.group().equals(group) && t.version().equals(version))
        .toList();
  }

  /** Registers (or re-registers) the served versions of a CustomResourceDefinition. */
  public void registerCrd(ObjectNode crd) {
    unregisterCrd(crd);
    JsonNode spec = crd.path("spec");
    JsonNode names = spec.path("names");
    String group = spec.path("group").asText();
    boolean namespaced = "Namespaced".equals(spec.path("scope").asText("Namespaced"));
    List<String> shortNames = new ArrayList<>();
    names.path("shortNames").forEach(n -> shortNames.add(n.asText()));
    List<String> categories = new ArrayList<>();
    names.path("categories").forEach(n -> categories.add(n.asText()));
    String plural = names.path("plural").asText();
    String singular = names.path("singular").asText(names.path("kind").asText().toLowerCase());
    String kind = names.path("kind").asText();
    for (JsonNode v : spec.path("versions")) {
      if (!v.path("served").asBoolean(true)) {
        continue;
      }
      boolean status = v.path("subresources").has("status");
      boolean scale = v.path("subresources").has("scale");
      types.add(
          new ResourceType(
              group,
              v.path("name").asText(),
              plural,
              singular,
              kind,
              namespaced,
              shortNames,
              status,
              scale,
              categories));
    }
  }

  public void unregisterCrd(ObjectNode crd) {
    String group = crd.path("spec").path("group").asText();
    String plural = crd.path("spec").path("names").path("plural").asText();
    types.removeIf(t -> t.group().equals(group) && t.plural().equals(plural));
  }

  public Collection<ResourceType> builtins() {
    return types.stream()
        .filter(t -> !t.group().contains(".") || t.group().endsWith("k8s.io"))
        .toList();
  }

  private static ResourceType core(
      String plural,
      String singular,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      boolean status,
      boolean scale,
      String... categories) {
    return of("", "v1", plural, singular, kind, namespaced, shortNames, status, scale, categories);
  }

  private static ResourceType rbac(
      String plural, String singular, String kind, boolean namespaced) {
    return of(
        "rbac.authorization.k8s.io",
        "v1",
        plural,
        singular,
        kind,
        namespaced,
        List.of(),
        false,
        false);
  }

  private static ResourceType of(
      String group,
      String version,
      String plural,
      String singular,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      boolean status,
      boolean scale,
      String... categories) {
    return new ResourceType(
        group,
        version,
        plural,
        singular,
        kind,
        namespaced,
        shortNames,
        status,
        scale,
        List.of(categories));
  }
}
