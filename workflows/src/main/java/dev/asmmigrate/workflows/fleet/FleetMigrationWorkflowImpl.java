package dev.asmmigrate.workflows.fleet;

import dev.asmmigrate.workflows.MigrationSearchAttributes;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.activities.FleetMigrationActivities;
import dev.asmmigrate.workflows.activities.FleetMigrationActivities.ExistingMigration;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.fleet.ApprovalScope;
import dev.asmmigrate.workflows.model.fleet.ClusterOutcome;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetApproval;
import dev.asmmigrate.workflows.model.fleet.FleetCheckpoint;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetState;
import dev.asmmigrate.workflows.model.fleet.FleetStatus;
import dev.asmmigrate.workflows.model.fleet.FleetWave;
import dev.asmmigrate.workflows.model.fleet.HaltAction;
import dev.asmmigrate.workflows.model.fleet.SoakCheck;
import dev.asmmigrate.workflows.model.window.WindowCalendar;
import dev.asmmigrate.workflows.model.window.WindowsChange;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;

/**
 * A fleet's migration: its waves one after another, each starting at most its {@code maxConcurrent}
 * clusters at once (one child {@link MigrationWorkflow} each, under the ID a {@code start} of that
 * cluster uses, abandoned rather than terminated when the fleet's run closes), then soaking them,
 * with the approvals the fleet declares; failure budgets that halt it; continue-as-new when its
 * history grows large, the next run following the clusters still in flight.
 *
 * <p>Every wait is a durable {@link Workflow#await}: operators' updates and the clusters' ends wake
 * it. The status query and the memo ({@link FleetStatusMemo}) show every cluster's row.
 */
public class FleetMigrationWorkflowImpl implements FleetMigrationWorkflow {
  private static final Logger log = Workflow.getLogger(FleetMigrationWorkflowImpl.class);

  /**
   * A run continues as new once its history has this many events (or the server suggests it), so
   * that no run comes near Temporal's limits: between two checks a run adds at most a few events
   * per cluster in flight.
   */
  static final int HISTORY_LIMIT = 5_000;

  static final String START = "START";
  static final String RUN = "RUN";
  static final String SOAK = "SOAK";
  static final String APPROVE = "APPROVE";
  static final String FINISH = "FINISH";
  static final String FLEET_SCOPE = "fleet";

  private static final RetryOptions RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofSeconds(30))
          .setDoNotRetry(FailureType.names())
          .build();

  private final FleetMigrationActivities quick =
      Workflow.newActivityStub(
          FleetMigrationActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(2))
              .setRetryOptions(RETRY.toBuilder().setMaximumAttempts(20).build())
              .build());

  /** awaitMigration: as long as a migration takes, heartbeating; retried while it runs. */
  private final FleetMigrationActivities follower =
      Workflow.newActivityStub(
          FleetMigrationActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofDays(7))
              .setHeartbeatTimeout(Duration.ofMinutes(1))
              .setRetryOptions(RETRY)
              .build());

  private FleetRequest request;
  private String fleetId;
  private FleetState state = FleetState.RUNNING;
  private String phase = "DISCOVERING";
  private String waitingFor;
  private String waitingWave;
  private boolean ended;

  // what a checkpoint carries
  private List<FleetCluster> clusters = List.of();
  private final LinkedHashMap<String, ClusterOutcome> outcomes = new LinkedHashMap<>();
  private List<FleetWaves.Resolved> waves = List.of();
  private final Set<String> owned = new LinkedHashSet<>();
  private final Map<String, List<String>> migrated = new HashMap<>();
  private final Set<String> awaiting = new LinkedHashSet<>();
  private int wave;
  private String stage = START;
  private long soakStartedMillis;
  private final Set<String> startApproved = new LinkedHashSet<>();
  private final Set<String> ponrApproved = new LinkedHashSet<>();
  private final Set<String> abortSent = new LinkedHashSet<>();
  private final Set<String> uncounted = new LinkedHashSet<>();
  private boolean paused;
  private String abortReason;
  private String haltReason;
  private final List<FleetApproval> approvals = new ArrayList<>();
  private final List<SoakCheck> soakChecks = new ArrayList<>();
  private int runs;

  // this run only
  private final Map<String, FleetCluster> byName = new HashMap<>();
  private final Map<String, String> nameOfWorkflow = new HashMap<>();
  private int starting;
  private int sending;
  private final FleetStatusMemo memo = new FleetStatusMemo();

  @Override
  public FleetResult migrateFleet(FleetRequest req) {
    request = req;
    fleetId = req.workflowId();
    if (req.checkpoint() != null) {
      restore(req.checkpoint());
    } else {
      begin();
    }
    publishAll();
    Async.procedure(this::flushMemo);
    Async.procedure(this::abortWhenStopping);
    for (String n : List.copyOf(outcomes.keySet())) {
      ClusterState s = outcomes.get(n).state();
      if (s == ClusterState.RUNNING || s == ClusterState.FOLLOWING) {
        Async.procedure(() -> follow(n, outcomes.get(n).detail()));
      }
    }
    for (; wave < waves.size() && !stopping(); wave++, stage = START) {
      runWave();
    }
    if (!stopping() && request.pointOfNoReturn() == ApprovalScope.FLEET) {
      approvePointOfNoReturn(FLEET_SCOPE, List.copyOf(outcomes.keySet()));
    }
    finish();
    return end();
  }

  // --- the fleet's course
  // -------------------------------------------------------------------------

  /** A fleet as an operator started or resumed it: its clusters, their waves, their rows. */
  private void begin() {
    List<FleetCluster> found =
        request.fromFleet() == null
            ? List.of()
            : quick.discoverClusters(request.fromFleet(), request.google());
    clusters = FleetWaves.merge(request.clusters(), found);
    FleetWaves.Plan plan = plan();
    long now = Workflow.currentTimeMillis();
    for (FleetWaves.Resolved w : plan.waves()) {
      for (FleetCluster c : w.clusters()) {
        outcomes.put(c.name(), fresh(c, w.wave().name()));
      }
    }
    for (FleetCluster c : plan.unmatched()) {
      outcomes.put(
          c.name(), fresh(c, null).with(ClusterState.SKIPPED, null, "matched no wave", now));
    }
    if (request.resume() != null) {
      resumeFrom(request.resume(), now);
    }
    log.info(
        "fleet {}: {} clusters in {} waves ({} found in {})",
        fleetId,
        outcomes.size(),
        waves.size(),
        found.size(),
        request.fromFleet());
  }

  private FleetWaves.Plan plan() {
    FleetWaves.Plan plan;
    try {
      plan = FleetWaves.resolve(request.waves(), clusters);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "fleet " + request.name() + ": " + e.getMessage(), FailureType.INVALID_INPUT.name());
    }
    waves = plan.waves();
    for (FleetCluster c : clusters) {
      byName.put(c.name(), c);
      nameOfWorkflow.put(c.cluster().workflowId(), c.name());
    }
    return plan;
  }

  private static ClusterOutcome fresh(FleetCluster c, String wave) {
    return new ClusterOutcome(
        c.cluster(), wave, ClusterState.WAITING, c.cluster().workflowId(), null, null, 0, 0);
  }

  /**
   * {@code fleet resume}: keeps the halted run's SUCCEEDED and SKIPPED rows and its failures that
   * are neither retried nor skipped (no budget counts them again), migrates the retried ones again,
   * skips the skipped ones, and goes on with the others (never started, rolled back by the halt).
   */
  private void resumeFrom(dev.asmmigrate.workflows.model.fleet.FleetResume r, long now) {
    for (ClusterOutcome prev : r.previous()) {
      String n = prev.cluster().cluster();
      ClusterOutcome cur = outcomes.get(n);
      if (cur == null || cur.wave() == null) {
        continue;
      }
      if (r.skip().contains(n)) {
        outcomes.put(
            n,
            cur.with(
                ClusterState.SKIPPED,
                prev.migration(),
                "skipped by " + r.by() + " on resume (was " + prev.state() + ")",
                now));
      } else if (r.retry().contains(n)) {
        continue;
      } else if (prev.state() == ClusterState.SUCCEEDED
          || prev.state() == ClusterState.SKIPPED
          || prev.state().failed()) {
        outcomes.put(
            n,
            new ClusterOutcome(
                cur.cluster(),
                cur.wave(),
                prev.state(),
                cur.migrationWorkflowId(),
                prev.migration(),
                prev.detail(),
                prev.startedMillis(),
                prev.endedMillis()));
        if (prev.state().failed()) {
          uncounted.add(n);
        }
      }
    }
    approvals.add(
        new FleetApproval("resume (retry " + r.retry() + ", skip " + r.skip() + ")", r.by(), now));
  }

  private void restore(FleetCheckpoint c) {
    clusters = c.clusters();
    plan();
    c.outcomes().forEach(o -> outcomes.put(o.cluster().cluster(), o));
    owned.addAll(c.owned());
    migrated.putAll(c.migrated());
    awaiting.addAll(c.awaiting());
    wave = c.wave();
    stage = c.stage();
    soakStartedMillis = c.soakStartedMillis();
    startApproved.addAll(c.startApproved());
    ponrApproved.addAll(c.ponrApproved());
    abortSent.addAll(c.abortSent());
    uncounted.addAll(c.uncounted());
    paused = c.paused();
    abortReason = c.abortReason();
    haltReason = c.haltReason();
    approvals.addAll(c.approvals());
    soakChecks.addAll(c.soakChecks());
    runs = c.runs();
    phase = "WAVE";
  }

  private FleetCheckpoint checkpoint() {
    return new FleetCheckpoint(
        clusters,
        List.copyOf(outcomes.values()),
        List.copyOf(owned),
        Map.copyOf(migrated),
        List.copyOf(awaiting),
        wave,
        stage,
        soakStartedMillis,
        List.copyOf(startApproved),
        List.copyOf(ponrApproved),
        List.copyOf(abortSent),
        List.copyOf(uncounted),
        paused,
        abortReason,
        haltReason,
        List.copyOf(approvals),
        List.copyOf(soakChecks),
        runs + 1);
  }

  /** One wave, from the stage it stands at: approval to start, clusters, soak, approval. */
  private void runWave() {
    FleetWave w = waves.get(wave).wave();
    List<String> names = waves.get(wave).clusters().stream().map(FleetCluster::name).toList();
    phase = "WAVE";
    memo.head();
    if (START.equals(stage)) {
      boolean untouched = names.stream().allMatch(n -> state(n) == ClusterState.WAITING);
      if (w.approval() && untouched && !names.isEmpty() && !startApproved.contains(w.name())) {
        awaitOperator(
            "start:" + w.name(),
            w.name(),
            "an operator's approval to start wave "
                + w.name()
                + " ("
                + names.size()
                + " clusters): fleet approve --wave "
                + w.name());
        if (stopping()) {
          return;
        }
      }
      stage = RUN;
    }
    if (RUN.equals(stage)) {
      int max = w.maxConcurrent().concurrencyOf(names.size());
      for (String n : names) {
        if (state(n) != ClusterState.WAITING) {
          continue;
        }
        while (!stopping() && (paused || migrating(names) >= max)) {
          Workflow.await(() -> stopping() || (!paused && migrating(names) < max) || longHistory());
          maybeContinueAsNew();
        }
        if (stopping()) {
          return;
        }
        maybeContinueAsNew();
        launch(n);
      }
      awaitUntil(() -> names.stream().allMatch(n -> state(n).ended() || awaiting.contains(n)));
      if (stopping()) {
        return;
      }
      stage = SOAK;
    }
    if (SOAK.equals(stage)) {
      soak(w, names);
      if (stopping()) {
        return;
      }
      stage = APPROVE;
    }
    if (APPROVE.equals(stage)) {
      if (request.pointOfNoReturn() == ApprovalScope.WAVE) {
        approvePointOfNoReturn(w.name(), names);
        if (stopping()) {
          return;
        }
      }
      stage = FINISH;
    }
    if (request.pointOfNoReturn() == ApprovalScope.WAVE) {
      awaitUntil(() -> names.stream().allMatch(n -> state(n).ended()));
    }
  }

  /**
   * Waits, durably, until {@code done} or the fleet stops, continuing as new when it grew large.
   */
  private void awaitUntil(java.util.function.BooleanSupplier done) {
    while (!stopping() && !done.getAsBoolean()) {
      Workflow.await(() -> stopping() || done.getAsBoolean() || longHistory());
      maybeContinueAsNew();
    }
  }

  /** The clusters of {@code names} migrating now (one that waits at its point of no return not). */
  private int migrating(List<String> names) {
    int n = 0;
    for (String c : names) {
      ClusterState s = state(c);
      if ((s == ClusterState.RUNNING || s == ClusterState.FOLLOWING) && !awaiting.contains(c)) {
        n++;
      }
    }
    return n;
  }

  private ClusterState state(String name) {
    return outcomes.get(name).state();
  }

  private boolean stopping() {
    return haltReason != null || abortReason != null;
  }

  private void awaitOperator(String key, String waveName, String what) {
    pendingApproval = key;
    waitingWave = waveName;
    waitingFor = what;
    phase = "WAITING_FOR_APPROVAL";
    memo.head();
    log.info("fleet {}: waiting for {}", fleetId, what);
    Workflow.await(() -> pendingApproval == null || stopping());
    pendingApproval = null;
    waitingWave = null;
    waitingFor = null;
    phase = "WAVE";
    memo.head();
  }

  private String pendingApproval;

  // --- one cluster ------------------------------------------------------------------------------

  private void launch(String n) {
    ClusterOutcome o = outcomes.get(n);
    put(
        new ClusterOutcome(
            o.cluster(),
            o.wave(),
            ClusterState.RUNNING,
            o.migrationWorkflowId(),
            null,
            "starting",
            Workflow.currentTimeMillis(),
            0));
    starting++;
    Async.procedure(() -> migrateCluster(n));
  }

  /**
   * Migrates one cluster: one that migrates already is followed, one whose newest run ended SUCCESS
   * is not migrated again, the others get a child {@code MigrationWorkflow} under the ID a {@code
   * start} uses (ALLOW_DUPLICATE: a migration that rolled back completed, and a retry must be able
   * to start it again; the look-up before refuses a second migration of a migrated cluster).
   */
  private void migrateCluster(String n) {
    FleetCluster c = byName.get(n);
    String id = c.cluster().workflowId();
    ExistingMigration existing;
    try {
      existing = quick.findMigration(id);
    } catch (RuntimeException e) {
      starting--;
      end(n, ClusterState.FAILED, null, "could not look up its migration: " + e.getMessage());
      return;
    }
    if (existing.running()) {
      starting--;
      follow(n, "followed: a migration of it that this fleet did not start was running");
      return;
    }
    if (existing.result() != null && existing.result().state() == MigrationState.SUCCESS) {
      starting--;
      migrated.put(n, verified(existing.result()));
      end(
          n,
          ClusterState.SUCCEEDED,
          MigrationState.SUCCESS,
          "migrated once: an earlier run (" + existing.result().migrationId() + ") migrated it");
      return;
    }
    ChildWorkflowOptions.Builder options =
        ChildWorkflowOptions.newBuilder()
            .setWorkflowId(id)
            .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
            .setWorkflowIdReusePolicy(
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE);
    if (Workflow.getTypedSearchAttributes().containsKey(MigrationSearchAttributes.FLEET)) {
      options.setTypedSearchAttributes(
          SearchAttributes.newBuilder()
              .set(MigrationSearchAttributes.CLUSTER, c.cluster().toString())
              .set(MigrationSearchAttributes.PHASE, "RUNNING")
              .set(MigrationSearchAttributes.FLEET, request.name())
              .build());
    }
    MigrationWorkflow child =
        Workflow.newChildWorkflowStub(MigrationWorkflow.class, options.build());
    Promise<MigrationResult> result =
        Async.function(
            child::migrate,
            request
                .migration()
                .requestFor(
                    c, request.pointOfNoReturn() == ApprovalScope.NONE, request.failAt().get(n)));
    try {
      Workflow.getWorkflowExecution(child).get();
    } catch (RuntimeException refused) {
      starting--;
      ExistingMigration again;
      try {
        again = quick.findMigration(id);
      } catch (RuntimeException e) {
        again = new ExistingMigration(false, null);
      }
      if (again.running()) {
        follow(n, "followed: another run started its migration first");
      } else {
        end(n, ClusterState.FAILED, null, "its migration did not start: " + message(refused));
      }
      return;
    }
    starting--;
    owned.add(n);
    put(outcomes.get(n).with(ClusterState.RUNNING, null, null, 0));
    MigrationResult r;
    try {
      r = result.get();
    } catch (RuntimeException failed) {
      end(n, ClusterState.FAILED, null, "its migration failed: " + message(failed));
      return;
    }
    ended(n, r);
  }

  /** Follows a migration until it ends: one of another run, or this fleet's before its last run. */
  private void follow(String n, String detail) {
    ClusterOutcome o = outcomes.get(n);
    ClusterState s = owned.contains(n) ? ClusterState.RUNNING : ClusterState.FOLLOWING;
    put(
        new ClusterOutcome(
            o.cluster(),
            o.wave(),
            s,
            o.migrationWorkflowId(),
            null,
            detail,
            o.startedMillis() == 0 ? Workflow.currentTimeMillis() : o.startedMillis(),
            0));
    MigrationResult r;
    try {
      r = follower.awaitMigration(o.migrationWorkflowId());
    } catch (RuntimeException e) {
      end(n, ClusterState.FAILED, null, "could not follow its migration: " + message(e));
      return;
    }
    if (r == null) {
      end(n, ClusterState.FAILED, null, "its migration closed without a result (terminated?)");
      return;
    }
    ended(n, r);
  }

  /** A cluster's migration ended with {@code r}. */
  private void ended(String n, MigrationResult r) {
    awaiting.remove(n);
    boolean aborted = abortSent.contains(n);
    String why = abortReason != null ? "the fleet was aborted" : "the fleet halted";
    if (state(n) == ClusterState.SOAK_FAILED) {
      put(
          outcomes
              .get(n)
              .with(
                  ClusterState.SOAK_FAILED,
                  r.state(),
                  outcomes.get(n).detail() + "; its migration then ended " + r.state(),
                  Workflow.currentTimeMillis()));
    } else if (r.state() == MigrationState.SUCCESS) {
      migrated.put(n, verified(r));
      String d = outcomes.get(n).detail();
      end(
          n,
          ClusterState.SUCCEEDED,
          r.state(),
          aborted
              ? "past its point of no return when " + why + ": it finished"
              : d != null && d.startsWith("followed") ? d : null);
    } else if (aborted && r.state() == MigrationState.ROLLED_BACK) {
      end(
          n,
          ClusterState.HALTED_ROLLED_BACK,
          r.state(),
          "rolled back: " + why + " (" + (abortReason != null ? abortReason : haltReason) + ")");
    } else if (r.state() == MigrationState.FINISH_FAILED) {
      // migrated, but not finished: not SUCCEEDED, and it counts against the budget
      end(
          n,
          ClusterState.FAILED,
          r.state(),
          "migrated, but finishing failed at "
              + r.failedStep()
              + " (nothing rolled back; a new start finishes it): "
              + (r.error() == null ? "" : r.error().split("\n", 2)[0]));
    } else {
      String err = r.error() == null ? r.state().name() : r.error().split("\n", 2)[0];
      end(n, ClusterState.FAILED, r.state(), err);
    }
  }

  private static List<String> verified(MigrationResult r) {
    if (r.namespaces() == null) {
      return List.of();
    }
    return r.namespaces().stream()
        .filter(ns -> "VERIFIED".equals(ns.phase()))
        .map(NamespaceStatus::name)
        .toList();
  }

  private void end(String n, ClusterState s, MigrationState m, String detail) {
    put(outcomes.get(n).with(s, m, detail, Workflow.currentTimeMillis()));
    if (s.failed()) {
      checkBudgets();
    }
  }

  private void put(ClusterOutcome o) {
    outcomes.put(o.cluster().cluster(), o);
    memo.row(o);
  }

  /** Halts the fleet when a wave's or the fleet's failures go past their budget. */
  private void checkBudgets() {
    if (stopping()) {
      return;
    }
    List<String> failed = failed(outcomes.keySet());
    int total = (int) outcomes.values().stream().filter(o -> o.wave() != null).count();
    int tolerated = request.failureBudget().toleratedOf(total);
    if (failed.size() > tolerated) {
      halt(
          failed.size()
              + " of "
              + total
              + " clusters failed ("
              + String.join(", ", failed)
              + "), over the fleet's failure budget of "
              + request.failureBudget()
              + " ("
              + tolerated
              + ")");
      return;
    }
    for (FleetWaves.Resolved w : waves) {
      List<String> names = w.clusters().stream().map(FleetCluster::name).toList();
      List<String> waveFailed = failed(names);
      int waveTolerated = w.wave().failureBudget().toleratedOf(names.size());
      if (waveFailed.size() > waveTolerated) {
        halt(
            "wave "
                + w.wave().name()
                + ": "
                + waveFailed.size()
                + " of its "
                + names.size()
                + " clusters failed ("
                + String.join(", ", waveFailed)
                + "), over its failure budget of "
                + w.wave().failureBudget()
                + " ("
                + waveTolerated
                + ")");
        return;
      }
    }
  }

  private List<String> failed(java.util.Collection<String> names) {
    return names.stream().filter(n -> state(n).failed() && !uncounted.contains(n)).toList();
  }

  private void halt(String reason) {
    haltReason = reason;
    log.warn("fleet {}: halting: {}", fleetId, reason);
    memo.head();
  }

  // --- soak -------------------------------------------------------------------------------------

  /**
   * Checks the wave's migrated clusters again every {@code min(1 min, soak/3)} and at the soak's
   * end, from its start (kept across a continue-as-new); a check that finds a problem makes the
   * cluster SOAK_FAILED, which counts against the budgets.
   */
  private void soak(FleetWave w, List<String> names) {
    if (w.soak().isZero()) {
      return;
    }
    List<String> soaking =
        names.stream()
            .filter(
                n ->
                    state(n) == ClusterState.SUCCEEDED
                        || state(n) == ClusterState.SOAKING
                        || (awaiting.contains(n) && !state(n).ended()))
            .toList();
    if (soaking.isEmpty()) {
      return;
    }
    if (soakStartedMillis == 0) {
      soakStartedMillis = Workflow.currentTimeMillis();
    }
    phase = "SOAKING";
    for (String n : soaking) {
      if (state(n) == ClusterState.SUCCEEDED) {
        put(
            new ClusterOutcome(
                outcomes.get(n).cluster(),
                outcomes.get(n).wave(),
                ClusterState.SOAKING,
                outcomes.get(n).migrationWorkflowId(),
                outcomes.get(n).migration(),
                outcomes.get(n).detail(),
                outcomes.get(n).startedMillis(),
                0));
      }
    }
    memo.head();
    long every = Math.max(1_000, Math.min(60_000, w.soak().toMillis() / 3));
    long endsAt = soakStartedMillis + w.soak().toMillis();
    while (true) {
      // here, between a check and the next wait, so that a new run makes the checks still due
      maybeContinueAsNew();
      long left = endsAt - Workflow.currentTimeMillis();
      if (left > 0) {
        Workflow.await(Duration.ofMillis(Math.min(every, left)), this::stopping);
        if (stopping()) {
          break;
        }
      }
      check(soaking);
      if (stopping() || Workflow.currentTimeMillis() >= endsAt) {
        break;
      }
    }
    for (String n : soaking) {
      if (state(n) == ClusterState.SOAKING) {
        ClusterOutcome o = outcomes.get(n);
        put(
            o.with(
                ClusterState.SUCCEEDED,
                o.migration(),
                stopping()
                    ? "soak cut short: " + (abortReason != null ? "aborted" : "halted")
                    : o.detail(),
                Workflow.currentTimeMillis()));
      }
    }
    soakStartedMillis = 0;
    phase = "WAVE";
  }

  private void check(List<String> soaking) {
    List<String> names =
        soaking.stream()
            .filter(
                n ->
                    state(n) == ClusterState.SOAKING || (awaiting.contains(n) && !state(n).ended()))
            .toList();
    List<Promise<SoakCheck>> checks = new ArrayList<>();
    for (String n : names) {
      FleetCluster c = byName.get(n);
      checks.add(
          Async.function(
              quick::soakCheck,
              c.cluster(),
              c.connection(),
              request.migration().requestFor(c, true, null).revision(),
              migrated.getOrDefault(n, List.of()),
              soakStartedMillis));
    }
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      SoakCheck sc;
      try {
        sc = checks.get(i).get();
      } catch (RuntimeException e) {
        sc =
            new SoakCheck(
                byName.get(n).cluster(),
                Workflow.currentTimeMillis(),
                0,
                List.of("the check could not run: " + message(e)));
      }
      soakChecks.add(sc);
      if (!sc.held()) {
        List<String> problems = sc.problems();
        ClusterOutcome o = outcomes.get(n);
        end(
            n,
            ClusterState.SOAK_FAILED,
            o.migration(),
            "soak check failed: "
                + String.join("; ", problems.subList(0, Math.min(3, problems.size())))
                + (problems.size() > 3 ? " (and " + (problems.size() - 3) + " more)" : ""));
      }
    }
    memo.head();
  }

  // --- the point of no return -------------------------------------------------------------------

  /**
   * With a {@code wave} or {@code fleet} scope: once the clusters reached SUCCESS and wait at their
   * point of no return, an operator approves the fleet, which approves each of them.
   */
  private void approvePointOfNoReturn(String scope, List<String> names) {
    List<String> waiting =
        names.stream().filter(n -> awaiting.contains(n) && !state(n).ended()).toList();
    if (waiting.isEmpty() || ponrApproved.contains(scope)) {
      sendApprovals(waiting, scope);
      return;
    }
    boolean fleet = FLEET_SCOPE.equals(scope);
    awaitOperator(
        "ponr:" + scope,
        fleet ? null : scope,
        "an operator's approval of the point of no return (disable the add-on, clean up) of "
            + waiting.size()
            + " clusters that reached SUCCESS"
            + (fleet
                ? " in the fleet: fleet approve"
                : " in wave " + scope + ": fleet approve --wave " + scope));
    if (!stopping()) {
      sendApprovals(waiting, scope);
    }
  }

  private void sendApprovals(List<String> waiting, String scope) {
    String by = approvals.isEmpty() ? "the fleet" : approvals.get(approvals.size() - 1).by();
    for (String n : waiting) {
      sending++;
      try {
        Workflow.newUntypedExternalWorkflowStub(outcomes.get(n).migrationWorkflowId())
            .signal("approve", by + " (fleet " + request.name() + ", " + scopeName(scope) + ")");
      } catch (RuntimeException gone) {
        log.info("fleet {}: {} took no approval: {}", fleetId, n, gone.getMessage());
      } finally {
        sending--;
      }
      awaiting.remove(n);
      put(outcomes.get(n).with(state(n), null, "approved by the fleet", 0));
    }
  }

  private static String scopeName(String scope) {
    return FLEET_SCOPE.equals(scope) ? "the whole fleet" : "wave " + scope;
  }

  // --- halting, aborting, finishing -------------------------------------------------------------

  /**
   * Sends an abort to each cluster this fleet migrates once it is aborted, or halts with {@code
   * onHalt: rollBack}; a migration past its point of no return cannot abort and finishes.
   */
  private void abortWhenStopping() {
    while (true) {
      Workflow.await(() -> !toAbort().isEmpty());
      for (String n : toAbort()) {
        abortSent.add(n);
        String reason =
            abortReason != null
                ? "fleet " + request.name() + " aborted: " + abortReason
                : "fleet " + request.name() + " halted: " + haltReason;
        sending++;
        try {
          Workflow.newUntypedExternalWorkflowStub(outcomes.get(n).migrationWorkflowId())
              .signal("abort", reason);
        } catch (RuntimeException gone) {
          log.info("fleet {}: {} took no abort: {}", fleetId, n, gone.getMessage());
        } finally {
          sending--;
        }
        ClusterOutcome o = outcomes.get(n);
        if (!o.state().ended()) {
          put(o.with(o.state(), null, "abort sent: rolling back", 0));
        }
      }
    }
  }

  private List<String> toAbort() {
    boolean rollBack =
        abortReason != null || (haltReason != null && request.onHalt() == HaltAction.ROLL_BACK);
    if (!rollBack) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String n : owned) {
      ClusterState s = state(n);
      boolean inFlight = !s.ended() || awaiting.contains(n);
      if (inFlight && !abortSent.contains(n)) {
        out.add(n);
      }
    }
    return out;
  }

  /**
   * Marks the clusters that never started NOT_STARTED when the fleet stops, and waits for those in
   * flight to end (with {@code finish}, those waiting at their point of no return wait for an
   * operator's approval or rollback of their own migration).
   */
  private void finish() {
    if (stopping()) {
      for (ClusterOutcome o : List.copyOf(outcomes.values())) {
        if (o.state() == ClusterState.WAITING) {
          put(
              o.with(
                  ClusterState.NOT_STARTED,
                  null,
                  abortReason != null
                      ? "the fleet was aborted before it started"
                      : "the fleet halted before it started",
                  Workflow.currentTimeMillis()));
        }
      }
    }
    phase = stopping() ? "HALTING" : "WAVE";
    while (outcomes.values().stream().anyMatch(o -> !o.state().ended())) {
      List<String> own =
          outcomes.keySet().stream()
              .filter(n -> awaiting.contains(n) && !state(n).ended())
              .toList();
      waitingFor =
          own.isEmpty()
              ? null
              : "clusters waiting at their point of no return for their own approval or rollback: "
                  + String.join(", ", own);
      memo.head();
      int before = own.size();
      Workflow.await(
          () ->
              outcomes.values().stream().allMatch(o -> o.state().ended())
                  || longHistory()
                  || awaitingCount() != before);
      maybeContinueAsNew();
    }
    waitingFor = null;
  }

  private int awaitingCount() {
    return (int)
        outcomes.keySet().stream().filter(n -> awaiting.contains(n) && !state(n).ended()).count();
  }

  private String reason;

  private FleetResult end() {
    state =
        abortReason != null
            ? FleetState.ABORTED
            : haltReason != null ? FleetState.HALTED : FleetState.SUCCESS;
    List<String> failed = failed(outcomes.keySet());
    reason =
        abortReason != null
            ? "aborted by an operator: " + abortReason
            : haltReason != null
                ? haltReason
                : failed.isEmpty()
                    ? null
                    : failed.size()
                        + " clusters failed within the failure budgets: "
                        + String.join(", ", failed);
    phase = state.name();
    ended = true;
    memo.head();
    flush();
    log.info("fleet {}: {}{}", fleetId, state, reason == null ? "" : " (" + reason + ")");
    return new FleetResult(
        fleetId, state, List.copyOf(outcomes.values()), reason, approvals, soakChecks);
  }

  // --- continue-as-new --------------------------------------------------------------------------

  private boolean longHistory() {
    return Workflow.getInfo().getHistoryLength() > HISTORY_LIMIT
        || Workflow.getInfo().isContinueAsNewSuggested();
  }

  /**
   * Continues as new once the history is long, when no child start and no signal is under way: the
   * next run takes the checkpoint and follows the clusters in flight (abandoned, not terminated).
   */
  private void maybeContinueAsNew() {
    if (!longHistory()) {
      return;
    }
    Workflow.await(() -> starting == 0 && sending == 0 && Workflow.isEveryHandlerFinished());
    log.info(
        "fleet {}: continuing as new after {} events (run {})",
        fleetId,
        Workflow.getInfo().getHistoryLength(),
        runs + 1);
    Workflow.continueAsNew(
        io.temporal.workflow.ContinueAsNewOptions.newBuilder()
            .setTypedSearchAttributes(Workflow.getTypedSearchAttributes())
            .build(),
        request.continuedFrom(checkpoint()));
  }

  // --- memo, query, updates, signal -------------------------------------------------------------

  private void publishAll() {
    memo.order(List.copyOf(outcomes.keySet()));
    outcomes.values().forEach(memo::row);
    memo.head();
  }

  private void flushMemo() {
    while (true) {
      Workflow.await(memo::dirty);
      flush();
    }
  }

  private void flush() {
    if (memo.dirty()) {
      Workflow.upsertMemo(memo.take(status()));
    }
  }

  @Override
  public FleetStatus status() {
    String shown =
        ended
            ? phase
            : stopping()
                ? "HALTING"
                : paused && !"WAITING_FOR_APPROVAL".equals(phase) ? "PAUSED" : phase;
    return new FleetStatus(
        fleetId,
        state,
        shown,
        waves.isEmpty() || wave >= waves.size() || ended ? null : waves.get(wave).wave().name(),
        waitingFor != null ? waitingFor : paused && !stopping() ? "fleet resume" : null,
        List.copyOf(outcomes.values()),
        approvals,
        soakChecks,
        ended ? reason : haltReason != null ? haltReason : abortReason);
  }

  @Override
  public void clusterAwaitsApproval(String migrationWorkflowId, List<String> namespaces) {
    String n = nameOfWorkflow.get(migrationWorkflowId);
    if (n == null || outcomes.get(n) == null || outcomes.get(n).state().ended()) {
      return;
    }
    awaiting.add(n);
    migrated.put(n, namespaces == null ? List.of() : List.copyOf(namespaces));
    String who =
        switch (request.pointOfNoReturn()) {
          case WAVE -> "waits at its point of no return for the fleet's approval of its wave";
          case FLEET -> "waits at its point of no return for the fleet's approval";
          default -> "waits at its point of no return for its own approval";
        };
    put(outcomes.get(n).with(outcomes.get(n).state(), MigrationState.SUCCESS, who, 0));
  }

  @Override
  public String approve(String by, String waveName) {
    String who = by == null || by.isBlank() ? "unknown" : by;
    String key = pendingApproval;
    long now = Workflow.currentTimeMillis();
    String answer;
    if (key.startsWith("start:")) {
      String w = key.substring("start:".length());
      startApproved.add(w);
      approvals.add(new FleetApproval("wave " + w, who, now));
      answer = "wave " + w + " starts";
    } else {
      String scope = key.substring("ponr:".length());
      ponrApproved.add(scope);
      approvals.add(new FleetApproval("point of no return: " + scopeName(scope), who, now));
      answer =
          "the point of no return of "
              + scopeName(scope)
              + " approved: its clusters disable the add-on and clean up";
    }
    pendingApproval = null;
    memo.head();
    return answer + " (approved by " + who + ")";
  }

  @Override
  public void validateApprove(String by, String waveName) {
    refuseIfEnded();
    if (pendingApproval == null) {
      throw new IllegalStateException(
          "the fleet waits for no approval now (phase " + status().phase() + ")");
    }
    if (waveName != null && !waveName.equals(waitingWave)) {
      throw new IllegalStateException(
          "wave " + waveName + " does not wait for an approval; the fleet waits for " + waitingFor);
    }
  }

  @Override
  public String pause() {
    paused = true;
    memo.head();
    return "paused: no new cluster starts; the "
        + migrating(List.copyOf(outcomes.keySet()))
        + " clusters migrating go on";
  }

  @Override
  public void validatePause() {
    refuseIfEnded();
    if (paused) {
      throw new IllegalStateException("the fleet is already paused");
    }
    if (stopping()) {
      throw new IllegalStateException(
          "the fleet is "
              + (abortReason != null ? "aborting" : "halting")
              + ": no new cluster starts anyway");
    }
  }

  @Override
  public String resume() {
    paused = false;
    memo.head();
    return "resumed: clusters start again";
  }

  @Override
  public void validateResume() {
    refuseIfEnded();
    if (!paused) {
      throw new IllegalStateException("the fleet is not paused (phase " + status().phase() + ")");
    }
  }

  @Override
  public String setWindows(WindowsChange change, String cluster) {
    List<String> later = new ArrayList<>();
    List<String> running = new ArrayList<>();
    for (Map.Entry<String, ClusterOutcome> e : outcomes.entrySet()) {
      String n = e.getKey();
      if (cluster != null && !cluster.equals(n)) {
        continue;
      }
      if (e.getValue().state() == ClusterState.WAITING) {
        FleetCluster c = byName.get(n);
        byName.put(
            n,
            new FleetCluster(
                c.cluster(), c.connection(), c.labels(), c.fleetProject(), change.windows()));
        later.add(n);
      } else if (e.getValue().state() == ClusterState.RUNNING && owned.contains(n)) {
        Workflow.newExternalWorkflowStub(
                MigrationWorkflow.class, e.getValue().migrationWorkflowId())
            .windowsSignal(change);
        running.add(n);
      }
    }
    log.info("fleet {}: windows set for {} later and {} running clusters", fleetId, later, running);
    return "windows replaced: "
        + (running.isEmpty() ? "no running cluster" : "running " + String.join(", ", running))
        + " (at once); "
        + (later.isEmpty() ? "no cluster still to start" : "to start " + String.join(", ", later))
        + "; the others ended or are followed, and keep theirs";
  }

  @Override
  public void validateSetWindows(WindowsChange change, String cluster) {
    refuseIfEnded();
    if (change == null || change.windows() == null) {
      throw new IllegalArgumentException("no windows given");
    }
    if (change.overrideReason() != null) {
      throw new IllegalArgumentException(
          "an override is one migration's emergency: windows set --cluster-id ..."
              + " --override-window --reason");
    }
    if (cluster != null && !outcomes.containsKey(cluster)) {
      throw new IllegalArgumentException(
          "no cluster " + cluster + " in the fleet: " + String.join(", ", outcomes.keySet()));
    }
    if (!change.windows().isAnyTime()) {
      WindowCalendar.of(
          change.windows(), java.time.Instant.ofEpochMilli(Workflow.currentTimeMillis()));
    }
  }

  @Override
  public String abort(String why) {
    abortReason = why == null || why.isBlank() ? "no reason given" : why;
    memo.head();
    return "aborting: no new cluster starts, and the "
        + toAbort().size()
        + " clusters this fleet migrates are sent an abort";
  }

  @Override
  public void validateAbort(String why) {
    refuseIfEnded();
    if (abortReason != null) {
      throw new IllegalStateException("the fleet is already aborting: " + abortReason);
    }
  }

  private void refuseIfEnded() {
    if (ended) {
      throw new IllegalStateException(
          "the fleet already ended (" + state + (reason == null ? "" : ", " + reason) + ")");
    }
  }

  private static String message(Throwable t) {
    Throwable cur = t;
    while (cur.getCause() != null) {
      cur = cur.getCause();
    }
    return cur instanceof ApplicationFailure af ? af.getOriginalMessage() : cur.getMessage();
  }
}
