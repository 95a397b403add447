package dev.asmmigrate.workflows.model;

import dev.asmmigrate.workflows.model.window.WindowPolicy;
import java.util.List;

/**
 * What to migrate and how: the input of {@code MigrationWorkflow}.
 *
 * @param cluster the GKE cluster
 * @param connection how the worker reaches it
 * @param fleetProject the fleet (GKE Hub) project; the cluster's project when null
 * @param channel release channel: regular, rapid or stable
 * @param namespaces namespaces to migrate in the workload step; empty means every injected one
 * @param canary namespaces migrated first, alone, before the waves
 * @param concurrency how many namespaces migrate at once
 * @param autoApprove skip the wait for an operator's approval before the irreversible steps
 * @param continueOnNamespaceFailure roll back a failing namespace alone and go on, instead of
 *     rolling back the whole migration
 * @param restartStatefulSetsAndDaemonSets also restart StatefulSets and DaemonSets whose pods carry
 *     a sidecar
 * @param backupDir a local directory for backups on the worker (owner-only), or null to keep them
 *     in the cluster (namespace asm-migrate-system)
 * @param failAt a step id at which to inject a permanent failure (rehearsing rollback), or null
 * @param timeouts bounds of the waits
 * @param windows when the run may disturb traffic: the cluster's maintenance windows, the earliest
 *     start and an emergency override; any time when null
 */
public record MigrationRequest(
    ClusterRef cluster,
    Connection connection,
    String fleetProject,
    String channel,
    List<String> namespaces,
    List<String> canary,
    int concurrency,
    boolean autoApprove,
    boolean continueOnNamespaceFailure,
    boolean restartStatefulSetsAndDaemonSets,
    String backupDir,
    String failAt,
    Timeouts timeouts,
    WindowPolicy windows) {

  public MigrationRequest {
    namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    canary = canary == null ? List.of() : List.copyOf(canary);
    channel = channel == null ? "regular" : channel;
    timeouts = timeouts == null ? Timeouts.defaults() : timeouts;
    windows = windows == null ? WindowPolicy.anyTime() : windows;
  }

  /** The managed control plane revision of the channel. */
  public String revision() {
    return switch (channel) {
      case "rapid" -> "asm-managed-rapid";
      case "stable" -> "asm-managed-stable";
      default -> "asm-managed";
    };
  }

  public String effectiveFleetProject() {
    return fleetProject == null || fleetProject.isBlank() ? cluster.project() : fleetProject;
  }
}
