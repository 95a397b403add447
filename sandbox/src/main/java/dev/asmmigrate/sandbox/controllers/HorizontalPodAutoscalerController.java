package dev.asmmigrate.sandbox.controllers;

import dev.asmmigrate.sandbox.SandboxContext;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerCondition;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Scalable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The horizontal pod autoscaler (k8s.io/kubernetes pkg/controller/podautoscaler), as a client of
 * the sandbox's API, without metrics: every sync (on each HPA change and every 15 s, the real sync
 * period) it reads the target's scale subresource and keeps its replicas within {@code
 * [minReplicas, maxReplicas]}, taking the current count as the metrics' recommendation. As the real
 * one, it leaves a target scaled to 0 alone (condition {@code ScalingActive=False}, reason {@code
 * ScalingDisabled}): the migration scales the old ingress gateway to 0 under its HPA and relies on
 * that. Status: {@code currentReplicas}, {@code desiredReplicas}, {@code lastScaleTime}, {@code
 * observedGeneration}, conditions {@code AbleToScale}, {@code ScalingActive}, {@code
 * ScalingLimited} with the real reasons and messages.
 */
public final class HorizontalPodAutoscalerController extends SetControllerSupport {
  /** The real controller's default {@code --horizontal-pod-autoscaler-sync-period}. */
  static final Duration SYNC_PERIOD = Duration.ofSeconds(15);

  public HorizontalPodAutoscalerController(SandboxContext ctx) {
    super(ctx, "horizontal-pod-autoscaler");
  }

  @Override
  protected void onStart() {
    inform(HorizontalPodAutoscaler.class, SYNC_PERIOD, h -> queue.add(SetPods.key(h)));
  }

  @Override
  protected void reconcile(String key) {
    String ns = SetPods.namespaceOf(key);
    HorizontalPodAutoscaler hpa = get(HorizontalPodAutoscaler.class, key);
    if (hpa == null || hpa.getSpec() == null || SetPods.isTerminating(hpa)) {
      return;
    }
    Instant now = clock.instant();
    HorizontalPodAutoscalerSpec spec = hpa.getSpec();
    HorizontalPodAutoscalerStatus old =
        hpa.getStatus() == null ? new HorizontalPodAutoscalerStatus() : hpa.getStatus();
    HorizontalPodAutoscalerStatus status = client.getKubernetesSerialization().clone(old);
    status.setObservedGeneration(hpa.getMetadata().getGeneration());
    CrossVersionObjectReference ref = spec.getScaleTargetRef();

    Scalable<?> target;
    Scale scale;
    try {
      target = target(ns, ref);
      scale = target.scale();
      if (scale == null) {
        throw new KubernetesClientException(
            ref.getKind().toLowerCase() + " \"" + ref.getName() + "\" not found", 404, null);
      }
    } catch (RuntimeException e) {
      setCondition(
          status,
          "AbleToScale",
          "False",
          "FailedGetScale",
          "the HPA controller was unable to get the target's current scale: " + message(e),
          now);
      write(hpa, status);
      return;
    }
    setCondition(
        status,
        "AbleToScale",
        "True",
        "SucceededGetScale",
        "the HPA controller was able to get the target's current scale",
        now);

    int current =
        scale.getSpec() == null || scale.getSpec().getReplicas() == null
            ? 0
            : scale.getSpec().getReplicas();
    int min = spec.getMinReplicas() == null ? 1 : spec.getMinReplicas();
    int max = spec.getMaxReplicas() == null ? Math.max(min, current) : spec.getMaxReplicas();
    int desired;
    boolean rescale;
    if (current == 0 && min != 0) {
      desired = 0;
      rescale = false;
      setCondition(
          status,
          "ScalingActive",
          "False",
          "ScalingDisabled",
          "scaling is disabled since the replica count of the target is zero",
          now);
    } else if (current > max) {
      desired = max;
      rescale = true;
    } else if (current < min) {
      desired = min;
      rescale = true;
    } else {
      // no metrics here: the recommendation is the current count, which is within range
      desired = current;
      rescale = false;
      setCondition(
          status,
          "ScalingActive",
          "True",
          "ValidMetricFound",
          "the HPA was able to successfully calculate a replica count from cpu resource"
              + " utilization (percentage of request)",
          now);
      setCondition(
          status,
          "ScalingLimited",
          "False",
          "DesiredWithinRange",
          "the desired count is within the acceptable range",
          now);
    }
    if (rescale) {
      scale.getSpec().setReplicas(desired);
      try {
        target.scale(scale);
      } catch (KubernetesClientException e) {
        setCondition(
            status,
            "AbleToScale",
            "False",
            "FailedUpdateScale",
            "the HPA controller was unable to update the target scale: " + message(e),
            now);
        status.setCurrentReplicas(current);
        write(hpa, status);
        throw e;
      }
      setCondition(
          status,
          "AbleToScale",
          "True",
          "SucceededRescale",
          "the HPA controller was able to update the target scale to " + desired,
          now);
      status.setLastScaleTime(SetPods.time(now));
    } else {
      desired = current;
    }
    status.setCurrentReplicas(current);
    status.setDesiredReplicas(desired);
    write(hpa, status);
  }

  /**
   * The scale subresource of the target, as the HPA's scale client resolves it by group and kind.
   */
  private Scalable<?> target(String ns, CrossVersionObjectReference ref) {
    String apiVersion = ref.getApiVersion() == null ? "" : ref.getApiVersion();
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    boolean apps = group.equals("apps") || group.equals("extensions");
    String kind = String.valueOf(ref.getKind());
    if (apps && kind.equals("Deployment")) {
      return client.apps().deployments().inNamespace(ns).withName(ref.getName());
    }
    if (apps && kind.equals("ReplicaSet")) {
      return client.apps().replicaSets().inNamespace(ns).withName(ref.getName());
    }
    if (apps && kind.equals("StatefulSet")) {
      return client.apps().statefulSets().inNamespace(ns).withName(ref.getName());
    }
    return client
        .genericKubernetesResources(apiVersion, kind)
        .inNamespace(ns)
        .withName(ref.getName());
  }

  private void write(HorizontalPodAutoscaler hpa, HorizontalPodAutoscalerStatus status) {
    if (status.getDesiredReplicas() == null) {
      status.setDesiredReplicas(
          hpa.getStatus() == null || hpa.getStatus().getDesiredReplicas() == null
              ? 0
              : hpa.getStatus().getDesiredReplicas());
    }
    if (sameJson(status, hpa.getStatus())) {
      return;
    }
    hpa.setStatus(status);
    client
        .autoscaling()
        .v2()
        .horizontalPodAutoscalers()
        .inNamespace(hpa.getMetadata().getNamespace())
        .resource(hpa)
        .updateStatus();
  }

  private static void setCondition(
      HorizontalPodAutoscalerStatus status,
      String type,
      String value,
      String reason,
      String message,
      Instant now) {
    List<HorizontalPodAutoscalerCondition> conditions =
        status.getConditions() == null
            ? new ArrayList<>()
            : new ArrayList<>(status.getConditions());
    HorizontalPodAutoscalerCondition existing = null;
    for (HorizontalPodAutoscalerCondition c : conditions) {
      if (type.equals(c.getType())) {
        existing = c;
      }
    }
    HorizontalPodAutoscalerCondition c = new HorizontalPodAutoscalerCondition();
    c.setType(type);
    c.setStatus(value);
    c.setReason(reason);
    c.setMessage(message);
    c.setLastTransitionTime(
        existing != null && Objects.equals(existing.getStatus(), value)
            ? existing.getLastTransitionTime()
            : SetPods.time(now));
    if (existing != null) {
      conditions.set(conditions.indexOf(existing), c);
    } else {
      conditions.add(c);
    }
    status.setConditions(conditions);
  }

  private static String message(Exception e) {
    if (e instanceof KubernetesClientException k
        && k.getStatus() != null
        && k.getStatus().getMessage() != null) {
      return k.getStatus().getMessage();
    }
    return String.valueOf(e.getMessage());
  }
}
