package dev.asmmigrate.cli;

import dev.asmmigrate.worker.SearchAttributeRegistration;
import dev.asmmigrate.workflows.MigrationSearchAttributes;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowServiceException;
import io.temporal.common.converter.DataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code asm-migrate start}: starts a cluster's migration on a Temporal server. */
@Command(
    name = "start",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Starts the migration of one cluster (a workflow run by the workers of the Temporal server) and prints its workflow ID.")
final class StartCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StartOptions options;

  @Mixin TemporalOptions temporal;

  @Option(
      names = "--wait",
      description =
          "Follow the migration until it ends, printing its progress; the exit code then tells the outcome.")
  boolean await;

  @Option(
      names = "--wait-timeout",
      defaultValue = "24h",
      description = "How long --wait follows the migration at most (default: ${DEFAULT-VALUE}).")
  Duration waitTimeout;

  @Option(
      names = "--warn-after",
      defaultValue = "30s",
      description =
          "How long --wait waits before it warns that no worker polls the task queue, or that the"
              + " worker cannot decode the migration's payloads (default: ${DEFAULT-VALUE}).")
  Duration warnAfter;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    MigrationRequest request = request();
    DataConverter dataConverter = temporal.dataConverter();
    WorkflowServiceStubs service = temporal.connect();
    try {
      WorkflowClient client = temporal.client(service, dataConverter);
      String id = start(client, request);
      out.println("workflow: " + id);
      out.flush();
      if (!await) {
        return ExitCodes.OK;
      }
      MigrationResult result =
          new ProgressPrinter(Migrations.over(client, temporal.address), out, warnAfter)
              .follow(id, waitTimeout);
      if (result.state() == MigrationState.REFUSED) {
        out.println(
            "migration: REFUSED by pre-flight, nothing was changed: "
                + result.error()
                + "; fix it (asm-migrate plan shows every finding) and start again");
        out.flush();
        return ExitCodes.BLOCKED;
      }
      out.println(StatusView.outcomeLine(result));
      MigrationState asked =
          options.failAt == null ? MigrationState.SUCCESS : MigrationState.ROLLED_BACK;
      if (result.state() == MigrationState.ROLLBACK_FAILED) {
        out.println(StatusView.rollbackFailedAdvice(result.migrationId(), null));
      }
      if (result.state() == MigrationState.FINISH_FAILED) {
        out.println(StatusView.finishFailedAdvice(result.failedStep()));
      }
      return ExitCodes.of(result.state(), asked);
    } finally {
      service.shutdown();
    }
  }

  MigrationRequest request() {
    return options.request();
  }

  /**
   * Starts the workflow; a second start while one runs for the cluster is refused. It carries the
   * search attributes AsmCluster and AsmPhase when they are (or could be) registered, and starts
   * without them otherwise: the Temporal UI then cannot filter, but the migration runs.
   */
  static String start(WorkflowClient client, MigrationRequest request) {
    String id = request.cluster().workflowId();
    boolean indexed =
        SearchAttributeRegistration.ensure(
                client.getWorkflowServiceStubs(), client.getOptions().getNamespace())
            .registered();
    try {
      try {
        startWorkflow(client, request, indexed);
      } catch (WorkflowServiceException e) {
        if (!indexed || !badSearchAttributes(e)) {
          throw e;
        }
        startWorkflow(client, request, false);
      }
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new UserError(
          ExitCodes.BLOCKED,
          "a migration of "
              + request.cluster()
              + " is already running (workflow "
              + id
              + "); follow it with 'asm-migrate status', or stop it with 'asm-migrate abort'");
    }
    return id;
  }

  private static void startWorkflow(
      WorkflowClient client, MigrationRequest request, boolean indexed) {
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(request.cluster().workflowId())
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setWorkflowIdReusePolicy(
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE);
    if (indexed) {
      options.setTypedSearchAttributes(MigrationSearchAttributes.initial(request.cluster()));
    }
    MigrationWorkflow wf = client.newWorkflowStub(MigrationWorkflow.class, options.build());
    WorkflowClient.start(wf::migrate, request);
  }

  /** A server whose attribute cache lags a fresh registration refuses the start this way. */
  static boolean badSearchAttributes(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s
          && s.getStatus().getCode() == Status.Code.INVALID_ARGUMENT
          && String.valueOf(s.getStatus().getDescription()).contains("search attribute")) {
        return true;
      }
    }
    return false;
  }
}
