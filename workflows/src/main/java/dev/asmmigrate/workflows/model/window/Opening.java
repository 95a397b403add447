package dev.asmmigrate.workflows.model.window;

import java.time.Duration;
import java.time.Instant;

/**
 * One occurrence of a window, after exclusions: the run may start disturbing work in {@code [start,
 * end)}.
 *
 * @param start when it opens
 * @param end when it closes
 * @param zone the zone of the window it comes from, to show it in local time
 */
public record Opening(Instant start, Instant end, String zone) {

  /** What is left of it at {@code now}: zero once it has closed. */
  public Duration remaining(Instant now) {
    return now.isBefore(end)
        ? Duration.between(now.isBefore(start) ? start : now, end)
        : Duration.ZERO;
  }

  public boolean contains(Instant t) {
    return !t.isBefore(start) && t.isBefore(end);
  }
}
