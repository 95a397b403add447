package dev.asmmigrate.sandbox.controllers;

import dev.asmmigrate.sandbox.SandboxContext;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The disruption controller (k8s.io/kubernetes pkg/controller/disruption), as a client of the
 * sandbox's API: it keeps each PodDisruptionBudget's status, which the eviction API reads.
 *
 * <p>Over the pods its selector matches in its namespace: {@code currentHealthy} counts the Ready
 * ones not being deleted (nor evicted in the last 2 minutes, per {@code disruptedPods}); with an
 * integer {@code minAvailable}, {@code expectedPods} is the number of matching pods and {@code
 * desiredHealthy} is {@code minAvailable}; with a percentage, or with {@code maxUnavailable},
 * {@code expectedPods} is the sum of the replicas of the pods' controllers (Deployment, ReplicaSet,
 * StatefulSet, or any owner with a scale subresource) and {@code desiredHealthy} is the percentage
 * of it rounded up, or it minus {@code maxUnavailable}. {@code disruptionsAllowed = max(0,
 * currentHealthy - desiredHealthy)}, 0 when nothing is expected; condition {@code
 * DisruptionAllowed} with reason {@code SufficientPods}, {@code InsufficientPods} or, when the
 * controllers cannot be found, {@code SyncFailed}.
 */
public final class PodDisruptionBudgetController extends SetControllerSupport {
  /** How long an eviction recorded in {@code disruptedPods} keeps the pod out of the count. */
  static final Duration DELETION_TIMEOUT = Duration.ofMinutes(2);

  private static final Duration RESYNC = Duration.ofSeconds(30);
  private SharedIndexInformer<PodDisruptionBudget> budgets;

  public PodDisruptionBudgetController(SandboxContext ctx) {
    super(ctx, "disruption-controller");
  }

  @Override
  protected void onStart() {
    budgets = inform(PodDisruptionBudget.class, RESYNC, b -> queue.add(SetPods.key(b)));
    inform(Pod.class, RESYNC, this::podChanged);
  }

  private void podChanged(Pod pod) {
    for (PodDisruptionBudget pdb : budgets.getStore().list()) {
      if (Objects.equals(pdb.getMetadata().getNamespace(), pod.getMetadata().getNamespace())
          && pdb.getSpec() != null
          && SetPods.selects(pdb.getSpec().getSelector(), SetPods.labels(pod))) {
        queue.add(SetPods.key(pdb));
      }
    }
  }

  @Override
  protected void reconcile(String key) {
    String ns = SetPods.namespaceOf(key);
    PodDisruptionBudget pdb = get(PodDisruptionBudget.class, key);
    if (pdb == null || pdb.getSpec() == null) {
      return;
    }
    Instant now = clock.instant();
    PodDisruptionBudgetSpec spec = pdb.getSpec();
    List<Pod> pods = new ArrayList<>();
    for (Pod pod : client.pods().inNamespace(ns).list().getItems()) {
      if (SetPods.selects(spec.getSelector(), SetPods.labels(pod))) {
        pods.add(pod);
      }
    }
    PodDisruptionBudgetStatus old =
        pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();

    // disruptedPods: drop pods that are gone or being deleted, and evictions older than the timeout
    Map<String, String> disrupted = new LinkedHashMap<>();
    Instant recheck = null;
    if (old.getDisruptedPods() != null) {
      for (Map.Entry<String, String> e : old.getDisruptedPods().entrySet()) {
        Pod pod =
            pods.stream()
                .filter(p -> p.getMetadata().getName().equals(e.getKey()))
                .findFirst()
                .orElse(null);
        Instant at = SetPods.parseTime(e.getValue());
        if (pod == null || SetPods.isTerminating(pod) || at == null) {
          continue;
        }
        Instant expires = at.plus(DELETION_TIMEOUT);
        if (!expires.isAfter(now)) {
          continue;
        }
        disrupted.put(e.getKey(), e.getValue());
        recheck = recheck == null || expires.isBefore(recheck) ? expires : recheck;
      }
    }

    int currentHealthy = 0;
    for (Pod pod : pods) {
      if (SetPods.isTerminating(pod) || disrupted.containsKey(pod.getMetadata().getName())) {
        continue;
      }
      if (SetPods.isReady(pod)) {
        currentHealthy++;
      }
    }

    PodDisruptionBudgetStatus status = new PodDisruptionBudgetStatus();
    status.setObservedGeneration(pdb.getMetadata().getGeneration());
    status.setDisruptedPods(disrupted.isEmpty() ? null : disrupted);
    status.setCurrentHealthy(currentHealthy);
    int expected;
    int desired;
    try {
      if (spec.getMaxUnavailable() != null) {
        expected = expectedScale(pods);
        int maxUnavailable = SetPods.scaled(spec.getMaxUnavailable(), expected, true, 0);
        desired = Math.max(0, expected - maxUnavailable);
      } else if (spec.getMinAvailable() != null && spec.getMinAvailable().getIntVal() != null) {
        expected = pods.size();
        desired = spec.getMinAvailable().getIntVal();
      } else if (spec.getMinAvailable() != null) {
        expected = expectedScale(pods);
        desired = SetPods.scaled(spec.getMinAvailable(), expected, true, 0);
      } else {
        expected = pods.size();
        desired = 0;
      }
    } catch (ScaleNotFound e) {
      // failSafe: nothing may be disrupted while the budget cannot be computed
      status.setCurrentHealthy(currentHealthy);
      status.setDesiredHealthy(old.getDesiredHealthy() == null ? 0 : old.getDesiredHealthy());
      status.setExpectedPods(old.getExpectedPods() == null ? 0 : old.getExpectedPods());
      status.setDisruptionsAllowed(0);
      status.setConditions(condition(old, "False", "SyncFailed", e.getMessage(), now));
      write(pdb, status);
      queue.addAfter(key, Duration.ofSeconds(5));
      return;
    }
    int allowed = currentHealthy - desired;
    if (expected <= 0 || allowed <= 0) {
      allowed = 0;
    }
    status.setDesiredHealthy(desired);
    status.setExpectedPods(expected);
    status.setDisruptionsAllowed(allowed);
    status.setConditions(
        allowed > 0
            ? condition(old, "True", "SufficientPods", "", now)
            : condition(old, "False", "InsufficientPods", "", now));
    write(pdb, status);
    if (recheck != null) {
      queue.addAfter(key, Duration.between(now, recheck).plusMillis(50));
    }
  }

  /**
   * The sum of the replicas of the pods' controllers, each counted once by the uid of the
   * controller that owns the scale (a Deployment for the pods of all its ReplicaSets), as
   * getExpectedScale.
   */
  private int expectedScale(List<Pod> pods) {
    Map<String, Integer> byController = new LinkedHashMap<>();
    Map<String, ControllerScale> byRef = new LinkedHashMap<>();
    for (Pod pod : pods) {
      OwnerReference ref =
          SetPods.controllerOf(pod)
              .orElseThrow(
                  () ->
                      new ScaleNotFound(
                          "found no controller ref for pod \""
                              + pod.getMetadata().getName()
                              + "\""));
      ControllerScale scale = byRef.get(ref.getUid());
      if (scale == null) {
        scale = controllerScale(pod.getMetadata().getNamespace(), ref);
        byRef.put(ref.getUid(), scale);
      }
      byController.put(scale.uid(), scale.replicas());
    }
    return byController.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** A controller that owns a scale, and its desired replicas. */
  private record ControllerScale(String uid, int replicas) {}

  /** The scale behind a pod's controller, through the finders the real controller uses. */
  private ControllerScale controllerScale(String ns, OwnerReference ref) {
    String group =
        ref.getApiVersion() != null && ref.getApiVersion().contains("/")
            ? ref.getApiVersion().substring(0, ref.getApiVersion().indexOf('/'))
            : "";
    String kind = String.valueOf(ref.getKind());
    try {
      if (group.equals("apps") && kind.equals("ReplicaSet")) {
        ReplicaSet rs = client.apps().replicaSets().inNamespace(ns).withName(ref.getName()).get();
        if (rs == null || !Objects.equals(rs.getMetadata().getUid(), ref.getUid())) {
          throw notFound(ref);
        }
        var owner = SetPods.controllerOf(rs);
        if (owner.isPresent() && "Deployment".equals(owner.get().getKind())) {
          Deployment d =
              client.apps().deployments().inNamespace(ns).withName(owner.get().getName()).get();
          if (d != null && Objects.equals(d.getMetadata().getUid(), owner.get().getUid())) {
            return new ControllerScale(
                d.getMetadata().getUid(), replicas(d.getSpec().getReplicas()));
          }
        }
        return new ControllerScale(ref.getUid(), replicas(rs.getSpec().getReplicas()));
      }
      if (group.equals("apps") && kind.equals("StatefulSet")) {
        StatefulSet s = client.apps().statefulSets().inNamespace(ns).withName(ref.getName()).get();
        if (s == null || !Objects.equals(s.getMetadata().getUid(), ref.getUid())) {
          throw notFound(ref);
        }
        return new ControllerScale(ref.getUid(), replicas(s.getSpec().getReplicas()));
      }
      Scale scale =
          client
              .genericKubernetesResources(ref.getApiVersion(), kind)
              .inNamespace(ns)
              .withName(ref.getName())
              .scale();
      if (scale == null || scale.getSpec() == null) {
        throw notFound(ref);
      }
      return new ControllerScale(ref.getUid(), replicas(scale.getSpec().getReplicas()));
    } catch (KubernetesClientException e) {
      throw new ScaleNotFound(
          kind.toLowerCase()
              + "."
              + group
              + " \""
              + ref.getName()
              + "\" has no scale: "
              + e.getMessage());
    }
  }

  private static ScaleNotFound notFound(OwnerReference ref) {
    return new ScaleNotFound(
        "found no controllers for " + ref.getKind() + " \"" + ref.getName() + "\"");
  }

  private static int replicas(Integer n) {
    return n == null ? 1 : n;
  }

  private void write(PodDisruptionBudget pdb, PodDisruptionBudgetStatus status) {
    if (sameJson(status, pdb.getStatus())) {
      return;
    }
    pdb.setStatus(status);
    client
        .policy()
        .v1()
        .podDisruptionBudget()
        .inNamespace(pdb.getMetadata().getNamespace())
        .resource(pdb)
        .updateStatus();
  }

  private static List<Condition> condition(
      PodDisruptionBudgetStatus old, String value, String reason, String message, Instant now) {
    Condition existing = null;
    List<Condition> out = new ArrayList<>();
    if (old.getConditions() != null) {
      for (Condition c : old.getConditions()) {
        if ("DisruptionAllowed".equals(c.getType())) {
          existing = c;
        } else {
          out.add(c);
        }
      }
    }
    Condition c = new Condition();
    c.setType("DisruptionAllowed");
    c.setStatus(value);
    c.setReason(reason);
    c.setMessage(message);
    c.setObservedGeneration(null);
    c.setLastTransitionTime(
        existing != null && value.equals(existing.getStatus())
            ? existing.getLastTransitionTime()
            : SetPods.time(now));
    out.add(c);
    return out;
  }

  /** The budget's expected count cannot be computed: a pod's controller or its scale is missing. */
  private static final class ScaleNotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ScaleNotFound(String message) {
      super(message);
    }
  }
}
