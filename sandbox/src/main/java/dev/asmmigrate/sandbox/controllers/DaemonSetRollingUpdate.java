package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.DaemonPlacement.shouldRun;
import static dev.asmmigrate.sandbox.controllers.DaemonSetController.isUpdated;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDaemonSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A DaemonSet's {@code RollingUpdate}: within maxUnavailable, or starting new pods beside the old
 * with maxSurge.
 */
record DaemonSetRollingUpdate(Clock clock, NodeSync syncNodes) {
  /** Creates the pods on the nodes named and deletes the pods given. */
  interface NodeSync {
    void sync(DaemonSet ds, List<Pod> delete, List<String> createOn, String hash);
  }

  /**
   * One step of a rolling update (DaemonSetsController.rollingUpdate).
   *
   * @return whether it changed anything
   */
  boolean rollingUpdate(
      DaemonSet ds,
      List<Node> nodes,
      Map<String, List<Pod>> byNode,
      String hash,
      String generation) {
    PodSpec template = ds.getSpec().getTemplate().getSpec();
    int minReady =
        ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
    Instant now = clock.instant();
    Map<String, List<Pod>> candidates = new TreeMap<>();
    byNode.forEach((n, pods) -> candidates.put(n, pods));
    int desired = 0;
    for (Node node : nodes) {
      if (shouldRun(node, template)) {
        desired++;
        candidates.putIfAbsent(node.getMetadata().getName(), List.of());
      }
    }
    RollingUpdateDaemonSet ru =
        ds.getSpec().getUpdateStrategy() == null
            ? null
            : ds.getSpec().getUpdateStrategy().getRollingUpdate();
    int maxUnavailable =
        SetPods.scaled(ru == null ? null : ru.getMaxUnavailable(), desired, true, 1);
    int maxSurge = SetPods.scaled(ru == null ? null : ru.getMaxSurge(), desired, true, 0);
    if (desired > 0 && maxUnavailable == 0 && maxSurge == 0) {
      maxUnavailable = 1;
    }

    if (maxSurge == 0) {
      int unavailable = 0;
      List<Pod> replacements = new ArrayList<>();
      List<Pod> deletable = new ArrayList<>();
      for (List<Pod> pods : candidates.values()) {
        Pod[] split = split(pods, hash, generation);
        if (split == null) {
          unavailable++;
          continue;
        }
        Pod newPod = split[0];
        Pod oldPod = split[1];
        if ((oldPod == null) == (newPod == null)) {
          unavailable++;
        } else if (newPod != null) {
          if (!SetPods.isAvailable(newPod, minReady, now)) {
            unavailable++;
          }
        } else if (!SetPods.isAvailable(oldPod, minReady, now)) {
          replacements.add(oldPod);
          unavailable++;
        } else if (unavailable < maxUnavailable) {
          deletable.add(oldPod);
        }
      }
      int remaining = Math.max(0, Math.min(maxUnavailable - unavailable, deletable.size()));
      List<Pod> delete = new ArrayList<>(replacements);
      delete.addAll(deletable.subList(0, remaining));
      syncNodes.sync(ds, delete, List.of(), hash);
      return !delete.isEmpty();
    }

    int surged = 0;
    List<Pod> delete = new ArrayList<>();
    List<String> allowed = new ArrayList<>();
    List<String> candidatesForNew = new ArrayList<>();
    for (Map.Entry<String, List<Pod>> e : candidates.entrySet()) {
      Pod[] split = split(e.getValue(), hash, generation);
      if (split == null) {
        surged++;
        continue;
      }
      Pod newPod = split[0];
      Pod oldPod = split[1];
      if (oldPod == null) {
        continue; // the manage loop handles this node
      }
      if (newPod == null) {
        if (!SetPods.isAvailable(oldPod, minReady, now)) {
          allowed.add(e.getKey());
        } else if (surged < maxSurge) {
          candidatesForNew.add(e.getKey());
        }
      } else if (!SetPods.isAvailable(newPod, minReady, now)) {
        surged++;
      } else {
        delete.add(oldPod);
      }
    }
    int remaining = Math.max(0, Math.min(maxSurge - surged, candidatesForNew.size()));
    List<String> create = new ArrayList<>(allowed);
    create.addAll(candidatesForNew.subList(0, remaining));
    syncNodes.sync(ds, delete, create, hash);
    return !delete.isEmpty() || !create.isEmpty();
  }

  /**
   * The new and the old pod on a node, ignoring terminating ones (findUpdatedPodsOnNode); null when
   * the node has more than one of either.
   */
  private static Pod[] split(List<Pod> pods, String hash, String generation) {
    Pod newPod = null;
    Pod oldPod = null;
    for (Pod pod : pods) {
      if (SetPods.isTerminating(pod)) {
        continue;
      }
      if (isUpdated(pod, hash, generation)) {
        if (newPod != null) {
          return null;
        }
        newPod = pod;
      } else {
        if (oldPod != null) {
          return null;
        }
        oldPod = pod;
      }
    }
    return new Pod[] {newPod, oldPod};
  }
}
