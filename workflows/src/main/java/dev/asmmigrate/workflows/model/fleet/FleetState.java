package dev.asmmigrate.workflows.model.fleet;

/** How a fleet stands or ended. */
public enum FleetState {
  RUNNING,
  /** Every cluster ended SUCCEEDED (or SKIPPED by an operator). */
  SUCCESS,
  /** A failure budget was spent: no new cluster started; see each cluster's outcome. */
  HALTED,
  /** An operator aborted the fleet. */
  ABORTED
}
