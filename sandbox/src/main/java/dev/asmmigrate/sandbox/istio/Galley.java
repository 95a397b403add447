package dev.asmmigrate.sandbox.istio;

import dev.asmmigrate.sandbox.SandboxContext;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The add-on 1.4's Galley, as far as the migration meets it: it owns ValidatingWebhookConfiguration
 * {@code istio-galley} and, while it runs and its ClusterRole {@code istio-galley-istio-system}
 * still lets it write {@code validatingwebhookconfigurations}, puts the webhook back shortly after
 * anyone deletes it (as it was when Galley first saw it). Narrowing that rule to {@code get}, as
 * the migration does, is what keeps the webhook deleted.
 */
final class Galley extends SimulatedComponent {
  static final String DEPLOYMENT = "istio-galley";
  static final String WEBHOOK = "istio-galley";
  static final String CLUSTER_ROLE = "istio-galley-istio-system";
  static final Duration RECREATE_AFTER = Duration.ofMillis(500);

  private SharedIndexInformer<Deployment> deployments;
  private volatile SharedIndexInformer<ClusterRole> clusterRoles;
  private SharedIndexInformer<ValidatingWebhookConfiguration> webhooks;
  private volatile ValidatingWebhookConfiguration template;
  private Instant missingSince;

  Galley(SandboxContext ctx) {
    super(ctx, "galley");
  }

  @Override
  protected void setUp() {
    deployments = watch(client.apps().deployments().inNamespace(ControlPlane.SYSTEM_NAMESPACE));
    clusterRoles = watch(client.rbac().clusterRoles().withField("metadata.name", CLUSTER_ROLE));
    webhooks =
        watch(
            client
                .admissionRegistration()
                .v1()
                .validatingWebhookConfigurations()
                .withField("metadata.name", WEBHOOK));
  }

  @Override
  protected void reconcile() {
    ValidatingWebhookConfiguration current = webhooks.getStore().getByKey(WEBHOOK);
    if (current != null) {
      if (template == null) {
        template = copyOf(current);
      }
      missingSince = null;
      return;
    }
    Deployment galley = deployments.getStore().getByKey(Citadel.key(DEPLOYMENT));
    if (template == null
        || galley == null
        || !Citadel.available(galley)
        || !mayWriteWebhooks(clusterRoles.getStore().getByKey(CLUSTER_ROLE))) {
      missingSince = null;
      return;
    }
    Instant now = now();
    if (missingSince == null) {
      missingSince = now;
    }
    Instant due = missingSince.plus(RECREATE_AFTER);
    if (now.isBefore(due)) {
      triggerAt(due);
      return;
    }
    try {
      client
          .admissionRegistration()
          .v1()
          .validatingWebhookConfigurations()
          .resource(copyOf(template))
          .create();
      log.debug("galley: re-created ValidatingWebhookConfiguration {}", WEBHOOK);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    missingSince = null;
  }

  /** Whether Galley has seen its webhook, so that it can put it back (for tests). */
  boolean knowsWebhook() {
    return template != null;
  }

  /** Whether Galley's current view of its ClusterRole lets it write webhooks (for tests). */
  boolean seesWritePermission() {
    SharedIndexInformer<ClusterRole> roles = clusterRoles;
    return roles != null && mayWriteWebhooks(roles.getStore().getByKey(CLUSTER_ROLE));
  }

  /** Whether a rule lets Galley create or update validating webhook configurations. */
  static boolean mayWriteWebhooks(ClusterRole role) {
    if (role == null || role.getRules() == null) {
      return false;
    }
    for (PolicyRule rule : role.getRules()) {
      boolean group = anyOf(rule.getApiGroups(), "admissionregistration.k8s.io", "*");
      boolean resource = anyOf(rule.getResources(), "validatingwebhookconfigurations", "*");
      boolean verb = anyOf(rule.getVerbs(), "*", "create", "update");
      if (group && resource && verb) {
        return true;
      }
    }
    return false;
  }

  private static boolean anyOf(List<String> values, String... wanted) {
    if (values == null) {
      return false;
    }
    for (String w : wanted) {
      if (values.contains(w)) {
        return true;
      }
    }
    return false;
  }

  /** The configuration without what the API server set (uid, versions, timestamps). */
  private static ValidatingWebhookConfiguration copyOf(ValidatingWebhookConfiguration vwc) {
    ObjectMeta meta = vwc.getMetadata();
    return new ValidatingWebhookConfigurationBuilder(vwc)
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(meta.getName())
                .withLabels(meta.getLabels())
                .withAnnotations(meta.getAnnotations())
                .build())
        .build();
  }
}
