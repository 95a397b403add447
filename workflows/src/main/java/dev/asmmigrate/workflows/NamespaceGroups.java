package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.NamespaceGroupWorkflow.GroupRequest;
import dev.asmmigrate.workflows.NamespaceGroupWorkflow.GroupResult;
import dev.asmmigrate.workflows.NamespaceGroupWorkflow.WaveWindow;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * The workload phase in groups of consecutive waves, each a child workflow ({@link
 * NamespaceGroupWorkflow}; version 1 of {@code namespace-group-children}): the migration's history
 * holds about ten events per group instead of six per namespace, so that 2,000 namespaces fit in
 * one run, and each group's history holds at most {@link #GROUP_NAMESPACES} namespaces.
 *
 * <p>The migration waits for a group in a detached scope, so that an abort (which cancels the
 * migration's steps) never cancels the group, whose result would then be lost; it forwards the
 * abort, a pause and a resume by signal instead. A group a pause ended is followed, once resumed,
 * by a group with the waves it left. Each group that migrated namespaces registers one undo with
 * the saga: a group that undoes them one after another, last first, as the saga did one by one.
 */
final class NamespaceGroups {
  private static final Logger log = Workflow.getLogger(NamespaceGroups.class);

  /** The namespaces of a group: whole waves, at least one. */
  static final int GROUP_NAMESPACES = 100;

  private final MigrationContext ctx;
  private final MigrationRequest request;
  private final Progress progress;
  private final Saga saga;
  private MaintenanceGate gate;
  private int started;

  NamespaceGroups(MigrationContext ctx, MigrationRequest request, Progress progress, Saga saga) {
    this.ctx = ctx;
    this.request = request;
    this.progress = progress;
    this.saga = saga;
  }

  /** The run's maintenance windows, which each wave waits for; none by default. */
  NamespaceGroups gate(MaintenanceGate g) {
    gate = g;
    return this;
  }

  /** The canary namespaces one at a time, then the rest in waves of at most the concurrency. */
  void migrate(List<NamespacePlan> namespaces, List<String> canary) {
    List<List<NamespacePlan>> waves = new ArrayList<>();
    List<NamespacePlan> rest = new ArrayList<>();
    for (NamespacePlan ns : namespaces) {
      if (canary.contains(ns.name())) {
        waves.add(List.of(ns));
      } else {
        rest.add(ns);
      }
    }
    int size = Math.max(1, request.concurrency());
    for (int i = 0; i < rest.size(); i += size) {
      waves.add(List.copyOf(rest.subList(i, Math.min(rest.size(), i + size))));
    }
    // the step the groups belong to, also in the IDs of their undos (which run in the rollback,
    // at another step)
    String step = progress.step().id();
    if (gate != null) {
      gate.plans(namespaces);
    }
    for (List<List<NamespacePlan>> group : groups(waves)) {
      List<List<NamespacePlan>> left = group;
      while (!left.isEmpty()) {
        awaitSafePoint();
        // the next wave starts only in a window that holds it and its undo; the group stops
        // before a later wave that no longer fits, and the next group waits here
        while (gate != null && gate.awaitWave(left.get(0))) {
          awaitSafePoint();
        }
        GroupResult r = run(step, left, false);
        if (!r.migrated().isEmpty()) {
          List<NamespacePlan> migrated = new ArrayList<>(r.migrated());
          java.util.Collections.reverse(migrated);
          saga.addCompensation(() -> run(step, List.of(migrated), true));
        }
        if (r.failureType() != null || r.failureMessage() != null) {
          throw ApplicationFailure.newNonRetryableFailure(
              r.failureMessage(), r.failureType() == null ? "NAMESPACE_FAILED" : r.failureType());
        }
        left = left.subList(r.wavesDone(), left.size());
      }
    }
  }

  /** Consecutive waves, whole, up to {@link #GROUP_NAMESPACES} namespaces a group. */
  private static List<List<List<NamespacePlan>>> groups(List<List<NamespacePlan>> waves) {
    List<List<List<NamespacePlan>>> groups = new ArrayList<>();
    List<List<NamespacePlan>> current = new ArrayList<>();
    int count = 0;
    for (List<NamespacePlan> wave : waves) {
      if (!current.isEmpty() && count + wave.size() > GROUP_NAMESPACES) {
        groups.add(current);
        current = new ArrayList<>();
        count = 0;
      }
      current.add(wave);
      count += wave.size();
    }
    if (!current.isEmpty()) {
      groups.add(current);
    }
    return groups;
  }

  /** Between two groups: a pause waits here, and an abort stops the phase. */
  private void awaitSafePoint() {
    if (progress.paused() && progress.abortReason() == null) {
      progress.phase(Progress.PAUSED);
      Workflow.await(() -> !progress.paused() || progress.abortReason() != null);
      progress.phase(Progress.RUNNING);
    }
    if (progress.abortReason() != null) {
      throw Failures.failure(
          FailureType.ABORTED, "aborted by an operator: " + progress.abortReason());
    }
  }

  /**
   * Runs one group as a child workflow and waits for it in a detached scope, forwarding the
   * operator's abort, pause and resume (not to an undo: the rollback is not aborted or paused);
   * records what it returned in the migration's progress.
   */
  private GroupResult run(String step, List<List<NamespacePlan>> waves, boolean rollBack) {
    // from the request, not from Workflow.getInfo(): a history replayed outside its server (the
    // history command's JSON, the committed histories) runs under another workflow ID
    String id =
        request.cluster().workflowId()
            + "/workloads-"
            + step
            + "-"
            + (++started)
            + (rollBack ? "-undo" : "");
    List<NamespaceStatus> current = new ArrayList<>();
    for (List<NamespacePlan> wave : waves) {
      for (NamespacePlan ns : wave) {
        NamespaceStatus s = progress.namespace(ns.name());
        if (s != null) {
          current.add(s);
        }
      }
    }
    log.info("{}: a group of {} waves as child workflow {}", step, waves.size(), id);
    NamespaceGroupWorkflow child =
        Workflow.newChildWorkflowStub(
            NamespaceGroupWorkflow.class,
            ChildWorkflowOptions.newBuilder().setWorkflowId(id).build());
    GroupResult[] out = new GroupResult[1];
    Workflow.newDetachedCancellationScope(
            () -> {
              Promise<GroupResult> result =
                  Async.function(
                      child::run,
                      new GroupRequest(
                          ctx, request, current, waves, rollBack, rollBack ? null : window()));
              Workflow.getWorkflowExecution(child).get();
              boolean abortSent = false;
              boolean pauseSent = false;
              int windowsSent = gate == null ? 0 : gate.changes();
              while (!rollBack) {
                boolean sent = pauseSent;
                boolean aborted = abortSent;
                int windows = windowsSent;
                Workflow.await(
                    () ->
                        result.isCompleted()
                            || (!aborted && progress.abortReason() != null)
                            || progress.paused() != sent
                            || (gate != null && gate.changes() != windows));
                if (result.isCompleted()) {
                  break;
                }
                if (gate != null && gate.changes() != windowsSent) {
                  // windows set: the group decides its next waves by the new windows
                  windowsSent = gate.changes();
                  WaveWindow now = window();
                  signal(() -> child.window(now));
                } else if (!abortSent && progress.abortReason() != null) {
                  abortSent = true;
                  signal(() -> child.abort(progress.abortReason()));
                } else if (progress.paused() != pauseSent) {
                  pauseSent = progress.paused();
                  signal(pauseSent ? child::pause : child::resume);
                }
              }
              out[0] = result.get();
            })
        .run();
    GroupResult r = out[0];
    progress.namespaces(r.namespaces());
    if (!r.rollbackFailures().isEmpty()) {
      progress.undoFailures(r.rollbackFailures());
    }
    return r;
  }

  /** The window a group works in (its opening's close, the measurements so far), or null. */
  private WaveWindow window() {
    Long closesAt = gate == null ? null : gate.closesAt();
    return closesAt == null ? null : new WaveWindow(closesAt, gate.margin(), gate.measured());
  }

  /** Sends a signal to the running group; one that ended in the meantime needs it no more. */
  private static void signal(Runnable send) {
    try {
      send.run();
    } catch (RuntimeException ended) {
      log.info("a group of waves ended before a signal reached it: {}", ended.getMessage());
    }
  }
}
