package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.activities.WorkloadActivities.Direction;
import dev.asmmigrate.workflows.activities.WorkloadActivities.MigrateNamespaceRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.MigrateNamespaceResult;
import dev.asmmigrate.workflows.activities.WorkloadActivities.NamespaceRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartResult;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RollBackNamespaceRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyResult;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.NamespacePlan;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;

/**
 * The workload phase: canary namespaces one at a time, then the rest in waves of at most {@code
 * concurrency}. Each namespace is relabelled, restarted and verified; one that fails its gate is
 * rolled back on its own, then the migration stops (default) or goes on.
 *
 * <p>A namespace is undone exactly once (version 1 of {@code namespace-undo-on-success}): the one
 * that fails its gate by its own catch, at once; one that passed it by the saga, whose undo is
 * registered only then; and a wave ends only when each of its namespaces has done one or the other.
 * Histories recorded before registered every namespace's undo when it started, and the saga undid a
 * failed namespace again (default version of {@code namespace-undone-once}) or skipped it (its
 * version 1): they replay that way.
 *
 * <p>Each way, a namespace is one activity (version 1 of {@code namespace-one-activity}): {@code
 * migrateNamespace} relabels, restarts and verifies it, {@code rollBackNamespace} undoes the three;
 * one activity and one workflow task per namespace instead of three. The namespace shows MIGRATING
 * while it runs, then VERIFIED with the relabel's and the restart's moments from the activity's
 * result. Histories recorded before call the three activities one after another.
 *
 * <p>Since version 1 of {@code namespace-group-children} the migration runs its waves in groups,
 * each a child workflow ({@link NamespaceGroups}, {@link NamespaceGroupWorkflow}) that runs them
 * with this class (no saga: it returns the namespaces that passed); histories recorded before run
 * every wave in the migration's own history.
 */
final class NamespaceWaves {
  private static final Logger log = Workflow.getLogger(NamespaceWaves.class);

  private final ActivityStubs act;
  private final MigrationContext ctx;
  private final MigrationRequest request;
  private final Progress progress;
  private final Saga saga;
  private final String restartedAt;
  private final boolean undoOnSuccess;
  private final boolean oneActivity;

  /** Version 1 of {@code namespace-group-children}: groups of waves run as child workflows. */
  private final boolean children;

  /** The run's maintenance windows (the migration's own waves, in groups); null: none. */
  private MaintenanceGate gate;

  /** In a group ({@link NamespaceGroupWorkflowImpl}, no saga): the namespaces that passed. */
  private final List<NamespacePlan> migrated = new ArrayList<>();

  /** Histories before {@code namespace-undo-on-success}: the namespaces undone at once. */
  private final Set<String> undoneAtOnce = new HashSet<>();

  /**
   * @param saga the migration's, where each namespace that passed its gate registers its undo; null
   *     in a group of waves, which returns them instead ({@link #migrated})
   */
  NamespaceWaves(
      ActivityStubs act,
      MigrationContext ctx,
      MigrationRequest request,
      Progress progress,
      Saga saga) {
    this.act = act;
    this.ctx = ctx;
    this.request = request;
    this.progress = progress;
    this.saga = saga;
    this.restartedAt = restartToken(ctx);
    this.undoOnSuccess =
        Workflow.getVersion("namespace-undo-on-success", Workflow.DEFAULT_VERSION, 1) == 1;
    this.oneActivity =
        Workflow.getVersion("namespace-one-activity", Workflow.DEFAULT_VERSION, 1) == 1;
    this.children =
        saga != null
            && Workflow.getVersion("namespace-group-children", Workflow.DEFAULT_VERSION, 1) == 1;
  }

  /** Gates each wave of the groups on the run's maintenance windows. */
  NamespaceWaves gate(MaintenanceGate g) {
    gate = g;
    return this;
  }

  void migrate(List<NamespacePlan> namespaces, List<String> canary) {
    if (children) {
      new NamespaceGroups(ctx, request, progress, saga).gate(gate).migrate(namespaces, canary);
      return;
    }
    List<NamespacePlan> first = new ArrayList<>();
    List<NamespacePlan> rest = new ArrayList<>();
    for (NamespacePlan ns : namespaces) {
      (canary.contains(ns.name()) ? first : rest).add(ns);
    }
    for (NamespacePlan ns : first) {
      log.info("migrate-workloads: canary namespace {}", ns.name());
      try {
        migrateOne(ns);
      } finally {
        progress.publishNamespaces();
      }
    }
    int size = Math.max(1, request.concurrency());
    for (int i = 0; i < rest.size(); i += size) {
      wave(rest.subList(i, Math.min(rest.size(), i + size)));
    }
  }

  /** Migrates one wave's namespaces at once; throws the first failure once all ended. */
  void wave(List<NamespacePlan> wave) {
    log.info(
        "migrate-workloads: wave of {} namespaces: {}",
        wave.size(),
        wave.stream().map(NamespacePlan::name).toList());
    List<Promise<Void>> running = new ArrayList<>();
    for (NamespacePlan ns : wave) {
      running.add(Async.procedure(() -> migrateOne(ns)));
    }
    try {
      if (undoOnSuccess) {
        awaitEach(running);
      } else {
        Promise.allOf(running).get();
        for (Promise<Void> p : running) {
          p.get();
        }
      }
    } finally {
      progress.publishNamespaces();
    }
  }

  /** In a group of waves: the namespaces that passed their gate, in order. */
  List<NamespacePlan> migrated() {
    return List.copyOf(migrated);
  }

  /**
   * Waits for every namespace of a wave, then throws the first failure: a namespace still running
   * when another fails ends migrated (its undo registered) or undone, never in between.
   */
  private static void awaitEach(List<Promise<Void>> running) {
    RuntimeException failure = null;
    for (Promise<Void> p : running) {
      try {
        p.get();
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void migrateOne(NamespacePlan ns) {
    // A safe point: a pause waits here, before the namespace starts, never in the middle of one.
    if (progress.paused() && progress.abortReason() == null) {
      progress.phase(Progress.PAUSED);
      Workflow.await(() -> !progress.paused() || progress.abortReason() != null);
      progress.phase(Progress.RUNNING);
    }
    if (progress.abortReason() != null) {
      throw Failures.failure(
          FailureType.ABORTED, "aborted by an operator: " + progress.abortReason());
    }
    progress.namespaceStarted(ns, oneActivity ? Progress.MIGRATING : null);
    if (!undoOnSuccess) {
      saga.addCompensation(
          () -> {
            if (undoneAtOnce.contains(ns.name())
                && Workflow.getVersion("namespace-undone-once", Workflow.DEFAULT_VERSION, 1) == 1) {
              return;
            }
            undoNamespace(ns, null);
          });
    }
    try {
      migrateNamespace(ns);
    } catch (TemporalFailure failure) {
      if (!undoOnSuccess && !(failure instanceof ActivityFailure)) {
        throw failure;
      }
      boolean aborted = progress.abortReason() != null && Failures.canceled(failure);
      String why =
          aborted
              ? "aborted by an operator: " + progress.abortReason()
              : Failures.describe(failure);
      log.warn(
          "migrate-workloads: namespace {} failed its gate ({}); rolling it back", ns.name(), why);
      progress.namespace(ns, "FAILED", 0, 0, why);
      boolean[] restored = {false};
      Workflow.newDetachedCancellationScope(() -> restored[0] = undoNamespace(ns, why)).run();
      // the migration's own failure goes on, never the undo's (which is recorded on its own); a
      // namespace left half undone stops the migration whatever --continue-on-namespace-failure
      if (aborted || !restored[0] || !request.continueOnNamespaceFailure()) {
        throw failure;
      }
      return;
    }
    if (saga == null) {
      migrated.add(ns);
    } else if (undoOnSuccess) {
      saga.addCompensation(() -> undoNamespace(ns, null));
    }
    MigrationMetrics.namespaceEnded("migrated");
  }

  /** Relabels, restarts and verifies one namespace, recording each in its progress. */
  private void migrateNamespace(NamespacePlan ns) {
    if (oneActivity) {
      MigrateNamespaceResult done =
          act.workloads.migrateNamespace(
              new MigrateNamespaceRequest(
                  new NamespaceRequest(ctx, ns.name()),
                  restart(ns),
                  verify(ns, Direction.MIGRATE)));
      Map<String, Long> parts = new LinkedHashMap<>();
      parts.put("RELABELLED", done.relabelledAt());
      parts.put("RESTARTED", done.restartedAt());
      String unmanaged = unmanaged(done.restarted());
      progress.namespace(
          ns,
          "VERIFIED",
          done.verified().podsVerified(),
          done.verified().podsVerified(),
          verified(done.verified()) + unmanaged,
          parts);
      return;
    }
    act.workloads.relabelNamespace(new NamespaceRequest(ctx, ns.name()));
    progress.namespace(ns, "RELABELLED", 0, 0, "labelled istio.io/rev=" + ctx.revision());
    RestartResult restarted = act.workloads.restartWorkloads(restart(ns));
    progress.namespace(
        ns,
        "RESTARTED",
        0,
        0,
        "restarted " + restarted.workloads().size() + " workloads" + unmanaged(restarted));
    VerifyResult verified = act.workloads.verifyNamespace(verify(ns, Direction.MIGRATE));
    progress.namespace(
        ns, "VERIFIED", verified.podsVerified(), verified.podsVerified(), verified(verified));
  }

  private RestartRequest restart(NamespacePlan ns) {
    return RestartRequest.migrate(
        ctx, ns.name(), restartedAt, request.restartStatefulSetsAndDaemonSets());
  }

  private static String unmanaged(RestartResult restarted) {
    return restarted.unmanagedPods().isEmpty()
        ? ""
        : "; pods no controller owns keep the old proxy: " + restarted.unmanagedPods();
  }

  private String verified(VerifyResult verified) {
    return verified.podsVerified()
        + " pods on "
        + ctx.revision()
        + " across "
        + verified.workloads()
        + " workloads"
        + (verified.notRestarted().isEmpty()
            ? ""
            : "; StatefulSet/DaemonSet pods not restarted (restart of sets off) keep their"
                + " proxy: "
                + verified.notRestarted());
  }

  private VerifyRequest verify(NamespacePlan ns, Direction direction) {
    return new VerifyRequest(
        ctx,
        ns.name(),
        direction,
        ns.version(),
        request.timeouts().rollout(),
        request.restartStatefulSetsAndDaemonSets());
  }

  /**
   * Undoes one namespace ({@link #rollBackNamespace}): its failure is recorded as an undo that
   * failed, with what it left, and the namespace shows ROLLBACK_FAILED.
   *
   * @param why why the namespace is undone at once (it failed its gate), or null from the saga
   * @return whether the namespace is back on the add-on's proxy
   */
  boolean undoNamespace(NamespacePlan ns, String why) {
    // histories before namespace-undo-on-success may undo a failed namespace a second time
    boolean again = !undoOnSuccess && !undoneAtOnce.add(ns.name());
    int before = progress.rollbackFailures().size();
    Rollback.runUndo(
        progress, "undo of migrate-workloads, namespace " + ns.name(), () -> rollBackNamespace(ns));
    if (progress.rollbackFailures().size() > before) {
      String failed = progress.rollbackFailures().get(progress.rollbackFailures().size() - 1);
      progress.namespace(
          ns,
          "ROLLBACK_FAILED",
          0,
          0,
          (why == null ? "" : why + "; ") + "rollback failed: " + failed);
      return false;
    }
    if (why != null) {
      progress.namespace(ns, "ROLLED_BACK", 0, 0, why);
    }
    if (!again) {
      MigrationMetrics.namespaceEnded("rolled_back");
    }
    return true;
  }

  /**
   * Labels back, restarts what the migration restarted, and verifies the add-on's proxy is back.
   */
  private void rollBackNamespace(NamespacePlan ns) {
    if (oneActivity) {
      act.workloads.rollBackNamespace(
          new RollBackNamespaceRequest(
              new NamespaceRequest(ctx, ns.name()),
              rollbackRestart(ns),
              verify(ns, Direction.ROLL_BACK)));
      return;
    }
    act.workloads.restoreNamespaceLabels(new NamespaceRequest(ctx, ns.name()));
    act.workloads.restartWorkloads(rollbackRestart(ns));
    act.workloads.verifyNamespace(verify(ns, Direction.ROLL_BACK));
  }

  /** The rollback's restart, with a new restartedAt value: the moment the rollback asks it. */
  private RestartRequest rollbackRestart(NamespacePlan ns) {
    String rollbackAt =
        Instant.ofEpochMilli(Workflow.currentTimeMillis())
            .truncatedTo(ChronoUnit.SECONDS)
            .toString();
    return RestartRequest.rollBack(
        ctx, ns.name(), restartedAt, rollbackAt, request.restartStatefulSetsAndDaemonSets());
  }

  /**
   * The restartedAt value of the workload restarts. From the migration ID (version 1): the same in
   * every run of one migration, so a run resuming it after Temporal lost its state finds the
   * Deployments an earlier run restarted carrying it already and does not restart them again.
   * Histories recorded before (default version) keep the start time of their run, fixed per run
   * only.
   */
  private static String restartToken(MigrationContext ctx) {
    if (Workflow.getVersion("restart-token-from-migration-id", Workflow.DEFAULT_VERSION, 1) == 1) {
      return MigrationContext.restartedAt(ctx.migrationId());
    }
    return Instant.ofEpochMilli(Workflow.currentTimeMillis())
        .truncatedTo(ChronoUnit.SECONDS)
        .toString();
  }
}
