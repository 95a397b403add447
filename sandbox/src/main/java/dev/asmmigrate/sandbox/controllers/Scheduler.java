package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.PodStatuses.condition;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.copyStatus;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.setCondition;
import static dev.asmmigrate.sandbox.controllers.PodStatuses.writeStatus;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The scheduler: binds each unscheduled pod to a Ready node, round robin over the nodes that fit
 * its nodeSelector, required node affinity and taints; it waits while none does.
 */
final class Scheduler {
  private final KubernetesClient client;
  private final Supplier<List<Node>> nodes;
  private final AtomicInteger roundRobin = new AtomicInteger();

  Scheduler(KubernetesClient client, Supplier<List<Node>> nodes) {
    this.client = client;
    this.nodes = nodes;
  }

  void schedule(Pod pod) {
    List<Node> ready =
        nodes.get().stream()
            .filter(Scheduler::isSchedulable)
            .sorted(Comparator.comparing(n -> n.getMetadata().getName()))
            .toList();
    List<Node> fit = ready.stream().filter(n -> fits(pod, n)).toList();
    if (fit.isEmpty()) {
      String message =
          ready.isEmpty()
              ? "no nodes available to schedule pods"
              : "0/"
                  + ready.size()
                  + " nodes are available: "
                  + ready.size()
                  + " node(s) didn't match Pod's node affinity/selector or had untolerated taints.";
      PodStatus status = copyStatus(client, pod);
      setCondition(status, condition("PodScheduled", "False", "Unschedulable", message));
      writeStatus(client, pod, status);
      return; // a node event queues the pod again
    }
    Node node = fit.get(Math.floorMod(roundRobin.getAndIncrement(), fit.size()));
    bind(pod, node.getMetadata().getName());
  }

  /**
   * POSTs the pod's Binding, as kube-scheduler does: the API server sets spec.nodeName and the
   * PodScheduled condition in one write, so the kubelet never sees a bound pod that a second write
   * of the scheduler is about to change (its status write would conflict and be retried).
   */
  private void bind(Pod pod, String node) {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    ObjectNode binding = Json.object();
    binding.put("apiVersion", "v1");
    binding.put("kind", "Binding");
    binding.putObject("metadata").put("name", name).put("namespace", ns);
    binding.putObject("target").put("apiVersion", "v1").put("kind", "Node").put("name", node);
    String url =
        client.getConfiguration().getMasterUrl().replaceAll("/$", "")
            + "/api/v1/namespaces/"
            + ns
            + "/pods/"
            + name
            + "/binding";
    HttpClient http = client.getHttpClient();
    HttpRequest request =
        http.newHttpRequestBuilder().uri(url).post("application/json", Json.write(binding)).build();
    HttpResponse<String> response;
    try {
      response = http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubernetesClientException("binding pod " + name + " interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new KubernetesClientException("binding pod " + name + " failed", e);
    }
    if (response.code() >= 300) {
      throw new KubernetesClientException(
          "binding pod " + name + " failed: " + response.body(), response.code(), null);
    }
  }

  static boolean isSchedulable(Node node) {
    if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      return false;
    }
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return false;
    }
    for (NodeCondition c : node.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  /** nodeSelector, required node affinity, and NoSchedule/NoExecute taints. */
  static boolean fits(Pod pod, Node node) {
    PodSpec spec = pod.getSpec();
    Map<String, String> labels =
        node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    if (spec.getNodeSelector() != null) {
      for (Map.Entry<String, String> e : spec.getNodeSelector().entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (spec.getAffinity() != null
        && spec.getAffinity().getNodeAffinity() != null
        && spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
            != null) {
      List<NodeSelectorTerm> terms =
          spec.getAffinity()
              .getNodeAffinity()
              .getRequiredDuringSchedulingIgnoredDuringExecution()
              .getNodeSelectorTerms();
      if (terms != null
          && !terms.isEmpty()
          && terms.stream().noneMatch(t -> termMatches(t, node, labels))) {
        return false;
      }
    }
    if (node.getSpec() != null && node.getSpec().getTaints() != null) {
      for (Taint taint : node.getSpec().getTaints()) {
        boolean blocking =
            "NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect());
        if (blocking && !tolerated(taint, spec.getTolerations())) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean termMatches(NodeSelectorTerm term, Node node, Map<String, String> labels) {
    boolean any = false;
    if (term.getMatchExpressions() != null) {
      for (NodeSelectorRequirement r : term.getMatchExpressions()) {
        any = true;
        if (!requirementMatches(r, labels.get(r.getKey()), labels.containsKey(r.getKey()))) {
          return false;
        }
      }
    }
    if (term.getMatchFields() != null) {
      for (NodeSelectorRequirement r : term.getMatchFields()) {
        any = true;
        boolean known = "metadata.name".equals(r.getKey());
        String value = known ? node.getMetadata().getName() : null;
        if (!requirementMatches(r, value, known)) {
          return false;
        }
      }
    }
    return any; // an empty term matches no node
  }

  private static boolean requirementMatches(NodeSelectorRequirement r, String value, boolean has) {
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (r.getOperator()) {
      case "In" -> has && values.contains(value);
      case "NotIn" -> !has || !values.contains(value);
      case "Exists" -> has;
      case "DoesNotExist" -> !has;
      case "Gt", "Lt" -> {
        if (!has || values.size() != 1) {
          yield false;
        }
        try {
          long actual = Long.parseLong(value);
          long bound = Long.parseLong(values.get(0));
          yield "Gt".equals(r.getOperator()) ? actual > bound : actual < bound;
        } catch (NumberFormatException e) {
          yield false;
        }
      }
      default -> false;
    };
  }

  private static boolean tolerated(Taint taint, List<Toleration> tolerations) {
    if (tolerations == null) {
      return false;
    }
    for (Toleration t : tolerations) {
      boolean effect =
          t.getEffect() == null
              || t.getEffect().isEmpty()
              || t.getEffect().equals(taint.getEffect());
      boolean exists = "Exists".equals(t.getOperator());
      boolean keyOk =
          (t.getKey() == null || t.getKey().isEmpty()) ? exists : t.getKey().equals(taint.getKey());
      boolean valueOk =
          exists || Objects.equals(nullToEmpty(t.getValue()), nullToEmpty(taint.getValue()));
      if (effect && keyOk && valueOk) {
        return true;
      }
    }
    return false;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
