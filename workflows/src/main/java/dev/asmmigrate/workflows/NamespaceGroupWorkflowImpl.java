package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.window.Estimates;
import dev.asmmigrate.workflows.model.window.Estimates.Estimate;
import dev.asmmigrate.workflows.model.window.Estimates.Measured;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a group of the workload phase's waves ({@link NamespaceGroupWorkflow}) with the migration's
 * own code ({@link NamespaceWaves}): a pause waits at no point in it but ends it between two waves,
 * an abort cancels its activities and each namespace in flight is undone once, as in the migration
 * itself. Its memo holds its namespaces' progress as the migration's does ({@link StatusMemo}).
 */
public final class NamespaceGroupWorkflowImpl implements NamespaceGroupWorkflow {
  private final Progress progress = new Progress();
  private CancellationScope waves;

  /** The window the group's waves are checked against ({@link WaveWindow}); null: none. */
  private WaveWindow window;

  @Override
  public GroupResult run(GroupRequest req) {
    MigrationContext ctx = req.ctx();
    window = req.window();
    ActivityStubs act = new ActivityStubs(req.request().timeouts(), true);
    progress.start(ctx.migrationId(), ctx.cluster(), req.request().timeouts(), false);
    progress.namespaces(req.current());
    NamespaceWaves run = new NamespaceWaves(act, ctx, req.request(), progress, null);
    int[] done = {0};
    String[] failure = {null, null};
    waves =
        Workflow.newCancellationScope(
            () -> {
              if (req.rollBack()) {
                for (List<NamespacePlan> wave : req.waves()) {
                  for (NamespacePlan ns : wave) {
                    run.undoNamespace(ns, null);
                  }
                  done[0]++;
                }
                return;
              }
              for (List<NamespacePlan> wave : req.waves()) {
                // the safe point between two waves: a pause ends the group here, and so does a
                // maintenance window that no longer holds the next wave
                if (progress.paused() && progress.abortReason() == null) {
                  return;
                }
                if (done[0] > 0 && !fits(req, wave)) {
                  return;
                }
                run.wave(wave);
                done[0]++;
              }
            });
    try {
      waves.run();
    } catch (TemporalFailure f) {
      if (progress.abortReason() != null && Failures.canceled(f)) {
        failure[0] = FailureType.ABORTED.name();
        failure[1] = "aborted by an operator: " + progress.abortReason();
      } else {
        failure[0] = typeOf(f);
        failure[1] = messageOf(f);
      }
    }
    return new GroupResult(
        progress.status().namespaces(),
        run.migrated(),
        done[0],
        List.copyOf(progress.rollbackFailures()),
        failure[0],
        failure[1]);
  }

  /**
   * Whether the group's window ({@link WaveWindow}) still holds {@code wave} and its undo, by the
   * namespaces migrated so far (the migration's before the group, and the group's own).
   */
  private boolean fits(GroupRequest req, List<NamespacePlan> wave) {
    WaveWindow w = window;
    if (w == null) {
      return true;
    }
    Map<String, NamespacePlan> plans = new HashMap<>();
    req.waves().forEach(each -> each.forEach(ns -> plans.put(ns.name(), ns)));
    List<Measured> measured = new ArrayList<>(w.measured());
    measured.addAll(Estimates.measured(progress.status().namespaces(), plans));
    Estimate e = Estimates.wave(wave, measured, req.request().timeouts());
    return Workflow.currentTimeMillis() + e.needs(w.margin()).toMillis() <= w.closesAt();
  }

  /** The type of the application failure that caused {@code f}, or null if none did. */
  private static String typeOf(Throwable f) {
    for (Throwable cur = f; cur != null; cur = cur.getCause()) {
      if (cur instanceof ApplicationFailure af) {
        return af.getType();
      }
    }
    return null;
  }

  /** The message {@link Failures#describe} gives without its type. */
  private static String messageOf(Throwable f) {
    for (Throwable cur = f; cur != null; cur = cur.getCause()) {
      if (cur instanceof ApplicationFailure af) {
        return af.getOriginalMessage();
      }
    }
    return Failures.describe(f);
  }

  @Override
  public MigrationStatus status() {
    return progress.status();
  }

  @Override
  public void abort(String reason) {
    progress.abort(reason == null || reason.isBlank() ? "no reason given" : reason);
    if (waves != null) {
      waves.cancel(reason);
    }
  }

  @Override
  public void pause() {
    progress.pause(true);
  }

  @Override
  public void resume() {
    progress.pause(false);
  }

  @Override
  public void window(WaveWindow changed) {
    window = changed;
  }
}
