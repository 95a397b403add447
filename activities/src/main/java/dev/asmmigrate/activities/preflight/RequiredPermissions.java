package dev.asmmigrate.activities.preflight;

import dev.asmmigrate.activities.addon.AddonObjects;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.workflows.model.IstioNames;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every Kubernetes permission the migration's activities use, in one place: (verb, API group,
 * resource), cluster-wide, or only on named objects (RBAC {@code resourceNames}, for the fixed
 * objects the migration touches), or only in one namespace. Pre-flight checks each with a
 * SelfSubjectAccessReview so that a missing one fails the migration before it changes anything.
 *
 * <p>{@code deploy/rbac.yaml} grants exactly these to the in-cluster worker, and {@code
 * RequiredPermissionsTest} keeps the three in step: it runs a whole migration and a whole rollback
 * on a sandboxed add-on 1.6 cluster (which carries the 1.4 add-on too), checks that every request
 * the activities made is granted by deploy/, that every grant was used but for the exceptions
 * justified there and in deploy/rbac.yaml, and that this list equals what deploy/ grants.
 */
public final class RequiredPermissions {

  /**
   * One permission: a verb on a resource of an API group ("" for core), optionally only in one
   * namespace and only on one object (RBAC {@code resourceNames}); null means any.
   */
  public record Permission(
      String verb, String group, String resource, String namespace, String name) {
    public Permission(String verb, String group, String resource) {
      this(verb, group, resource, null, null);
    }

    @Override
    public String toString() {
      return verb
          + " "
          + (group.isEmpty() ? "" : group + "/")
          + resource
          + (name == null ? "" : " " + name)
          + (namespace == null ? "" : " in " + namespace);
    }
  }

  private static final Set<Permission> ALL = new LinkedHashSet<>();

  /** The managed control plane's revisions, one per release channel. */
  private static final List<String> REVISIONS =
      List.of("asm-managed", "asm-managed-rapid", "asm-managed-stable");

  static {
    String core = "";
    String apps = "apps";
    String rbac = "rbac.authorization.k8s.io";
    String admission = "admissionregistration.k8s.io";
    String istioSystem = IstioNames.ISTIO_SYSTEM;
    String backups = IstioNames.ASM_MIGRATE_SYSTEM;

    // namespaces: pre-flight and verification read them, the workload step relabels them, and the
    // backup store creates its own when it is missing
    add(core, "namespaces", "get", "list", "patch", "create");
    add(core, "pods", "list", "watch");
    add(core, "configmaps", "get", "list", "create", "update", "delete");
    // Secrets: every namespace's istio.default is read in one list (root distribution); only the
    // CA secrets and the Mesh CA root are read, changed or deleted; new ones only in istio-system
    // (meshca-root) and in the backup namespace (Secret backups, read back by name)
    add(core, "secrets", "list");
    named(core, "secrets", List.of("istio-ca-secret", "cacerts", "meshca-root"), "get", "delete");
    named(core, "secrets", List.of("istio-ca-secret"), "update");
    in(istioSystem, core, "secrets", "create");
    in(backups, core, "secrets", "get", "create");
    add(core, "services", "get", "list", "delete");
    add(core, "serviceaccounts", "get", "create", "delete");
    add(core, "endpoints", "get");
    add(apps, "deployments", "get", "list", "watch", "create", "update", "patch", "delete");
    add(apps, "replicasets", "list", "watch");
    add(apps, "statefulsets", "list", "watch", "patch");
    add(apps, "daemonsets", "list", "watch", "patch");
    add(apps, "controllerrevisions", "list", "watch");
    add("autoscaling", "horizontalpodautoscalers", "get", "delete");
    named(
        "autoscaling",
        "horizontalpodautoscalers",
        List.of("istio-ingressgateway"),
        "update",
        "patch");
    add("policy", "poddisruptionbudgets", "list");
    add("batch", "jobs", "get", "list", "delete");
    // the add-on's cluster-wide RBAC: only its own objects, by name
    named(rbac, "clusterroles", addonObjects("ClusterRole"), "get", "delete");
    named(rbac, "clusterroles", List.of("istio-galley-istio-system"), "update", "patch");
    named(rbac, "clusterrolebindings", addonObjects("ClusterRoleBinding"), "get", "delete");
    add(rbac, "roles", "get", "create", "update", "delete");
    add(rbac, "rolebindings", "get", "create", "update", "delete");
    // webhooks: the add-on's, the revision's and the default tag, by name; creation cannot be
    // limited by name (the tag, and restoring a deleted webhook from its backup)
    List<String> revisionWebhooks = REVISIONS.stream().map(r -> "istiod-" + r).toList();
    List<String> mutating = new ArrayList<>();
    mutating.addAll(
        List.of(
            "istio-sidecar-injector",
            "istio-sidecar-injector-istio-1611",
            IstioNames.DEFAULT_TAG_WEBHOOK));
    mutating.addAll(revisionWebhooks);
    add(admission, "mutatingwebhookconfigurations", "create");
    named(admission, "mutatingwebhookconfigurations", mutating, "get");
    named(admission, "mutatingwebhookconfigurations", List.of("istio-sidecar-injector"), "update");
    named(
        admission,
        "mutatingwebhookconfigurations",
        List.of("istio-sidecar-injector-istio-1611", IstioNames.DEFAULT_TAG_WEBHOOK),
        "delete");
    add(admission, "validatingwebhookconfigurations", "create");
    named(admission, "validatingwebhookconfigurations", List.of("istio-galley"), "get", "delete");
    // the managed control plane
    add("mesh.cloud.google.com", "controlplanerevisions", "create");
    named("mesh.cloud.google.com", "controlplanerevisions", REVISIONS, "get", "patch", "delete");
    // Istio configuration: config-check reads, migrate-configs writes v1beta1 security objects
    add("networking.istio.io", "envoyfilters", "get", "list", "create", "delete");
    add("networking.istio.io", "virtualservices", "list");
    add("networking.istio.io", "destinationrules", "get", "delete");
    add("authentication.istio.io", "policies", "list");
    add("authentication.istio.io", "meshpolicies", "list");
    add("rbac.istio.io", "rbacconfigs", "list");
    add("rbac.istio.io", "clusterrbacconfigs", "list");
    add("rbac.istio.io", "serviceroles", "list");
    add("rbac.istio.io", "servicerolebindings", "list");
    add("security.istio.io", "peerauthentications", "get", "create", "delete");
    add("security.istio.io", "requestauthentications", "get", "create", "delete");
    add("security.istio.io", "authorizationpolicies", "get", "create", "delete");
    add("config.istio.io", "handlers", "get", "list", "delete");
    add("config.istio.io", "rules", "get", "list", "delete");
    add("config.istio.io", "instances", "get", "list", "delete");
    add("config.istio.io", "attributemanifests", "get", "list", "delete");
    named(
        "install.istio.io",
        "istiooperators",
        List.of("istio-1-6-11-gke-0"),
        "get",
        "patch",
        "update",
        "delete");
  }

  /** The names of the add-on's objects of a kind that cleanup deletes (a fixed list). */
  private static List<String> addonObjects(String kind) {
    return AddonObjects.fixed().stream()
        .filter(k -> k.kind().equals(kind))
        .map(ObjectKey::name)
        .toList();
  }

  private RequiredPermissions() {}

  private static void add(String group, String resource, String... verbs) {
    for (String verb : verbs) {
      ALL.add(new Permission(verb, group, resource));
    }
  }

  private static void named(String group, String resource, List<String> names, String... verbs) {
    for (String verb : verbs) {
      for (String name : names) {
        ALL.add(new Permission(verb, group, resource, null, name));
      }
    }
  }

  private static void in(String namespace, String group, String resource, String... verbs) {
    for (String verb : verbs) {
      ALL.add(new Permission(verb, group, resource, namespace, null));
    }
  }

  /** Every permission, in a stable order. */
  public static List<Permission> all() {
    return Collections.unmodifiableList(new ArrayList<>(ALL));
  }
}
