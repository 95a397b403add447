package dev.asmmigrate.workflows.model.window;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The openings of a set of {@link MaintenanceWindows}: pure and deterministic, so the workflow can
 * ask it with {@code Workflow.currentTimeMillis()}. Overlapping occurrences of several windows
 * merge into one opening; exclusions are cut out.
 *
 * <p>CONTRACT (branch i14-base): implemented on i14-calendar.
 */
public final class WindowCalendar {

  private final MaintenanceWindows windows;

  private WindowCalendar(MaintenanceWindows windows) {
    this.windows = windows;
  }

  /**
   * A calendar of these windows, validated.
   *
   * @throws InvalidWindowsException an invalid RRULE, an unknown zone, a non-positive duration or
   *     margin, an exclusion that ends before it starts, or windows that do not open once in the
   *     year after {@code from}
   */
  public static WindowCalendar of(MaintenanceWindows windows, Instant from) {
    throw new UnsupportedOperationException("i14-calendar");
  }

  public MaintenanceWindows windows() {
    return windows;
  }

  /** The opening that contains {@code t}, if any; always one (unbounded) when any time. */
  public Optional<Opening> openAt(Instant t) {
    throw new UnsupportedOperationException("i14-calendar");
  }

  /** The first opening that starts at or after {@code t}, within a year; empty if none. */
  public Optional<Opening> nextOpening(Instant t) {
    throw new UnsupportedOperationException("i14-calendar");
  }

  /** The openings that overlap {@code [from, to)}, in order. */
  public List<Opening> openings(Instant from, Instant to) {
    throw new UnsupportedOperationException("i14-calendar");
  }
}
