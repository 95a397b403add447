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
 *     histories, plans). An estimate, not part of what the namespace is: two plans of one namespace
 *     are equal whatever their models ({@link #equals})
 */
public record NamespacePlan(
    String name, AddonVersion version, int workloads, int unmanagedPods, Duration restartModel) {

  /** A namespace without a restart model. */
  public NamespacePlan(String name, AddonVersion version, int workloads, int unmanagedPods) {
    this(name, version, workloads, unmanagedPods, null);
  }

  /** Equal plans name the same namespace, add-on, workloads and unmanaged pods (not the model). */
  @Override
  public boolean equals(Object o) {
    return o instanceof NamespacePlan p
        && name.equals(p.name)
        && version == p.version
        && workloads == p.workloads
        && unmanagedPods == p.unmanagedPods;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(name, version, workloads, unmanagedPods);
  }
}
