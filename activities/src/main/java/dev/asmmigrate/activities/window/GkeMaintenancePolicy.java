package dev.asmmigrate.activities.window;

import com.google.container.v1beta1.DailyMaintenanceWindow;
import com.google.container.v1beta1.MaintenancePolicy;
import com.google.container.v1beta1.MaintenanceWindow;
import com.google.container.v1beta1.RecurringTimeWindow;
import com.google.container.v1beta1.TimeWindow;
import com.google.protobuf.Timestamp;
import dev.asmmigrate.workflows.model.window.Exclusion;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A GKE {@code maintenancePolicy} as {@link MaintenanceWindows}. Pure: the same policy gives the
 * same windows.
 *
 * <p>GKE's recurring window: the window's start time is the first occurrence (DTSTART, in UTC), its
 * end minus its start how long each occurrence lasts, its recurrence the RRULE. GKE's daily window:
 * {@code FREQ=DAILY} from its {@code HH:MM} start time in UTC, for its duration ({@code PT4H} when
 * GKE reports none: its daily windows last 4 hours), anchored on {@code anchorDay} (the rule does
 * not depend on the date; a recent one keeps the expansion short). Exclusions, whatever their scope
 * (GKE's {@code no_upgrades} and {@code no_minor_upgrades} only hold back some upgrades), exclude
 * the whole time: a migration is no upgrade GKE can tell apart.
 */
public final class GkeMaintenancePolicy {
  /** How long GKE's daily maintenance windows last. */
  public static final Duration DAILY_DURATION = Duration.ofHours(4);

  private GkeMaintenancePolicy() {}

  /**
   * The windows of {@code policy}.
   *
   * @param anchorDay the date a daily window is anchored on (e.g. the cluster's creation day)
   * @throws IllegalArgumentException a daily start time that is not {@code HH:MM}, a duration that
   *     is not RFC 3339 ({@code PTnHnMnS}), or a recurring window without start or end
   */
  public static MaintenanceWindows windows(MaintenancePolicy policy, LocalDate anchorDay) {
    MaintenanceWindow window = policy.getWindow();
    List<RecurringWindow> windows = new ArrayList<>();
    if (window.hasRecurringWindow()) {
      windows.add(recurring(window.getRecurringWindow()));
    } else if (window.hasDailyMaintenanceWindow()) {
      windows.add(daily(window.getDailyMaintenanceWindow(), anchorDay));
    }
    List<Exclusion> exclusions = new ArrayList<>();
    for (Map.Entry<String, TimeWindow> e :
        new TreeMap<>(window.getMaintenanceExclusionsMap()).entrySet()) {
      exclusions.add(
          new Exclusion(e.getKey(), instant(e.getValue().getStartTime()), end(e.getValue())));
    }
    return new MaintenanceWindows(windows, exclusions, false, MaintenanceWindows.DEFAULT_MARGIN);
  }

  private static RecurringWindow recurring(RecurringTimeWindow recurring) {
    TimeWindow w = recurring.getWindow();
    if (!w.hasStartTime() || !w.hasEndTime()) {
      throw new IllegalArgumentException(
          "the recurring window (" + recurring.getRecurrence() + ") needs a start and an end time");
    }
    Instant start = instant(w.getStartTime());
    Instant end = instant(w.getEndTime());
    return new RecurringWindow(
        recurring.getRecurrence(),
        LocalDateTime.ofInstant(start, ZoneOffset.UTC),
        Duration.between(start, end),
        "UTC");
  }

  private static RecurringWindow daily(DailyMaintenanceWindow daily, LocalDate anchorDay) {
    LocalTime start;
    try {
      start = LocalTime.parse(daily.getStartTime());
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "the daily window's start time '" + daily.getStartTime() + "' is not HH:MM");
    }
    Duration duration = DAILY_DURATION;
    if (!daily.getDuration().isBlank()) {
      try {
        duration = Duration.parse(daily.getDuration());
      } catch (DateTimeException e) {
        throw new IllegalArgumentException(
            "the daily window's duration '" + daily.getDuration() + "' is not PTnHnMnS");
      }
    }
    return new RecurringWindow("FREQ=DAILY", anchorDay.atTime(start), duration, "UTC");
  }

  /** An exclusion's end; its start when it has none (the calendar then refuses it, by name). */
  private static Instant end(TimeWindow w) {
    return w.hasEndTime() ? instant(w.getEndTime()) : instant(w.getStartTime());
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
