package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.WindowsChange;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code asm-migrate windows}: the maintenance windows of a running migration. */
@Command(
    name = "windows",
    mixinStandardHelpOptions = true,
    description = "The maintenance windows of a running migration.",
    subcommands = {WindowsCommand.Set.class})
final class WindowsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return ExitCodes.USAGE;
  }

  /**
   * {@code asm-migrate windows set}: replaces a running migration's windows (the migration's {@code
   * setWindows} update, validated there too); a run waiting for a window decides again at once.
   */
  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description =
          "Replaces the maintenance windows of a running migration (the same window options as"
              + " start; none: any time), or overrides them with --override-window --reason. A"
              + " run waiting for a window moves its wake-up, or goes on now. Bad windows exit 2"
              + " and change nothing.")
  static final class Set implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin WorkflowTarget target;

    @Mixin TemporalOptions temporal;

    @Mixin WindowOptions windows;

    @Option(
        names = "--override-window",
        description = "Emergency: ignore the windows from now on (needs --reason).")
    boolean override;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (with --override-window).")
    String reason;

    @Option(
        names = "--fleet",
        paramLabel = "NAME",
        description =
            "A fleet instead of one migration: its running clusters get the windows at once, those"
                + " not started yet when they start (no override: override one cluster's"
                + " migration).")
    String fleet;

    @Option(
        names = "--fleet-cluster",
        paramLabel = "NAME",
        description = "With --fleet: only this cluster (its name in the fleet file).")
    String fleetCluster;

    @Option(
        names = "--answer-timeout",
        defaultValue = "30s",
        converter = PositiveDurationConverter.class,
        description =
            "How long to wait for the migration's answer; past it the change is sent as a signal"
                + " (default: ${DEFAULT-VALUE}).")
    Duration answerTimeout;

    @Override
    public Integer call() {
      // bad windows are refused before Temporal is contacted
      MaintenanceWindows w = windows.windows(Instant.now());
      WindowRunOptions run = new WindowRunOptions();
      run.override = override;
      run.reason = reason;
      WindowsChange change = new WindowsChange(w, run.overrideReason());
      PrintWriter out = spec.commandLine().getOut();
      if (fleet != null) {
        if (change.overrideReason() != null) {
          throw new UserError(
              ExitCodes.USAGE,
              "--override-window is one migration's emergency: name it with --cluster-id");
        }
        Fleets.workflowId(fleet);
        try (Fleets fleets = Fleets.connect(temporal)) {
          String answer =
              fleets.update(fleet, wf -> wf.setWindows(change, fleetCluster), answerTimeout);
          out.println("fleet " + fleet + ": " + answer);
          out.flush();
          return ExitCodes.OK;
        }
      }
      if (fleetCluster != null) {
        throw new UserError(ExitCodes.USAGE, "--fleet-cluster goes with --fleet");
      }
      String id = target.workflowId();
      try (Migrations migrations = Migrations.connect(temporal)) {
        String answer =
            migrations.update(
                id,
                workflow -> workflow.setWindows(change),
                workflow -> workflow.windowsSignal(change),
                answerTimeout);
        out.println(id + ": " + answer);
        out.flush();
        return ExitCodes.OK;
      }
    }
  }
}
