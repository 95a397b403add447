package dev.asmmigrate.workflows.model.window;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.dmfs.rfc5545.DateTime;
import org.dmfs.rfc5545.recur.Freq;
import org.dmfs.rfc5545.recur.InvalidRecurrenceRuleException;
import org.dmfs.rfc5545.recur.RecurrenceRule;
import org.dmfs.rfc5545.recur.RecurrenceRuleIterator;

/**
 * The openings of a set of {@link MaintenanceWindows}: pure and deterministic, so the workflow can
 * ask it with {@code Workflow.currentTimeMillis()}. Overlapping occurrences of several windows
 * merge into one opening; exclusions are cut out.
 *
 * <p>Each window's RRULE is expanded by lib-recur in the window's local time, from its {@code
 * firstStart} (DTSTART) as anchor: the occurrences are the rule's instances at or after it, each at
 * the same local time whatever the UTC offset of that day (a local time skipped by a
 * daylight-saving change opens at the first local time after the gap; one repeated by it opens at
 * the earlier of the two). A {@code firstStart} that does not match the rule is not itself an
 * occurrence, as GKE's maintenance policy has it (its recurring window's start time anchors the
 * rule).
 *
 * <p>No system clock, no I/O, no shared mutable state: every answer depends only on the windows and
 * the instants asked about. Each question expands only the occurrences near the instant asked about
 * (the rule iterator fast-forwards to it), so a window anchored years ago costs no more than a new
 * one.
 *
 * <p>No recurring window at all means any time: one unbounded opening ({@link Instant#MIN} to
 * {@link Instant#MAX}), less the exclusions. An opening that runs on for more than a year (windows
 * that overlap end to end) is reported cut at a year from the instant asked about.
 */
public final class WindowCalendar {

  /** How far the calendar looks ahead for a window: a year. */
  public static final Duration HORIZON = Duration.ofDays(366);

  private static final String ANY_ZONE = "UTC";
  private static final Duration FIRST_LOOK = Duration.ofDays(8);
  private static final int MAX_OCCURRENCES_PER_QUESTION = 100_000;

  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("EEE d MMM", Locale.ENGLISH);
  private static final DateTimeFormatter DAY_WITH_YEAR =
      DateTimeFormatter.ofPattern("EEE d MMM yyyy", Locale.ENGLISH);
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm", Locale.ENGLISH);

  private final MaintenanceWindows windows;
  private final List<Expansion> expansions;
  private final List<Exclusion> exclusions;
  private final Duration longest;

  private WindowCalendar(MaintenanceWindows windows, List<Expansion> expansions) {
    this.windows = windows;
    this.expansions = List.copyOf(expansions);
    this.exclusions =
        windows.exclusions().stream().sorted(Comparator.comparing(Exclusion::start)).toList();
    this.longest =
        expansions.stream().map(Expansion::duration).max(Comparator.naturalOrder()).orElse(null);
  }

  /**
   * A calendar of these windows, validated.
   *
   * @throws InvalidWindowsException an invalid RRULE, an unknown zone, a non-positive duration or
   *     margin, an exclusion that ends before it starts, or windows that do not open once in the
   *     year after {@code from}
   */
  public static WindowCalendar of(MaintenanceWindows windows, Instant from) {
    if (windows == null) {
      throw new InvalidWindowsException("no maintenance windows given");
    }
    if (windows.margin().isNegative()) {
      throw new InvalidWindowsException(
          "the window margin " + windows.margin() + " is negative: it must be zero or more");
    }
    List<Expansion> expansions = new ArrayList<>();
    for (int i = 0; i < windows.windows().size(); i++) {
      expansions.add(Expansion.of(i + 1, windows.windows().get(i), from));
    }
    for (int i = 0; i < windows.exclusions().size(); i++) {
      Exclusion e = windows.exclusions().get(i);
      String name = exclusionName(i + 1, e);
      if (e == null || e.start() == null || e.end() == null) {
        throw new InvalidWindowsException(name + ": needs a start and an end");
      }
      if (!e.end().isAfter(e.start())) {
        throw new InvalidWindowsException(
            name + ": its end " + e.end() + " is not after its start " + e.start());
      }
    }
    WindowCalendar calendar = new WindowCalendar(windows, expansions);
    Instant horizon = from.plus(HORIZON);
    for (Expansion x : expansions) {
      if (x.occurrences(from, horizon, 1).isEmpty()) {
        throw new InvalidWindowsException(
            x.name() + ": never opens in the year after " + from + " (in " + x.zone() + ")");
      }
    }
    if (calendar.openAt(from).isEmpty() && calendar.nextOpening(from).isEmpty()) {
      throw new InvalidWindowsException(
          "the exclusions cover every opening of the windows in the year after " + from);
    }
    return calendar;
  }

  public MaintenanceWindows windows() {
    return windows;
  }

  /** The opening that contains {@code t}, if any; always one (unbounded) when any time. */
  public Optional<Opening> openAt(Instant t) {
    Instant from = t.minus(FIRST_LOOK);
    Instant to = t.plus(FIRST_LOOK);
    while (true) {
      Optional<Opening> found = merged(from, to).stream().filter(o -> o.contains(t)).findFirst();
      if (found.isEmpty()) {
        return found;
      }
      Opening o = found.get();
      boolean earlier = isBounded(o.start()) && !o.start().isAfter(from);
      boolean later = isBounded(o.end()) && !o.end().isBefore(to);
      Instant minFrom = t.minus(HORIZON);
      Instant maxTo = t.plus(HORIZON);
      if ((!earlier || !from.isAfter(minFrom)) && (!later || !to.isBefore(maxTo))) {
        return Optional.of(o);
      }
      if (earlier && from.isAfter(minFrom)) {
        from = later(minFrom, t.minus(Duration.between(from, t).multipliedBy(8)));
      }
      if (later && to.isBefore(maxTo)) {
        to = earlier(maxTo, t.plus(Duration.between(t, to).multipliedBy(8)));
      }
    }
  }

  /**
   * The first opening that starts at or after {@code t}, within a year; empty if none. An opening
   * that is open at {@code t} but started before it is not one: ask {@link #openAt} for it.
   */
  public Optional<Opening> nextOpening(Instant t) {
    Instant maxTo = t.plus(HORIZON);
    Instant to = t.plus(FIRST_LOOK);
    while (true) {
      Optional<Opening> found =
          merged(t, to).stream().filter(o -> !o.start().isBefore(t)).findFirst();
      if (found.isPresent()) {
        return openAt(found.get().start());
      }
      if (!to.isBefore(maxTo)) {
        return Optional.empty();
      }
      to = earlier(maxTo, t.plus(Duration.between(t, to).multipliedBy(8)));
    }
  }

  /**
   * Whether work that {@code needs} this long (its estimate, its undo's and the margin) may start
   * at {@code t}: an opening holds {@code t} and does not close before {@code t + needs}. The rule
   * the workflow's maintenance gate and {@code plan}'s calendar both apply.
   */
  public boolean holds(Instant t, Duration needs) {
    return openAt(t).filter(o -> !t.plus(needs).isAfter(o.end())).isPresent();
  }

  /**
   * The first opening that starts after {@code t} and is long enough for {@code needs}, within a
   * year; empty if none: where work that does not fit at {@code t} waits for (one expansion of the
   * year's openings: asking opening after opening would expand it again each time).
   */
  public Optional<Opening> nextFit(Instant t, Duration needs) {
    for (Opening o : openings(t, t.plus(HORIZON))) {
      if (o.start().isAfter(t) && !o.start().plus(needs).isAfter(o.end())) {
        return Optional.of(o);
      }
    }
    return Optional.empty();
  }

  /** The openings that overlap {@code [from, to)}, in order. */
  public List<Opening> openings(Instant from, Instant to) {
    if (!to.isAfter(from)) {
      return List.of();
    }
    List<Opening> all = new ArrayList<>(merged(from, to));
    if (!all.isEmpty()) {
      // The first and the last may run on beyond [from, to): give their whole extent.
      all.set(0, openAt(later(from, all.get(0).start())).orElse(all.get(0)));
      int last = all.size() - 1;
      Opening lastOne = all.get(last);
      all.set(last, openAt(earlier(lastOne.end(), to).minusNanos(1)).orElse(lastOne));
    }
    return List.copyOf(all);
  }

  /**
   * An opening in its zone's local time, e.g. {@code Sat 12 Dec 02:00-06:00 Europe/Berlin}, or
   * {@code Sat 12 Dec 22:00 - Sun 13 Dec 02:00 Europe/Berlin} across midnight; {@code any time} for
   * the unbounded one.
   */
  public static String describe(Opening o) {
    return describe(o, DAY);
  }

  /** Like {@link #describe}, with the year: {@code Sat 12 Dec 2026 02:00-06:00 Europe/Berlin}. */
  public static String describeWithYear(Opening o) {
    return describe(o, DAY_WITH_YEAR);
  }

  private static String describe(Opening o, DateTimeFormatter day) {
    ZoneId zone = zoneOrUtc(o.zone());
    boolean boundedStart = isBounded(o.start());
    boolean boundedEnd = isBounded(o.end());
    if (!boundedStart && !boundedEnd) {
      return "any time";
    }
    if (!boundedStart) {
      return "any time until " + dayAndTime(day, o.end().atZone(zone)) + " " + zone.getId();
    }
    ZonedDateTime start = o.start().atZone(zone);
    if (!boundedEnd) {
      return "any time from " + dayAndTime(day, start) + " " + zone.getId();
    }
    ZonedDateTime end = o.end().atZone(zone);
    String text;
    if (start.toLocalDate().equals(end.toLocalDate())) {
      text = dayAndTime(day, start) + "-" + TIME.format(end);
    } else if (end.toLocalTime().equals(LocalTime.MIDNIGHT)
        && start.toLocalDate().plusDays(1).equals(end.toLocalDate())) {
      text = dayAndTime(day, start) + "-24:00";
    } else {
      text = dayAndTime(day, start) + " - " + dayAndTime(day, end);
    }
    return text + " " + zone.getId();
  }

  private static String dayAndTime(DateTimeFormatter day, ZonedDateTime t) {
    return day.format(t) + " " + TIME.format(t);
  }

  private static ZoneId zoneOrUtc(String zone) {
    try {
      return ZoneId.of(zone == null ? ANY_ZONE : zone);
    } catch (DateTimeException e) {
      return ZoneId.of(ANY_ZONE);
    }
  }

  /**
   * The merged openings, exclusions cut out, that overlap {@code [from, to)}: built from every
   * occurrence that overlaps it, so the first and last may be cut short where a chain of
   * overlapping occurrences runs on outside it.
   */
  private List<Opening> merged(Instant from, Instant to) {
    List<Opening> raw = new ArrayList<>();
    if (expansions.isEmpty()) {
      raw.add(new Opening(Instant.MIN, Instant.MAX, ANY_ZONE));
    } else {
      for (Expansion x : expansions) {
        raw.addAll(x.occurrences(from, to, MAX_OCCURRENCES_PER_QUESTION));
      }
      raw.sort(Comparator.comparing(Opening::start).thenComparing(Opening::end));
    }
    List<Opening> merged = new ArrayList<>();
    for (Opening o : raw) {
      if (!merged.isEmpty() && !o.start().isAfter(merged.get(merged.size() - 1).end())) {
        Opening last = merged.remove(merged.size() - 1);
        merged.add(new Opening(last.start(), later(last.end(), o.end()), last.zone()));
      } else {
        merged.add(o);
      }
    }
    List<Opening> cut = new ArrayList<>();
    for (Opening o : merged) {
      cut.addAll(cutExclusions(o));
    }
    return cut.stream().filter(o -> o.end().isAfter(from) && o.start().isBefore(to)).toList();
  }

  private List<Opening> cutExclusions(Opening o) {
    List<Opening> pieces = new ArrayList<>();
    Instant start = o.start();
    for (Exclusion e : exclusions) {
      if (!e.end().isAfter(start) || !e.start().isBefore(o.end())) {
        continue;
      }
      if (e.start().isAfter(start)) {
        pieces.add(new Opening(start, e.start(), o.zone()));
      }
      start = later(start, e.end());
      if (!start.isBefore(o.end())) {
        return pieces;
      }
    }
    pieces.add(new Opening(start, o.end(), o.zone()));
    return pieces;
  }

  private static boolean isBounded(Instant t) {
    return !t.equals(Instant.MIN) && !t.equals(Instant.MAX);
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static Instant earlier(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static String exclusionName(int index, Exclusion e) {
    return "exclusion "
        + index
        + (e != null && e.name() != null && !e.name().isBlank() ? " (" + e.name() + ")" : "");
  }

  /** One window, parsed once: its rule, anchor and zone. */
  private record Expansion(
      String name, RecurrenceRule rule, DateTime anchor, Duration duration, ZoneId zone) {

    static Expansion of(int index, RecurringWindow w, Instant from) {
      String name =
          "window " + index + (w != null && w.rrule() != null ? " (" + w.rrule() + ")" : "");
      if (w == null || w.rrule() == null || w.rrule().isBlank()) {
        throw new InvalidWindowsException(name + ": needs a recurrence rule (RRULE)");
      }
      if (w.firstStart() == null) {
        throw new InvalidWindowsException(name + ": needs a first start (local date and time)");
      }
      if (w.duration() == null || w.duration().isZero() || w.duration().isNegative()) {
        throw new InvalidWindowsException(
            name + ": its duration " + w.duration() + " is not positive");
      }
      if (w.zone() == null || w.zone().isBlank()) {
        throw new InvalidWindowsException(name + ": needs an IANA time zone, e.g. Europe/Berlin");
      }
      ZoneId zone;
      try {
        zone = ZoneId.of(w.zone());
      } catch (DateTimeException e) {
        throw new InvalidWindowsException(
            name + ": unknown time zone '" + w.zone() + "' (an IANA id, e.g. Europe/Berlin)");
      }
      String text = w.rrule().strip();
      if (text.regionMatches(true, 0, "RRULE:", 0, 6)) {
        text = text.substring(6);
      }
      RecurrenceRule rule;
      try {
        rule = new RecurrenceRule(text, RecurrenceRule.RfcMode.RFC5545_STRICT);
      } catch (InvalidRecurrenceRuleException | IllegalArgumentException e) {
        throw new InvalidWindowsException(name + ": invalid RRULE: " + e.getMessage());
      }
      if (rule.getFreq() == Freq.SECONDLY || rule.getFreq() == Freq.MINUTELY) {
        throw new InvalidWindowsException(
            name + ": FREQ=" + rule.getFreq() + " is too frequent for a maintenance window");
      }
      DateTime until = rule.getUntil();
      if (until != null && !until.isFloating() && !until.isAllDay()) {
        // The rule runs in local time: an UNTIL in UTC (as RFC 5545 asks with a zoned DTSTART)
        // becomes the same instant in the window's zone.
        rule.setUntil(floating(Instant.ofEpochMilli(until.getTimestamp()).atZone(zone)));
      }
      Expansion x = new Expansion(name, rule, floating(w.firstStart()), w.duration(), zone);
      try {
        x.rule.iterator(x.anchor).hasNext();
      } catch (IllegalArgumentException e) {
        // lib-recur gives up on a rule that matches no date at all (e.g. 30 February).
        throw new InvalidWindowsException(
            name + ": never opens in the year after " + from + " (" + e.getMessage() + ")");
      }
      return x;
    }

    /**
     * The occurrences that overlap {@code [from, to)}, at most {@code max}: an occurrence opens at
     * its local start in the zone and stays open for the duration.
     */
    List<Opening> occurrences(Instant from, Instant to, int max) {
      List<Opening> out = new ArrayList<>();
      RecurrenceRuleIterator it = rule.iterator(anchor);
      // Every occurrence that ends after `from` starts after `from - duration`; a day earlier in
      // local time covers any UTC offset change.
      Instant lookBack = from.minus(duration);
      LocalDateTime local = lookBack.atZone(zone).toLocalDateTime().minusDays(1);
      try {
        it.fastForward(floating(local));
        while (it.hasNext() && out.size() < max) {
          DateTime next = it.nextDateTime();
          Instant start = toLocal(next).atZone(zone).toInstant();
          if (!start.isBefore(to)) {
            break;
          }
          Instant end = start.plus(duration);
          if (end.isAfter(from)) {
            out.add(new Opening(start, end, zone.getId()));
          }
        }
      } catch (IllegalArgumentException neverMatches) {
        // lib-recur gives up on a rule that matches nothing (e.g. 30 February): no occurrence.
      }
      return out;
    }

    private static DateTime floating(LocalDateTime t) {
      return new DateTime(
          t.getYear(),
          t.getMonthValue() - 1,
          t.getDayOfMonth(),
          t.getHour(),
          t.getMinute(),
          t.getSecond());
    }

    private static DateTime floating(ZonedDateTime t) {
      return floating(t.toLocalDateTime());
    }

    private static LocalDateTime toLocal(DateTime t) {
      return LocalDateTime.of(
          t.getYear(),
          t.getMonth() + 1,
          t.getDayOfMonth(),
          t.getHours(),
          t.getMinutes(),
          t.getSeconds());
    }
  }
}
