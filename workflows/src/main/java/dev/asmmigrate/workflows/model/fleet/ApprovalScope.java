package dev.asmmigrate.workflows.model.fleet;

/**
 * Who approves the point of no return (disable-addon and cleanup) of the fleet's clusters, once
 * each cluster's migration reached SUCCESS.
 */
public enum ApprovalScope {
  /** Nobody: each cluster goes on by itself ({@code start --auto-approve}). */
  NONE,
  /** Each cluster on its own, as a single-cluster {@code start} waits. */
  CLUSTER,
  /** One approval per wave lets every cluster of the wave go on. */
  WAVE,
  /** One approval for the whole fleet, given once the last wave's clusters reached SUCCESS. */
  FLEET
}
