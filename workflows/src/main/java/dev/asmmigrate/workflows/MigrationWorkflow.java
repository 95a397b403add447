package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationStatus;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One cluster's migration from the Istio add-on to managed ASM (SPEC.md §2), workflow ID {@code
 * asm-migrate/<project>/<location>/<cluster>}.
 */
@WorkflowInterface
public interface MigrationWorkflow {
  /** The Temporal task queue workers poll. */
  String TASK_QUEUE = "asm-migrate";

  @WorkflowMethod
  MigrationResult migrate(MigrationRequest request);

  /** Phase, step, per-namespace progress, findings. */
  @QueryMethod
  MigrationStatus status();

  /** Lets the migration past {@code approval}, recording who approved. */
  @SignalMethod
  void approve(String by);

  /** Re-runs config-check after the operator fixed blocking findings. */
  @SignalMethod
  void recheck();

  /** Rolls back now, from wherever the migration is (before the irreversible steps). */
  @SignalMethod
  void abort(String reason);

  /** Rolls back a migration waiting for approval (after SUCCESS, before cleanup). */
  @SignalMethod
  void rollback(String reason);

  /** Stops at the next safe point (between steps and namespaces). */
  @SignalMethod
  void pause();

  @SignalMethod
  void resume();
}
