package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.MigrationStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.common.converter.DataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The operator commands' connection to Temporal and their ways to a migration: describe, query,
 * update; turning "no such workflow" and a validator's refusal into clear errors.
 */
final class Migrations implements AutoCloseable {
  private final WorkflowServiceStubs service;
  private final WorkflowClient client;
  private final TemporalOptions temporal;

  private Migrations(WorkflowServiceStubs service, WorkflowClient client, TemporalOptions t) {
    this.service = service;
    this.client = client;
    this.temporal = t;
  }

  static Migrations connect(TemporalOptions temporal) {
    DataConverter dataConverter = temporal.dataConverter(); // a bad codec key changes nothing
    WorkflowServiceStubs service = temporal.connect();
    return new Migrations(service, temporal.client(service, dataConverter), temporal);
  }

  WorkflowClient client() {
    return client;
  }

  /** The workflow's description; an unknown ID is a usage error that names where it looked. */
  DescribeWorkflowExecutionResponse describe(String workflowId) {
    try {
      return client.newUntypedWorkflowStub(workflowId).describe().getRawDescription();
    } catch (WorkflowNotFoundException e) {
      throw unknown(workflowId);
    } catch (RuntimeException e) {
      if (hasStatus(e, Status.Code.NOT_FOUND)) {
        throw unknown(workflowId);
      }
      throw e;
    }
  }

  boolean running(String workflowId) {
    return describe(workflowId).getWorkflowExecutionInfo().getStatus()
        == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }

  /** The status query's answer (a worker answers it, also for a migration that ended). */
  MigrationStatus query(String workflowId) {
    return client.newWorkflowStub(MigrationWorkflow.class, workflowId).status();
  }

  /**
   * Sends an update and returns the workflow's answer; a refusal by its validator, or a migration
   * that already ended, is exit code 3 with the reason.
   */
  String update(
      String workflowId,
      Function<MigrationWorkflow, String> update,
      Consumer<MigrationWorkflow> signal,
      Duration answerTimeout) {
    if (!running(workflowId)) {
      MigrationStatus s = client.newWorkflowStub(MigrationWorkflow.class, workflowId).status();
      throw new UserError(
          ExitCodes.BLOCKED,
          "the migration "
              + workflowId
              + " already ended ("
              + s.state()
              + (s.error() == null ? "" : ", " + s.error())
              + ")");
    }
    return updateOrSignal(
        client.newWorkflowStub(MigrationWorkflow.class, workflowId), update, signal, answerTimeout);
  }

  /**
   * Sends an update and returns the answer; past {@code answerTimeout} without one, sends the same
   * request as a signal and says so. A refusal by the update's validator is exit code 3.
   */
  static String updateOrSignal(
      MigrationWorkflow stub,
      Function<MigrationWorkflow, String> update,
      Consumer<MigrationWorkflow> signal,
      Duration answerTimeout) {
    // An update is answered on the workflow's next task. Temporal's Java test server has been seen
    // to leave one unanswered while an activity runs; an operator must never be left hanging, so
    // past the bound the same request goes as a signal, which needs no reply.
    CompletableFuture<String> answer = new CompletableFuture<>();
    Thread sender =
        new Thread(
            () -> {
              try {
                answer.complete(update.apply(stub));
              } catch (Throwable t) {
                answer.completeExceptionally(t);
              }
            },
            "operator-update");
    sender.setDaemon(true);
    sender.start();
    try {
      return answer.get(answerTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WorkflowUpdateException u) {
        throw new UserError(ExitCodes.BLOCKED, "refused: " + reason(u));
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      sender.interrupt();
      signal.accept(stub);
      return "no answer to the update within "
          + answerTimeout.toMillis() / 1000.0
          + " s"
          + "; sent as a signal instead: the migration acts on it at its next workflow task"
          + " (check with 'asm-migrate status')";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError(ExitCodes.UNEXPECTED, "interrupted while waiting for the answer");
    }
  }

  private static String reason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure af) {
        return af.getOriginalMessage();
      }
    }
    return e.getMessage();
  }

  private UserError unknown(String workflowId) {
    return new UserError(
        ExitCodes.USAGE,
        "no migration workflow '"
            + workflowId
            + "' on Temporal at "
            + temporal.address
            + " (namespace "
            + temporal.namespace
            + "); see 'asm-migrate list'");
  }

  static boolean hasStatus(Throwable e, Status.Code code) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == code) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    service.shutdown();
  }
}
