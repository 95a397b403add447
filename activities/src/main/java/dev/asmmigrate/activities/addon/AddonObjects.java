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
    keys.add(new ObjectKey("install.istio.io/v1alpha1", "IstioOperator", NS, "istio-1-6-11-gke-0"));
    for (String sa :
        List.of(
            "istio-citadel-service-account",
            "istio-galley-service-account",
            "istio-ingressgateway-service-account",
            "istio-mixer-service-account",
            "istio-multi",
            "istio-pilot-service-account",
            "istio-security-post-install-account",
            "istio-sidecar-injector-service-account",
            "promsd",
            "istiod-service-account")) {
      keys.add(new ObjectKey("v1", "ServiceAccount", NS, sa));
    }
    keys.add(new ObjectKey("v1", "ServiceAccount", OPERATOR_NS, "istio-operator"));
    String rbac = "rbac.authorization.k8s.io/v1";
    for (String cr :
        List.of(
            "istio-citadel-istio-system",
            "istio-galley-istio-system",
            "istio-mixer-istio-system",
            "istio-operator",
            "istio-pilot-istio-system",
            "istio-security-post-install-istio-system",
            "istio-sidecar-injector-istio-system",
            "promsd-istio-system",
            "istiod-istio-system")) {
      keys.add(new ObjectKey(rbac, "ClusterRole", null, cr));
    }
    for (String crb :
        List.of(
            "istio-citadel-istio-system",
            "istio-galley-admin-role-binding-istio-system",
            "istio-mixer-admin-role-binding-istio-system",
            "istio-multi",
            "istio-operator",
            "istio-pilot-istio-system",
            "istio-security-post-install-role-binding-istio-system",
            "istio-sidecar-injector-admin-role-binding-istio-system",
            "promsd-istio-system",
            "istiod-pilot-istio-system")) {
      keys.add(new ObjectKey(rbac, "ClusterRoleBinding", null, crb));
    }
    for (String cm :
        List.of(
            "istio",
            "istio-galley-configuration",
            "istio-security-custom-resources",
            "istio-sidecar-injector",
            "promsd",
            "promsd-rules",
            "promsd-sidecar",
            "istio-istio-1611",
            "istio-sidecar-injector-istio-1611")) {
      keys.add(new ObjectKey("v1", "ConfigMap", NS, cm));
    }
    keys.add(new ObjectKey("v1", "Service", OPERATOR_NS, "istio-operator"));
    for (String svc :
        List.of(
            "istio-citadel",
            "istio-galley",
            "istio-pilot",
            "istio-policy",
            "istio-sidecar-injector",
            "istio-telemetry",
            "promsd",
            "istiod-istio-1611")) {
      keys.add(new ObjectKey("v1", "Service", NS, svc));
    }
    keys.add(new ObjectKey("apps/v1", "Deployment", OPERATOR_NS, "istio-operator"));
    for (String d :
        List.of(
            "istio-citadel",
            "istio-galley",
            "istio-ingressgateway",
            "istio-pilot",
            "istio-policy",
            "istio-sidecar-injector",
            "istio-telemetry",
            "promsd",
            "istiod-istio-1611")) {
      keys.add(new ObjectKey("apps/v1", "Deployment", NS, d));
    }
    for (String hpa :
        List.of(
            "istio-ingressgateway",
            "istio-pilot",
            "istio-policy",
            "istio-telemetry",
            "istiod-istio-1611")) {
      keys.add(new ObjectKey("autoscaling/v2", "HorizontalPodAutoscaler", NS, hpa));
    }
    String mixer = "config.istio.io/v1alpha2";
    keys.add(new ObjectKey(mixer, "attributemanifest", NS, "istioproxy"));
    keys.add(new ObjectKey(mixer, "attributemanifest", NS, "kubernetes"));
    keys.add(new ObjectKey(mixer, "handler", NS, "kubernetesenv"));
    keys.add(new ObjectKey(mixer, "handler", NS, "stackdriver-mixer"));
    keys.add(new ObjectKey(mixer, "instance", NS, "attributes"));
    keys.add(new ObjectKey(mixer, "instance", NS, "mixer-request-count"));
    keys.add(new ObjectKey(mixer, "instance", NS, "mixer-request-latency"));
    keys.add(new ObjectKey(mixer, "rule", NS, "stackdriver-mixer"));
    keys.add(new ObjectKey(mixer, "rule", NS, "kubeattrgenrulerule"));
    keys.add(new ObjectKey(mixer, "rule", NS, "tcpkubeattrgenrulerule"));
    String networking = "networking.istio.io/v1alpha3";
    keys.add(new ObjectKey(networking, "DestinationRule", NS, "istio-policy"));
    keys.add(new ObjectKey(networking, "DestinationRule", NS, "istio-telemetry"));
    keys.add(new ObjectKey(networking, "EnvoyFilter", NS, "metadata-exchange-1.6-istio-1611"));
    keys.add(new ObjectKey(networking, "EnvoyFilter", NS, "stackdriver-filter-1.6-istio-1611"));
    String admission = "admissionregistration.k8s.io/v1";
    keys.add(new ObjectKey(admission, "ValidatingWebhookConfiguration", null, "istio-galley"));
    keys.add(
        new ObjectKey(
            admission, "MutatingWebhookConfiguration", null, "istio-sidecar-injector-istio-1611"));
    keys.add(new ObjectKey("v1", "Secret", NS, "cacerts"));
    keys.add(new ObjectKey("v1", "Secret", NS, "istio-ca-secret"));
    return keys;
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
