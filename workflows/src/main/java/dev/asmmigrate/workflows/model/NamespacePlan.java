package dev.asmmigrate.workflows.model;

import java.time.Duration;

/**
 * An injected namespace found by pre-flight (or left for migrate-remaining-workloads), as {@code
 * MeshInventory} classifies it.
 *
 * @param name the namespace
 * @param version the add-on control plane its label selects
 * @param workloads Deployments, StatefulSets and DaemonSets whose pods carry a sidecar
 * @param unmanagedPods running injected pods no restart replaces (no controller, a Job, a
 *     ReplicaSet no Deployment owns): they keep their proxy; reported, never deleted
 * @param restartModel how long a rolling restart of its workloads should take, from what pre-flight
 *     saw of them (replicas, maxSurge and maxUnavailable, the readiness probe and the time its pods
 *     took to become Ready; {@code model.window.Estimates#rollout}): the maintenance windows'
 *     estimate of the namespace before the run has measured one; null when unknown (older
 *     histories, plans)
 */
public record NamespacePlan(
    String name, AddonVersion version, int workloads, int unmanagedPods, Duration restartModel) {

  /** A namespace without a restart model. */
  public NamespacePlan(String name, AddonVersion version, int workloads, int unmanagedPods) {
    this(name, version, workloads, unmanagedPods, null);
  }
}
