package dev.asmmigrate.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** One place that turns failures into a message on stderr and a meaningful exit code. */
final class ErrorHandler implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cl, ParseResult parseResult) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    cl.getErr().println("asm-migrate: " + message);
    if (System.getenv("ASM_MIGRATE_DEBUG") != null) {
      e.printStackTrace(cl.getErr());
    }
    return exitCode(e);
  }

  /**
   * A command line picocli could not parse (unknown option, missing or malformed value): one line
   * with what was wrong and where the help is, exit 2, and nothing run.
   */
  static int handleParameterException(CommandLine.ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    cl.getErr()
        .println(
            "asm-migrate: "
                + e.getMessage().replace('\n', ' ').strip()
                + " (see '"
                + cl.getCommandSpec().qualifiedName()
                + " --help')");
    return ExitCodes.USAGE;
  }

  static int exitCode(Throwable e) {
    if (e instanceof UserError u) {
      return u.exitCode();
    }
    if (e instanceof CommandLine.ParameterException) {
      return ExitCodes.USAGE;
    }
    return ExitCodes.UNEXPECTED;
  }
}
