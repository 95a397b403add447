package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.activities.StateActivities.WriteStateRequest;
import dev.asmmigrate.workflows.model.DurationEstimate.Sizing;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PreflightReport;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.Timeouts;
import dev.asmmigrate.workflows.model.window.Estimates;
import dev.asmmigrate.workflows.model.window.Estimates.Estimate;
import dev.asmmigrate.workflows.model.window.Estimates.Measured;
import dev.asmmigrate.workflows.model.window.Exclusion;
import dev.asmmigrate.workflows.model.window.InvalidWindowsException;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.Opening;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import dev.asmmigrate.workflows.model.window.WindowCalendar;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import dev.asmmigrate.workflows.model.window.WindowStatus;
import dev.asmmigrate.workflows.model.window.WindowWait;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The run's maintenance windows (issue 14): before each step that disturbs traffic ({@link
 * Step.Disruption#disturbsTraffic()}) and before each namespace wave, the work starts only if an
 * opening holds it now: {@code now + estimate + estimate of its undo + margin <= the opening's end}
 * ({@link Estimates}). Otherwise the run stops there, at a consistent point (between steps, between
 * waves: a step is never split), shows {@code WAITING_FOR_WINDOW} (status, the state ConfigMap),
 * and sleeps durably until the next opening in which the work fits; {@code windows set} ({@link
 * #set}) wakes it to decide again, an abort cancels the wait. Read-only steps run any time.
 *
 * <p>A run with no windows, no earliest start and no override ({@link #untouched}) issues no
 * command here at all, so histories recorded before replay unchanged; the others record version 1
 * of {@code maintenance-windows}.
 */
final class MaintenanceGate {
  private static final Logger log = Workflow.getLogger(MaintenanceGate.class);

  private final ActivityStubs act;
  private final Progress progress;
  private final Timeouts timeouts;
  private final Supplier<MigrationContext> ctx;
  private final Supplier<PreflightReport> pf;
  private final Map<String, NamespacePlan> plans = new LinkedHashMap<>();
  private final List<WindowWait> waits = new ArrayList<>();
  private WindowPolicy policy;
  private WindowCalendar calendar;
  private WindowWait waiting;

  /** Bumped by each change of the windows or the override: wakes a wait to decide again. */
  private int changes;

  MaintenanceGate(
      MigrationRequest request,
      Progress progress,
      ActivityStubs act,
      Supplier<MigrationContext> ctx,
      Supplier<PreflightReport> pf) {
    this.act = act;
    this.progress = progress;
    this.timeouts = request.timeouts();
    this.ctx = ctx;
    this.pf = pf;
    this.policy = request.windows();
    if (!untouched(policy)) {
      Workflow.getVersion("maintenance-windows", Workflow.DEFAULT_VERSION, 1);
      publish();
    }
  }

  /** Whether the run has no windows, no earliest start and no override: no gate at all. */
  static boolean untouched(WindowPolicy p) {
    return p.windows().isAnyTime() && p.notBefore() == null && !p.overridden();
  }

  private static WindowCalendar calendarOf(MaintenanceWindows w) {
    if (w.isAnyTime()) {
      return null;
    }
    try {
      return WindowCalendar.of(w, now());
    } catch (InvalidWindowsException e) {
      throw Failures.failure(
          FailureType.INVALID_INPUT, "invalid maintenance windows: " + e.getMessage());
    }
  }

  // --- the operator's update -------------------------------------------------------------------

  /**
   * Validates new windows (and an override): throws what {@link WindowCalendar#of} finds wrong,
   * changing nothing.
   */
  static void validate(MaintenanceWindows windows, String overrideReason) {
    if (windows == null) {
      throw new IllegalArgumentException("no windows given");
    }
    if (overrideReason != null && overrideReason.isBlank()) {
      throw new IllegalArgumentException("an override of the windows needs a reason");
    }
    if (!windows.isAnyTime()) {
      WindowCalendar.of(windows, now());
    }
  }

  /**
   * Replaces the run's windows ({@code windows set}) and, with a reason, overrides them; a wait in
   * progress decides again at once (its wake-up moves, or the run goes on).
   *
   * @return what the run does now, in words
   */
  String set(MaintenanceWindows windows, String overrideReason) {
    Instant notBefore = policy.notBefore();
    String reason = overrideReason != null ? overrideReason : policy.overrideReason();
    policy = new WindowPolicy(windows, notBefore, reason);
    calendar = calendarOf(windows);
    changes++;
    publish();
    log.info(
        "maintenance windows set: {} window(s), override {}", windows.windows().size(), reason);
    if (policy.overridden()) {
      return "windows overridden (" + reason + "): the migration goes on now";
    }
    return windows.isAnyTime()
        ? "no windows: the migration may work any time"
        : "windows replaced: "
            + windows.windows().size()
            + " window(s); "
            + (waiting == null
                ? "the next disturbing step or wave is checked against them"
                : "the wait is decided again");
  }

  // --- waits -----------------------------------------------------------------------------------

  /**
   * At the start of the runbook: reads the cluster's own GKE maintenance policy when the windows
   * ask for it ({@code fromCluster}: its windows and exclusions join the run's), then waits
   * (durably) until the run's earliest start, if it is still to come.
   */
  void begin() {
    if (untouched(policy)) {
      return;
    }
    if (policy.windows().fromCluster()) {
      MaintenanceWindows own = policy.windows();
      MaintenanceWindows cluster =
          act.windows.clusterMaintenanceWindows(ctx.get().cluster(), ctx.get().connection());
      List<RecurringWindow> all = new ArrayList<>(own.windows());
      all.addAll(cluster.windows());
      List<Exclusion> excluded = new ArrayList<>(own.exclusions());
      excluded.addAll(cluster.exclusions());
      MaintenanceWindows merged = new MaintenanceWindows(all, excluded, false, own.margin());
      policy = new WindowPolicy(merged, policy.notBefore(), policy.overrideReason());
      log.info(
          "maintenance windows: {} from the cluster's GKE policy, {} exclusion(s)",
          cluster.windows().size(),
          cluster.exclusions().size());
    }
    // in the runbook's scope: windows the calendar refuses fail the run before any change
    calendar = calendarOf(policy.windows());
    publish();
    if (policy.notBefore() == null) {
      return;
    }
    long until = policy.notBefore().toEpochMilli();
    if (until <= Workflow.currentTimeMillis()) {
      return;
    }
    startWait(
        new WindowWait(
            Workflow.currentTimeMillis(),
            until,
            zone(),
            "the migration",
            "not before " + WindowWait.local(until, zone()) + " (start --not-before)",
            null));
    Workflow.sleep(Duration.ofMillis(until - Workflow.currentTimeMillis()));
    end();
  }

  /**
   * Before step {@code s}: waits for an opening that holds it, if it disturbs traffic. The workload
   * steps are gated per wave instead ({@link #awaitWave}).
   *
   * @return whether it waited (the caller checks for a pause again)
   */
  boolean awaitStep(Step s) {
    if (!gating()
        || !s.declaration().disruption().disturbsTraffic()
        || s == Step.MIGRATE_WORKLOADS
        || s == Step.MIGRATE_REMAINING_WORKLOADS) {
      return false;
    }
    return awaitFit(s, "step " + s.id(), estimate(s));
  }

  /**
   * Before a wave of namespaces: waits for an opening that holds it and its undo.
   *
   * @return whether it waited
   */
  boolean awaitWave(List<NamespacePlan> wave) {
    if (!gating()) {
      return false;
    }
    return awaitFit(progress.step(), describe(wave), estimate(wave));
  }

  /**
   * The estimate of a step: what this run measured of it, else pre-flight's model, else the
   * runbook's bound (histories from before the models: pre-flight's report has none).
   */
  Estimate estimate(Step s) {
    PreflightReport p = pf.get();
    return Estimates.step(
        s, progress.took(s.id()), p == null ? null : p.stepModel(s), sizing(), timeouts);
  }

  /** The estimate of a wave from what the run measured so far. */
  Estimate estimate(List<NamespacePlan> wave) {
    return Estimates.wave(wave, measured(), timeouts);
  }

  /** The namespaces these plans name are the run's: their sizes count in its measurements. */
  void plans(List<NamespacePlan> namespaces) {
    for (NamespacePlan ns : namespaces) {
      plans.put(ns.name(), ns);
    }
  }

  /** The namespaces this run migrated, with how long each took. */
  List<Measured> measured() {
    return Estimates.measured(progress.status().namespaces(), plans);
  }

  /**
   * When the opening that holds now closes (epoch milliseconds), for a group of waves to stop
   * before a wave that no longer fits; now when no opening holds now; null when the run is not
   * gated (any time, or overridden).
   */
  Long closesAt() {
    if (!gating()) {
      return null;
    }
    return calendar
        .openAt(now())
        .map(o -> o.end().toEpochMilli())
        .orElse(Workflow.currentTimeMillis());
  }

  /** How many times the windows changed ({@link #set}): a running group of waves is told. */
  int changes() {
    return changes;
  }

  Duration margin() {
    return policy.windows().margin();
  }

  private boolean gating() {
    return calendar != null && !policy.overridden();
  }

  private boolean awaitFit(Step step, String what, Estimate e) {
    boolean waited = false;
    while (gating()) {
      Instant now = now();
      Duration needs = e.needs(margin());
      if (calendar.holds(now, needs)) {
        break;
      }
      Optional<Opening> open = calendar.openAt(now);
      Optional<Opening> next = calendar.nextFit(now, needs);
      String why =
          (open.isPresent()
                  ? "window closes at "
                      + WindowWait.local(open.get().end().toEpochMilli(), open.get().zone())
                  : "outside the windows")
              + "; "
              + what
              + " needs "
              + e.describe()
              + " + margin "
              + Estimates.text(margin());
      WindowWait w =
          new WindowWait(
              now.toEpochMilli(),
              next.map(o -> o.start().toEpochMilli()).orElse(null),
              next.map(Opening::zone).orElse(zone()),
              what,
              why,
              null);
      if (waiting == null) {
        startWait(w);
        writeState(MigrationState.WAITING_FOR_WINDOW, step, w);
      } else if (!java.util.Objects.equals(waiting.until(), w.until())) {
        waiting = waiting.until(w.until(), w.zone(), why);
        publish();
        writeState(MigrationState.WAITING_FOR_WINDOW, step, waiting);
      }
      log.info("{}: waiting for a maintenance window until {}: {}", what, w.untilText(), why);
      int seen = changes;
      try {
        if (next.isPresent()) {
          Workflow.await(Duration.between(now, next.get().start()), () -> changes != seen);
        } else {
          Workflow.await(() -> changes != seen);
        }
      } catch (CanceledFailure aborted) {
        // an abort ends the wait: the rollback goes on from this consistent point
        waits.add(waiting.ended(Workflow.currentTimeMillis()));
        waiting = null;
        publish();
        throw aborted;
      }
      waited = true;
    }
    if (waiting != null) {
      end();
      writeState(MigrationState.PENDING, step, null);
    }
    return waited;
  }

  private void startWait(WindowWait w) {
    waiting = w;
    progress.phase(Progress.WAITING_FOR_WINDOW);
    publish();
  }

  private void end() {
    waits.add(waiting.ended(Workflow.currentTimeMillis()));
    waiting = null;
    progress.phase(Progress.RUNNING);
    publish();
  }

  private void writeState(MigrationState state, Step step, WindowWait w) {
    if (!progress.completedSteps().contains(Step.PREFLIGHT.id())) {
      return;
    }
    progress.state(state);
    act.state.writeState(
        new WriteStateRequest(
            ctx.get(),
            state,
            step.id(),
            w == null ? null : "WAITING_FOR_WINDOW until " + w.untilText() + ": " + w.why()));
  }

  private void publish() {
    List<WindowWait> all = new ArrayList<>(waits);
    if (waiting != null) {
      all.add(waiting);
    }
    progress.windows(
        new WindowStatus(
            policy.windows(),
            policy.notBefore() == null ? null : policy.notBefore().toEpochMilli(),
            policy.overrideReason(),
            waiting,
            all));
  }

  private Sizing sizing() {
    PreflightReport p = pf.get();
    if (p == null) {
      return new Sizing(1, 0, 0, 0, 0, 1);
    }
    int workloads = p.namespaces().stream().mapToInt(NamespacePlan::workloads).sum();
    return new Sizing(p.addonVersions().size(), p.namespaces().size(), 0, 0, workloads, 1);
  }

  /** The zone to show times in: the first window's, else UTC. */
  private String zone() {
    return policy.windows().windows().isEmpty() ? "UTC" : policy.windows().windows().get(0).zone();
  }

  private static String describe(List<NamespacePlan> wave) {
    List<String> names = wave.stream().map(NamespacePlan::name).toList();
    return wave.size() == 1
        ? "namespace " + names.get(0)
        : "wave of " + wave.size() + " namespaces (" + String.join(", ", names) + ")";
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
