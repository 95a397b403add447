package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One cluster's migration from the Istio add-on to managed ASM (SPEC.md §2), workflow ID {@code
 * asm-migrate/<project>/<location>/<cluster>}.
 *
 * <p>Operators act through updates, whose validators refuse at once what the migration cannot do in
 * its current phase (the refusal is the update's failure, with a message saying why); the signals
 * of the same names remain for older clients and act without an answer. They are declared in {@link
 * OperatorActions}, which this interface extends: Temporal takes the handlers of a non-annotated
 * parent interface as this workflow's own, under the same names.
 */
@WorkflowInterface
public interface MigrationWorkflow extends OperatorActions {
  /** The Temporal task queue workers poll. */
  String TASK_QUEUE = "asm-migrate";

  @WorkflowMethod
  MigrationResult migrate(MigrationRequest request);
}
