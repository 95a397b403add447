package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.KeptObject;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.PodToRecreate;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepTiming;
import dev.asmmigrate.workflows.model.Timeouts;
import dev.asmmigrate.workflows.model.window.WindowStatus;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the workflow knows about its own progress, and what operators asked of it: the source of the
 * status query and the result. Workflow code only, so plain fields suffice; times are workflow time
 * ({@link Workflow#currentTimeMillis()}), so replays see the same ones.
 */
final class Progress {
  static final String RUNNING = "RUNNING";
  static final String WAITING_FOR_RECHECK = "WAITING_FOR_RECHECK";
  static final String WAITING_FOR_APPROVAL = "WAITING_FOR_APPROVAL";
  static final String PAUSED = "PAUSED";
  static final String ROLLING_BACK = "ROLLING_BACK";
  static final String DONE = "DONE";

  /**
   * The run stopped at a consistent point until a maintenance window in which its next disturbing
   * work fits ({@link MaintenanceGate}), or until its earliest start.
   */
  static final String WAITING_FOR_WINDOW = "WAITING_FOR_WINDOW";

  /** A namespace's phase while its one activity relabels, restarts and verifies it. */
  static final String MIGRATING = "MIGRATING";

  /** A namespace's phases on its way to success, published once per wave. */
  private static final Set<String> ON_THE_WAY =
      Set.of("PENDING", MIGRATING, "RELABELLED", "RESTARTED", "VERIFIED");

  private String migrationId;
  private ClusterRef cluster;
  private String phase = RUNNING;
  private MigrationState state = MigrationState.PENDING;
  private Step step = Step.PREFLIGHT;
  private final List<String> completed = new ArrayList<>();
  private final Map<String, NamespaceStatus> namespaces = new LinkedHashMap<>();
  private List<ConfigFinding> findings = List.of();
  private List<KeptObject> kept = List.of();
  private String approvedBy;
  private boolean recheck;
  private String abortReason;
  private String rollbackReason;
  private boolean paused;
  private String error;
  private Timeouts timeouts = Timeouts.defaults();
  private boolean indexed;
  private String indexedPhase = RUNNING;
  private Long startedAt;
  private Long endedAt;
  private Long approvedAt;
  private final List<StepTiming> timings = new ArrayList<>();
  private List<PodToRecreate> podsToRecreate = List.of();
  private final List<String> rollbackFailures = new ArrayList<>();
  private String backups;
  private WindowStatus windows;
  private boolean memo;
  private boolean memoPerWave;
  private MigrationStatus publishedHead;
  private List<String> publishedNames = List.of();
  private final Map<String, NamespaceStatus> publishedNamespaces = new LinkedHashMap<>();

  /**
   * @param indexed whether the start carried the search attributes, so that upserting them is safe
   */
  void start(String id, ClusterRef c, Timeouts t, boolean indexed) {
    migrationId = id;
    cluster = c;
    timeouts = t;
    this.indexed = indexed;
    startedAt = Workflow.currentTimeMillis();
    // the status is kept in the memo from here on, so that status and report need no worker;
    // histories recorded before replay without the memo's upserts
    memo = Workflow.getVersion("status-memo", Workflow.DEFAULT_VERSION, 1) == 1;
    // a namespace's progress reaches the memo once per wave ({@link #publishNamespaces}) and with
    // any other change, not at each of its phases: one upsert event per wave instead of four per
    // namespace; histories recorded before upsert at each phase
    memoPerWave = Workflow.getVersion("status-memo-per-wave", Workflow.DEFAULT_VERSION, 1) == 1;
    publish();
  }

  /**
   * Upserts the namespaces' progress not yet in the memo: called once per wave, when it ended (and
   * any other change publishes it too, so every step boundary does).
   */
  void publishNamespaces() {
    publish();
  }

  /**
   * A namespace's change: its way to success (started, relabelled, restarted, verified) waits for
   * the wave's end; a failure and its undo (FAILED, ROLLED_BACK, ROLLBACK_FAILED) are published at
   * once, as every change was in histories from before the memo per wave.
   */
  private void publishNamespace(String nsPhase) {
    if (!memoPerWave || !ON_THE_WAY.contains(nsPhase)) {
      publish();
    }
  }

  /**
   * Upserts into the workflow's memo what changed since the last upsert ({@link StatusMemo}): the
   * status without its namespaces, the namespaces' names in order, and each namespace that changed.
   * Called after every change but a namespace's (published once per wave, {@link
   * #publishNamespaces}), so the memo is as fresh as the status query at every step boundary.
   */
  private void publish() {
    if (!memo) {
      return;
    }
    Map<String, Object> changes = new LinkedHashMap<>();
    MigrationStatus head = StatusMemo.head(status());
    if (!head.equals(publishedHead)) {
      changes.put(StatusMemo.STATUS, head);
      publishedHead = head;
    }
    List<String> names = List.copyOf(namespaces.keySet());
    if (!names.equals(publishedNames)) {
      changes.put(StatusMemo.NAMESPACES, names);
      publishedNames = names;
    }
    for (NamespaceStatus n : namespaces.values()) {
      if (!n.equals(publishedNamespaces.get(n.name()))) {
        changes.put(StatusMemo.NAMESPACE + n.name(), n);
        publishedNamespaces.put(n.name(), n);
      }
    }
    if (!changes.isEmpty()) {
      Workflow.upsertMemo(changes);
    }
  }

  /** The run's maintenance windows and its waits for them; null: none (any time). */
  void windows(WindowStatus w) {
    windows = w;
    publish();
  }

  WindowStatus windows() {
    return windows;
  }

  void migrationId(String id) {
    migrationId = id;
    publish();
  }

  /** Where the backups are kept, for whoever must finish a failed rollback. */
  void backups(String where) {
    backups = where;
    publish();
  }

  /** An undo step of the rollback failed: {@code what} it was and why, with what it left. */
  void undoFailed(String what, String why) {
    rollbackFailures.add(what + ": " + why);
    publish();
  }

  List<String> rollbackFailures() {
    return rollbackFailures;
  }

  void plan(List<NamespacePlan> plans) {
    for (NamespacePlan p : plans) {
      namespaces.putIfAbsent(
          p.name(), new NamespaceStatus(p.name(), p.version(), "PENDING", 0, 0, ""));
    }
    publish();
  }

  void namespace(NamespacePlan p, String nsPhase, int ready, int total, String message) {
    namespace(p, nsPhase, ready, total, message, Map.of());
  }

  /**
   * A namespace's change, with the moments of the phases it went through on the way (an activity's
   * clock): each kept between the namespace's last moment and now, so that its timeline stays in
   * order whatever the two clocks say.
   */
  void namespace(
      NamespacePlan p,
      String nsPhase,
      int ready,
      int total,
      String message,
      Map<String, Long> earlier) {
    NamespaceStatus before = namespaces.get(p.name());
    Map<String, Long> times = new LinkedHashMap<>(before == null ? Map.of() : before.times());
    long now = Workflow.currentTimeMillis();
    long last = times.values().stream().mapToLong(Long::longValue).max().orElse(now);
    for (Map.Entry<String, Long> e : earlier.entrySet()) {
      last = Math.min(now, Math.max(last, e.getValue()));
      times.put(e.getKey(), last);
    }
    times.put(nsPhase, now);
    namespaces.put(
        p.name(),
        new NamespaceStatus(p.name(), p.version(), nsPhase, ready, total, message, times));
    publishNamespace(nsPhase);
  }

  /**
   * The namespace's migration (or its rollback) begins: the start of its timeline.
   *
   * @param inFlight the phase it shows while it runs, or null to keep its phase
   */
  void namespaceStarted(NamespacePlan p, String inFlight) {
    NamespaceStatus before = namespaces.get(p.name());
    Map<String, Long> times = new LinkedHashMap<>(before == null ? Map.of() : before.times());
    times.putIfAbsent("STARTED", Workflow.currentTimeMillis());
    namespaces.put(
        p.name(),
        before == null
            ? new NamespaceStatus(
                p.name(), p.version(), inFlight == null ? "PENDING" : inFlight, 0, 0, "", times)
            : new NamespaceStatus(
                p.name(),
                p.version(),
                inFlight == null ? before.phase() : inFlight,
                before.podsReady(),
                before.podsTotal(),
                before.message(),
                times));
    publishNamespace("PENDING");
  }

  /**
   * Namespaces' statuses as a group of waves ({@link NamespaceGroupWorkflow}) left them, or as the
   * migration knows them when the group starts: published at once.
   */
  void namespaces(List<NamespaceStatus> changed) {
    for (NamespaceStatus n : changed) {
      namespaces.put(n.name(), n);
    }
    publish();
  }

  /** The undos a group of waves ran that failed, each with what it left. */
  void undoFailures(List<String> failures) {
    rollbackFailures.addAll(failures);
    publish();
  }

  /** The injected pods pre-flight found that no restart moves to the new proxy. */
  void podsToRecreate(List<PodToRecreate> pods) {
    podsToRecreate = List.copyOf(pods);
    publish();
  }

  NamespaceStatus namespace(String name) {
    return namespaces.get(name);
  }

  List<String> migratedNamespaces() {
    return namespaces.values().stream()
        .filter(n -> !n.phase().equals("PENDING"))
        .map(NamespaceStatus::name)
        .toList();
  }

  void step(Step s) {
    step = s;
    timings.add(new StepTiming(s.id(), Workflow.currentTimeMillis(), null, "RUNNING"));
    publish();
  }

  Step step() {
    return step;
  }

  void completed(Step s) {
    if (!completed.contains(s.id())) {
      completed.add(s.id());
    }
    endTiming(s.id(), "DONE");
    publish();
  }

  void skipped(Step s) {
    long now = Workflow.currentTimeMillis();
    timings.add(new StepTiming(s.id(), now, now, "SKIPPED"));
    if (!completed.contains(s.id())) {
      completed.add(s.id());
    }
    publish();
  }

  void rollingBack() {
    phase(ROLLING_BACK);
    timings.add(new StepTiming("rollback", Workflow.currentTimeMillis(), null, "RUNNING"));
    publish();
  }

  /** How long step {@code id} took when this run last did it through (DONE), or null. */
  java.time.Duration took(String id) {
    for (int i = timings.size() - 1; i >= 0; i--) {
      StepTiming t = timings.get(i);
      if (t.step().equals(id) && "DONE".equals(t.outcome()) && t.endedAt() != null) {
        return java.time.Duration.ofMillis(Math.max(0, t.endedAt() - t.startedAt()));
      }
    }
    return null;
  }

  private void endTiming(String id, String outcome) {
    for (int i = timings.size() - 1; i >= 0; i--) {
      StepTiming t = timings.get(i);
      if (t.step().equals(id) && t.endedAt() == null) {
        timings.set(
            i, new StepTiming(t.step(), t.startedAt(), Workflow.currentTimeMillis(), outcome));
        return;
      }
    }
  }

  /** The bound of the current step's long wait, for progress bars. */
  private Duration stepBound() {
    return switch (step) {
      case CONTROL_PLANE -> timeouts.controlPlane();
      case CONFIGURE_MESH_CA -> timeouts.rootDistribution();
      case MIGRATE_WORKLOADS, MIGRATE_REMAINING_WORKLOADS -> timeouts.rollout();
      case REPLACE_GATEWAY -> timeouts.gateway();
      default -> null;
    };
  }

  List<String> completedSteps() {
    return completed;
  }

  void phase(String p) {
    phase = p;
    index(p);
    publish();
  }

  String phase() {
    return phase;
  }

  /** Upserts AsmPhase when it changes, only if the start proved the attributes registered. */
  private void index(String value) {
    if (indexed && !value.equals(indexedPhase)) {
      indexedPhase = value;
      Workflow.upsertTypedSearchAttributes(MigrationSearchAttributes.PHASE.valueSet(value));
    }
  }

  void state(MigrationState s) {
    state = s;
    publish();
  }

  MigrationState state() {
    return state;
  }

  /** The objects cleanup left in place, from its result. */
  void kept(List<KeptObject> k) {
    kept = k == null ? List.of() : List.copyOf(k);
    publish();
  }

  void findings(List<ConfigFinding> f) {
    findings = List.copyOf(f);
    publish();
  }

  void approve(String by) {
    if (approvedBy == null) {
      approvedBy = by;
      approvedAt = Workflow.currentTimeMillis();
    }
    publish();
  }

  String approvedBy() {
    return approvedBy;
  }

  void requestRecheck() {
    recheck = true;
    publish();
  }

  boolean recheckRequested() {
    return recheck;
  }

  void clearRecheck() {
    recheck = false;
    publish();
  }

  void abort(String reason) {
    if (abortReason == null) {
      abortReason = reason;
    }
    publish();
  }

  String abortReason() {
    return abortReason;
  }

  void requestRollback(String reason) {
    if (rollbackReason == null) {
      rollbackReason = reason;
    }
    publish();
  }

  String rollbackReason() {
    return rollbackReason;
  }

  void pause(boolean p) {
    paused = p;
    publish();
  }

  boolean paused() {
    return paused;
  }

  boolean finished() {
    return DONE.equals(phase);
  }

  void fail(Step s, String message) {
    step = s;
    error = message;
    endTiming(s.id(), "FAILED");
    publish();
  }

  /** The error as the result and status show it (the first line stays the original failure). */
  void error(String message) {
    error = message;
    publish();
  }

  String error() {
    return error;
  }

  void done() {
    endTiming("rollback", rollbackFailures.isEmpty() ? "DONE" : "FAILED");
    endedAt = Workflow.currentTimeMillis();
    phase = DONE;
    index(error != null && state == MigrationState.SUCCESS ? "FAILED" : state.name());
    publish();
  }

  MigrationStatus status() {
    return new MigrationStatus(
        migrationId,
        cluster,
        phase,
        state,
        step.id(),
        List.copyOf(completed),
        List.copyOf(namespaces.values()),
        findings,
        approvedBy,
        error,
        startedAt,
        endedAt,
        List.copyOf(timings),
        phase.equals(DONE) || stepBound() == null ? null : stepBound().toMillis(),
        approvedAt,
        paused,
        abortReason,
        rollbackReason,
        kept,
        podsToRecreate,
        List.copyOf(rollbackFailures),
        backups,
        windows);
  }

  MigrationResult result(String failedStep) {
    return new MigrationResult(
        migrationId,
        state,
        List.copyOf(completed),
        List.copyOf(namespaces.values()),
        failedStep,
        error,
        List.copyOf(rollbackFailures));
  }
}
