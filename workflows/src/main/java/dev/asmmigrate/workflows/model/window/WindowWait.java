package dev.asmmigrate.workflows.model.window;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One stop of a run for its maintenance windows: the disturbing work that did not fit, from when,
 * until when, and why.
 *
 * @param from when the run stopped (workflow time, epoch milliseconds)
 * @param until when it goes on by itself: the start of the next opening in which the work fits
 *     (epoch milliseconds); null when no window of the next year is long enough (an operator must
 *     change the windows or override them)
 * @param zone the zone of that opening (or of the windows), to show {@code until} in local time
 * @param what the work that waits, e.g. {@code step replace-gateway} or {@code wave of 2 namespaces
 *     (app-b, app-c)}
 * @param why e.g. {@code window closes at 2026-12-12 06:00 (Europe/Berlin); next wave needs ~4m +
 *     undo ~4m + margin 5m}
 * @param endedAt when the run went on (epoch milliseconds), null while it waits
 */
public record WindowWait(
    long from, Long until, String zone, String what, String why, Long endedAt) {

  private static final DateTimeFormatter LOCAL =
      DateTimeFormatter.ofPattern("EEE yyyy-MM-dd HH:mm", Locale.ROOT);

  /** The same wait, ended at {@code at}. */
  public WindowWait ended(long at) {
    return new WindowWait(from, until, zone, what, why, at);
  }

  /** The same wait with another wake-up (the windows changed while it waited). */
  public WindowWait until(Long next, String nextZone, String nextWhy) {
    return new WindowWait(from, next, nextZone, what, nextWhy, endedAt);
  }

  /**
   * {@code until} in local time with its zone, e.g. {@code Sat 2026-12-12 02:00 (Europe/Berlin)},
   * or {@code no window of the next year fits} when there is none.
   */
  public String untilText() {
    return until == null ? "no window of the next year fits" : local(until, zone);
  }

  /** An instant in local time with its zone, e.g. {@code Sat 2026-12-12 02:00 (Europe/Berlin)}. */
  public static String local(long epochMillis, String zone) {
    ZoneId z = zone == null ? ZoneId.of("UTC") : ZoneId.of(zone);
    return LOCAL.format(Instant.ofEpochMilli(epochMillis).atZone(z)) + " (" + z.getId() + ")";
  }
}
