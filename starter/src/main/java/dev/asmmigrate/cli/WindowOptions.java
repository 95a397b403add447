package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.model.window.Exclusion;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * When the migration may disturb traffic: {@code --window} (repeatable), {@code --exclusion}
 * (repeatable), {@code --windows-from-cluster} and {@code --window-margin}, shared by {@code start}
 * and {@code plan}. Read with {@link #windows}, which refuses bad windows (exit 2) before anything
 * connects. The syntax is {@link WindowSpecs}'s, the fleet file's too.
 */
public final class WindowOptions {
  @Option(
      names = "--window",
      paramLabel = "'RRULE START DURATION ZONE'",
      description =
          "A maintenance window (repeatable): an RFC 5545 RRULE, the local start time (HH:MM, or"
              + " the first occurrence's YYYY-MM-DDTHH:MM), how long it lasts and an IANA time"
              + " zone, e.g. 'FREQ=WEEKLY;BYDAY=SA 02:00 4h Europe/Berlin'. Steps that disturb"
              + " traffic start only inside a window; none (and no --windows-from-cluster): any"
              + " time.")
  List<String> windows = new ArrayList<>();

  @Option(
      names = "--exclusion",
      paramLabel = "'NAME=FROM/TO [ZONE]'",
      description =
          "A time no window opens (repeatable), e.g. 'year-end=2026-12-20/2027-01-03': dates"
              + " (both days excluded), local date-times (2026-12-20T18:00) or instants"
              + " (2026-12-20T17:00:00Z); local ones in ZONE, else the first window's zone, else"
              + " UTC.")
  List<String> exclusions = new ArrayList<>();

  @Option(
      names = "--windows-from-cluster",
      description =
          "Also use the cluster's own GKE maintenance policy (its recurring or daily window and"
              + " its exclusions), read when the migration starts.")
  boolean fromCluster;

  @Option(
      names = "--window-margin",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "Kept free before a window closes: a step starts only if it and its undo end this long"
              + " before the close (default: 5m).")
  Duration margin;

  /**
   * The windows given, checked as the workflow will use them from {@code now}.
   *
   * @throws UserError exit 2 for a window or exclusion that cannot be read or used, naming it
   */
  public MaintenanceWindows windows(Instant now) {
    List<RecurringWindow> recurring = new ArrayList<>();
    for (String w : windows) {
      try {
        recurring.add(WindowSpecs.window(w, now));
      } catch (IllegalArgumentException e) {
        throw new UserError(ExitCodes.USAGE, "--window '" + w + "': " + e.getMessage());
      }
    }
    List<Exclusion> excluded = new ArrayList<>();
    for (String x : exclusions) {
      try {
        excluded.add(WindowSpecs.exclusion(x, WindowSpecs.defaultZone(recurring)));
      } catch (IllegalArgumentException e) {
        throw new UserError(ExitCodes.USAGE, "--exclusion '" + x + "': " + e.getMessage());
      }
    }
    MaintenanceWindows given = new MaintenanceWindows(recurring, excluded, fromCluster, margin);
    try {
      return WindowSpecs.validate(given, now);
    } catch (IllegalArgumentException e) {
      throw new UserError(
          ExitCodes.USAGE, "maintenance windows refused, nothing was done: " + e.getMessage());
    }
  }

  /** The run's window policy: {@link #windows}, no not-before, no override. */
  public WindowPolicy policy(Instant now) {
    return new WindowPolicy(windows(now), null, null);
  }
}
