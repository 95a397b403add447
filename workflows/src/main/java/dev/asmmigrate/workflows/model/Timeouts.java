package dev.asmmigrate.workflows.model;

import java.time.Duration;

/**
 * Bounds of the migration's waits. Every wait heartbeats and fails with a clear message when its
 * bound passes.
 *
 * @param controlPlane for the ControlPlaneRevision to report ProvisioningFinished
 * @param rootDistribution for the Mesh CA root to reach every namespace and its proxies
 * @param rollout for one namespace's workloads to restart and verify
 * @param gateway for the new ingress gateway to become available
 */
public record Timeouts(
    Duration controlPlane, Duration rootDistribution, Duration rollout, Duration gateway) {

  public static Timeouts defaults() {
    return new Timeouts(
        Duration.ofMinutes(20),
        Duration.ofMinutes(10),
        Duration.ofMinutes(15),
        Duration.ofMinutes(10));
  }
}
