package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.worker.SearchAttributeRegistration;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import io.grpc.Status;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionExecution;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionResult;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleCalendarSpec;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleListActionStartWorkflow;
import io.temporal.client.schedules.ScheduleListDescription;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.common.converter.DataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code asm-migrate schedule}: recurring runs as Temporal Schedules, on a real Temporal server
 * (Temporal's Java test server, which {@code server} and {@code demo} run, has no Schedule API).
 */
@Command(
    name = "schedule",
    mixinStandardHelpOptions = true,
    description = {
      "Recurring runs: a Temporal Schedule starts a migration (or a fleet) on a cron or calendar"
          + " spec in a time zone, never while its previous run is still open (overlap SKIP). A run"
          + " started before its maintenance window waits for it.",
      "Needs a real Temporal server (docker compose up -d): the in-memory 'asm-migrate server' has"
          + " no Schedule API."
    },
    subcommands = {
      ScheduleCommand.Create.class,
      ScheduleCommand.CreateFleet.class,
      ScheduleCommand.ListCmd.class,
      ScheduleCommand.Delete.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the command did what was asked",
      "1:Temporal cannot be reached, or has no Schedule API (the in-memory test server)",
      "2:usage error: a bad cron, calendar, time zone, schedule ID or start option, a fleet file"
          + " with mistakes, an unknown schedule (delete); nothing was created",
      "3:a schedule with this ID exists already"
    })
final class ScheduleCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** When a schedule fires, its ID and its state: the same for a migration and a fleet. */
  static final class WhenOptions {
    @Option(
        names = "--cron",
        paramLabel = "EXPR",
        description =
            "Start a run at these times: minute hour day-of-month month day-of-week, e.g."
                + " '0 2 * * SAT', or @daily, @weekly, @monthly. Repeatable.")
    List<String> cron = new ArrayList<>();

    @Option(
        names = "--calendar",
        paramLabel = "'[DAYS] HH:MM'",
        description =
            "Start a run at HH:MM on these days, e.g. 'SAT 02:00', 'MON-FRI 22:30', '03:15' (every"
                + " day). Repeatable.")
    List<String> calendar = new ArrayList<>();

    @Option(
        names = "--time-zone",
        paramLabel = "ZONE",
        description =
            "IANA time zone of --cron and --calendar, e.g. Europe/Berlin (default: UTC); Temporal"
                + " follows its daylight-saving changes.")
    String zone;

    @Option(
        names = "--id",
        paramLabel = "ID",
        description =
            "The schedule's ID (default: the workflow ID start gives: asm-migrate/<project>/"
                + "<location>/<cluster>, or asm-fleet/<name>). Each run's workflow ID is"
                + " <ID>-<scheduled time, RFC 3339>.")
    String id;

    @Option(
        names = "--catchup-window",
        defaultValue = "1h",
        description =
            "A run missed while Temporal was down still starts this long after its time (default:"
                + " ${DEFAULT-VALUE}); later, it is skipped.")
    Duration catchupWindow;

    @Option(names = "--paused", description = "Create the schedule paused (no run starts).")
    boolean paused;

    @Option(
        names = "--note",
        paramLabel = "TEXT",
        description = "A note kept with the schedule's state (e.g. why it is paused).")
    String note;

    Schedules.When when() {
      Schedules.When w = new Schedules.When(cron, calendar, zone, catchupWindow);
      Schedules.spec(w); // a bad cron, calendar or zone: exit 2 before anything else
      return w;
    }
  }

  // --- create
  // --------------------------------------------------------------------------------------

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Creates a schedule that starts the migration of one cluster, with the options of 'start',"
            + " on --cron or --calendar times. Everything is checked as 'start' checks it before"
            + " Temporal is contacted.",
        "Example: asm-migrate schedule create --calendar 'SAT 01:00' --time-zone Europe/Berlin"
            + " --project P --location L --cluster C --auto-approve"
      })
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin WhenOptions schedule;
    @Mixin StartOptions migration;
    @Mixin TemporalOptions temporal;
    @Mixin TextOrJson output;

    @Override
    public Integer call() {
      boolean json = output.json();
      Schedules.When when = schedule.when();
      MigrationRequest request = migration.request();
      String id = Schedules.scheduleId(schedule.id, request.cluster().workflowId());
      return create(
          temporal,
          id,
          indexed ->
              Schedules.migration(id, request, when, schedule.paused, schedule.note, indexed),
          "migration " + request.cluster(),
          json,
          spec.commandLine().getOut());
    }
  }

  @Command(
      name = "create-fleet",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Creates a schedule that starts the fleet a fleet file describes, as 'fleet start' starts"
            + " it, on --cron or --calendar times. The file is checked whole first (mistakes named"
            + " FILE:LINE, exit 2).",
        "Example: asm-migrate schedule create-fleet fleet.yaml --cron '0 1 * * SAT'"
            + " --time-zone Europe/Berlin"
      })
  static final class CreateFleet implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin FleetCommand.FileOptions file;
    @Mixin WhenOptions schedule;
    @Mixin TemporalOptions temporal;
    @Mixin TextOrJson output;

    @Override
    public Integer call() {
      boolean json = output.json();
      Schedules.When when = schedule.when();
      FleetRequest request = file.read(List.of());
      String id = Schedules.scheduleId(schedule.id, request.workflowId());
      return create(
          temporal,
          id,
          indexed -> Schedules.fleet(id, request, when, schedule.paused, schedule.note),
          "fleet " + request.name(),
          json,
          spec.commandLine().getOut());
    }
  }

  /**
   * Connects, builds the schedule ({@code build} is told whether the search attributes exist) and
   * creates it; prints what it created.
   */
  private static int create(
      TemporalOptions temporal,
      String id,
      Function<Boolean, Schedule> build,
      String target,
      boolean json,
      PrintWriter out) {
    DataConverter dataConverter = temporal.dataConverter();
    WorkflowServiceStubs service = temporal.connect();
    try {
      boolean indexed =
          SearchAttributeRegistration.ensure(service, temporal.namespace).registered();
      Schedule schedule = build.apply(indexed);
      ScheduleClient client = client(temporal, service, dataConverter);
      List<Instant> next = List.of();
      try {
        var handle =
            client.createSchedule(
                id, schedule, ScheduleOptions.newBuilder().setMemo(Schedules.memo(target)).build());
        try {
          next = handle.describe().getInfo().getNextActionTimes();
        } catch (RuntimeException e) {
          // created; its next times are only shown
        }
      } catch (ScheduleAlreadyRunningException e) {
        throw new UserError(
            ExitCodes.BLOCKED,
            "a schedule "
                + id
                + " exists already; see it with 'asm-migrate schedule list', replace it with"
                + " 'asm-migrate schedule delete "
                + id
                + "' first, or give another --id");
      } catch (RuntimeException e) {
        throw unsupported(e, temporal, "nothing was created");
      }
      print(id, target, schedule, next, json, out);
      return ExitCodes.OK;
    } finally {
      service.shutdown();
    }
  }

  private static void print(
      String id,
      String target,
      Schedule schedule,
      List<Instant> next,
      boolean json,
      PrintWriter out) {
    ScheduleActionStartWorkflow action = (ScheduleActionStartWorkflow) schedule.getAction();
    var spec = schedule.getSpec();
    List<String> calendars =
        spec.getCalendars().stream().map(ScheduleCalendarSpec::getComment).toList();
    if (json) {
      ObjectNode n = StatusView.JSON.createObjectNode();
      n.put("scheduleId", id);
      n.put("starts", target);
      n.put("workflowType", action.getWorkflowType());
      n.put("workflowIds", action.getOptions().getWorkflowId() + "-<scheduled time>");
      n.put("taskQueue", action.getOptions().getTaskQueue());
      spec.getCronExpressions().forEach(n.putArray("cron")::add);
      calendars.forEach(n.putArray("calendars")::add);
      n.put("timeZone", spec.getTimeZoneName());
      n.put("overlap", "SKIP");
      n.put("catchupWindow", Times.duration(schedule.getPolicy().getCatchupWindow()));
      n.put("paused", schedule.getState().isPaused());
      n.put("note", schedule.getState().getNote());
      next.forEach(t -> n.withArray("nextRuns").add(t.toString()));
      out.println(n.toPrettyString());
    } else {
      out.println("schedule: " + id + (schedule.getState().isPaused() ? " (paused)" : ""));
      out.println(
          "  starts: "
              + target
              + " as workflow "
              + action.getOptions().getWorkflowId()
              + "-<scheduled time> ("
              + action.getWorkflowType()
              + ", task queue "
              + action.getOptions().getTaskQueue()
              + ")");
      out.println(
          "  when: " + describe(spec.getCronExpressions(), calendars, spec.getTimeZoneName()));
      out.println(
          "  never two runs at once (overlap SKIP); a run missed while Temporal is down starts"
              + " up to "
              + Times.duration(schedule.getPolicy().getCatchupWindow())
              + " late");
      if (!next.isEmpty()) {
        out.println(
            "  next runs: " + String.join(", ", next.stream().map(Instant::toString).toList()));
      }
    }
    out.flush();
  }

  private static String describe(List<String> cron, List<String> calendars, String zone) {
    List<String> parts = new ArrayList<>();
    cron.forEach(c -> parts.add("cron '" + c + "'"));
    calendars.forEach(c -> parts.add("'" + c + "'"));
    return String.join(", ", parts) + " (" + zone + ")";
  }

  // --- list
  // ----------------------------------------------------------------------------------------

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "Lists the schedules that start migrations or fleets: ID, what they start, when, paused"
              + " or not, their next runs and the workflow IDs of their recent runs.")
  static final class ListCmd implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin TemporalOptions temporal;
    @Mixin TextOrJson output;

    @Override
    public Integer call() {
      boolean json = output.json();
      PrintWriter out = spec.commandLine().getOut();
      DataConverter dataConverter = temporal.dataConverter();
      WorkflowServiceStubs service = temporal.connect();
      List<ScheduleListDescription> listed;
      try {
        try {
          listed =
              client(temporal, service, dataConverter)
                  .listSchedules()
                  .filter(ScheduleCommand::ours)
                  .toList();
        } catch (RuntimeException e) {
          throw unsupported(e, temporal, "there are none to list");
        }
        ArrayNode array = StatusView.JSON.createArrayNode();
        for (ScheduleListDescription d : listed) {
          var s = d.getSchedule();
          String target = memo(d);
          List<String> calendars =
              s.getSpec().getCalendars().stream().map(ScheduleCalendarSpec::getComment).toList();
          List<String> recent =
              d.getInfo().getRecentActions().stream()
                  .map(ScheduleActionResult::getAction)
                  .map(ScheduleCommand::workflowId)
                  .toList();
          List<String> next =
              d.getInfo().getNextActionTimes().stream().map(Instant::toString).toList();
          if (json) {
            ObjectNode n = array.addObject();
            n.put("scheduleId", d.getScheduleId());
            n.put("starts", target);
            n.put("workflowType", ((ScheduleListActionStartWorkflow) s.getAction()).getWorkflow());
            s.getSpec().getCronExpressions().forEach(n.putArray("cron")::add);
            calendars.forEach(n.putArray("calendars")::add);
            n.put("timeZone", s.getSpec().getTimeZoneName());
            n.put("paused", s.getState().isPaused());
            n.put("note", s.getState().getNote());
            next.forEach(n.putArray("nextRuns")::add);
            recent.forEach(n.putArray("recentRuns")::add);
          } else {
            out.println(
                d.getScheduleId()
                    + (s.getState().isPaused() ? " (paused)" : "")
                    + ": "
                    + (target == null ? "" : target + ", ")
                    + describe(
                        s.getSpec().getCronExpressions(),
                        calendars,
                        s.getSpec().getTimeZoneName()));
            if (!next.isEmpty()) {
              out.println("  next runs: " + String.join(", ", next));
            }
            if (!recent.isEmpty()) {
              out.println("  recent runs: " + String.join(", ", recent));
            }
          }
        }
        if (json) {
          out.println(array.toPrettyString());
        } else if (listed.isEmpty()) {
          out.println("no schedule starts a migration or a fleet");
        }
        out.flush();
        return ExitCodes.OK;
      } finally {
        service.shutdown();
      }
    }
  }

  private static boolean ours(ScheduleListDescription d) {
    return d.getSchedule().getAction() instanceof ScheduleListActionStartWorkflow a
        && (a.getWorkflow().equals(Schedules.MIGRATION_TYPE)
            || a.getWorkflow().equals(Schedules.FLEET_TYPE));
  }

  private static String memo(ScheduleListDescription d) {
    try {
      Object target = d.getMemo(Schedules.MEMO_TARGET, String.class);
      return target == null ? null : target.toString();
    } catch (RuntimeException e) {
      return null; // no memo, or one under a codec key this CLI lacks
    }
  }

  private static String workflowId(ScheduleActionExecution e) {
    return e instanceof ScheduleActionExecutionStartWorkflow w ? w.getWorkflowId() : e.toString();
  }

  // --- delete
  // --------------------------------------------------------------------------------------

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description =
          "Deletes a schedule: no run starts any more. The runs it started go on (stop one with"
              + " 'asm-migrate abort --workflow-id ID').")
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The schedule's ID.")
    String id;

    @Mixin TemporalOptions temporal;

    @Override
    public Integer call() {
      if (id.isBlank()) {
        throw new UserError(ExitCodes.USAGE, "the schedule ID must not be empty");
      }
      DataConverter dataConverter = temporal.dataConverter();
      WorkflowServiceStubs service = temporal.connect();
      try {
        try {
          client(temporal, service, dataConverter).getHandle(id).delete();
        } catch (RuntimeException e) {
          if (Migrations.hasStatus(e, Status.Code.NOT_FOUND)) {
            throw new UserError(
                ExitCodes.USAGE,
                "no schedule '"
                    + id
                    + "' on Temporal at "
                    + temporal.address
                    + " (namespace "
                    + temporal.namespace
                    + "); 'asm-migrate schedule list' lists them");
          }
          throw unsupported(e, temporal, "there are none to delete");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("schedule: " + id + " deleted; the runs it started go on");
        out.flush();
        return ExitCodes.OK;
      } finally {
        service.shutdown();
      }
    }
  }

  private static ScheduleClient client(
      TemporalOptions temporal, WorkflowServiceStubs service, DataConverter dataConverter) {
    return ScheduleClient.newInstance(
        service,
        ScheduleClientOptions.newBuilder()
            .setNamespace(temporal.namespace)
            .setDataConverter(dataConverter)
            .build());
  }

  /**
   * A server without the Schedule API (Temporal's Java test server answers UNIMPLEMENTED) is told
   * as such, exit 1; any other failure goes on as it is.
   */
  static RuntimeException unsupported(
      RuntimeException e, TemporalOptions temporal, String consequence) {
    if (Migrations.hasStatus(e, Status.Code.UNIMPLEMENTED)) {
      return new UserError(
          ExitCodes.UNEXPECTED,
          "the Temporal server at "
              + temporal.address
              + " has no Schedule API (Temporal's Java test server, which 'asm-migrate server' and"
              + " 'demo' run, has none): schedules need a real Temporal server, e.g. 'docker"
              + " compose up -d' (README, Maintenance windows); "
              + consequence);
    }
    return e;
  }
}
