package dev.asmmigrate.sandbox.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** What the workload controllers share: keys, error kinds, owners, selectors, pods. */
final class WorkloadSupport {
  static final String POD_TEMPLATE_HASH = "pod-template-hash";

  private WorkloadSupport() {}

  // --- status writes ---------------------------------------------------------------------------

  /*
   * A status write sends the object with its new status: a shallow copy whose metadata and spec
   * are the read object's own (only serialised for the request, never changed), not a deep copy of
   * a whole pod (with its sidecar) through JSON for every status change.
   */

  static Pod withStatus(Pod p, PodStatus status) {
    Pod copy = new Pod(p.getApiVersion(), p.getKind(), p.getMetadata(), p.getSpec(), status);
    copy.setAdditionalProperties(p.getAdditionalProperties());
    return copy;
  }

  static Deployment withStatus(Deployment d, DeploymentStatus status) {
    Deployment copy =
        new Deployment(d.getApiVersion(), d.getKind(), d.getMetadata(), d.getSpec(), status);
    copy.setAdditionalProperties(d.getAdditionalProperties());
    return copy;
  }

  static ReplicaSet withStatus(ReplicaSet rs, ReplicaSetStatus status) {
    ReplicaSet copy =
        new ReplicaSet(rs.getApiVersion(), rs.getKind(), rs.getMetadata(), rs.getSpec(), status);
    copy.setAdditionalProperties(rs.getAdditionalProperties());
    return copy;
  }

  // --- keys --------------------------------------------------------------------------------------

  /** {@code namespace/name}, or the name of a cluster-scoped object. */
  static String key(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return ns == null || ns.isEmpty()
        ? o.getMetadata().getName()
        : ns + "/" + o.getMetadata().getName();
  }

  static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  static String namespaceOf(String key) {
    int i = key.indexOf('/');
    return i < 0 ? null : key.substring(0, i);
  }

  static String nameOf(String key) {
    return key.substring(key.indexOf('/') + 1);
  }

  // --- errors ------------------------------------------------------------------------------------

  static boolean isConflict(Throwable t) {
    return code(t) == 409 && !isAlreadyExists(t);
  }

  static boolean isAlreadyExists(Throwable t) {
    KubernetesClientException e = find(t);
    return e != null
        && e.getCode() == 409
        && e.getStatus() != null
        && "AlreadyExists".equals(e.getStatus().getReason());
  }

  static boolean isNotFound(Throwable t) {
    return code(t) == 404;
  }

  static int code(Throwable t) {
    KubernetesClientException e = find(t);
    return e == null ? -1 : e.getCode();
  }

  private static KubernetesClientException find(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof KubernetesClientException k) {
        return k;
      }
    }
    return null;
  }

  // --- owners ------------------------------------------------------------------------------------

  static Optional<OwnerReference> controllerOf(HasMetadata o) {
    if (o.getMetadata().getOwnerReferences() == null) {
      return Optional.empty();
    }
    return o.getMetadata().getOwnerReferences().stream()
        .filter(r -> Boolean.TRUE.equals(r.getController()))
        .findFirst();
  }

  static boolean isControlledBy(HasMetadata o, HasMetadata owner) {
    return controllerOf(o).map(r -> r.getUid().equals(owner.getMetadata().getUid())).orElse(false);
  }

  /** A controller reference as the real controllers set it: controller and blockOwnerDeletion. */
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

  /** The owner references of {@code o} with {@code ref} added (for adoption). */
  static List<OwnerReference> withRef(HasMetadata o, OwnerReference ref) {
    List<OwnerReference> refs = new ArrayList<>();
    if (o.getMetadata().getOwnerReferences() != null) {
      refs.addAll(o.getMetadata().getOwnerReferences());
    }
    refs.add(ref);
    return refs;
  }

  /** The owner references of {@code o} without those to {@code uid} (for release). */
  static List<OwnerReference> withoutRef(HasMetadata o, String uid) {
    List<OwnerReference> refs = new ArrayList<>();
    if (o.getMetadata().getOwnerReferences() != null) {
      for (OwnerReference r : o.getMetadata().getOwnerReferences()) {
        if (!uid.equals(r.getUid())) {
          refs.add(r);
        }
      }
    }
    return refs;
  }

  // --- selectors ---------------------------------------------------------------------------------

  /** Whether a label selector matches labels; a null or empty selector matches nothing. */
  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    boolean hasLabels = selector.getMatchLabels() != null && !selector.getMatchLabels().isEmpty();
    boolean hasExprs =
        selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty();
    if (!hasLabels && !hasExprs) {
      return false;
    }
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (hasLabels) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(l.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (hasExprs) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        String v = l.get(r.getKey());
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        boolean ok =
            switch (r.getOperator()) {
              case "In" -> v != null && values.contains(v);
              case "NotIn" -> v == null || !values.contains(v);
              case "Exists" -> l.containsKey(r.getKey());
              case "DoesNotExist" -> !l.containsKey(r.getKey());
              default -> false;
            };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether a Service-style selector (a plain map) matches labels; empty matches nothing. */
  static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    if (selector == null || selector.isEmpty()) {
      return false;
    }
    Map<String, String> l = labels == null ? Map.of() : labels;
    return selector.entrySet().stream().allMatch(e -> e.getValue().equals(l.get(e.getKey())));
  }

  // --- pods --------------------------------------------------------------------------------------

  static boolean isTerminating(HasMetadata o) {
    return o.getMetadata().getDeletionTimestamp() != null;
  }

  static String phase(Pod pod) {
    return pod.getStatus() == null || pod.getStatus().getPhase() == null
        ? "Pending"
        : pod.getStatus().getPhase();
  }

  /** Counted by its owner: not being deleted and not finished. */
  static boolean isActive(Pod pod) {
    String phase = phase(pod);
    return !isTerminating(pod) && !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  static Optional<PodCondition> condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  static boolean isReady(Pod pod) {
    return condition(pod, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  /** Ready for at least {@code minReadySeconds} at {@code now}. */
  static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
    if (!isReady(pod)) {
      return false;
    }
    if (minReadySeconds <= 0) {
      return true;
    }
    Instant since = readySince(pod);
    return since != null && !since.plusSeconds(minReadySeconds).isAfter(now);
  }

  /** When the pod's Ready condition last became True, or null. */
  static Instant readySince(Pod pod) {
    return condition(pod, "Ready")
        .map(PodCondition::getLastTransitionTime)
        .map(WorkloadSupport::parseTime)
        .orElse(null);
  }

  // --- values ------------------------------------------------------------------------------------

  static String now() {
    return Json.timestamp(Instant.now());
  }

  static Instant parseTime(String timestamp) {
    if (timestamp == null || timestamp.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(timestamp);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static int orZero(Integer i) {
    return i == null ? 0 : i;
  }

  /** Null for zero, as Go's {@code omitempty} leaves zero-valued counters out. */
  static Integer omitZero(int i) {
    return i == 0 ? null : i;
  }

  /**
   * An int-or-percent value (maxSurge, maxUnavailable) resolved against a total: percentages round
   * up or down as asked, as {@code intstr.GetScaledValueFromIntOrPercent} does.
   */
  static int scaled(IntOrString value, int total, boolean roundUp) {
    if (value == null) {
      return 0;
    }
    if (value.getIntVal() != null) {
      return value.getIntVal();
    }
    String s = value.getStrVal() == null ? "" : value.getStrVal().trim();
    if (s.endsWith("%")) {
      int percent = Integer.parseInt(s.substring(0, s.length() - 1));
      long product = (long) percent * total;
      return (int) (roundUp ? (product + 99) / 100 : product / 100);
    }
    return Integer.parseInt(s);
  }

  /** A JSON tree with every object's fields in name order, for hashing and comparing. */
  static JsonNode canonical(JsonNode node) {
    if (node.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      node.fields().forEachRemaining(e -> sorted.put(e.getKey(), canonical(e.getValue())));
      ObjectNode out = Json.object();
      sorted.forEach(out::set);
      return out;
    }
    if (node.isArray()) {
      var out = Json.array();
      node.forEach(n -> out.add(canonical(n)));
      return out;
    }
    return node;
  }

  /** An object as the API would serialize it, as a Jackson 2 tree. */
  static JsonNode tree(KubernetesClient client, Object o) {
    return Json.parse(client.getKubernetesSerialization().asJson(o));
  }
}
