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

  /** The exit code of a migration that ended in {@code state} when {@code asked} was wanted. */
  public static int of(
      dev.asmmigrate.workflows.model.MigrationState state,
      dev.asmmigrate.workflows.model.MigrationState asked) {
    if (state == dev.asmmigrate.workflows.model.MigrationState.ROLLBACK_FAILED) {
      return ROLLBACK_FAILED;
    }
    if (state == dev.asmmigrate.workflows.model.MigrationState.REFUSED) {
      return BLOCKED; // pre-flight refused the cluster as it is; nothing was changed
    }
    return state == asked ? OK : OUTCOME;
  }

  private ExitCodes() {}
}
