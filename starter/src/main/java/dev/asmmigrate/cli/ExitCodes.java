package dev.asmmigrate.cli;

/** What asm-migrate's exit codes mean; scripts may rely on them. */
public final class ExitCodes {
  /** The command did what was asked (for demo and start --wait: the outcome asked for). */
  public static final int OK = 0;

  /** Something unexpected failed (a bug, an unreachable API, an I/O error). */
  public static final int UNEXPECTED = 1;

  /** The command line was wrong: unknown option, bad value, missing argument. */
  public static final int USAGE = 2;

  /** The cluster cannot be migrated as it is: blocking findings or a failed pre-flight. */
  public static final int BLOCKED = 3;

  /** The migration ended in another state than the one asked for (e.g. rolled back). */
  public static final int OUTCOME = 4;

  /**
   * The migration failed and its rollback did not complete (outcome ROLLBACK_FAILED): the cluster
   * is neither migrated nor back on the add-on, and needs a person ({@code asm-migrate status} says
   * what to look at).
   */
  public static final int ROLLBACK_FAILED = 5;

  /**
   * A fleet ended HALTED ({@code fleet start --wait}, {@code fleet status --watch}): a failure
   * budget was spent, no new cluster started, and each cluster's outcome says where it stands;
   * {@code fleet resume NAME --retry CLUSTER | --skip CLUSTER} goes on from there.
   */
  public static final int FLEET_HALTED = 6;

  /** A fleet ended ABORTED: an operator stopped it ({@code fleet abort}). */
  public static final int FLEET_ABORTED = 7;

  /**
   * The cluster migrated to managed ASM (the state ConfigMap says SUCCESS), but a step after the
   * point of no return failed (outcome FINISH_FAILED: disable-addon or cleanup): the add-on is
   * still enabled or its objects remain, and nothing was rolled back. {@code asm-migrate status}
   * says which step and why; once the cause is removed, {@code asm-migrate start} again for the
   * same cluster resumes the migration and runs the finishing steps again.
   */
  public static final int FINISH_FAILED = 8;

  /** The exit code of a fleet that ended in {@code state}: SUCCESS 0, HALTED 6, ABORTED 7. */
  public static int ofFleet(dev.asmmigrate.workflows.model.fleet.FleetState state) {
    return switch (state) {
      case SUCCESS -> OK;
      case HALTED -> FLEET_HALTED;
      case ABORTED -> FLEET_ABORTED;
      case RUNNING -> UNEXPECTED;
    };
  }

  /** The exit code of a migration that ended in {@code state} when {@code asked} was wanted. */
  public static int of(
      dev.asmmigrate.workflows.model.MigrationState state,
      dev.asmmigrate.workflows.model.MigrationState asked) {
    if (state == dev.asmmigrate.workflows.model.MigrationState.ROLLBACK_FAILED) {
      return ROLLBACK_FAILED;
    }
    if (state == dev.asmmigrate.workflows.model.MigrationState.FINISH_FAILED) {
      return FINISH_FAILED; // migrated, but not finished: never OK, whatever was asked
    }
    if (state == dev.asmmigrate.workflows.model.MigrationState.REFUSED) {
      return BLOCKED; // pre-flight refused the cluster as it is; nothing was changed
    }
    return state == asked ? OK : OUTCOME;
  }

  private ExitCodes() {}
}
