package dev.asmmigrate.workflows.model;

/**
 * An injected namespace found by pre-flight (or left for migrate-remaining-workloads), as {@code
 * MeshInventory} classifies it.
 *
 * @param name the namespace
 * @param version the add-on control plane its label selects
 * @param workloads Deployments, StatefulSets and DaemonSets whose pods carry a sidecar
 * @param unmanagedPods running injected pods no restart replaces (no controller, a Job, a
 *     ReplicaSet no Deployment owns): they keep their proxy; reported, never deleted
 */
public record NamespacePlan(String name, AddonVersion version, int workloads, int unmanagedPods) {}
