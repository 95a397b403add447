package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationSearchAttributes;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.fleet.FleetMigrationWorkflow;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleCalendarSpec;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleRange;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleState;
import io.temporal.common.metadata.POJOWorkflowInterfaceMetadata;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code schedule create} asks Temporal for, built without talking to it: a Temporal Schedule
 * whose action starts a migration (or a fleet) exactly as {@code start} (or {@code fleet start})
 * would, on a cron or calendar spec in a time zone, never two runs at once.
 *
 * <p>Temporal names each run {@code <workflow ID>-<scheduled time, RFC 3339>}: the workflow ID of
 * the action is the schedule's ID, by default the workflow ID {@code start} would use ({@code
 * asm-migrate/<project>/<location>/<cluster>} or {@code asm-fleet/<name>}).
 */
final class Schedules {
  /** The memo key under which a schedule says what it starts ("migration p/l/c", "fleet NAME"). */
  static final String MEMO_TARGET = "asmTarget";

  static final String MIGRATION_TYPE = workflowType(MigrationWorkflow.class);
  static final String FLEET_TYPE = workflowType(FleetMigrationWorkflow.class);

  private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
  private static final List<String> MONTHS =
      List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
  private static final Pattern CALENDAR =
      Pattern.compile("(?:(\\S+)\\s+)?([01]?\\d|2[0-3]):([0-5]\\d)");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}");

  private Schedules() {}

  /**
   * When a schedule fires, checked.
   *
   * @param cron cron expressions of five fields (minute hour day-of-month month day-of-week) or
   *     {@code @daily}, {@code @weekly}, ...
   * @param calendars {@code [DAYS] HH:MM}, DAYS a list of day names or ranges ({@code SAT}, {@code
   *     MON-FRI}, {@code SAT,SUN}); without DAYS every day
   * @param zone the IANA time zone both are read in
   * @param catchupWindow how late a run missed while Temporal was down may still start
   */
  record When(List<String> cron, List<String> calendars, String zone, Duration catchupWindow) {
    When {
      cron = cron == null ? List.of() : List.copyOf(cron);
      calendars = calendars == null ? List.of() : List.copyOf(calendars);
    }
  }

  /**
   * The spec of {@code when}; a bad cron, calendar, zone or catch-up window is a usage error (exit
   * 2).
   */
  static ScheduleSpec spec(When when) {
    if (when.catchupWindow() == null
        || when.catchupWindow().compareTo(Duration.ofSeconds(10)) < 0) {
      throw usage("--catchup-window must be at least 10s, got " + when.catchupWindow());
    }
    if (when.cron().isEmpty() && when.calendars().isEmpty()) {
      throw usage(
          "say when the schedule starts a run: --cron '0 2 * * SAT' or --calendar 'SAT 02:00'"
              + " (repeatable)");
    }
    for (String c : when.cron()) {
      checkCron(c);
    }
    List<ScheduleCalendarSpec> calendars = new ArrayList<>();
    for (String c : when.calendars()) {
      calendars.add(calendar(c));
    }
    return ScheduleSpec.newBuilder()
        .setCronExpressions(when.cron())
        .setCalendars(calendars)
        .setTimeZoneName(zone(when.zone()))
        .build();
  }

  /** The schedule that starts {@code request}'s migration, as {@code start} starts it. */
  static Schedule migration(
      String scheduleId,
      MigrationRequest request,
      When when,
      boolean paused,
      String note,
      boolean indexed) {
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(scheduleId)
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE);
    if (indexed) {
      options.setTypedSearchAttributes(MigrationSearchAttributes.initial(request.cluster()));
    }
    return schedule(
        ScheduleActionStartWorkflow.newBuilder()
            .setWorkflowType(MigrationWorkflow.class)
            .setOptions(options.build())
            .setArguments(request)
            .build(),
        when,
        paused,
        note);
  }

  /** The schedule that starts {@code request}'s fleet, as {@code fleet start} starts it. */
  static Schedule fleet(
      String scheduleId, FleetRequest request, When when, boolean paused, String note) {
    return schedule(
        ScheduleActionStartWorkflow.newBuilder()
            .setWorkflowType(FleetMigrationWorkflow.class)
            .setOptions(
                WorkflowOptions.newBuilder()
                    .setWorkflowId(scheduleId)
                    .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                    .build())
            .setArguments(request)
            .build(),
        when,
        paused,
        note);
  }

  /**
   * The schedule's ID: {@code id} when given (checked), else the workflow ID {@code start} gives
   * what it starts.
   */
  static String scheduleId(String id, String defaultId) {
    if (id == null) {
      return defaultId;
    }
    if (!ID.matcher(id).matches()) {
      throw usage(
          "--id '"
              + id
              + "' is not a schedule ID: up to 200 letters, digits and . _ : / -, starting with a"
              + " letter or digit");
    }
    return id;
  }

  /** What the schedule starts, for its memo and for {@code schedule list}. */
  static Map<String, Object> memo(String target) {
    return Map.of(MEMO_TARGET, target);
  }

  private static Schedule schedule(
      ScheduleActionStartWorkflow action, When when, boolean paused, String note) {
    ScheduleState.Builder state = ScheduleState.newBuilder().setPaused(paused);
    if (note != null) {
      state.setNote(note);
    }
    return Schedule.newBuilder()
        .setAction(action)
        .setSpec(spec(when))
        .setPolicy(
            SchedulePolicy.newBuilder()
                // a migration must never run twice at once on a cluster: a run that is still open
                // when the next one is due (waiting for its window, for an approval) skips it
                .setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP)
                .setCatchupWindow(when.catchupWindow())
                // a run whose workflow fails (not one that rolls back: that is an outcome) stops
                // the schedule until someone looks
                .setPauseOnFailure(true)
                .build())
        .setState(state.build())
        .build();
  }

  /** An IANA region id, e.g. Europe/Berlin; UTC when none is given. */
  static String zone(String zone) {
    if (zone == null) {
      return "UTC";
    }
    if (!ZoneId.getAvailableZoneIds().contains(zone)) {
      throw usage(
          "--time-zone '"
              + zone
              + "' is not an IANA time zone (such as Europe/Berlin, America/New_York or UTC)");
    }
    return zone;
  }

  /** {@code [DAYS] HH:MM} as a calendar spec at second 0. */
  static ScheduleCalendarSpec calendar(String text) {
    Matcher m = CALENDAR.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw usage(
          "--calendar '"
              + text
              + "' is not [DAYS] HH:MM (e.g. 'SAT 02:00', 'MON-FRI 22:30', '03:15' for every day)");
    }
    ScheduleCalendarSpec.Builder b =
        ScheduleCalendarSpec.newBuilder()
            .setSeconds(List.of(new ScheduleRange(0)))
            .setMinutes(List.of(new ScheduleRange(Integer.parseInt(m.group(3)))))
            .setHour(List.of(new ScheduleRange(Integer.parseInt(m.group(2)))))
            .setDayOfMonth(ScheduleCalendarSpec.ALL_MONTH_DAYS)
            .setMonth(ScheduleCalendarSpec.ALL_MONTHS)
            .setComment(text.strip());
    if (m.group(1) == null) {
      b.setDayOfWeek(ScheduleCalendarSpec.ALL_WEEK_DAYS);
    } else {
      List<ScheduleRange> days = new ArrayList<>();
      for (String item : m.group(1).split(",", -1)) {
        String[] range = item.split("-", -1);
        int from = day(range[0], text);
        int to = range.length == 2 ? day(range[1], text) : from;
        if (range.length > 2 || to < from) {
          throw usage(
              "--calendar '"
                  + text
                  + "': '"
                  + item
                  + "' is not a day or a range of days in week order (SUN-SAT)");
        }
        days.add(from == to ? new ScheduleRange(from) : new ScheduleRange(from, to));
      }
      b.setDayOfWeek(days);
    }
    return b.build();
  }

  private static int day(String name, String text) {
    int i = DAYS.indexOf(name.toUpperCase(Locale.ROOT));
    if (i < 0) {
      throw usage(
          "--calendar '"
              + text
              + "': '"
              + name
              + "' is not a day ("
              + String.join(", ", DAYS)
              + ")");
    }
    return i;
  }

  /**
   * Refuses a cron expression Temporal would refuse, or read otherwise than meant: five fields of
   * numbers, names, ranges, steps and lists in range, or one of Temporal's {@code @} names.
   */
  static void checkCron(String cron) {
    String c = cron == null ? "" : cron.strip();
    if (List.of("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
        .contains(c)) {
      return;
    }
    String[] fields = c.split("\\s+");
    if (c.isEmpty() || fields.length != 5) {
      throw usage(
          "--cron '"
              + cron
              + "' is not a cron expression of five fields: minute hour day-of-month month"
              + " day-of-week (e.g. '0 2 * * SAT'), or @daily, @weekly, @monthly; give the zone"
              + " with --time-zone");
    }
    String[] names = {"minute", "hour", "day-of-month", "month", "day-of-week"};
    int[][] bounds = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};
    for (int i = 0; i < 5; i++) {
      List<String> symbols = i == 3 ? MONTHS : i == 4 ? DAYS : List.of();
      int offset = i == 3 ? 1 : 0;
      for (String item : fields[i].split(",", -1)) {
        if (!cronItem(item, bounds[i][0], bounds[i][1], symbols, offset, i >= 2)) {
          throw usage(
              "--cron '"
                  + cron
                  + "': the "
                  + names[i]
                  + " field '"
                  + fields[i]
                  + "' is not in "
                  + bounds[i][0]
                  + "-"
                  + bounds[i][1]
                  + (symbols.isEmpty()
                      ? ""
                      : " or " + symbols.get(0) + "-" + symbols.get(symbols.size() - 1))
                  + " (*, N, N-M, */S, N-M/S, lists with ',')");
        }
      }
    }
  }

  private static boolean cronItem(
      String item, int min, int max, List<String> symbols, int offset, boolean question) {
    String[] stepped = item.split("/", -1);
    if (stepped.length > 2) {
      return false;
    }
    if (stepped.length == 2
        && (!stepped[1].matches("\\d{1,2}") || Integer.parseInt(stepped[1]) < 1)) {
      return false;
    }
    String range = stepped[0];
    if (range.equals("*") || (question && range.equals("?") && stepped.length == 1)) {
      return true;
    }
    String[] ends = range.split("-", -1);
    if (ends.length > 2) {
      return false;
    }
    Integer from = cronValue(ends[0], min, max, symbols, offset);
    Integer to = ends.length == 2 ? cronValue(ends[1], min, max, symbols, offset) : from;
    return from != null && to != null && from <= to;
  }

  private static Integer cronValue(String v, int min, int max, List<String> symbols, int offset) {
    int named = symbols.indexOf(v.toUpperCase(Locale.ROOT));
    if (named >= 0) {
      return named + offset;
    }
    if (!v.matches("\\d{1,2}")) {
      return null;
    }
    int n = Integer.parseInt(v);
    return n < min || n > max ? null : n;
  }

  private static String workflowType(Class<?> workflowInterface) {
    return POJOWorkflowInterfaceMetadata.newInstance(workflowInterface)
        .getWorkflowMethod()
        .orElseThrow()
        .getName();
  }

  private static UserError usage(String message) {
    return new UserError(ExitCodes.USAGE, message);
  }
}
