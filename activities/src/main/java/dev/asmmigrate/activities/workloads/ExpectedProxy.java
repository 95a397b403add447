package dev.asmmigrate.activities.workloads;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.activities.inventory.MeshInventory;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.IstioNames;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.Optional;

/**
 * The sidecar a pod must carry after its namespace migrated (or rolled back): for the managed
 * control plane ({@link Managed}), an image from the ASM proxy repository and the revision in the
 * pod's injection status; for the add-on ({@link Addon}), exactly the proxy image its injector's
 * values name.
 */
sealed interface ExpectedProxy {
  String PROXY_CONTAINER = IstioNames.PROXY_CONTAINER;
  String STATUS_ANNOTATION = IstioNames.STATUS_ANNOTATION;
  String REV_LABEL = IstioNames.REV_LABEL;

  /** The managed proxies' repository ends so ({@code gcr.io/gke-release/asm/proxyv2}). */
  String ASM_PROXY_REPOSITORY_SUFFIX = "/asm/proxyv2";

  /** The injector ConfigMap of each add-on version, in {@code istio-system}. */
  Map<AddonVersion, String> INJECTOR_CONFIG_MAPS =
      Map.of(
          AddonVersion.V1_4, IstioNames.INJECTOR_CONFIG_MAP_14,
          AddonVersion.V1_6, IstioNames.INJECTOR_CONFIG_MAP_16);

  ObjectMapper MAPPER = new ObjectMapper();

  /** The managed revision's proxy ({@code asm-managed[-channel]}). */
  record Managed(String revision) implements ExpectedProxy {
    @Override
    public String describe() {
      return "the " + revision + " proxy (repository *" + ASM_PROXY_REPOSITORY_SUFFIX + ")";
    }

    @Override
    public Optional<String> mismatch(Pod pod) {
      return proxyImage(pod)
          .map(
              image -> {
                if (!repository(image).endsWith(ASM_PROXY_REPOSITORY_SUFFIX)) {
                  return Optional.of("runs proxy " + image + ", not " + describe());
                }
                String injectedBy = injectedRevision(pod);
                return revision.equals(injectedBy)
                    ? Optional.<String>empty()
                    : Optional.of(
                        "was injected by revision "
                            + (injectedBy == null ? "(unknown)" : injectedBy)
                            + ", not "
                            + revision);
              })
          .orElseGet(ExpectedProxy::notInjected);
    }
  }

  /**
   * The add-on's own proxy: exactly {@code image}, as the add-on {@code version}'s injector names.
   */
  record Addon(AddonVersion version, String image) implements ExpectedProxy {
    @Override
    public String describe() {
      return "the add-on " + version.display() + " proxy " + image;
    }

    @Override
    public Optional<String> mismatch(Pod pod) {
      return proxyImage(pod)
          .map(
              actual ->
                  actual.equals(image)
                      ? Optional.<String>empty()
                      : Optional.of("runs proxy " + actual + ", not " + describe()))
          .orElseGet(ExpectedProxy::notInjected);
    }
  }

  static ExpectedProxy managed(String revision) {
    return new Managed(revision);
  }

  static ExpectedProxy addon(AddonVersion version, String image) {
    return new Addon(version, image);
  }

  /** For messages: {@code the asm-managed proxy} or {@code the add-on 1.4 proxy <image>}. */
  String describe();

  /** Why {@code pod}'s sidecar is not the expected one, or empty when it is. */
  Optional<String> mismatch(Pod pod);

  /** The image of the pod's proxy (empty string when unset), or empty when it has none. */
  private static Optional<String> proxyImage(Pod pod) {
    return MeshInventory.proxy(pod).map(c -> c.getImage() == null ? "" : c.getImage());
  }

  private static Optional<String> notInjected() {
    return Optional.of("has no " + PROXY_CONTAINER + " container (it was not injected)");
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
