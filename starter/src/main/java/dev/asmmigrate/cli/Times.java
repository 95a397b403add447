package dev.asmmigrate.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Formatting of workflow times (epoch milliseconds) for status and reports. */
final class Times {
  private Times() {}

  static String instant(Long epochMillis) {
    return epochMillis == null
        ? "-"
        : Instant.ofEpochMilli(epochMillis).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static String duration(Long from, Long to) {
    return from == null || to == null ? "-" : duration(Duration.ofMillis(Math.max(0, to - from)));
  }

  static String duration(Duration d) {
    long s = d.toSeconds();
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + String.format("%02d", s % 60) + "s";
    }
    return (s / 3600) + "h" + String.format("%02d", (s % 3600) / 60) + "m";
  }

  /** {@code [#######-------------]} for done of total. */
  static String bar(long done, long total, int width) {
    int filled = total <= 0 ? 0 : (int) Math.min(width, Math.round(width * (double) done / total));
    return "[" + "#".repeat(filled) + "-".repeat(width - filled) + "]";
  }
}
