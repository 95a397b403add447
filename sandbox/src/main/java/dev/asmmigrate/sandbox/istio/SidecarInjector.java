package dev.asmmigrate.sandbox.istio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.api.AdmissionPlugin;
import dev.asmmigrate.sandbox.api.AdmissionRequest;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.BuiltinAdmission;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.Selectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Istio's sidecar injection webhooks, as the API server calls them at pod creation: every
 * MutatingWebhookConfiguration in the store whose webhook covers pods CREATE and whose namespace
 * and object selectors match is called, in order. A webhook whose backend is down fails the request
 * (failurePolicy {@code Fail}, the default) or is skipped ({@code Ignore}); a webhook that answers
 * decides as its control plane's injector does (annotation, policy, selectors); two that both
 * inject fail the creation, as Istio's overlapping injection webhooks do (istio #43932).
 *
 * <p>Webhooks that are not Istio injectors are not simulated and are skipped.
 */
final class SidecarInjector implements AdmissionPlugin {
  static final String INJECT = "sidecar.istio.io/inject";
  private static final Set<String> IGNORED_NAMESPACES = Set.of("kube-system", "kube-public");

  private final SandboxContext ctx;
  private final BooleanSupplier running;
  private final BuiltinAdmission defaulting = new BuiltinAdmission();
  private final WebhookTls tls;

  /**
   * @param running whether the simulation runs: while fixtures load, no control plane runs yet, and
   *     webhooks are not failed for want of a backend
   */
  SidecarInjector(SandboxContext ctx, BooleanSupplier running, WebhookTls tls) {
    this.ctx = ctx;
    this.running = running;
    this.tls = tls;
  }

  /** A webhook that matched the pod. */
  private record Match(String configuration, JsonNode webhook, ControlPlane plane) {
    String name() {
      return webhook.path("name").asText();
    }
  }

  @Override
  public void admit(AdmissionRequest r) {
    if (r.operation() != AdmissionRequest.Operation.CREATE
        || !r.type().equals(ResourceRegistry.PODS)) {
      return;
    }
    ObjectStore store = r.store();
    ObjectNode pod = r.object();
    if (pod.path("metadata").path("annotations").has(InjectionTemplates.STATUS_ANNOTATION)) {
      return; // already injected (e.g. a pod restored from a snapshot): never inject twice
    }
    String ns = r.namespace();
    String podName = pod.path("metadata").path("name").asText();
    Map<String, String> nsLabels =
        store.get(ResourceRegistry.NAMESPACES, null, ns).map(Selectors::labels).orElse(Map.of());
    Map<String, String> podLabels = Selectors.labels(pod);

    List<Match> answering = new ArrayList<>();
    for (ObjectNode mwc : store.list(ResourceRegistry.MUTATING_WEBHOOKS, null)) {
      String configuration = mwc.path("metadata").path("name").asText();
      for (JsonNode webhook : mwc.path("webhooks")) {
        if (!coversPodCreate(webhook)
            || !Selectors.matches(webhook.get("namespaceSelector"), nsLabels)
            || !Selectors.matches(webhook.get("objectSelector"), podLabels)) {
          continue;
        }
        var plane = ControlPlane.ofWebhook(webhook);
        if (plane.isEmpty()) {
          continue;
        }
        Match m = new Match(configuration, webhook, plane.get());
        String down = running.getAsBoolean() ? callFailure(store, m) : null;
        if (down != null) {
          if ("Ignore".equals(webhook.path("failurePolicy").asText("Fail"))) {
            continue;
          }
          throw new ApiException(
              500,
              "InternalError",
              "Internal error occurred: failed calling webhook \"" + m.name() + "\": " + down);
        }
        answering.add(m);
      }
    }

    List<Match> injecting = new ArrayList<>();
    for (Match m : answering) {
      if (injectRequired(store, m.plane(), pod, ns)) {
        injecting.add(m);
      }
    }
    if (injecting.isEmpty()) {
      return;
    }
    if (injecting.size() > 1) {
      Match a = injecting.get(0);
      Match b = injecting.get(1);
      throw ApiException.invalid(
          ResourceRegistry.PODS,
          podName,
          "spec.containers: Duplicate value: \"istio-proxy\": overlapping sidecar injection"
              + " webhooks: \""
              + a.name()
              + "\" of MutatingWebhookConfiguration "
              + a.configuration()
              + " (revision "
              + a.plane().revision()
              + ") and \""
              + b.name()
              + "\" of MutatingWebhookConfiguration "
              + b.configuration()
              + " (revision "
              + b.plane().revision()
              + ") both injected this pod");
    }
    Match m = injecting.get(0);
    String image = m.plane().proxyImage(store);
    boolean gatewayTemplate =
        m.plane().kind() == ControlPlane.Kind.MANAGED
            && "gateway"
                .equals(
                    pod.path("metadata")
                        .path("annotations")
                        .path(InjectionTemplates.TEMPLATES_ANNOTATION)
                        .asText(""));
    var values =
        new InjectionTemplates.Values(m.plane(), image, m.plane().jwtPolicy(store), ctx.settings());
    if (gatewayTemplate) {
      InjectionTemplates.injectGateway(pod, values);
    } else {
      InjectionTemplates.injectSidecar(pod, values);
    }
    // the API server defaults and validates what a mutating webhook returned, as it does here
    defaulting.admit(r);
  }

  static boolean coversPodCreate(JsonNode webhook) {
    for (JsonNode rule : webhook.path("rules")) {
      String scope = rule.path("scope").asText("*");
      if ((scope.equals("*") || scope.equals("Namespaced"))
          && has(rule.path("apiGroups"), "")
          && has(rule.path("apiVersions"), "v1")
          && has(rule.path("operations"), "CREATE")
          && (has(rule.path("resources"), "pods") || has(rule.path("resources"), "*/*"))) {
        return true;
      }
    }
    return false;
  }

  private static boolean has(JsonNode list, String value) {
    for (JsonNode v : list) {
      if (v.asText().equals(value) || v.asText().equals("*")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Why the API server's call of the webhook fails, or null when the backend answers: no backend
   * (no available replicas, a managed revision not provisioned), then the TLS handshake ({@link
   * WebhookTls}: the caBundle must hold the backend's CA).
   */
  private String callFailure(ObjectStore store, Match m) {
    String down = backendDown(store, m);
    if (down != null) {
      return down;
    }
    String tls = this.tls.handshakeFailure(m.webhook());
    return tls == null ? null : "failed to call webhook: " + target(m.webhook()) + ": " + tls;
  }

  /** {@code Post "https://..."} as the API server's error names the call. */
  private static String target(JsonNode webhook) {
    JsonNode client = webhook.path("clientConfig");
    JsonNode service = client.path("service");
    if (!service.isObject()) {
      return "Post \"" + client.path("url").asText("") + "?timeout=10s\"";
    }
    return "Post \"https://"
        + service.path("name").asText()
        + "."
        + service.path("namespace").asText(ControlPlane.SYSTEM_NAMESPACE)
        + ".svc:"
        + service.path("port").asInt(443)
        + service.path("path").asText("/inject")
        + "?timeout="
        + webhook.path("timeoutSeconds").asInt(10)
        + "s\"";
  }

  /** Why the webhook's backend does not answer, or null when it does. */
  private String backendDown(ObjectStore store, Match m) {
    JsonNode service = m.webhook().path("clientConfig").path("service");
    String unavailable =
        target(m.webhook())
            + (service.isObject()
                ? ": no endpoints available for service \"" + service.path("name").asText() + "\""
                : ": context deadline exceeded");
    if (ctx.faults().injectionWebhookUnavailable) {
      return unavailable;
    }
    ControlPlane plane = m.plane();
    return switch (plane.kind()) {
      case ADDON_14, ADDON_16 -> {
        String deployment =
            service.isObject()
                ? service.path("name").asText()
                : plane.kind() == ControlPlane.Kind.ADDON_14
                    ? ControlPlane.ADDON_14_INJECTOR
                    : ControlPlane.ADDON_16_ISTIOD;
        String deploymentNs = service.path("namespace").asText(ControlPlane.SYSTEM_NAMESPACE);
        yield ClusterState.deploymentAvailable(store, deploymentNs, deployment)
            ? null
            : unavailable;
      }
      case MANAGED ->
          ClusterState.controlPlaneRevisionReady(store, plane.revision()) ? null : unavailable;
      case UNKNOWN -> unavailable;
    };
  }

  /** Whether the control plane's injector injects this pod, as {@code injectRequired} decides. */
  private static boolean injectRequired(
      ObjectStore store, ControlPlane plane, ObjectNode pod, String ns) {
    JsonNode meta = pod.path("metadata");
    if (pod.path("spec").path("hostNetwork").asBoolean(false) || IGNORED_NAMESPACES.contains(ns)) {
      return false;
    }
    String value = meta.path("annotations").path(INJECT).asText("");
    if (plane.kind() == ControlPlane.Kind.MANAGED && meta.path("labels").has(INJECT)) {
      value = meta.path("labels").path(INJECT).asText(""); // the label wins since Istio 1.10
    }
    boolean useDefault = false;
    boolean inject = false;
    switch (value.toLowerCase(Locale.ROOT)) {
      case "y", "yes", "true", "on" -> inject = true;
      case "" -> useDefault = true;
      default -> {}
    }
    InjectorConfig config = InjectorConfig.of(store, plane);
    Map<String, String> labels = Selectors.labels(pod);
    if (useDefault) {
      for (JsonNode never : config.neverInjectSelector()) {
        if (Selectors.matches(never, labels)) {
          inject = false;
          useDefault = false;
          break;
        }
      }
    }
    if (useDefault) {
      for (JsonNode always : config.alwaysInjectSelector()) {
        if (Selectors.matches(always, labels)) {
          inject = true;
          useDefault = false;
          break;
        }
      }
    }
    return switch (config.policy()) {
      case "enabled" -> useDefault || inject;
      case "disabled" -> !useDefault && inject;
      default -> false; // Istio logs "Illegal value for autoInject" and injects nothing
    };
  }

  /** The injector's {@code config}: policy and selectors (managed planes: enabled, none). */
  record InjectorConfig(
      String policy, List<JsonNode> neverInjectSelector, List<JsonNode> alwaysInjectSelector) {
    static InjectorConfig of(ObjectStore store, ControlPlane plane) {
      String cm = plane.injectorConfigMap();
      InjectorConfig fallback = new InjectorConfig("enabled", List.of(), List.of());
      if (cm == null) {
        return fallback;
      }
      String text =
          store
              .get(ResourceRegistry.CONFIGMAPS, ControlPlane.SYSTEM_NAMESPACE, cm)
              .map(o -> o.path("data").path("config").asText(""))
              .orElse("");
      if (text.isBlank()) {
        return fallback;
      }
      JsonNode config;
      try {
        config = Json.YAML.readTree(text);
      } catch (java.io.IOException e) {
        return fallback;
      }
      if (config == null || !config.isObject()) {
        return fallback;
      }
      List<JsonNode> never = new ArrayList<>();
      config.path("neverInjectSelector").forEach(never::add);
      List<JsonNode> always = new ArrayList<>();
      config.path("alwaysInjectSelector").forEach(always::add);
      return new InjectorConfig(config.path("policy").asText("enabled"), never, always);
    }
  }
}
