package dev.asmmigrate.cli;

import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The asm-migrate command line. */
@Command(
    name = "asm-migrate",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description =
        "Migrates GKE clusters from the Istio on GKE add-on (1.4, 1.6) to Anthos Service Mesh with"
            + " the Google-managed control plane and Mesh CA, as a durable Temporal workflow.",
    subcommands = {
      CommandLine.HelpCommand.class,
      DemoCommand.class,
      BenchCommand.class,
      SandboxCommand.class,
      ServerCommand.class,
      WorkerCommand.class,
      StartCommand.class,
      PlanCommand.class,
      StatusCommand.class,
      ApproveCommand.class,
      PauseCommand.class,
      ResumeCommand.class,
      AbortCommand.class,
      RollbackCommand.class,
      RecheckCommand.class,
      WindowsCommand.class,
      ReportCommand.class,
      HistoryCommand.class,
      ListCommand.class,
      FleetCommand.class,
      ScheduleCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the command did what was asked",
      "1:something unexpected failed",
      "2:usage error",
      "3:the cluster cannot be migrated as it is (blocking findings, failed pre-flight)",
      "4:the migration ended in another state than the one asked for",
      "5:the migration failed and its rollback did not complete (ROLLBACK_FAILED)",
      "6:a fleet ended HALTED (a failure budget was spent)",
      "7:a fleet ended ABORTED by an operator",
      "8:migrated, but disable-addon or cleanup failed (FINISH_FAILED): start again to finish"
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, for tests to {@code execute(args)}. */
  public static CommandLine commandLine() {
    return configure(new CommandLine(new Main()));
  }

  /** {@code cl} set up as the CLI sets up its commands: converters and error handling. */
  static CommandLine configure(CommandLine cl) {
    // Every Duration option reads durations as people write them (500ms, 2s, 1h30m, ISO-8601);
    // timeouts and intervals that must be more than 0 name PositiveDurationConverter.
    cl.registerConverter(Duration.class, new DurationConverter());
    cl.setExecutionExceptionHandler(new ErrorHandler());
    cl.setParameterExceptionHandler(ErrorHandler::handleParameterException);
    cl.setExitCodeExceptionMapper(ErrorHandler::exitCode);
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
