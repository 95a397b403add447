package dev.asmmigrate.sandbox.controllers;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where daemon pods go (daemon/util and the node predicates): the node a pod is pinned to, whether
 * a node should run one, the tolerations every daemon pod gets and the node affinity pinning it.
 */
final class DaemonPlacement {
  private DaemonPlacement() {}

  /** The node a daemon pod is bound or pinned to. */
  static String nodeOf(Pod pod) {
    if (pod.getSpec() == null) {
      return null;
    }
    if (pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty()) {
      return pod.getSpec().getNodeName();
    }
    Affinity affinity = pod.getSpec().getAffinity();
    if (affinity == null
        || affinity.getNodeAffinity() == null
        || affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
      return null;
    }
    for (NodeSelectorTerm term :
        affinity
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms()) {
      if (term.getMatchFields() == null) {
        continue;
      }
      for (NodeSelectorRequirement r : term.getMatchFields()) {
        if ("metadata.name".equals(r.getKey())
            && "In".equals(r.getOperator())
            && r.getValues() != null
            && r.getValues().size() == 1) {
          return r.getValues().get(0);
        }
      }
    }
    return null;
  }

  static boolean isReady(Node node) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return false;
    }
    return node.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** A new daemon pod would be placed on this node: it is Ready and the pod fits it. */
  static boolean shouldRun(Node node, PodSpec template) {
    return isReady(node) && fits(node, withDaemonTolerations(template));
  }

  /** nodeSelector, required node affinity, and NoSchedule/NoExecute taints against tolerations. */
  static boolean fits(Node node, PodSpec spec) {
    Map<String, String> labels = SetPods.labels(node);
    if (spec.getNodeSelector() != null) {
      for (Map.Entry<String, String> e : spec.getNodeSelector().entrySet()) {
        if (!Objects.equals(e.getValue(), labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (spec.getAffinity() != null
        && spec.getAffinity().getNodeAffinity() != null
        && spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
            != null) {
      NodeSelector required =
          spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
      boolean any = false;
      if (required.getNodeSelectorTerms() != null) {
        for (NodeSelectorTerm term : required.getNodeSelectorTerms()) {
          any |= termMatches(term, node);
        }
      }
      if (!any) {
        return false;
      }
    }
    if (node.getSpec() != null && node.getSpec().getTaints() != null) {
      for (Taint taint : node.getSpec().getTaints()) {
        if (!"NoSchedule".equals(taint.getEffect()) && !"NoExecute".equals(taint.getEffect())) {
          continue;
        }
        boolean tolerated = false;
        if (spec.getTolerations() != null) {
          for (Toleration t : spec.getTolerations()) {
            tolerated |= tolerates(t, taint);
          }
        }
        if (!tolerated) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean termMatches(NodeSelectorTerm term, Node node) {
    List<NodeSelectorRequirement> exprs =
        term.getMatchExpressions() == null ? List.of() : term.getMatchExpressions();
    List<NodeSelectorRequirement> fields =
        term.getMatchFields() == null ? List.of() : term.getMatchFields();
    if (exprs.isEmpty() && fields.isEmpty()) {
      return false;
    }
    Map<String, String> labels = SetPods.labels(node);
    for (NodeSelectorRequirement r : exprs) {
      if (!requirementMatches(r, labels.get(r.getKey()), labels.containsKey(r.getKey()))) {
        return false;
      }
    }
    for (NodeSelectorRequirement r : fields) {
      if (!"metadata.name".equals(r.getKey())
          || !requirementMatches(r, node.getMetadata().getName(), true)) {
        return false;
      }
    }
    return true;
  }

  private static boolean requirementMatches(
      NodeSelectorRequirement r, String value, boolean present) {
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    switch (String.valueOf(r.getOperator())) {
      case "In":
        return present && values.contains(value);
      case "NotIn":
        return !present || !values.contains(value);
      case "Exists":
        return present;
      case "DoesNotExist":
        return !present;
      case "Gt":
      case "Lt":
        if (!present || values.size() != 1) {
          return false;
        }
        try {
          long actual = Long.parseLong(value);
          long bound = Long.parseLong(values.get(0));
          return "Gt".equals(r.getOperator()) ? actual > bound : actual < bound;
        } catch (NumberFormatException e) {
          return false;
        }
      default:
        return false;
    }
  }

  private static boolean tolerates(Toleration t, Taint taint) {
    if (t.getEffect() != null
        && !t.getEffect().isEmpty()
        && !t.getEffect().equals(taint.getEffect())) {
      return false;
    }
    String op = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
    if (t.getKey() == null || t.getKey().isEmpty()) {
      return "Exists".equals(op);
    }
    if (!t.getKey().equals(taint.getKey())) {
      return false;
    }
    if ("Exists".equals(op)) {
      return true;
    }
    return Objects.equals(
        t.getValue() == null ? "" : t.getValue(), taint.getValue() == null ? "" : taint.getValue());
  }

  /**
   * The tolerations the DaemonSet controller adds to every daemon pod
   * (AddOrUpdateDaemonPodTolerations).
   */
  static PodSpec withDaemonTolerations(PodSpec spec) {
    PodSpec copy = new io.fabric8.kubernetes.api.model.PodSpecBuilder(spec).build();
    List<Toleration> tolerations =
        copy.getTolerations() == null ? new ArrayList<>() : new ArrayList<>(copy.getTolerations());
    Map<String, String> auto = new LinkedHashMap<>();
    auto.put("node.kubernetes.io/not-ready", "NoExecute");
    auto.put("node.kubernetes.io/unreachable", "NoExecute");
    auto.put("node.kubernetes.io/disk-pressure", "NoSchedule");
    auto.put("node.kubernetes.io/memory-pressure", "NoSchedule");
    auto.put("node.kubernetes.io/pid-pressure", "NoSchedule");
    auto.put("node.kubernetes.io/unschedulable", "NoSchedule");
    if (Boolean.TRUE.equals(copy.getHostNetwork())) {
      auto.put("node.kubernetes.io/network-unavailable", "NoSchedule");
    }
    auto.forEach(
        (key, effect) -> {
          boolean present =
              tolerations.stream()
                  .anyMatch(
                      t ->
                          key.equals(t.getKey())
                              && effect.equals(t.getEffect())
                              && "Exists".equals(t.getOperator()));
          if (!present) {
            Toleration t = new Toleration();
            t.setKey(key);
            t.setOperator("Exists");
            t.setEffect(effect);
            tolerations.add(t);
          }
        });
    copy.setTolerations(tolerations);
    return copy;
  }

  static Affinity replaceNodeAffinity(Affinity affinity, String nodeName) {
    NodeSelectorRequirement req = new NodeSelectorRequirement();
    req.setKey("metadata.name");
    req.setOperator("In");
    req.setValues(new ArrayList<>(List.of(nodeName)));
    NodeSelectorTerm term = new NodeSelectorTerm();
    term.setMatchFields(new ArrayList<>(List.of(req)));
    NodeSelector selector = new NodeSelector();
    selector.setNodeSelectorTerms(new ArrayList<>(List.of(term)));
    Affinity out = affinity == null ? new Affinity() : affinity;
    NodeAffinity na = out.getNodeAffinity() == null ? new NodeAffinity() : out.getNodeAffinity();
    na.setRequiredDuringSchedulingIgnoredDuringExecution(selector);
    out.setNodeAffinity(na);
    return out;
  }
}
