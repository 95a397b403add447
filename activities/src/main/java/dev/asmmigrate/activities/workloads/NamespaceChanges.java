package dev.asmmigrate.activities.workloads;

import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.INJECTION_LABEL;
import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.RESTARTED_AT;
import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.REV_LABEL;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.byName;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.BackupContent;
import dev.asmmigrate.activities.inventory.MeshInventory;
import dev.asmmigrate.workflows.activities.WorkloadActivities.Direction;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartRequest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the workload phase changes in one namespace, computed once, without I/O, from what was read
 * of it: the label patch ({@link #relabel}) and the restart of each workload ({@link #restarts}).
 * The activities apply exactly these ({@link NamespaceRelabel}, {@link WorkloadRestarts}) and the
 * plan lists exactly these ({@link WorkloadActivitiesImpl#plan}).
 *
 * @param labels the namespace's label change
 * @param restarts each workload's restart, in the order they are made
 */
record NamespaceChanges(LabelChange labels, List<Restart> restarts) {

  /**
   * What was read of a namespace's workloads; StatefulSets and DaemonSets are read only when their
   * restart was asked for.
   */
  record Workloads(
      List<Deployment> deployments,
      List<StatefulSet> statefulSets,
      List<DaemonSet> daemonSets,
      List<Pod> pods) {}

  /**
   * The relabel of a namespace for {@code revision}.
   *
   * @param before the namespace's labels as read
   * @param patch the labels to set, a null value removing one; empty when the namespace is labelled
   *     for the revision already
   */
  record LabelChange(
      String namespace, String revision, Map<String, String> before, Map<String, String> patch) {

    boolean needed() {
      return !patch.isEmpty();
    }

    /** The merge patch of the namespace. */
    ObjectNode mergePatch() {
      return labelsPatch(patch);
    }

    /** {@code istio.io/rev=<rev>, removed istio-injection (was istio-injection=enabled)}. */
    String describe() {
      return REV_LABEL
          + "="
          + revision
          + (before.containsKey(INJECTION_LABEL) ? ", removed " + INJECTION_LABEL : "")
          + " (was "
          + injectionLabels(before)
          + ")";
    }
  }

  /** What a restart does to one workload. */
  enum Action {
    /** Its pod template's restartedAt is set: a rollout starts. */
    PATCH,
    /** It carries the value already (an earlier attempt restarted it): no second rollout. */
    ALREADY_RESTARTED,
    /** A rollback leaves it alone: the migration did not restart it. */
    LEFT_ALONE
  }

  /**
   * @param current the restartedAt its pod template carries now, or null
   * @param patch the merge patch that restarts it (set on PATCH only)
   */
  record Restart(HasMetadata workload, String current, Action action, ObjectNode patch) {

    /** {@code Kind/name}. */
    String ref() {
      return workload.getKind() + "/" + workload.getMetadata().getName();
    }

    /** Whether the workload counts as restarted by this restart (now or before). */
    boolean restarted() {
      return action != Action.LEFT_ALONE;
    }
  }

  /** The migration of a namespace: its relabel for the revision, then its restart. */
  static NamespaceChanges migrate(
      Namespace namespace, String revision, Workloads read, RestartRequest restart) {
    return new NamespaceChanges(relabel(namespace, revision), restarts(read, restart));
  }

  /** The relabel: {@code istio.io/rev=<revision>} and no {@code istio-injection}. */
  static LabelChange relabel(Namespace namespace, String revision) {
    Map<String, String> before = WorkloadObjects.labels(namespace);
    Map<String, String> patch = new HashMap<>();
    if (!revision.equals(before.get(REV_LABEL)) || before.containsKey(INJECTION_LABEL)) {
      patch.put(REV_LABEL, revision);
      patch.put(INJECTION_LABEL, null);
    }
    return new LabelChange(namespace.getMetadata().getName(), revision, Map.copyOf(before), patch);
  }

  /**
   * The restart of each workload: every Deployment, and (with {@code includeSetsAndDaemonSets})
   * each StatefulSet and DaemonSet in the mesh, by name within each kind. Rolling back, only those
   * carrying the migration's restartedAt are restarted again.
   */
  static List<Restart> restarts(Workloads read, RestartRequest request) {
    List<Restart> out = new ArrayList<>();
    for (Deployment d : byName(read.deployments())) {
      out.add(restart(d, d.getSpec().getTemplate(), request));
    }
    if (request.includeSetsAndDaemonSets()) {
      for (StatefulSet s : byName(read.statefulSets())) {
        if (meshed(s, read.pods(), s.getSpec().getTemplate(), request)) {
          out.add(restart(s, s.getSpec().getTemplate(), request));
        }
      }
      for (DaemonSet d : byName(read.daemonSets())) {
        if (meshed(d, read.pods(), d.getSpec().getTemplate(), request)) {
          out.add(restart(d, d.getSpec().getTemplate(), request));
        }
      }
    }
    return out;
  }

  private static Restart restart(
      HasMetadata workload, PodTemplateSpec template, RestartRequest request) {
    String current = restartedAt(template);
    if (request.direction() == Direction.ROLL_BACK
        && !request.migrationRestartedAt().equals(current)) {
      return new Restart(workload, current, Action.LEFT_ALONE, null);
    }
    if (request.restartedAt().equals(current)) {
      return new Restart(workload, current, Action.ALREADY_RESTARTED, null);
    }
    return new Restart(workload, current, Action.PATCH, restartPatch(request.restartedAt()));
  }

  /**
   * Whether a StatefulSet or DaemonSet belongs to the mesh: its pods carry a sidecar, or it carries
   * this restart's (or the migration's) value already, its pods perhaps being replaced right now.
   * Without the second test a retried restart would miss a set whose pods are down.
   */
  private static boolean meshed(
      HasMetadata set, List<Pod> pods, PodTemplateSpec template, RestartRequest request) {
    if (MeshInventory.meshed(set, pods)) {
      return true;
    }
    String current = restartedAt(template);
    return current != null
        && (current.equals(request.restartedAt())
            || current.equals(request.migrationRestartedAt()));
  }

  private static String restartedAt(PodTemplateSpec template) {
    return template.getMetadata() == null || template.getMetadata().getAnnotations() == null
        ? null
        : template.getMetadata().getAnnotations().get(RESTARTED_AT);
  }

  /** The merge patch of a rollout restart: the pod template's restartedAt annotation. */
  static ObjectNode restartPatch(String restartedAt) {
    ObjectNode patch = BackupContent.MAPPER.createObjectNode();
    patch
        .putObject("spec")
        .putObject("template")
        .putObject("metadata")
        .putObject("annotations")
        .put(RESTARTED_AT, restartedAt);
    return patch;
  }

  /** The merge patch of a namespace's labels, sorted; a null value removes the label. */
  static ObjectNode labelsPatch(Map<String, String> labels) {
    ObjectNode out = BackupContent.MAPPER.createObjectNode();
    ObjectNode node = out.putObject("metadata").putObject("labels");
    new TreeMap<>(labels)
        .forEach(
            (k, v) -> {
              if (v == null) {
                node.putNull(k);
              } else {
                node.put(k, v);
              }
            });
    return out;
  }

  /** {@code istio-injection=enabled,istio.io/rev=...}, or {@code no injection label}. */
  static String injectionLabels(Map<String, String> labels) {
    List<String> parts = new ArrayList<>();
    for (String label : List.of(INJECTION_LABEL, REV_LABEL)) {
      if (labels.containsKey(label)) {
        parts.add(label + "=" + labels.get(label));
      }
    }
    return parts.isEmpty() ? "no injection label" : String.join(",", parts);
  }
}
