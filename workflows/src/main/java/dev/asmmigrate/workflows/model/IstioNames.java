package dev.asmmigrate.workflows.model;

import java.util.Set;

/**
 * Istio's names, and the few Kubernetes and asm-migrate names the classification of a cluster
 * depends on, written once for the main code of every module (workflows, activities, worker,
 * starter). The sandbox keeps its own copies on purpose: it plays the other side, and a name the
 * product gets wrong must not be corrected by sharing it.
 */
public final class IstioNames {
  private IstioNames() {}

  // --- namespaces --------------------------------------------------------------------------------

  /** The control plane's namespace: the add-on's, the managed revisions' CRs and the gateways. */
  public static final String ISTIO_SYSTEM = "istio-system";

  /** The add-on 1.6 operator's namespace. */
  public static final String ISTIO_OPERATOR = "istio-operator";

  /** asm-migrate's own namespace (its backups). */
  public static final String ASM_MIGRATE_SYSTEM = "asm-migrate-system";

  public static final String KUBE_SYSTEM = "kube-system";
  public static final String KUBE_PUBLIC = "kube-public";
  public static final String KUBE_NODE_LEASE = "kube-node-lease";

  /**
   * Namespaces whose workloads are never migrated, whatever their labels: Kubernetes' own, the
   * control plane's own ({@code istio-system}, {@code istio-operator}) and asm-migrate's own.
   */
  public static final Set<String> NEVER_TOUCHED_NAMESPACES =
      Set.of(
          ISTIO_SYSTEM,
          ISTIO_OPERATOR,
          KUBE_SYSTEM,
          KUBE_PUBLIC,
          KUBE_NODE_LEASE,
          ASM_MIGRATE_SYSTEM);

  // --- labels and annotations --------------------------------------------------------------------

  /** Namespace label selecting the default injector (add-on 1.4, or the {@code default} tag). */
  public static final String INJECTION_LABEL = "istio-injection";

  public static final String INJECTION_ENABLED = "enabled";
  public static final String INJECTION_DISABLED = "disabled";

  /** Namespace (and pod) label selecting a revision's injector. */
  public static final String REV_LABEL = "istio.io/rev";

  /** The add-on 1.6's revision, the value of {@link #REV_LABEL} its namespaces carry. */
  public static final String ADDON_16_REVISION = "istio-1611";

  /** The revision tag that serves {@code istio-injection=enabled} namespaces. */
  public static final String DEFAULT_TAG = "default";

  /** Pod annotation (or label) opting a pod out of injection with {@code "false"}. */
  public static final String INJECT = "sidecar.istio.io/inject";

  /** Pod annotation the injector writes: JSON naming the containers it added and its revision. */
  public static final String STATUS_ANNOTATION = "sidecar.istio.io/status";

  /** Pod template annotation of {@code kubectl rollout restart}. */
  public static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

  // --- containers --------------------------------------------------------------------------------

  /** The sidecar: a container, or an init container (a native sidecar, restartPolicy Always). */
  public static final String PROXY_CONTAINER = "istio-proxy";

  /** The init container that sets up the traffic redirection (it runs no proxy). */
  public static final String INIT_CONTAINER = "istio-init";

  // --- objects -----------------------------------------------------------------------------------

  /** The add-on 1.4's injector ConfigMap, in {@code istio-system}. */
  public static final String INJECTOR_CONFIG_MAP_14 = "istio-sidecar-injector";

  /** The add-on 1.4's injection webhook (a MutatingWebhookConfiguration named as its ConfigMap). */
  public static final String INJECTOR_WEBHOOK_14 = INJECTOR_CONFIG_MAP_14;

  /** The add-on 1.6's injector ConfigMap, in {@code istio-system}. */
  public static final String INJECTOR_CONFIG_MAP_16 = "istio-sidecar-injector-istio-1611";

  /** The MutatingWebhookConfiguration of the {@code default} revision tag. */
  public static final String DEFAULT_TAG_WEBHOOK = "istio-revision-tag-default";

  /** The add-on's ingress gateway Deployment (and its LoadBalancer Service), in istio-system. */
  public static final String INGRESS_GATEWAY = "istio-ingressgateway";

  /** The 1.4 add-on's Pilot Deployment, which configure-mesh-ca restarts. */
  public static final String PILOT_14 = "istio-pilot";

  /** The 1.4 add-on's Citadel Deployment, which configure-mesh-ca restarts. */
  public static final String CITADEL_14 = "istio-citadel";

  /** The 1.6 add-on's istiod Deployment, which configure-mesh-ca restarts. */
  public static final String ISTIOD_16 = "istiod-" + ADDON_16_REVISION;
}
