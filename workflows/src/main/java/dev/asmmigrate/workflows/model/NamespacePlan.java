package dev.asmmigrate.workflows.model;

/**
 * An injected namespace found by pre-flight.
 *
 * @param name the namespace
 * @param version the add-on control plane its label selects
 * @param workloads Deployments, StatefulSets and DaemonSets whose pods carry a sidecar
 * @param unmanagedPods injected pods owned by no controller (reported, never deleted)
 */
public record NamespacePlan(String name, AddonVersion version, int workloads, int unmanagedPods) {}
