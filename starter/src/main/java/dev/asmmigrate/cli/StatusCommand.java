package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.model.MigrationState;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code asm-migrate status}: one look at a migration, or a watch until it needs no one. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Shows a migration: phase, step, progress bars, a per-namespace table with pods ready/total.",
      "With --watch it refreshes until the migration ends, waits for an operator (approval,"
          + " recheck, resume) or for a maintenance window (it goes on by itself when the window"
          + " opens). Exit code with --watch: 0 SUCCESS, waiting for approval, paused or waiting"
          + " for a window, 3 blocking findings wait for recheck, 4 ended otherwise than"
          + " SUCCESS, 5 ROLLBACK_FAILED, 8 FINISH_FAILED (migrated; disable-addon or cleanup"
          + " failed: start again to finish)."
    })
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin WorkflowTarget target;

  @Mixin TemporalOptions temporal;

  @Mixin TextOrJson output;

  @Mixin WatchOptions watching;

  @Override
  public Integer call() throws InterruptedException {
    boolean json = output.json();
    String id = target.workflowId();
    PrintWriter out = spec.commandLine().getOut();
    boolean terminal = System.console() != null && !json;
    try (Migrations migrations = Migrations.connect(temporal)) {
      long deadline = System.nanoTime() + watching.timeout.toNanos();
      Object lastShown = null;
      while (true) {
        StatusView view = look(migrations, id);
        Object shown =
            java.util.Arrays.asList(
                view.status(),
                view.workflowStatus(),
                livePodsKey(view),
                view.retries(),
                view.workers());
        if (!watching.watch || terminal || !shown.equals(lastShown)) {
          if (terminal && watching.watch) {
            out.print("\033[H\033[2J");
          }
          out.println(json ? view.json() : view.text(System.currentTimeMillis()));
          out.flush();
          lastShown = shown;
        }
        if (!watching.watch) {
          return ExitCodes.OK;
        }
        Integer done = settled(view);
        if (done != null) {
          return done;
        }
        if (System.nanoTime() > deadline) {
          throw new UserError(
              ExitCodes.UNEXPECTED,
              "the migration is still running after "
                  + Times.duration(watching.timeout)
                  + " of watching");
        }
        Thread.sleep(watching.interval.toMillis());
      }
    }
  }

  private static String livePodsKey(StatusView view) {
    StringBuilder b = new StringBuilder();
    view.livePods().forEach((ns, c) -> b.append(ns).append(c[0]).append('/').append(c[1]));
    return b.toString();
  }

  private static StatusView look(Migrations migrations, String id) {
    return migrations.look(id);
  }

  /** The exit code once the watch can stop, or null while the migration moves on its own. */
  private static Integer settled(StatusView view) {
    // DONE while the execution still runs: its result is being recorded; the next look shows the
    // workflow closed, so that the last status a script reads says COMPLETED (or FAILED)
    if (view.ended()) {
      if (view.status().state() == MigrationState.ROLLBACK_FAILED) {
        return ExitCodes.ROLLBACK_FAILED;
      }
      if (view.status().state() == MigrationState.FINISH_FAILED) {
        return ExitCodes.FINISH_FAILED;
      }
      return view.status().state() == MigrationState.SUCCESS && view.status().error() == null
          ? ExitCodes.OK
          : ExitCodes.OUTCOME;
    }
    return switch (view.status().phase()) {
      // a run waiting for its window is running, not failed: it goes on by itself
      case "WAITING_FOR_APPROVAL", "PAUSED", "WAITING_FOR_WINDOW" -> ExitCodes.OK;
      case "DONE" -> null;
      case "WAITING_FOR_RECHECK" -> ExitCodes.BLOCKED;
      default -> null;
    };
  }
}
