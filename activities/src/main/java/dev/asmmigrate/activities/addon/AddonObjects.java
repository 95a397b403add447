package dev.asmmigrate.activities.addon;

import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.config.check.MixerDefaults;
import dev.asmmigrate.workflows.model.IstioNames;
import java.util.ArrayList;
import java.util.List;

/**
 * The objects of the Istio on GKE add-on that {@code cleanup} removes: Google's script's
 * CLEANUP_RESOURCES list (with its {@code ServiceAccount/istio-operator.istio-operator} typo read
 * as the intended {@code istio-operator/istio-operator}), the galley webhook, and the 1.6 add-on's
 * istiod, injector, webhook, telemetry filters and operator. Beyond these fixed names, cleanup
 * deletes only proven add-on objects found at run time among those labelled {@code k8s-app=istio}:
 * Mixer defaults by the digest of their spec ({@code MixerDefaults}) and the security post-install
 * Jobs ({@code k8s-app=istio,app=security}, named {@value #POST_INSTALL_JOB_PREFIX}...). It keeps
 * every other labelled object and reports it with {@link #deleteCommand}.
 *
 * <p>Deliberately absent: Service {@code istio-ingressgateway} (the new gateway serves behind it),
 * everything named {@code asm-ingressgateway}, the ControlPlaneRevision and what it brought, the
 * revision tag webhook, the state ConfigMap, the backups, the emptied MutatingWebhookConfiguration
 * {@code istio-sidecar-injector} (as Google's script leaves it), namespaces, CRDs and MeshPolicy.
 */
public final class AddonObjects {
  static final String NS = IstioNames.ISTIO_SYSTEM;
  static final String OPERATOR_NS = IstioNames.ISTIO_OPERATOR;

  private AddonObjects() {}

  /** The fixed list, in deletion order (the operator first, so it cannot recreate istiod). */
  public static List<ObjectKey> fixed() {
    List<ObjectKey> keys = new ArrayList<>();
    add(keys, "install.istio.io/v1alpha1", "IstioOperator", NS, "istio-1-6-11-gke-0");
    add(
        keys,
        "v1",
        "ServiceAccount",
        NS,
        "istio-citadel-service-account",
        "istio-galley-service-account",
        "istio-ingressgateway-service-account",
        "istio-mixer-service-account",
        "istio-multi",
        "istio-pilot-service-account",
        "istio-security-post-install-account",
        "istio-sidecar-injector-service-account",
        "promsd",
        "istiod-service-account");
    add(keys, "v1", "ServiceAccount", OPERATOR_NS, "istio-operator");
    String rbac = "rbac.authorization.k8s.io/v1";
    add(
        keys,
        rbac,
        "ClusterRole",
        null,
        "istio-citadel-istio-system",
        "istio-galley-istio-system",
        "istio-mixer-istio-system",
        "istio-operator",
        "istio-pilot-istio-system",
        "istio-security-post-install-istio-system",
        "istio-sidecar-injector-istio-system",
        "promsd-istio-system",
        "istiod-istio-system");
    add(
        keys,
        rbac,
        "ClusterRoleBinding",
        null,
        "istio-citadel-istio-system",
        "istio-galley-admin-role-binding-istio-system",
        "istio-mixer-admin-role-binding-istio-system",
        "istio-multi",
        "istio-operator",
        "istio-pilot-istio-system",
        "istio-security-post-install-role-binding-istio-system",
        "istio-sidecar-injector-admin-role-binding-istio-system",
        "promsd-istio-system",
        "istiod-pilot-istio-system");
    add(
        keys,
        "v1",
        "ConfigMap",
        NS,
        "istio",
        "istio-galley-configuration",
        "istio-security-custom-resources",
        "istio-sidecar-injector",
        "promsd",
        "promsd-rules",
        "promsd-sidecar",
        "istio-istio-1611",
        "istio-sidecar-injector-istio-1611");
    add(keys, "v1", "Service", OPERATOR_NS, "istio-operator");
    add(
        keys,
        "v1",
        "Service",
        NS,
        "istio-citadel",
        "istio-galley",
        "istio-pilot",
        "istio-policy",
        "istio-sidecar-injector",
        "istio-telemetry",
        "promsd",
        "istiod-istio-1611");
    add(keys, "apps/v1", "Deployment", OPERATOR_NS, "istio-operator");
    add(
        keys,
        "apps/v1",
        "Deployment",
        NS,
        "istio-citadel",
        "istio-galley",
        "istio-ingressgateway",
        "istio-pilot",
        "istio-policy",
        "istio-sidecar-injector",
        "istio-telemetry",
        "promsd",
        "istiod-istio-1611");
    add(
        keys,
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        NS,
        "istio-ingressgateway",
        "istio-pilot",
        "istio-policy",
        "istio-telemetry",
        "istiod-istio-1611");
    String mixer = "config.istio.io/v1alpha2";
    add(keys, mixer, "attributemanifest", NS, "istioproxy", "kubernetes");
    add(keys, mixer, "handler", NS, "kubernetesenv", "stackdriver-mixer");
    add(keys, mixer, "instance", NS, "attributes", "mixer-request-count", "mixer-request-latency");
    add(
        keys,
        mixer,
        "rule",
        NS,
        "stackdriver-mixer",
        "kubeattrgenrulerule",
        "tcpkubeattrgenrulerule");
    String networking = "networking.istio.io/v1alpha3";
    add(keys, networking, "DestinationRule", NS, "istio-policy", "istio-telemetry");
    add(
        keys,
        networking,
        "EnvoyFilter",
        NS,
        "metadata-exchange-1.6-istio-1611",
        "stackdriver-filter-1.6-istio-1611");
    String admission = "admissionregistration.k8s.io/v1";
    add(keys, admission, "ValidatingWebhookConfiguration", null, "istio-galley");
    add(keys, admission, "MutatingWebhookConfiguration", null, "istio-sidecar-injector-istio-1611");
    add(keys, "v1", "Secret", NS, "cacerts", "istio-ca-secret");
    return keys;
  }

  private static void add(
      List<ObjectKey> keys, String apiVersion, String kind, String namespace, String... names) {
    for (String name : names) {
      keys.add(new ObjectKey(apiVersion, kind, namespace, name));
    }
  }

  /** The Mixer kinds whose add-on objects ({@code k8s-app=istio}) cleanup looks at. */
  public static final List<String> MIXER_KINDS = MixerDefaults.KINDS;

  /** The name of the add-on's security post-install Jobs, before the add-on version. */
  public static final String POST_INSTALL_JOB_PREFIX = "istio-security-post-install-";

  /**
   * The {@code kubectl delete} of exactly that object: resource as {@code kind.version.group} (the
   * fully qualified form kubectl resolves without ambiguity; the kind alone for the core group),
   * name, and namespace when it has one.
   */
  public static String deleteCommand(ObjectKey key) {
    String apiVersion = key.apiVersion();
    int slash = apiVersion.indexOf('/');
    String resource =
        slash < 0
            ? key.kind().toLowerCase(java.util.Locale.ROOT)
            : key.kind().toLowerCase(java.util.Locale.ROOT)
                + "."
                + apiVersion.substring(slash + 1)
                + "."
                + apiVersion.substring(0, slash);
    return "kubectl delete "
        + resource
        + " "
        + key.name()
        + (key.namespace() == null ? "" : " -n " + key.namespace());
  }

  /** Objects cleanup never touches, whatever a label says (checked before every deletion). */
  public static boolean protectedObject(ObjectKey key) {
    String name = key.name();
    if (name.startsWith("asm-ingressgateway") || name.startsWith("istio-revision-tag")) {
      return true;
    }
    if ("Service".equals(key.kind()) && "istio-ingressgateway".equals(name)) {
      return true;
    }
    if ("ControlPlaneRevision".equals(key.kind())) {
      return true;
    }
    if (IstioNames.ASM_MIGRATE_SYSTEM.equals(key.namespace())) {
      return true;
    }
    return "ConfigMap".equals(key.kind()) && "asm-addon-migration-state".equals(name);
  }
}
