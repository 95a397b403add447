package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.fleet.FleetMigrationWorkflow;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.fleet.ClusterOutcome;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetApproval;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetState;
import dev.asmmigrate.workflows.model.fleet.FleetStatus;
import dev.asmmigrate.workflows.model.fleet.FleetWave;
import dev.asmmigrate.workflows.model.fleet.LabelSelector;
import dev.asmmigrate.workflows.model.fleet.SoakCheck;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small stand-in for the fleet workflow, honouring its contract for the CLI's tests: waves in
 * order, a wave's approval, pause, abort, a failure budget that halts (a cluster of {@code failAt}
 * fails), resume from a halted run's outcomes, the status query and the memo, in pieces ({@value
 * Fleets#MEMO_HEAD}, its order and rows). It starts no migrations: each cluster "migrates" in 50
 * ms.
 */
public class FakeFleetWorkflow implements FleetMigrationWorkflow {
  private final Map<String, ClusterOutcome> rows = new LinkedHashMap<>();
  private final List<FleetApproval> approvals = new ArrayList<>();
  private final List<SoakCheck> soakChecks = new ArrayList<>();
  private FleetState state = FleetState.RUNNING;
  private String phase = "DISCOVERING";
  private String wave;
  private String waitingFor;
  private String reason;
  private boolean paused;
  private String waitingWave;
  private final Set<String> approvedWaves = new HashSet<>();
  private String aborted;

  @Override
  public FleetResult migrateFleet(FleetRequest request) {
    Map<String, ClusterOutcome> previous = new LinkedHashMap<>();
    if (request.resume() != null) {
      request.resume().previous().forEach(c -> previous.put(c.cluster().cluster(), c));
    }
    Set<String> taken = new HashSet<>();
    for (FleetWave w : request.waves()) {
      LabelSelector s = w.selector() == null ? null : LabelSelector.parse(w.selector());
      for (FleetCluster c : request.clusters()) {
        boolean in = w.clusters().contains(c.name()) || (s != null && s.matches(c.labels()));
        if (in && taken.add(c.name())) {
          ClusterOutcome row =
              new ClusterOutcome(
                  c.cluster(),
                  w.name(),
                  ClusterState.WAITING,
                  c.cluster().workflowId(),
                  null,
                  null,
                  0,
                  0);
          ClusterOutcome before = previous.get(c.name());
          if (request.resume() != null && request.resume().skip().contains(c.name())) {
            row =
                row.with(ClusterState.SKIPPED, null, "skipped by " + request.resume().by(), now());
          } else if (before != null
              && before.state() == ClusterState.SUCCEEDED
              && !request.resume().retry().contains(c.name())) {
            row = before;
          }
          rows.put(c.name(), row);
        }
      }
    }
    publish();
    int failed = 0;
    for (FleetWave w : request.waves()) {
      wave = w.name();
      if (w.approval()) {
        waitingWave = w.name();
        waitingFor = "approval of wave " + w.name();
        phase = "WAITING_FOR_APPROVAL";
        publish();
        Workflow.await(() -> approvedWaves.contains(w.name()) || aborted != null);
        waitingWave = null;
        waitingFor = null;
      }
      if (paused) {
        phase = "PAUSED";
        publish();
        Workflow.await(() -> !paused || aborted != null);
      }
      if (aborted != null) {
        return end(FleetState.ABORTED, "aborted: " + aborted);
      }
      phase = "WAVE";
      for (ClusterOutcome c : List.copyOf(rows.values())) {
        if (!w.name().equals(c.wave()) || c.state() != ClusterState.WAITING) {
          continue;
        }
        String name = c.cluster().cluster();
        ClusterOutcome running =
            new ClusterOutcome(
                c.cluster(),
                c.wave(),
                ClusterState.RUNNING,
                c.migrationWorkflowId(),
                null,
                null,
                now(),
                0);
        rows.put(name, running);
        publish();
        Workflow.sleep(Duration.ofMillis(50));
        String step = request.failAt().get(name);
        if (step != null) {
          rows.put(
              name,
              running.with(
                  ClusterState.FAILED, MigrationState.ROLLED_BACK, "failed at " + step, now()));
          failed++;
          if (failed > request.failureBudget().toleratedOf(rows.size())) {
            return end(
                FleetState.HALTED, "cluster " + name + " failed: the fleet's budget is spent");
          }
        } else {
          rows.put(name, running.with(ClusterState.SUCCEEDED, MigrationState.SUCCESS, null, now()));
          if (!w.soak().isZero()) {
            soakChecks.add(new SoakCheck(c.cluster(), now(), 3, List.of()));
          }
        }
        publish();
      }
    }
    return end(FleetState.SUCCESS, null);
  }

  private FleetResult end(FleetState s, String why) {
    for (ClusterOutcome c : List.copyOf(rows.values())) {
      if (c.state() == ClusterState.WAITING) {
        rows.put(c.cluster().cluster(), c.with(ClusterState.NOT_STARTED, null, why, now()));
      }
    }
    state = s;
    phase = s.name();
    wave = null;
    reason = why;
    publish();
    return new FleetResult(
        Workflow.getInfo().getWorkflowId(),
        s,
        List.copyOf(rows.values()),
        why,
        approvals,
        soakChecks);
  }

  private static long now() {
    return Workflow.currentTimeMillis();
  }

  /** The memo in pieces, as the fleet workflow keeps it: the head, the order, each row. */
  private void publish() {
    FleetStatus s = status();
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put(
        Fleets.MEMO_HEAD,
        new FleetStatus(
            s.fleetId(),
            s.state(),
            s.phase(),
            s.wave(),
            s.waitingFor(),
            List.of(),
            s.approvals(),
            List.of(),
            s.reason()));
    memo.put(Fleets.MEMO_ORDER, List.copyOf(rows.keySet()));
    rows.forEach((name, row) -> memo.put(Fleets.MEMO_ROW + name, row));
    Workflow.upsertMemo(memo);
  }

  /** The signal the fleet workflow's contract may add; nothing to do for this fake. */
  public void clusterAwaitsApproval(String migrationWorkflowId, List<String> namespaces) {}

  @Override
  public FleetStatus status() {
    return new FleetStatus(
        Workflow.getInfo().getWorkflowId(),
        state,
        phase,
        wave,
        waitingFor,
        List.copyOf(rows.values()),
        approvals,
        soakChecks,
        reason);
  }

  @Override
  public String approve(String by, String w) {
    String what = "wave " + waitingWave;
    approvedWaves.add(waitingWave);
    approvals.add(new FleetApproval(what, by, now()));
    return "approved " + what;
  }

  @Override
  public void validateApprove(String by, String w) {
    if (waitingWave == null) {
      throw new IllegalStateException("the fleet waits for no approval (phase " + phase + ")");
    }
    if (w != null && !w.equals(waitingWave)) {
      throw new IllegalStateException("wave " + waitingWave + " waits for approval, not " + w);
    }
  }

  @Override
  public String pause() {
    paused = true;
    return "paused: no new cluster starts until 'fleet resume'";
  }

  @Override
  public void validatePause() {
    if (state != FleetState.RUNNING) {
      throw new IllegalStateException("the fleet ended " + state);
    }
  }

  @Override
  public String resume() {
    paused = false;
    return "resumed";
  }

  @Override
  public void validateResume() {
    if (!paused) {
      throw new IllegalStateException("the fleet is not paused");
    }
  }

  @Override
  public String abort(String why) {
    aborted = why;
    return "aborting";
  }

  @Override
  public void validateAbort(String why) {
    if (state != FleetState.RUNNING) {
      throw new IllegalStateException("the fleet ended " + state);
    }
  }

  @Override
  public String setWindows(
      dev.asmmigrate.workflows.model.window.WindowsChange change, String cluster) {
    return "windows replaced";
  }

  @Override
  public void validateSetWindows(
      dev.asmmigrate.workflows.model.window.WindowsChange change, String cluster) {}
}
