package dev.asmmigrate.activities.preflight;

import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.model.IstioNames;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** The reads and pod and object facts pre-flight's checks share. */
final class PreflightReads {
  static final String ISTIO_SYSTEM = IstioNames.ISTIO_SYSTEM;

  private PreflightReads() {}

  static <T> T call(String what, Supplier<T> op) {
    try {
      return op.get();
    } catch (KubernetesClientException e) {
      throw Failures.kubernetes(what, e);
    }
  }

  static Map<String, String> labels(HasMetadata o) {
    Map<String, String> l = o.getMetadata().getLabels();
    return l == null ? Map.of() : l;
  }

  static String label(HasMetadata o, String key) {
    return labels(o).get(key);
  }

  static List<Pod> withLabel(List<Pod> pods, String key, String value) {
    return pods.stream().filter(p -> value.equals(label(p, key))).toList();
  }

  static <T extends HasMetadata> Optional<T> named(List<T> items, String name) {
    return items.stream().filter(i -> name.equals(i.getMetadata().getName())).findFirst();
  }

  static String image(Pod pod, String container) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> container.equals(c.getName()))
        .map(Container::getImage)
        .findFirst()
        .orElse("");
  }

  /** The tag of an image reference ({@code registry/name:tag}, digests ignored). */
  static String tag(String image) {
    String ref = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    int slash = ref.lastIndexOf('/');
    int colon = ref.lastIndexOf(':');
    return colon > slash ? ref.substring(colon + 1) : "";
  }

  static int replicas(Deployment d) {
    Integer r = d.getSpec().getReplicas();
    return r == null ? 1 : r;
  }

  static boolean allowsNoDisruption(PodDisruptionBudget pdb) {
    var status = pdb.getStatus();
    if (status != null && status.getObservedGeneration() != null) {
      return status.getDisruptionsAllowed() != null && status.getDisruptionsAllowed() == 0;
    }
    var spec = pdb.getSpec();
    if (spec == null) {
      return false;
    }
    var maxUnavailable = spec.getMaxUnavailable();
    if (maxUnavailable != null) {
      return "0".equals(String.valueOf(maxUnavailable.getValue()))
          || "0%".equals(String.valueOf(maxUnavailable.getValue()));
    }
    var minAvailable = spec.getMinAvailable();
    return minAvailable != null && "100%".equals(String.valueOf(minAvailable.getValue()));
  }
}
