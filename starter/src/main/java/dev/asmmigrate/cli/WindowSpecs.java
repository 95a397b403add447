package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.model.window.Exclusion;
import dev.asmmigrate.workflows.model.window.InvalidWindowsException;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import dev.asmmigrate.workflows.model.window.WindowCalendar;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Maintenance windows as an operator writes them, on the command line ({@code --window}, {@code
 * --exclusion}) and in a fleet file ({@code windows:}), read into {@link MaintenanceWindows}. Each
 * method throws {@link IllegalArgumentException} with what is wrong; the caller says where.
 *
 * <ul>
 *   <li>A window: {@code RRULE START DURATION ZONE}, e.g. {@code FREQ=WEEKLY;BYDAY=SA 02:00 4h
 *       Europe/Berlin}: an RFC 5545 RRULE, the local start time ({@code HH:MM}, the rule then
 *       anchored today; or the first occurrence's {@code YYYY-MM-DDTHH:MM}, for rules that count
 *       from it: INTERVAL, COUNT, or a weekday or day taken from it), how long each occurrence
 *       lasts ({@code 4h}, {@code 90m}, {@code PT4H}) and an IANA time zone.
 *   <li>An exclusion: {@code NAME=FROM/TO}, each a date ({@code 2026-12-20}: FROM from its start,
 *       TO to its end, both days excluded), a local date and time ({@code 2026-12-20T18:00}), or an
 *       instant ({@code 2026-12-20T17:00:00Z}); local ones in the zone given after a space ({@code
 *       freeze=2026-12-20/2027-01-03 Europe/Berlin}), else the first window's zone, else UTC.
 * </ul>
 */
public final class WindowSpecs {
  /** What a window looks like, for messages. */
  public static final String WINDOW_EXAMPLE = "'FREQ=WEEKLY;BYDAY=SA 02:00 4h Europe/Berlin'";

  /** What an exclusion looks like, for messages. */
  public static final String EXCLUSION_EXAMPLE = "'year-end=2026-12-20/2027-01-03'";

  private WindowSpecs() {}

  /** A window written {@code RRULE START DURATION ZONE}; {@code now} anchors an {@code HH:MM}. */
  public static RecurringWindow window(String spec, Instant now) {
    String[] parts = spec.strip().split("\\s+");
    if (parts.length != 4) {
      throw new IllegalArgumentException(
          "expected RRULE START DURATION ZONE, e.g. " + WINDOW_EXAMPLE);
    }
    return window(parts[0], parts[1], parts[2], parts[3], now);
  }

  /**
   * A window from its parts: the rule, a local {@code HH:MM} (anchored on today's date in the zone)
   * or {@code YYYY-MM-DDTHH:MM}, a duration and a zone. The rule and the zone are checked by {@link
   * #validate}, which names the window.
   */
  public static RecurringWindow window(
      String rrule, String start, String duration, String zone, Instant now) {
    Duration d;
    try {
      d = DurationConverter.parse(duration);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "duration " + e.getMessage() + " (a window lasts e.g. 4h, 90m or PT4H)");
    }
    return new RecurringWindow(rrule, firstStart(start, zone, now), d, zone);
  }

  private static LocalDateTime firstStart(String start, String zone, Instant now) {
    String s = start.strip();
    try {
      if (s.matches("\\d{1,2}:\\d{2}(:\\d{2})?")) {
        LocalTime t = LocalTime.parse(s.length() == 4 ? "0" + s : s);
        return LocalDate.ofInstant(now, zoneOr(zone, ZoneOffset.UTC)).atTime(t);
      }
      return LocalDateTime.parse(s);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "start '" + start + "' is neither HH:MM nor YYYY-MM-DDTHH:MM (local time in the zone)");
    }
  }

  /**
   * An exclusion written {@code NAME=FROM/TO[ ZONE]}; local dates and times without a zone are in
   * {@code defaultZone}.
   */
  public static Exclusion exclusion(String spec, String defaultZone) {
    String s = spec.strip();
    int eq = s.indexOf('=');
    int slash = s.indexOf('/', Math.max(eq, 0));
    if (eq <= 0 || slash < 0) {
      throw new IllegalArgumentException("expected NAME=FROM/TO, e.g. " + EXCLUSION_EXAMPLE);
    }
    String name = s.substring(0, eq).strip();
    String from = s.substring(eq + 1, slash).strip();
    String rest = s.substring(slash + 1).strip();
    String zone = zoneOr(defaultZone, ZoneOffset.UTC).getId();
    int space = rest.indexOf(' ');
    String to = rest;
    if (space > 0) {
      to = rest.substring(0, space);
      zone = rest.substring(space + 1).strip();
    }
    return exclusion(name, from, to, zone);
  }

  /** An exclusion from its parts; {@code zone} (null: UTC) for dates and local times. */
  public static Exclusion exclusion(String name, String from, String to, String zone) {
    ZoneId z;
    try {
      z = ZoneId.of(zone == null ? "UTC" : zone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "unknown time zone '" + zone + "' (an IANA id, e.g. Europe/Berlin)");
    }
    return new Exclusion(name, time(from, z, false), time(to, z, true));
  }

  /** A date (its start, or for an end its end), a local date and time, or an instant. */
  private static Instant time(String text, ZoneId zone, boolean end) {
    String t = text.strip();
    try {
      if (t.matches("\\d{4}-\\d{2}-\\d{2}")) {
        LocalDate day = LocalDate.parse(t);
        return (end ? day.plusDays(1) : day).atStartOfDay(zone).toInstant();
      }
      if (t.endsWith("Z") || t.endsWith("z") || t.matches(".*[+-]\\d{2}:\\d{2}$")) {
        return OffsetDateTime.parse(t.toUpperCase(java.util.Locale.ROOT)).toInstant();
      }
      return LocalDateTime.parse(t).atZone(zone).toInstant();
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is no date (2026-12-20), local date and time (2026-12-20T18:00) or instant"
              + " (2026-12-20T17:00:00Z)");
    }
  }

  /** The zone to read an exclusion's local times in: the first window's, else UTC. */
  public static String defaultZone(List<RecurringWindow> windows) {
    return windows.isEmpty() ? "UTC" : windows.get(0).zone();
  }

  /**
   * Checks {@code windows} as the workflow will use them, from {@code now}.
   *
   * @throws InvalidWindowsException naming the window (1-based, as given) or exclusion and why
   */
  public static MaintenanceWindows validate(MaintenanceWindows windows, Instant now) {
    WindowCalendar.of(windows, now);
    return windows;
  }

  private static ZoneId zoneOr(String zone, ZoneId otherwise) {
    try {
      return ZoneId.of(zone);
    } catch (DateTimeException | NullPointerException e) {
      return otherwise; // the calendar refuses the zone, naming the window
    }
  }
}
