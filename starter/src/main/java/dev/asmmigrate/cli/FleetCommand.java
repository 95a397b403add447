package dev.asmmigrate.cli;

import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.plan.FleetCalendar;
import dev.asmmigrate.activities.plan.MigrationPlan;
import dev.asmmigrate.activities.plan.MigrationPlanner;
import dev.asmmigrate.activities.plan.PlanCalendar;
import dev.asmmigrate.activities.window.WindowActivitiesImpl;
import dev.asmmigrate.cli.fleet.FleetFile;
import dev.asmmigrate.config.Finding;
import dev.asmmigrate.workflows.fleet.FleetMigrationWorkflow;
import dev.asmmigrate.workflows.fleet.FleetWaves;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.fleet.ApprovalScope;
import dev.asmmigrate.workflows.model.fleet.ClusterOutcome;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetResume;
import dev.asmmigrate.workflows.model.fleet.FleetState;
import dev.asmmigrate.workflows.model.fleet.FleetStatus;
import dev.asmmigrate.workflows.model.fleet.MigrationOptions;
import dev.asmmigrate.workflows.model.window.Estimates;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code asm-migrate fleet}: many clusters migrated in waves by one {@code FleetMigrationWorkflow}
 * (workflow ID {@code asm-fleet/<name>}), described by a fleet file (README, "Fleets").
 */
@Command(
    name = "fleet",
    mixinStandardHelpOptions = true,
    description =
        "Migrates a fleet of clusters in waves (a canary first, bounded concurrency, soak,"
            + " approvals, failure budgets that halt), as a fleet file describes it.",
    subcommands = {
      FleetCommand.Start.class,
      FleetCommand.Plan.class,
      FleetCommand.Status.class,
      FleetCommand.Approve.class,
      FleetCommand.Pause.class,
      FleetCommand.Resume.class,
      FleetCommand.Abort.class,
      FleetCommand.ReportCmd.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the command did what was asked (start --wait: the fleet ended SUCCESS)",
      "1:something unexpected failed",
      "2:usage error, or a fleet file with mistakes (each named FILE:LINE); nothing was started",
      "3:refused: a cluster is blocked (plan), the fleet already runs (start), or the fleet's"
          + " phase forbids the request (approve, pause, resume, abort)",
      "6:the fleet ended HALTED: a failure budget was spent",
      "7:the fleet ended ABORTED by an operator"
    })
final class FleetCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The options that go with a fleet file: how the clusters it lists are reached. */
  static final class FileOptions {
    @Parameters(index = "0", paramLabel = "FILE", description = "The fleet file (YAML).")
    Path file;

    @Option(
        names = "--kubeconfig",
        paramLabel = "FILE",
        description =
            "Kubeconfig of the clusters whose entry names none (default: the worker's:"
                + " $KUBECONFIG or ~/.kube/config, for the clusters whose entry names a context;"
                + " the others are reached through Google).")
    Path kubeconfig;

    @Option(
        names = "--google-endpoint",
        paramLabel = "HOST:PORT",
        description =
            "Plaintext Google APIs endpoint (the sandbox's fakes); default: Google with"
                + " application default credentials.")
    String googleEndpoint;

    @Option(
        names = "--google-credentials",
        paramLabel = "KEYFILE",
        description =
            "Service account key file on the worker's machine for Google and the clusters whose"
                + " entry names no kubeconfig or context (reached as `start --gke-access` reaches"
                + " one); default: application default credentials. Only its path is recorded.")
    Path googleCredentials;

    FleetRequest read(List<String> failClusters) {
      ClusterOptions.checkAccess(googleCredentials, kubeconfig, googleEndpoint);
      return FleetFile.read(
          file, new FleetFile.Options(kubeconfig, googleEndpoint, failClusters, googleCredentials));
    }
  }

  /** The fleet an operator command acts on, by the name of its fleet file. */
  static final class FleetName {
    @Parameters(
        index = "0",
        paramLabel = "NAME",
        description = "The fleet's name (its file's name:).")
    String name;
  }

  // --- start
  // ---------------------------------------------------------------------------------------

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Reads and checks the fleet file (every mistake named FILE:LINE, exit 2, nothing started),"
            + " then starts the fleet's workflow asm-fleet/<name> and prints its ID. Refused (exit"
            + " 3) while the same fleet runs.",
        "With --wait it follows the fleet until it ends: exit 0 SUCCESS, 6 HALTED, 7 ABORTED."
      })
  static final class Start implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin FileOptions file;
    @Mixin TemporalOptions temporal;

    @Option(
        names = "--fail-cluster",
        paramLabel = "NAME[:STEP]",
        description =
            "Rehearsal: the migration of cluster NAME fails at STEP (default: "
                + FleetFile.DEFAULT_FAIL_STEP
                + ") and rolls back. Repeatable.")
    List<String> failClusters = new ArrayList<>();

    @Mixin FollowOptions following;

    /** Every cluster's earliest start, and an emergency override of their windows. */
    @Mixin WindowRunOptions windowRun;

    @Override
    public Integer call() throws InterruptedException {
      FleetRequest read = file.read(failClusters);
      var policy =
          windowRun.policy(dev.asmmigrate.workflows.model.window.MaintenanceWindows.anyTime());
      FleetRequest request =
          read.withMigration(
              read.migration().withWindowRun(policy.notBefore(), policy.overrideReason()));
      PrintWriter out = spec.commandLine().getOut();
      try (Fleets fleets = Fleets.connect(temporal)) {
        String id = fleets.start(request);
        out.println("fleet: " + id);
        out.flush();
        return following.follow(fleets, request.name(), out);
      }
    }
  }

  /**
   * The {@code --wait}, {@code --wait-timeout} and {@code --interval} of fleet start and resume.
   */
  static final class FollowOptions {
    @Option(
        names = "--wait",
        description = "Follow the fleet (the new run) until it ends, printing progress.")
    boolean await;

    @Option(
        names = "--wait-timeout",
        defaultValue = "72h",
        converter = PositiveDurationConverter.class,
        description = "How long --wait follows at most (default: ${DEFAULT-VALUE}).")
    Duration waitTimeout;

    @Option(
        names = "--interval",
        defaultValue = "2s",
        converter = PositiveDurationConverter.class,
        description = "How often --wait looks at the fleet (default: ${DEFAULT-VALUE}).")
    Duration interval;

    /** With --wait, follows the fleet and returns its outcome's exit code; else 0. */
    int follow(Fleets fleets, String name, PrintWriter out) throws InterruptedException {
      return await ? FleetCommand.follow(fleets, name, out, interval, waitTimeout) : ExitCodes.OK;
    }
  }

  /**
   * Prints the fleet's progress (its phase and each cluster's state as they change) until it ends,
   * then its outcome; returns the exit code of the outcome.
   */
  static int follow(
      Fleets fleets, String name, PrintWriter out, Duration interval, Duration timeout)
      throws InterruptedException {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    String lastHead = null;
    Map<String, String> last = new HashMap<>();
    boolean told = false;
    while (true) {
      Fleets.Look look = fleets.lookIfAny(name);
      if (look == null) {
        // its first workflow task has not run yet: a worker picks it up, or none polls
        if (!told && System.nanoTime() > started + Duration.ofSeconds(10).toNanos()) {
          out.println("fleet: not picked up by a worker yet (is 'asm-migrate worker' running?)");
          out.flush();
          told = true;
        }
        checkDeadline(name, deadline, timeout);
        Thread.sleep(interval.toMillis());
        continue;
      }
      FleetStatus s = look.status();
      String head =
          "fleet: "
              + s.phase()
              + (s.wave() == null ? "" : ", wave " + s.wave())
              + (s.waitingFor() == null ? "" : "; waiting for " + s.waitingFor());
      if (!look.ended() && !head.equals(lastHead)) {
        out.println(head);
        lastHead = head;
      }
      for (ClusterOutcome c : s.clusters()) {
        String line =
            c.state()
                + (c.migration() == null ? "" : " (" + c.migration() + ")")
                + (c.detail() == null ? "" : ": " + c.detail());
        if (!line.equals(last.put(c.cluster().toString(), line))) {
          out.println("  " + c.cluster() + " [" + c.wave() + "]: " + line);
        }
      }
      out.flush();
      if (look.ended()) {
        return outcome(new FleetView(look), out);
      }
      checkDeadline(name, deadline, timeout);
      Thread.sleep(interval.toMillis());
    }
  }

  private static void checkDeadline(String name, long deadline, Duration timeout) {
    if (System.nanoTime() > deadline) {
      throw new UserError(
          ExitCodes.UNEXPECTED,
          "fleet " + name + " still runs after " + Times.duration(timeout) + " of waiting");
    }
  }

  /** Prints the ended fleet's outcome line and returns its exit code. */
  static int outcome(FleetView view, PrintWriter out) {
    FleetStatus s = view.status();
    if (!"COMPLETED".equals(view.look().workflowStatus())) {
      out.println(
          "fleet: its workflow ended "
              + view.look().workflowStatus()
              + " without a result ("
              + view.tally()
              + " succeeded)");
      out.flush();
      return ExitCodes.UNEXPECTED;
    }
    out.println(
        "fleet: "
            + s.state()
            + " ("
            + view.tally()
            + ")"
            + (s.reason() == null ? "" : ": " + s.reason()));
    if (s.state() == FleetState.HALTED) {
      String name = view.look().workflowId().substring(FleetRequest.WORKFLOW_ID_PREFIX.length());
      out.println(
          "  go on with 'asm-migrate fleet resume "
              + name
              + " --retry CLUSTER' (migrate a failed cluster again) or '--skip CLUSTER' (leave it"
              + " out)");
    }
    out.flush();
    return ExitCodes.ofFleet(s.state());
  }

  // --- plan
  // ----------------------------------------------------------------------------------------

  @Command(
      name = "plan",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description =
          "Checks the fleet file, then runs every listed cluster's pre-flight and config-check as"
              + " 'plan' does for one, read-only. Exit 3 if any cluster is blocked, naming it.")
  static final class Plan implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin FileOptions file;

    /** The calendar's "now"; tests fix it. */
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() {
      Instant now = clock.instant();
      FleetRequest request = file.read(List.of());
      PrintWriter out = spec.commandLine().getOut();
      boolean windowed = request.clusters().stream().anyMatch(c -> !c.windows().isAnyTime());
      Map<String, PlanCalendar.Request> calendars = new LinkedHashMap<>();
      Map<String, String> notes = new HashMap<>();
      String revision =
          switch (request.migration().channel()) {
            case "rapid" -> "asm-managed-rapid";
            case "stable" -> "asm-managed-stable";
            default -> "asm-managed";
          };
      List<String> blocked = new ArrayList<>();
      try (KubeClients clients = new KubeClients();
          GoogleClients google = new GoogleClients()) {
        MigrationPlanner planner = new MigrationPlanner(clients, google);
        for (FleetCluster c : request.clusters()) {
          MigrationPlan[] planned = new MigrationPlan[1];
          String problem = planOne(planner, request, c, revision, out, planned);
          if (problem != null) {
            blocked.add(c.name() + " (" + problem + ")");
            notes.put(c.name(), "not planned: " + problem);
          } else if (windowed) {
            try {
              calendars.put(c.name(), calendarRequest(request, c, planned[0], google, now));
            } catch (ApplicationFailure e) {
              notes.put(
                  c.name(),
                  "its GKE maintenance policy cannot be read: "
                      + e.getType()
                      + ": "
                      + e.getOriginalMessage());
            }
          }
        }
      }
      if (windowed) {
        calendar(request, calendars, notes, now, out);
      }
      if (request.fromFleet() != null) {
        out.println(
            "note: the clusters of GKE Hub project "
                + request.fromFleet()
                + " (fromFleet) are found when the fleet starts; plan checks the listed ones");
      }
      if (blocked.isEmpty()) {
        out.println("result: every cluster of fleet " + request.name() + " can be migrated");
        out.flush();
        return ExitCodes.OK;
      }
      out.println("result: blocked: " + String.join(", ", blocked));
      out.flush();
      return ExitCodes.BLOCKED;
    }

    /**
     * The calendar request of a planned cluster: its windows (with its own GKE policy for {@code
     * fromCluster}) and the fleet's per-cluster options, as the fleet starts its migration.
     */
    private static PlanCalendar.Request calendarRequest(
        FleetRequest request,
        FleetCluster c,
        MigrationPlan plan,
        GoogleClients google,
        Instant now) {
      MaintenanceWindows w = c.windows();
      if (w.fromCluster()) {
        w =
            PlanCalendar.withCluster(
                w,
                new WindowActivitiesImpl(google)
                    .clusterMaintenanceWindows(c.cluster(), c.connection()));
      }
      MigrationOptions m = request.migration();
      return PlanCalendar.request(
          plan,
          new WindowPolicy(w, null, null),
          now,
          m.canary(),
          m.concurrency(),
          m.timeouts(),
          request.pointOfNoReturn() == ApprovalScope.NONE);
    }

    /** The fleet's calendar: its waves in order, each cluster's own, and when it should end. */
    private static void calendar(
        FleetRequest request,
        Map<String, PlanCalendar.Request> calendars,
        Map<String, String> notes,
        Instant now,
        PrintWriter out) {
      FleetCalendar.Result r =
          FleetCalendar.of(
              FleetWaves.resolve(request.waves(), request.clusters()), calendars, notes, now);
      String zone =
          request.clusters().stream()
              .flatMap(c -> c.windows().windows().stream())
              .map(RecurringWindow::zone)
              .findFirst()
              .orElse("UTC");
      out.println("calendar (maintenance windows, with the estimates each run starts from):");
      for (FleetCalendar.WaveRun w : r.waves()) {
        out.println(
            "  wave "
                + w.wave()
                + ", from "
                + PlanCalendar.local(w.start(), zone)
                + (w.approval() ? " (once approved)" : "")
                + ", "
                + w.maxConcurrent()
                + " cluster"
                + (w.maxConcurrent() == 1 ? "" : "s")
                + " at once"
                + (w.soak().isZero() ? "" : ", soak " + Estimates.text(w.soak()))
                + ":");
        for (FleetCalendar.ClusterRun c : w.clusters()) {
          out.println("    " + c.cluster() + (c.calendar() == null ? ": " + c.note() : ":"));
          if (c.calendar() != null) {
            PlanCalendar.lines(c.calendar()).forEach(l -> out.println("      " + l));
          }
        }
      }
      out.println(
          "  fleet: "
              + (r.end() == null
                  ? "no end: " + r.why()
                  : "should end: " + PlanCalendar.local(r.end(), zone)));
    }

    /**
     * Prints one cluster's pre-flight and findings; returns why it is blocked, or null (its plan
     * then in {@code planned[0]}).
     */
    private static String planOne(
        MigrationPlanner planner,
        FleetRequest request,
        FleetCluster c,
        String revision,
        PrintWriter out,
        MigrationPlan[] planned) {
      out.println("cluster " + c.cluster() + " (" + c.name() + "):");
      MigrationPlan plan;
      try {
        plan =
            planner.plan(
                new MigrationPlanner.Request(
                    new MigrationContext(
                        MigrationPlanner.MIGRATION_ID, c.cluster(), c.connection(), revision, null),
                    request.migration().channel(),
                    c.fleetProject(),
                    List.of(),
                    request.migration().restartStatefulSetsAndDaemonSets()));
      } catch (ApplicationFailure e) {
        out.println("  BLOCKED " + e.getType() + ": " + e.getOriginalMessage());
        return e.getType();
      } catch (KubernetesClientException e) {
        out.println("  cannot read the cluster: " + e.getMessage());
        return "unreachable";
      }
      for (ConfigFinding f : plan.preflight()) {
        out.println(
            "  " + (f.blocking() ? "BLOCKING      " : "INFORMATIONAL ") + StatusView.finding(f));
      }
      for (Finding f : plan.findings()) {
        out.println(
            "  "
                + (f.severity().blocks() ? "BLOCKING      " : "INFORMATIONAL ")
                + f.ruleId()
                + ": "
                + f.kind()
                + " "
                + (f.namespace() == null || f.namespace().isEmpty() ? "" : f.namespace() + "/")
                + f.name()
                + ": "
                + f.message());
      }
      if (plan.canMigrate()) {
        out.println("  can be migrated (" + plan.namespaces().size() + " namespaces)");
        planned[0] = plan;
        return null;
      }
      long blocking = plan.blocking();
      int failing = plan.failingSteps().size();
      out.println(
          "  BLOCKED: "
              + blocking
              + " blocking finding"
              + (blocking == 1 ? "" : "s")
              + (failing == 0 ? "" : ", " + failing + " failing step" + (failing == 1 ? "" : "s")));
      return blocking + " blocking" + (failing == 0 ? "" : ", " + failing + " failing steps");
    }
  }

  // --- status
  // --------------------------------------------------------------------------------------

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Shows a fleet: its state, phase and wave, and one row per cluster (wave, state, its"
            + " migration's phase and step, namespaces done, outcome). Without a worker the rows"
            + " come from the fleet's memo.",
        "With --watch it refreshes until the fleet ends or waits for an operator; exit code then:"
            + " 0 SUCCESS or waiting, 6 HALTED, 7 ABORTED."
      })
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin FleetName fleet;
    @Mixin TemporalOptions temporal;
    @Mixin TextOrJson output;

    @Mixin WatchOptions watching;

    @Override
    public Integer call() throws InterruptedException {
      boolean json = output.json();
      Fleets.workflowId(fleet.name);
      PrintWriter out = spec.commandLine().getOut();
      long deadline = System.nanoTime() + watching.timeout.toNanos();
      try (Fleets fleets = Fleets.connect(temporal)) {
        String lastShown = null;
        while (true) {
          FleetView view = new FleetView(fleets.look(fleet.name));
          String shown = json ? FleetView.write(view.json()) : view.text();
          if (!shown.equals(lastShown)) {
            out.println(shown);
            out.flush();
            lastShown = shown;
          }
          if (!watching.watch) {
            return ExitCodes.OK;
          }
          if (view.look().ended()) {
            return "COMPLETED".equals(view.look().workflowStatus())
                ? ExitCodes.ofFleet(view.status().state())
                : ExitCodes.UNEXPECTED;
          }
          if (List.of("WAITING_FOR_APPROVAL", "PAUSED").contains(view.status().phase())) {
            return ExitCodes.OK;
          }
          if (System.nanoTime() > deadline) {
            throw new UserError(
                ExitCodes.UNEXPECTED,
                "fleet " + fleet.name + " still runs after " + Times.duration(watching.timeout));
          }
          Thread.sleep(watching.interval.toMillis());
        }
      }
    }
  }

  // --- operator updates
  // ----------------------------------------------------------------------------

  /** An operator request sent as an update; a refusal prints its reason and exits 3. */
  abstract static class FleetUpdate implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin FleetName fleet;
    @Mixin TemporalOptions temporal;

    @Option(
        names = "--answer-timeout",
        defaultValue = "30s",
        converter = PositiveDurationConverter.class,
        description = "How long to wait for the fleet's answer (default: ${DEFAULT-VALUE}).")
    Duration answerTimeout;

    abstract Function<FleetMigrationWorkflow, String> request();

    @Override
    public Integer call() throws Exception {
      Function<FleetMigrationWorkflow, String> request = request();
      Fleets.workflowId(fleet.name);
      try (Fleets fleets = Fleets.connect(temporal)) {
        String answer = fleets.update(fleet.name, request, answerTimeout);
        PrintWriter out = spec.commandLine().getOut();
        out.println("fleet " + fleet.name + ": " + answer);
        out.flush();
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "approve",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description =
          "Approves what the fleet waits for: a wave declared with approval: true, or the point of"
              + " no return (disable-addon, cleanup) of the clusters approvePointOfNoReturn"
              + " groups. Refused (exit 3) when it waits for nothing, or for another wave than"
              + " --wave.")
  static final class Approve extends FleetUpdate {
    @Option(
        names = "--by",
        required = true,
        paramLabel = "WHO",
        description = "Who approves (in the status and the report).")
    String by;

    @Option(
        names = "--wave",
        paramLabel = "WAVE",
        description = "The wave meant; refused if another one waits.")
    String wave;

    @Override
    Function<FleetMigrationWorkflow, String> request() {
      if (by.isBlank()) {
        throw new UserError(ExitCodes.USAGE, "--by must name who approves");
      }
      return wf -> wf.approve(by, wave);
    }
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description =
          "Starts no new cluster until 'fleet resume'; running clusters go on. Refused once the"
              + " fleet ended.")
  static final class Pause extends FleetUpdate {
    @Override
    Function<FleetMigrationWorkflow, String> request() {
      return FleetMigrationWorkflow::pause;
    }
  }

  @Command(
      name = "abort",
      mixinStandardHelpOptions = true,
      description =
          "Stops the fleet: no new cluster starts, the running ones are aborted (each rolls back"
              + " unless past its point of no return); it ends ABORTED. Refused once it ended.")
  static final class Abort extends FleetUpdate {
    @Option(names = "--reason", defaultValue = "", description = "Why (in the status and report).")
    String reason;

    @Override
    Function<FleetMigrationWorkflow, String> request() {
      return wf -> wf.abort(reason);
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Without --retry/--skip: lifts a pause (refused unless paused).",
        "With --retry CLUSTER / --skip CLUSTER, on a HALTED fleet: starts its next run, which keeps"
            + " the halted run's outcomes, migrates the retried clusters again, leaves the skipped"
            + " ones out and goes on with the clusters that never started."
      })
  static final class Resume extends FleetUpdate {
    @Option(
        names = "--retry",
        paramLabel = "CLUSTER",
        split = ",",
        description = "A failed cluster to migrate again (its name in the fleet file).")
    List<String> retry = new ArrayList<>();

    @Option(
        names = "--skip",
        paramLabel = "CLUSTER",
        split = ",",
        description = "A cluster to leave out.")
    List<String> skip = new ArrayList<>();

    @Option(
        names = "--by",
        paramLabel = "WHO",
        defaultValue = "${sys:user.name}",
        description = "Who resumes (default: ${DEFAULT-VALUE}).")
    String by;

    @Mixin FollowOptions following;

    @Override
    Function<FleetMigrationWorkflow, String> request() {
      return FleetMigrationWorkflow::resume;
    }

    @Override
    public Integer call() throws Exception {
      if (retry.isEmpty() && skip.isEmpty()) {
        return super.call();
      }
      String id = Fleets.workflowId(fleet.name);
      Set<String> both = new LinkedHashSet<>(retry);
      both.retainAll(skip);
      if (!both.isEmpty()) {
        throw new UserError(
            ExitCodes.USAGE, "--retry and --skip both name " + String.join(", ", both));
      }
      PrintWriter out = spec.commandLine().getOut();
      try (Fleets fleets = Fleets.connect(temporal)) {
        if (fleets.running(id)) {
          throw new UserError(
              ExitCodes.BLOCKED,
              "refused: fleet "
                  + fleet.name
                  + " is running; --retry and --skip go on from a HALTED fleet");
        }
        FleetResult halted = fleets.result(id);
        if (halted == null || halted.state() != FleetState.HALTED) {
          throw new UserError(
              ExitCodes.BLOCKED,
              "refused: fleet "
                  + fleet.name
                  + " ended "
                  + (halted == null ? "without a result" : halted.state())
                  + "; --retry and --skip go on from a HALTED fleet");
        }
        FleetRequest request = resumed(fleets.input(id), halted);
        fleets.start(request);
        out.println(
            "fleet: "
                + id
                + " resumed by "
                + by
                + (retry.isEmpty() ? "" : ", retrying " + String.join(", ", retry))
                + (skip.isEmpty() ? "" : ", skipping " + String.join(", ", skip)));
        out.flush();
        return following.follow(fleets, fleet.name, out);
      }
    }

    /**
     * The halted run's request, resumed: its outcomes, the clusters to retry (each a failed one)
     * and to skip (each one that did not succeed), and no rehearsal failure left on a retried one.
     */
    FleetRequest resumed(FleetRequest previous, FleetResult halted) {
      Map<String, ClusterOutcome> byName = new HashMap<>();
      halted.clusters().forEach(c -> byName.put(c.cluster().cluster(), c));
      for (String r : retry) {
        ClusterOutcome c = byName.get(r);
        if (c == null) {
          throw unknownCluster("--retry", r, byName.keySet());
        }
        if (!c.state().failed() && c.state() != ClusterState.HALTED_ROLLED_BACK) {
          throw new UserError(
              ExitCodes.USAGE,
              "--retry "
                  + r
                  + ": it ended "
                  + c.state()
                  + "; only a failed or rolled-back cluster is retried (the ones that never"
                  + " started go on by themselves)");
        }
      }
      for (String s : skip) {
        ClusterOutcome c = byName.get(s);
        if (c == null) {
          throw unknownCluster("--skip", s, byName.keySet());
        }
        if (c.state() == ClusterState.SUCCEEDED) {
          throw new UserError(ExitCodes.USAGE, "--skip " + s + ": it already succeeded");
        }
      }
      Map<String, String> failAt = new HashMap<>(previous.failAt());
      retry.forEach(failAt::remove);
      return new FleetRequest(
              previous.name(),
              previous.clusters(),
              previous.fromFleet(),
              previous.google(),
              previous.waves(),
              previous.failureBudget(),
              previous.onHalt(),
              previous.migration(),
              previous.pointOfNoReturn(),
              failAt,
              null)
          .resumedWith(
              new FleetResume(halted.clusters(), retry, skip, Objects.requireNonNullElse(by, "")));
    }

    private static UserError unknownCluster(String option, String name, Set<String> known) {
      return new UserError(
          ExitCodes.USAGE,
          option
              + " "
              + name
              + ": no such cluster in the fleet (its clusters: "
              + String.join(", ", known.stream().sorted().toList())
              + ")");
    }
  }

  // --- report
  // --------------------------------------------------------------------------------------

  @Command(
      name = "report",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description =
          "Writes a fleet's report: a timeline per cluster grouped by wave, the soak checks, who"
              + " approved what. The HTML page is self-contained.")
  static final class ReportCmd implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin FleetName fleet;
    @Mixin TemporalOptions temporal;

    @Mixin ReportFormat format;

    @Override
    public Integer call() throws IOException {
      format.check();
      Fleets.workflowId(fleet.name);
      String text;
      try (Fleets fleets = Fleets.connect(temporal)) {
        FleetReport report =
            new FleetReport(new FleetView(fleets.look(fleet.name)), System.currentTimeMillis());
        text =
            switch (format.format) {
              case "json" -> report.json();
              case "html" -> report.html();
              default -> report.markdown();
            };
      }
      format.write(spec.commandLine().getOut(), text);
      return ExitCodes.OK;
    }
  }
}
