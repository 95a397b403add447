package dev.asmmigrate.activities.preflight;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every Kubernetes permission the migration's activities use, in one place: (verb, API group,
 * resource) for each API call they make, cluster-wide. Pre-flight checks each with a
 * SelfSubjectAccessReview so that a missing one fails the migration before it changes anything.
 *
 * <p>Kept in step with the activities by {@code RequiredPermissionsTest}, which runs the whole
 * migration (rolled back once, then to the end) on a sandboxed add-on 1.4 cluster and checks that
 * every request the activities made is on this list. Entries only the 1.6 path, StatefulSet and
 * DaemonSet restarts or authentication policy conversion use come from reading the activities.
 */
public final class RequiredPermissions {
  /** One permission: a verb on a resource of an API group ("" for core). */
  public record Permission(String verb, String group, String resource) {
    @Override
    public String toString() {
      return verb + " " + (group.isEmpty() ? "" : group + "/") + resource;
    }
  }

  private static final Set<Permission> ALL = new LinkedHashSet<>();

  static {
    String core = "";
    String apps = "apps";
    String rbac = "rbac.authorization.k8s.io";
    String admission = "admissionregistration.k8s.io";

    // read everywhere: pre-flight, config-check, verification, snapshots
    add(core, "namespaces", "get", "list", "watch", "patch", "update", "create");
    add(core, "pods", "get", "list", "watch");
    add(core, "configmaps", "get", "list", "create", "update", "patch", "delete");
    add(core, "secrets", "get", "list", "create", "update", "patch", "delete");
    add(core, "services", "get", "list", "delete");
    add(core, "serviceaccounts", "get", "list", "create", "delete");
    add(core, "endpoints", "get");
    add(apps, "deployments", "get", "list", "watch", "create", "update", "patch", "delete");
    add(apps, "replicasets", "get", "list", "watch");
    add(apps, "statefulsets", "get", "list", "watch", "patch");
    add(apps, "daemonsets", "get", "list", "watch", "patch");
    add(apps, "controllerrevisions", "list", "watch");
    add("autoscaling", "horizontalpodautoscalers", "get", "list", "update", "patch", "delete");
    add("policy", "poddisruptionbudgets", "list");
    add("batch", "jobs", "get", "list", "delete");
    add(rbac, "clusterroles", "get", "list", "update", "patch", "delete");
    add(rbac, "clusterrolebindings", "get", "list", "delete");
    add(rbac, "roles", "get", "create", "update", "delete");
    add(rbac, "rolebindings", "get", "create", "update", "delete");
    add(admission, "mutatingwebhookconfigurations", "get", "list", "create", "update", "delete");
    add(admission, "validatingwebhookconfigurations", "get", "list", "create", "delete");
    // the managed control plane
    add("mesh.cloud.google.com", "controlplanerevisions", "get", "create", "patch", "delete");
    // Istio configuration: config-check reads, migrate-configs writes v1beta1 security objects
    add("networking.istio.io", "envoyfilters", "get", "list", "create", "delete");
    add("networking.istio.io", "virtualservices", "list");
    add("networking.istio.io", "gateways", "list");
    add("networking.istio.io", "destinationrules", "get", "list", "delete");
    add("authentication.istio.io", "policies", "list");
    add("authentication.istio.io", "meshpolicies", "list");
    add("rbac.istio.io", "rbacconfigs", "list");
    add("rbac.istio.io", "clusterrbacconfigs", "list");
    add("rbac.istio.io", "serviceroles", "list");
    add("rbac.istio.io", "servicerolebindings", "list");
    add("security.istio.io", "peerauthentications", "get", "list", "create", "delete");
    add("security.istio.io", "requestauthentications", "get", "list", "create", "delete");
    add("security.istio.io", "authorizationpolicies", "get", "list", "create", "delete");
    add("config.istio.io", "handlers", "get", "list", "delete");
    add("config.istio.io", "rules", "get", "list", "delete");
    add("config.istio.io", "instances", "get", "list", "delete");
    add("config.istio.io", "attributemanifests", "get", "list", "delete");
    add("install.istio.io", "istiooperators", "get", "patch", "update", "delete");
  }

  private RequiredPermissions() {}

  private static void add(String group, String resource, String... verbs) {
    for (String verb : verbs) {
      ALL.add(new Permission(verb, group, resource));
    }
  }

  /** Every permission, in a stable order. */
  public static List<Permission> all() {
    return Collections.unmodifiableList(new ArrayList<>(ALL));
  }
}
