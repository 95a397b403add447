package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import dev.asmmigrate.workflows.model.window.WindowsChange;
import io.temporal.client.WorkflowClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code demo --windows short}: maintenance windows in real time, seconds long. The run starts in
 * one long window, which holds the steps before the workload phase: their estimates are the
 * runbook's bounds, minutes (Mesh CA's needs at least 4), which no window of seconds holds. Once a
 * namespace is migrated (so that the run has measured one, and its waves need seconds), an operator
 * pauses the run, replaces its windows with short ones ({@code windows set}: {@value
 * #SHORT_SECONDS} s every {@value #EVERY_SECONDS} s, {@value #SHORT_COUNT} times, then a long one
 * for the gateway, which the runbook estimates in minutes again) and resumes it: the waves then run
 * only inside the short windows, the run waits at each one's end ({@code WAITING_FOR_WINDOW}) and
 * goes on at the next, and it ends SUCCESS.
 */
final class DemoWindows {
  static final int SHORT_SECONDS = 20;
  static final int EVERY_SECONDS = 35;
  static final int SHORT_COUNT = 2;

  /** How many more namespaces the windows demo migrates when --namespaces is not given. */
  static final int NAMESPACES = 30;

  static final Duration MARGIN = Duration.ofSeconds(2);
  static final Duration LONG = Duration.ofMinutes(20);
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  private DemoWindows() {}

  /** The run's first windows: one long window from a few seconds on. */
  static WindowPolicy initial(Instant now) {
    return new WindowPolicy(
        new MaintenanceWindows(List.of(once(now.plusSeconds(3), LONG)), List.of(), false, MARGIN),
        null,
        null);
  }

  /**
   * The short windows from {@code from} on, {@value #EVERY_SECONDS} s apart, then a long one: each
   * a single occurrence ({@code FREQ=DAILY;COUNT=1}), UTC.
   */
  static MaintenanceWindows shortOnes(Instant from) {
    List<RecurringWindow> windows = new ArrayList<>();
    for (int i = 0; i < SHORT_COUNT; i++) {
      windows.add(
          once(from.plusSeconds((long) i * EVERY_SECONDS), Duration.ofSeconds(SHORT_SECONDS)));
    }
    windows.add(once(from.plusSeconds((long) SHORT_COUNT * EVERY_SECONDS), LONG));
    return new MaintenanceWindows(windows, List.of(), false, MARGIN);
  }

  private static RecurringWindow once(Instant start, Duration duration) {
    return new RecurringWindow(
        "FREQ=DAILY;COUNT=1",
        LocalDateTime.ofInstant(start, ZoneOffset.UTC).withNano(0),
        duration,
        "UTC");
  }

  /**
   * The operator: once the workload step has migrated a namespace, set the short windows; the
   * change and the migration's answer printed.
   */
  static Thread operator(WorkflowClient client, String id, PrintWriter out) {
    MigrationWorkflow wf = client.newWorkflowStub(MigrationWorkflow.class, id);
    Thread t =
        new Thread(
            () -> {
              try {
                Migrations migrations = Migrations.over(client, "");
                if (await(migrations, id, DemoWindows::oneMigrated) == null) {
                  return;
                }
                Instant from = Instant.now().plusSeconds(5);
                WindowsChange change = new WindowsChange(shortOnes(from), null);
                String set = update(wf, w -> w.setWindows(change), w -> w.windowsSignal(change));
                say(
                    out,
                    "windows set: "
                        + SHORT_SECONDS
                        + " s from "
                        + String.join(
                            ", ",
                            change.windows().windows().stream()
                                .limit(SHORT_COUNT)
                                .map(w -> TIME.format(w.firstStart()))
                                .toList())
                        + ", then "
                        + LONG.toMinutes()
                        + " min from "
                        + TIME.format(change.windows().windows().get(SHORT_COUNT).firstStart())
                        + " (UTC), margin "
                        + MARGIN.toSeconds()
                        + " s: "
                        + set);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException e) {
                say(out, "could not change the windows: " + e.getMessage());
              }
            },
            "demo-windows-operator");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static boolean oneMigrated(MigrationStatus s) {
    return s.namespaces().stream().anyMatch(ns -> "VERIFIED".equals(ns.phase()));
  }

  /** The status once {@code until} holds, or null if the migration ended first. */
  private static MigrationStatus await(
      Migrations migrations, String id, java.util.function.Predicate<MigrationStatus> until)
      throws InterruptedException {
    while (true) {
      MigrationStatus s = migrations.queryWithGroups(id);
      if (s.endedAt() != null) {
        return null;
      }
      if (until.test(s)) {
        return s;
      }
      Thread.sleep(100);
    }
  }

  private static String update(
      MigrationWorkflow wf,
      java.util.function.Function<MigrationWorkflow, String> update,
      java.util.function.Consumer<MigrationWorkflow> signal) {
    return Migrations.updateOrSignal(wf, update, signal, Duration.ofSeconds(10));
  }

  private static void say(PrintWriter out, String line) {
    out.println("operator: " + line);
    out.flush();
  }
}
