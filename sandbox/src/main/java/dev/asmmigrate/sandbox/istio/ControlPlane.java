package dev.asmmigrate.sandbox.istio;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A control plane an injection webhook can belong to: the add-on's 1.4 injector, the add-on's 1.6
 * istiod ({@code istio-1611}), a managed Anthos Service Mesh revision, or a revision the sandbox
 * does not simulate (its webhook has no backend).
 *
 * @param kind which control plane
 * @param revision {@code default} for 1.4, {@code istio-1611}, {@code asm-managed[-rapid|-stable]},
 *     or the unknown revision
 */
public record ControlPlane(Kind kind, String revision) {
  public static final String SYSTEM_NAMESPACE = "istio-system";
  public static final String REV_LABEL = "istio.io/rev";
  public static final String ADDON_16_REVISION = "istio-1611";

  public static final String ADDON_14_INJECTOR = "istio-sidecar-injector";
  public static final String ADDON_16_ISTIOD = "istiod-istio-1611";
  public static final String ADDON_14_PROXY = "gke.gcr.io/istio/proxyv2:1.4.10-gke.8";
  public static final String ADDON_16_PROXY = "gke.gcr.io/istio/proxyv2:1.6.14-gke.4";

  /** The managed revisions, their release channels and their proxy images. */
  public static final Map<String, String> MANAGED_CHANNELS =
      Map.of(
          "asm-managed", "regular",
          "asm-managed-rapid", "rapid",
          "asm-managed-stable", "stable");

  public static final Map<String, String> MANAGED_PROXIES =
      Map.of(
          "asm-managed", "gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3",
          "asm-managed-rapid", "gcr.io/gke-release/asm/proxyv2:1.12.4-asm.2",
          "asm-managed-stable", "gcr.io/gke-release/asm/proxyv2:1.10.6-asm.2");

  /** Which control plane. */
  public enum Kind {
    ADDON_14,
    ADDON_16,
    MANAGED,
    UNKNOWN
  }

  public static ControlPlane addon14() {
    return new ControlPlane(Kind.ADDON_14, "default");
  }

  /** The control plane of a revision label value. */
  public static ControlPlane ofRevision(String rev) {
    if (ADDON_16_REVISION.equals(rev)) {
      return new ControlPlane(Kind.ADDON_16, rev);
    }
    if (MANAGED_PROXIES.containsKey(rev)) {
      return new ControlPlane(Kind.MANAGED, rev);
    }
    return new ControlPlane(Kind.UNKNOWN, rev);
  }

  /**
   * The control plane that answers a webhook of a MutatingWebhookConfiguration, or empty when the
   * webhook is not an Istio sidecar injector (the sandbox does not simulate other webhooks). As the
   * API server calls it, the webhook's {@code clientConfig} decides, never the configuration's
   * labels: Service {@code istio-sidecar-injector} is the add-on 1.4 injector, Service {@code
   * istiod-<rev>} revision {@code rev}, and a URL {@code
   * https://meshconfig.googleapis.com/.../targets/<rev>/inject} the managed revision {@code rev}.
   */
  public static Optional<ControlPlane> ofWebhook(JsonNode webhook) {
    JsonNode client = webhook.path("clientConfig");
    JsonNode service = client.path("service");
    String serviceName = service.path("name").asText("");
    boolean inIstioSystem = service.path("namespace").asText("").equals(SYSTEM_NAMESPACE);
    if (inIstioSystem && serviceName.equals(ADDON_14_INJECTOR)) {
      return Optional.of(addon14());
    }
    if (inIstioSystem && serviceName.startsWith("istiod-")) {
      return Optional.of(ofRevision(serviceName.substring("istiod-".length())));
    }
    String url = client.path("url").asText("");
    Matcher managed = MANAGED_URL.matcher(url);
    if (managed.matches()) {
      return Optional.of(ofRevision(managed.group(1)));
    }
    if (webhook.path("name").asText("").endsWith("sidecar-injector.istio.io")) {
      String target = !serviceName.isEmpty() ? serviceName : url.isEmpty() ? "?" : url;
      return Optional.of(new ControlPlane(Kind.UNKNOWN, target));
    }
    return Optional.empty();
  }

  private static final Pattern MANAGED_URL =
      Pattern.compile("https://meshconfig\\.googleapis\\.com/.*/targets/([^/]+)/inject");

  /**
   * The proxy image this control plane injects: for the add-on, {@code hub/image:tag} from its
   * injector ConfigMap's {@code values}, as its injector renders it; for managed revisions, the
   * revision's image.
   */
  public String proxyImage(ObjectStore store) {
    return switch (kind) {
      case ADDON_14 -> imageFromValues(store, ADDON_14_INJECTOR, ADDON_14_PROXY);
      case ADDON_16 ->
          imageFromValues(store, "istio-sidecar-injector-" + ADDON_16_REVISION, ADDON_16_PROXY);
      case MANAGED -> MANAGED_PROXIES.get(revision);
      case UNKNOWN -> null;
    };
  }

  /**
   * How the proxy authenticates to its CA: {@code third-party-jwt} (a projected token, volume
   * {@code istio-token}) or {@code first-party-jwt} (the service account's own token), from the 1.6
   * add-on's values; 1.4 predates the choice.
   */
  public String jwtPolicy(ObjectStore store) {
    if (kind != Kind.ADDON_16) {
      return "third-party-jwt";
    }
    return values(store, injectorConfigMap())
        .map(v -> v.path("global").path("jwtPolicy").asText("third-party-jwt"))
        .orElse("third-party-jwt");
  }

  /** The injector ConfigMap of the add-on control planes, or null for managed ones. */
  public String injectorConfigMap() {
    return switch (kind) {
      case ADDON_14 -> ADDON_14_INJECTOR;
      case ADDON_16 -> "istio-sidecar-injector-" + ADDON_16_REVISION;
      default -> null;
    };
  }

  private static Optional<JsonNode> values(ObjectStore store, String configMap) {
    Optional<String> text =
        store
            .get(ResourceRegistry.CONFIGMAPS, SYSTEM_NAMESPACE, configMap)
            .map(cm -> cm.path("data").path("values").asText(""));
    if (text.isEmpty() || text.get().isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.MAPPER.readTree(text.get()));
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  private static String imageFromValues(ObjectStore store, String configMap, String fallback) {
    Optional<JsonNode> values = values(store, configMap);
    if (values.isEmpty()) {
      return fallback;
    }
    JsonNode global = values.get().path("global");
    String hub = global.path("hub").asText("");
    String tag = global.path("tag").asText("");
    String image = global.path("proxy").path("image").asText("proxyv2");
    if (image.contains("/")) {
      return image; // a full image reference, as the template uses it
    }
    if (hub.isEmpty() || tag.isEmpty()) {
      return fallback;
    }
    return hub + "/" + image + ":" + tag;
  }
}
