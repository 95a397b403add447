package dev.asmmigrate.activities.workloads;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.activities.inventory.MeshInventory;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.IstioNames;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.Optional;

/**
 * The sidecar a pod must carry after its namespace migrated (or rolled back): for the managed
 * control plane, an image from the ASM proxy repository and the revision in the pod's injection
 * status; for the add-on, exactly the proxy image its injector's values name.
 *
 * @param revision the managed revision ({@code asm-managed[-channel]}), or null for the add-on
 * @param addonImage the add-on's proxy image, when {@code revision} is null
 * @param version the add-on version, when {@code revision} is null
 */
record ExpectedProxy(String revision, String addonImage, AddonVersion version) {
  static final String PROXY_CONTAINER = IstioNames.PROXY_CONTAINER;
  static final String STATUS_ANNOTATION = IstioNames.STATUS_ANNOTATION;
  static final String REV_LABEL = IstioNames.REV_LABEL;

  /** The managed proxies' repository ends so ({@code gcr.io/gke-release/asm/proxyv2}). */
  static final String ASM_PROXY_REPOSITORY_SUFFIX = "/asm/proxyv2";

  /** The injector ConfigMap of each add-on version, in {@code istio-system}. */
  static final Map<AddonVersion, String> INJECTOR_CONFIG_MAPS =
      Map.of(
          AddonVersion.V1_4, IstioNames.INJECTOR_CONFIG_MAP_14,
          AddonVersion.V1_6, IstioNames.INJECTOR_CONFIG_MAP_16);

  private static final ObjectMapper MAPPER = new ObjectMapper();

  static ExpectedProxy managed(String revision) {
    return new ExpectedProxy(revision, null, null);
  }

  static ExpectedProxy addon(AddonVersion version, String image) {
    return new ExpectedProxy(null, image, version);
  }

  /** For messages: {@code the asm-managed proxy} or {@code the add-on 1.4 proxy <image>}. */
  String describe() {
    return revision != null
        ? "the " + revision + " proxy (repository *" + ASM_PROXY_REPOSITORY_SUFFIX + ")"
        : "the add-on " + version.display() + " proxy " + addonImage;
  }

  /** Why {@code pod}'s sidecar is not the expected one, or empty when it is. */
  Optional<String> mismatch(Pod pod) {
    Container proxy = MeshInventory.proxy(pod).orElse(null);
    if (proxy == null) {
      return Optional.of("has no " + PROXY_CONTAINER + " container (it was not injected)");
    }
    String image = proxy.getImage() == null ? "" : proxy.getImage();
    if (revision == null) {
      return image.equals(addonImage)
          ? Optional.empty()
          : Optional.of("runs proxy " + image + ", not " + describe());
    }
    if (!repository(image).endsWith(ASM_PROXY_REPOSITORY_SUFFIX)) {
      return Optional.of("runs proxy " + image + ", not " + describe());
    }
    String injectedBy = injectedRevision(pod);
    if (!revision.equals(injectedBy)) {
      return Optional.of(
          "was injected by revision "
              + (injectedBy == null ? "(unknown)" : injectedBy)
              + ", not "
              + revision);
    }
    return Optional.empty();
  }

  /** The revision that injected the pod: its injection status, else its {@code istio.io/rev}. */
  static String injectedRevision(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String status = annotations == null ? null : annotations.get(STATUS_ANNOTATION);
    if (status != null && !status.isBlank()) {
      try {
        String rev = MAPPER.readTree(status).path("revision").asText("");
        if (!rev.isEmpty()) {
          return rev;
        }
      } catch (JsonProcessingException e) {
        // an unreadable status says nothing: fall back to the label
      }
    }
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels == null ? null : labels.get(REV_LABEL);
  }

  /**
   * The proxy image the add-on's injector puts in pods, from its ConfigMap's {@code values}: {@code
   * global.proxy.image} when it is a full reference, else {@code <global.hub>/<image>:<global.tag>}
   * (the injection template's own rule).
   *
   * @throws IllegalArgumentException when the values are not JSON or lack the hub or tag
   */
  static String addonImage(String valuesJson) {
    JsonNode values;
    try {
      values = MAPPER.readTree(valuesJson == null ? "" : valuesJson);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("values are not JSON: " + e.getOriginalMessage());
    }
    JsonNode global = values == null ? MAPPER.missingNode() : values.path("global");
    String image = global.path("proxy").path("image").asText("proxyv2");
    if (image.contains("/")) {
      return image;
    }
    String hub = global.path("hub").asText("");
    String tag = global.path("tag").asText("");
    if (hub.isEmpty() || tag.isEmpty()) {
      throw new IllegalArgumentException("values name no global.hub or global.tag");
    }
    return hub + "/" + image + ":" + tag;
  }

  /** An image reference without its tag or digest. */
  static String repository(String image) {
    String ref = image;
    int at = ref.indexOf('@');
    if (at >= 0) {
      ref = ref.substring(0, at);
    }
    int slash = ref.lastIndexOf('/');
    int colon = ref.lastIndexOf(':');
    return colon > slash ? ref.substring(0, colon) : ref;
  }
}
