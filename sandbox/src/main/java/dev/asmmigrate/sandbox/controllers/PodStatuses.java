package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.PodIdentities.containerId;
import static dev.asmmigrate.sandbox.controllers.PodIdentities.imageId;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The pod and container statuses and conditions, as the kubelet reports them (the statuses section
 * of {@link SchedulerAndKubelet}).
 */
final class PodStatuses {
  private PodStatuses() {}

  static ContainerStatusBuilder base(Container c, int restarts, boolean ready, boolean isStarted) {
    return new ContainerStatusBuilder()
        .withName(c.getName())
        .withImage(c.getImage())
        .withImageID(imageId(c.getImage()))
        .withReady(ready)
        .withStarted(isStarted)
        .withRestartCount(restarts);
  }

  static ContainerStatus runningStatus(
      Pod pod, Container c, int restarts, String ts, ContainerState last) {
    ContainerStatusBuilder b =
        base(c, restarts, false, true)
            .withContainerID(containerId(pod, c.getName(), restarts))
            .withState(
                new ContainerStateBuilder()
                    .withNewRunning()
                    .withStartedAt(ts)
                    .endRunning()
                    .build());
    if (last != null) {
      b.withLastState(last);
    }
    return b.build();
  }

  static ContainerState terminated(ContainerStatus cs, int exitCode, String reason, String ts) {
    String startedAt =
        cs.getState() != null && cs.getState().getRunning() != null
            ? cs.getState().getRunning().getStartedAt()
            : ts;
    return new ContainerStateBuilder()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withReason(reason)
        .withStartedAt(startedAt)
        .withFinishedAt(ts)
        .withContainerID(cs.getContainerID())
        .endTerminated()
        .build();
  }

  /**
   * ContainersReady and Ready from the containers (and readiness gates), as the kubelet sets them.
   */
  static void updateReadiness(Pod pod, PodStatus status) {
    List<String> unready = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers()) {
      boolean ready =
          list(status.getContainerStatuses()).stream()
              .anyMatch(
                  cs -> cs.getName().equals(c.getName()) && Boolean.TRUE.equals(cs.getReady()));
      if (!ready) {
        unready.add(c.getName());
      }
    }
    if (unready.isEmpty()) {
      setCondition(status, condition("ContainersReady", "True", null, null));
    } else {
      setCondition(
          status,
          condition(
              "ContainersReady",
              "False",
              "ContainersNotReady",
              "containers with unready status: [" + String.join(" ", unready) + "]"));
    }
    List<String> gates = new ArrayList<>();
    for (PodReadinessGate gate : list(pod.getSpec().getReadinessGates())) {
      boolean ok =
          list(status.getConditions()).stream()
              .anyMatch(
                  c -> c.getType().equals(gate.getConditionType()) && "True".equals(c.getStatus()));
      if (!ok) {
        gates.add(gate.getConditionType());
      }
    }
    if (!unready.isEmpty()) {
      setCondition(
          status,
          condition(
              "Ready",
              "False",
              "ContainersNotReady",
              "containers with unready status: [" + String.join(" ", unready) + "]"));
    } else if (!gates.isEmpty()) {
      setCondition(
          status,
          condition(
              "Ready",
              "False",
              "ReadinessGatesNotReady",
              "corresponding condition of pod readiness gate \""
                  + gates.get(0)
                  + "\" does not exist."));
    } else {
      setCondition(status, condition("Ready", "True", null, null));
    }
  }

  static PodCondition condition(String type, String status, String reason, String message) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(WorkloadSupport.now())
        .build();
  }

  private static final List<String> CONDITION_ORDER =
      List.of("Initialized", "Ready", "ContainersReady", "PodScheduled");

  /** Sets a condition, keeping its transition time when its status does not change. */
  static void setCondition(PodStatus status, PodCondition c) {
    List<PodCondition> conditions = new ArrayList<>(list(status.getConditions()));
    for (int i = 0; i < conditions.size(); i++) {
      PodCondition old = conditions.get(i);
      if (old.getType().equals(c.getType())) {
        if (Objects.equals(old.getStatus(), c.getStatus())) {
          c.setLastTransitionTime(old.getLastTransitionTime());
          c.setLastProbeTime(old.getLastProbeTime());
        }
        conditions.set(i, c);
        status.setConditions(conditions);
        return;
      }
    }
    conditions.add(c);
    conditions.sort(
        Comparator.comparingInt(
            x ->
                CONDITION_ORDER.indexOf(x.getType()) < 0
                    ? 99
                    : CONDITION_ORDER.indexOf(x.getType())));
    status.setConditions(conditions);
  }

  static PodStatus copyStatus(KubernetesClient client, Pod pod) {
    PodStatus status = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    return new PodStatusBuilder(status).build(); // a deep copy of the model, without JSON
  }

  /** Writes a pod's status; returns the pod as written, or null when nothing changed. */
  static Pod writeStatus(KubernetesClient client, Pod pod, PodStatus status) {
    if (Objects.equals(status, pod.getStatus())) {
      return null;
    }
    return client
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .resource(WorkloadSupport.withStatus(pod, status))
        .updateStatus();
  }

  static Instant startedAt(ContainerStatus cs, Instant fallback) {
    Instant t = WorkloadSupport.parseTime(cs.getState().getRunning().getStartedAt());
    return t == null ? fallback : t;
  }

  static Instant latest(Iterable<Instant> times, Instant fallback) {
    Instant latest = null;
    for (Instant t : times) {
      latest = latest == null || t.isAfter(latest) ? t : latest;
    }
    return latest == null ? fallback : latest;
  }

  static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}
