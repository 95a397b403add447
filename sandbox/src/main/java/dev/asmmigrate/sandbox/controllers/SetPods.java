package dev.asmmigrate.sandbox.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the workload controllers ask of pods and owners, with the real controllers' meanings
 * (k8s.io/kubernetes pkg/api/v1/pod and pkg/controller): ready, running-and-ready, available after
 * minReadySeconds, terminating, terminal; controller references; label selectors; int-or-percent.
 */
final class SetPods {
  private SetPods() {}

  static String phase(Pod pod) {
    return pod.getStatus() == null || pod.getStatus().getPhase() == null
        ? ""
        : pod.getStatus().getPhase();
  }

  static Optional<PodCondition> condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  /** Condition {@code Ready} is {@code True}. */
  static boolean isReady(Pod pod) {
    return condition(pod, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  /** Phase Running and Ready, as the StatefulSet controller requires of predecessors. */
  static boolean isRunningAndReady(Pod pod) {
    return "Running".equals(phase(pod)) && isReady(pod);
  }

  /** Ready for at least {@code minReadySeconds} (by the Ready condition's transition time). */
  static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
    return untilAvailable(pod, minReadySeconds, now).map(Duration::isZero).orElse(false);
  }

  /**
   * How long until a Ready pod becomes available: zero if it is, empty if it is not Ready at all.
   */
  static Optional<Duration> untilAvailable(Pod pod, int minReadySeconds, Instant now) {
    Optional<PodCondition> ready =
        condition(pod, "Ready").filter(c -> "True".equals(c.getStatus()));
    if (ready.isEmpty()) {
      return Optional.empty();
    }
    if (minReadySeconds <= 0) {
      return Optional.of(Duration.ZERO);
    }
    Instant since = parseTime(ready.get().getLastTransitionTime());
    if (since == null) {
      return Optional.of(Duration.ZERO);
    }
    Duration left = Duration.between(now, since.plusSeconds(minReadySeconds));
    return Optional.of(left.isNegative() ? Duration.ZERO : left);
  }

  static boolean isTerminating(HasMetadata o) {
    return o.getMetadata() != null && o.getMetadata().getDeletionTimestamp() != null;
  }

  /** Phase Succeeded or Failed: the pod's containers will not run again. */
  static boolean isTerminal(Pod pod) {
    String phase = phase(pod);
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  static Optional<OwnerReference> controllerOf(HasMetadata o) {
    if (o.getMetadata() == null || o.getMetadata().getOwnerReferences() == null) {
      return Optional.empty();
    }
    return o.getMetadata().getOwnerReferences().stream()
        .filter(r -> Boolean.TRUE.equals(r.getController()))
        .findFirst();
  }

  static boolean isControlledBy(HasMetadata o, HasMetadata owner) {
    String uid = owner.getMetadata().getUid();
    return controllerOf(o).map(r -> Objects.equals(uid, r.getUid())).orElse(false);
  }

  /** A controller reference to {@code owner}, as the real controllers set on what they create. */
  static OwnerReference controllerRef(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /**
   * Whether a {@code LabelSelector} selects these labels. A null selector selects nothing; an empty
   * one selects everything (metav1.LabelSelectorAsSelector).
   */
  static boolean selects(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!Objects.equals(e.getValue(), l.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        String key = r.getKey();
        boolean ok =
            switch (String.valueOf(r.getOperator())) {
              case "In" -> l.containsKey(key) && values.contains(l.get(key));
              case "NotIn" -> !l.containsKey(key) || !values.contains(l.get(key));
              case "Exists" -> l.containsKey(key);
              case "DoesNotExist" -> !l.containsKey(key);
              default -> false;
            };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  static Map<String, String> labels(HasMetadata o) {
    return o.getMetadata() == null || o.getMetadata().getLabels() == null
        ? Map.of()
        : o.getMetadata().getLabels();
  }

  /**
   * An int-or-percent against a total, as intstr.GetScaledValueFromIntOrPercent: an int as is, a
   * percent of {@code total} rounded up or down.
   */
  static int scaled(IntOrString value, int total, boolean roundUp, int fallback) {
    if (value == null) {
      return fallback;
    }
    if (value.getIntVal() != null) {
      return value.getIntVal();
    }
    String s = value.getStrVal();
    if (s == null || s.isBlank()) {
      return fallback;
    }
    s = s.trim();
    if (!s.endsWith("%")) {
      try {
        return Integer.parseInt(s);
      } catch (NumberFormatException e) {
        return fallback;
      }
    }
    int percent;
    try {
      percent = Integer.parseInt(s.substring(0, s.length() - 1));
    } catch (NumberFormatException e) {
      return fallback;
    }
    long scaledTimes100 = (long) percent * total;
    return (int) (roundUp ? (scaledTimes100 + 99) / 100 : scaledTimes100 / 100);
  }

  static Instant parseTime(String rfc3339) {
    if (rfc3339 == null || rfc3339.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(rfc3339);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** RFC 3339 in whole seconds, as metav1.Time serializes. */
  static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static String key(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return ns == null || ns.isEmpty()
        ? o.getMetadata().getName()
        : ns + "/" + o.getMetadata().getName();
  }

  static String namespaceOf(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? null : key.substring(0, slash);
  }

  static String nameOf(String key) {
    return key.substring(key.indexOf('/') + 1);
  }

  /** Oldest first, then by name: the real controllers' podByCreationTimestamp. */
  static final Comparator<HasMetadata> BY_CREATION =
      Comparator.<HasMetadata, Instant>comparing(
              o -> {
                Instant t = parseTime(o.getMetadata().getCreationTimestamp());
                return t == null ? Instant.EPOCH : t;
              })
          .thenComparing(o -> o.getMetadata().getName());

  /**
   * A new pod from a controller's template (controller.GetPodFromTemplate): the template's labels,
   * annotations and finalizers, a deep copy of its spec, and a controller reference.
   */
  static Pod fromTemplate(
      PodTemplateSpec template, HasMetadata owner, KubernetesSerialization serialization) {
    PodTemplateSpec copy = serialization.clone(template);
    ObjectMeta tm = copy.getMetadata() == null ? new ObjectMeta() : copy.getMetadata();
    Pod pod = new Pod();
    pod.setApiVersion("v1");
    pod.setKind("Pod");
    ObjectMeta meta = new ObjectMeta();
    meta.setNamespace(owner.getMetadata().getNamespace());
    meta.setLabels(
        tm.getLabels() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(tm.getLabels()));
    if (tm.getAnnotations() != null && !tm.getAnnotations().isEmpty()) {
      meta.setAnnotations(new LinkedHashMap<>(tm.getAnnotations()));
    }
    if (tm.getFinalizers() != null && !tm.getFinalizers().isEmpty()) {
      meta.setFinalizers(new ArrayList<>(tm.getFinalizers()));
    }
    meta.setOwnerReferences(new ArrayList<>(List.of(controllerRef(owner))));
    pod.setMetadata(meta);
    pod.setSpec(copy.getSpec());
    return pod;
  }
}
