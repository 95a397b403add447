package dev.asmmigrate.workflows.fleet;

import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.WindowsChange;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@code MigrationWorkflow} for fleet tests, registered under the real type: each cluster ends as
 * the test says, after a durable timer; it counts its starts and the aborts it received, and, when
 * not auto-approved, waits at its point of no return, telling its fleet as the real one does.
 */
public class FakeMigration implements MigrationWorkflow {
  /** How a cluster's migration goes. */
  public enum Behaviour {
    /** SUCCESS after 1 minute. */
    OK,
    /** SUCCESS after 10 minutes. */
    SLOW,
    /** ROLLED_BACK (an injected failure) after 1 minute. */
    FAIL,
    /** 10 minutes, past its point of no return after 1: an abort cannot stop it. */
    PAST_POINT_OF_NO_RETURN,
    /** FINISH_FAILED after 1 minute: migrated, but disable-addon failed (nothing rolled back). */
    FINISH_FAILED
  }

  static final Map<String, Behaviour> BEHAVIOUR = new ConcurrentHashMap<>();
  static final Map<String, AtomicInteger> STARTS = new ConcurrentHashMap<>();
  static final Set<String> ABORTED = ConcurrentHashMap.newKeySet();
  static final Map<String, String> APPROVED_BY = new ConcurrentHashMap<>();

  /** The windows each cluster's migration was given by {@code setWindows}, in order. */
  static final Map<String, List<WindowsChange>> WINDOWS_SET = new ConcurrentHashMap<>();

  /** The windows each cluster's migration was started with. */
  static final Map<String, MaintenanceWindows> REQUESTED_WINDOWS = new ConcurrentHashMap<>();

  static final AtomicInteger RUNNING = new AtomicInteger();
  static final AtomicInteger MAX_RUNNING = new AtomicInteger();

  /** How long an OK or FAIL migration takes (zero: it ends in its first workflow task). */
  static volatile Duration quick = Duration.ofMinutes(1);

  static void reset() {
    BEHAVIOUR.clear();
    STARTS.clear();
    ABORTED.clear();
    APPROVED_BY.clear();
    WINDOWS_SET.clear();
    REQUESTED_WINDOWS.clear();
    RUNNING.set(0);
    MAX_RUNNING.set(0);
    quick = Duration.ofMinutes(1);
  }

  static int starts(String cluster) {
    AtomicInteger n = STARTS.get(cluster);
    return n == null ? 0 : n.get();
  }

  private String abortReason;
  private String approvedBy;
  private String cluster;

  @Override
  public MigrationResult migrate(MigrationRequest request) {
    String name = request.cluster().cluster();
    cluster = name;
    if (!Workflow.isReplaying()) {
      STARTS.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
      REQUESTED_WINDOWS.put(name, request.windows().windows());
      MAX_RUNNING.accumulateAndGet(RUNNING.incrementAndGet(), Math::max);
    }
    try {
      Behaviour b = BEHAVIOUR.getOrDefault(name, Behaviour.OK);
      Duration takes =
          b == Behaviour.OK || b == Behaviour.FAIL ? Duration.ofMinutes(1) : Duration.ofMinutes(10);
      if (b == Behaviour.PAST_POINT_OF_NO_RETURN) {
        Workflow.sleep(Duration.ofMinutes(1));
        Workflow.sleep(Duration.ofMinutes(9));
        return result(request, MigrationState.SUCCESS, null);
      }
      if (!takes.isZero()) {
        Workflow.await(takes, () -> abortReason != null);
      }
      if (abortReason != null) {
        return result(request, MigrationState.ROLLED_BACK, "ABORTED: " + abortReason);
      }
      if (b == Behaviour.FAIL) {
        return result(request, MigrationState.ROLLED_BACK, "INJECTED_FAILURE: at migrate-configs");
      }
      if (b == Behaviour.FINISH_FAILED) {
        return new MigrationResult(
            "m-" + name,
            MigrationState.FINISH_FAILED,
            List.of("write-marker", "approval"),
            List.of(new NamespaceStatus("ns-" + name, null, "VERIFIED", 1, 1, null)),
            "disable-addon",
            "PERMISSION_DENIED: container.clusters.update denied");
      }
      if (!request.autoApprove()) {
        String parent = Workflow.getInfo().getParentWorkflowId().orElse(null);
        if (parent != null) {
          Workflow.newExternalWorkflowStub(FleetMigrationWorkflow.class, parent)
              .clusterAwaitsApproval(request.cluster().workflowId(), List.of("ns-" + name));
        }
        Workflow.await(() -> approvedBy != null || abortReason != null);
        if (approvedBy == null) {
          return result(request, MigrationState.ROLLED_BACK, "ABORTED: " + abortReason);
        }
        if (!Workflow.isReplaying()) {
          APPROVED_BY.put(name, approvedBy);
        }
      }
      return result(request, MigrationState.SUCCESS, null);
    } finally {
      if (!Workflow.isReplaying()) {
        RUNNING.decrementAndGet();
      }
    }
  }

  private static MigrationResult result(MigrationRequest r, MigrationState s, String error) {
    String name = r.cluster().cluster();
    return new MigrationResult(
        "m-" + name,
        s,
        List.of(),
        List.of(
            new NamespaceStatus(
                "ns-" + name,
                null,
                s == MigrationState.SUCCESS ? "VERIFIED" : "ROLLED_BACK",
                1,
                1,
                null)),
        null,
        error);
  }

  @Override
  public MigrationStatus status() {
    return null;
  }

  @Override
  public void approve(String by) {
    approvedBy = by;
  }

  @Override
  public void recheck() {}

  @Override
  public void abort(String reason) {
    abortReason = reason;
    if (!Workflow.isReplaying()) {
      String id = Workflow.getInfo().getWorkflowId();
      ABORTED.add(id.substring(id.lastIndexOf('/') + 1));
    }
  }

  @Override
  public void rollback(String reason) {
    abortReason = reason;
  }

  @Override
  public void pause() {}

  @Override
  public void resume() {}

  @Override
  public String approveUpdate(String by) {
    approve(by);
    return "approved";
  }

  @Override
  public void validateApprove(String by) {}

  @Override
  public String recheckUpdate() {
    return "";
  }

  @Override
  public void validateRecheck() {}

  @Override
  public String abortUpdate(String reason) {
    abort(reason);
    return "aborted";
  }

  @Override
  public void validateAbort(String reason) {}

  @Override
  public String rollbackUpdate(String reason) {
    return "";
  }

  @Override
  public void validateRollback(String reason) {}

  @Override
  public String pauseUpdate() {
    return "";
  }

  @Override
  public void validatePause() {}

  @Override
  public String resumeUpdate() {
    return "";
  }

  @Override
  public void validateResume() {}

  @Override
  public String setWindows(WindowsChange change) {
    if (!Workflow.isReplaying()) {
      WINDOWS_SET
          .computeIfAbsent(cluster, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
          .add(change);
    }
    return "windows replaced";
  }

  @Override
  public void validateSetWindows(WindowsChange change) {}

  @Override
  public void windowsSignal(WindowsChange change) {
    setWindows(change);
  }
}
