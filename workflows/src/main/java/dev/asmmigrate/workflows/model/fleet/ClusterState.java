package dev.asmmigrate.workflows.model.fleet;

/** Where one cluster of a fleet stands. */
public enum ClusterState {
  /** Its wave has not started it yet. */
  WAITING,
  /** Its {@code MigrationWorkflow}, started by this fleet, runs. */
  RUNNING,
  /** A migration of it that this fleet did not start (a {@code start}, another fleet) runs. */
  FOLLOWING,
  /** Migrated; checked again until its wave's soak ends. */
  SOAKING,
  /** Its migration ended SUCCESS (and its soak held). */
  SUCCEEDED,
  /**
   * Its migration did not end SUCCESS (rolled back, refused, rollback failed, or FINISH_FAILED:
   * migrated, but disable-addon or cleanup failed, the add-on still enabled or its objects left).
   */
  FAILED,
  /** Migrated, but a soak check found a namespace's pods not Ready or restarting. */
  SOAK_FAILED,
  /** Aborted by the fleet's halt ({@code onHalt: rollBack}): rolled back to the add-on. */
  HALTED_ROLLED_BACK,
  /** Never started: the fleet halted first. */
  NOT_STARTED,
  /** Left out by an operator ({@code fleet resume --skip}). */
  SKIPPED;

  /** Whether the cluster counts against a failure budget. */
  public boolean failed() {
    return this == FAILED || this == SOAK_FAILED;
  }

  /** Whether nothing more will happen to it in this run. */
  public boolean ended() {
    return switch (this) {
      case WAITING, RUNNING, FOLLOWING, SOAKING -> false;
      default -> true;
    };
  }
}
