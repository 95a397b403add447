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

  private ExitCodes() {}
}
