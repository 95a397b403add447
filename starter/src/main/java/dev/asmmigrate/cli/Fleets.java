package dev.asmmigrate.cli;

import dev.asmmigrate.worker.SearchAttributeRegistration;
import dev.asmmigrate.workflows.MigrationSearchAttributes;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.fleet.FleetMigrationWorkflow;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.fleet.ClusterOutcome;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetStatus;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowServiceException;
import io.temporal.common.SearchAttributes;
import io.temporal.common.converter.DataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The fleet commands' ways to a fleet's workflow ({@code asm-fleet/<name>}): start it, look at it
 * (its status query, or its memo {@value #MEMO} without a worker, or its result once it ended, with
 * each cluster's own migration as {@code status} reads it), send it an update, read what a halted
 * run left.
 */
final class Fleets implements AutoCloseable {
  /** The memo key under which the fleet workflow keeps its {@link FleetStatus}. */
  static final String MEMO = "fleetStatus";

  /** The memo key of the status without its rows, when the workflow keeps it in pieces. */
  static final String MEMO_HEAD = "fleet-status";

  /** The memo key of the clusters' names in wave order, when it keeps the status in pieces. */
  static final String MEMO_ORDER = "clusters";

  /** The prefix of each cluster's row's memo key, when it keeps the status in pieces. */
  static final String MEMO_ROW = "cluster:";

  private final Migrations migrations;
  private final WorkflowClient client;
  private final WorkflowServiceStubs service;
  private final DataConverter dataConverter;
  private final String address;

  private Fleets(WorkflowServiceStubs service, WorkflowClient client, String address) {
    this.service = service;
    this.client = client;
    this.address = address;
    this.dataConverter = client.getOptions().getDataConverter();
    this.migrations = Migrations.over(client, address);
  }

  static Fleets connect(TemporalOptions temporal) {
    DataConverter dataConverter = temporal.dataConverter(); // a bad codec key changes nothing
    WorkflowServiceStubs service = temporal.connect();
    return new Fleets(service, temporal.client(service, dataConverter), temporal.address);
  }

  /**
   * Over a client whose service the caller owns and closes (the demo's embedded server); {@code
   * address} names it in messages.
   */
  static Fleets over(WorkflowClient client, String address) {
    return new Fleets(null, client, address);
  }

  /** The workflow ID of the fleet {@code name}, after checking the name. */
  static String workflowId(String name) {
    if (name == null || !name.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
      throw new UserError(
          ExitCodes.USAGE,
          "'"
              + name
              + "' is not a fleet name (the name: of its fleet file: lowercase letters, digits and"
              + " '-')");
    }
    return FleetRequest.WORKFLOW_ID_PREFIX + name;
  }

  /**
   * Starts the fleet's workflow on the task queue of the workers; refused (exit 3) while a run of
   * the same fleet is open. It carries the search attribute AsmFleet (the fleet's name) when it is
   * (or could be) registered, so that the Temporal UI lists a fleet and, as the workflow gives its
   * clusters' migrations the same attribute, its clusters ({@code AsmFleet = "prod"}); without it
   * the fleet runs, unlisted, as {@code start} does.
   */
  String start(FleetRequest request) {
    String id = request.workflowId();
    boolean indexed =
        SearchAttributeRegistration.ensure(
                client.getWorkflowServiceStubs(), client.getOptions().getNamespace())
            .registered();
    try {
      try {
        startWorkflow(request, indexed);
      } catch (WorkflowServiceException e) {
        if (!indexed || !StartCommand.badSearchAttributes(e)) {
          throw e;
        }
        startWorkflow(request, false);
      }
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new UserError(
          ExitCodes.BLOCKED,
          "fleet "
              + request.name()
              + " is already running (workflow "
              + id
              + "); follow it with 'asm-migrate fleet status "
              + request.name()
              + "', or stop it with 'asm-migrate fleet abort "
              + request.name()
              + "'");
    }
    return id;
  }

  private void startWorkflow(FleetRequest request, boolean indexed) {
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(request.workflowId())
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setWorkflowIdReusePolicy(
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE);
    if (indexed) {
      options.setTypedSearchAttributes(
          SearchAttributes.newBuilder()
              .set(MigrationSearchAttributes.FLEET, request.name())
              .build());
    }
    FleetMigrationWorkflow wf =
        client.newWorkflowStub(FleetMigrationWorkflow.class, options.build());
    WorkflowClient.start(wf::migrateFleet, request);
  }

  /**
   * One look at a fleet.
   *
   * @param workflowStatus the workflow's execution status (RUNNING, COMPLETED, ...)
   * @param source where the rows come from: query, memo or result
   * @param migrations each started cluster's own status by its migration workflow ID; a cluster
   *     whose migration cannot be read is absent
   */
  record Look(
      String workflowId,
      String workflowStatus,
      FleetStatus status,
      String source,
      Map<String, MigrationStatus> migrations) {
    boolean ended() {
      return !"RUNNING".equals(workflowStatus);
    }
  }

  Look look(String name) {
    Look look = lookIfAny(name);
    if (look == null) {
      throw new UserError(
          ExitCodes.UNEXPECTED,
          "fleet "
              + name
              + " has no status yet: its workflow has not run its first task ("
              + migrations.workers(MigrationWorkflow.TASK_QUEUE).detail()
              + ")");
    }
    return look;
  }

  /** One look at a fleet, or null while its workflow has not run its first task. */
  Look lookIfAny(String name) {
    String id = workflowId(name);
    DescribeWorkflowExecutionResponse described = describe(id);
    WorkflowExecutionStatus execution = described.getWorkflowExecutionInfo().getStatus();
    FleetStatus status = null;
    String source;
    if (execution == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      Migrations.Workers workers = migrations.workers(MigrationWorkflow.TASK_QUEUE);
      if (!Boolean.FALSE.equals(workers.polling())) {
        status = within(() -> stub(id).status(), Migrations.QUERY_TIMEOUT);
      }
      source = "query";
      if (status == null) {
        status = memo(described);
        source = "memo";
      }
      if (status == null) {
        return null;
      }
    } else {
      FleetResult r =
          execution == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED
              ? result(id)
              : null;
      if (r != null) {
        status =
            new FleetStatus(
                r.fleetId(),
                r.state(),
                r.state().name(),
                null,
                null,
                r.clusters(),
                r.approvals(),
                r.soakChecks(),
                r.reason());
        source = "result";
      } else {
        status = memo(described);
        source = "memo";
        if (status == null) {
          throw new UserError(
              ExitCodes.UNEXPECTED,
              "fleet " + name + " ended " + execution.name() + " and left no status");
        }
      }
    }
    Map<String, MigrationStatus> clusters = new LinkedHashMap<>();
    for (ClusterOutcome c : status.clusters()) {
      if (c.migrationWorkflowId() == null
          || c.state() == ClusterState.WAITING
          || c.state() == ClusterState.NOT_STARTED
          || c.state() == ClusterState.SKIPPED) {
        continue;
      }
      try {
        clusters.put(c.migrationWorkflowId(), migrations.look(c.migrationWorkflowId()).status());
      } catch (RuntimeException unreadable) {
        // not started yet, or its history is gone: the fleet's row is all there is
      }
    }
    return new Look(
        id, execution.name().replace("WORKFLOW_EXECUTION_STATUS_", ""), status, source, clusters);
  }

  /**
   * The status the fleet's memo holds, or null while it holds none: whole under {@value #MEMO}, or
   * in pieces, so that a cluster's change upserts only its row: {@value #MEMO_HEAD} (the status
   * without its rows), {@value #MEMO_ORDER} (the clusters' names in wave order) and {@value
   * #MEMO_ROW}{@code <name>} for each row.
   */
  private FleetStatus memo(DescribeWorkflowExecutionResponse described) {
    Map<String, Payload> memo = described.getWorkflowExecutionInfo().getMemo().getFieldsMap();
    Payload whole = memo.get(MEMO);
    if (whole != null) {
      return dataConverter.fromPayload(whole, FleetStatus.class, FleetStatus.class);
    }
    Payload head = memo.get(MEMO_HEAD);
    if (head == null) {
      return null;
    }
    FleetStatus s = dataConverter.fromPayload(head, FleetStatus.class, FleetStatus.class);
    List<ClusterOutcome> rows = new ArrayList<>();
    Payload order = memo.get(MEMO_ORDER);
    if (order != null) {
      for (String name : dataConverter.fromPayload(order, String[].class, String[].class)) {
        Payload row = memo.get(MEMO_ROW + name);
        if (row != null) {
          rows.add(dataConverter.fromPayload(row, ClusterOutcome.class, ClusterOutcome.class));
        }
      }
    }
    return new FleetStatus(
        s.fleetId(),
        s.state(),
        s.phase(),
        s.wave(),
        s.waitingFor(),
        rows,
        s.approvals(),
        s.soakChecks(),
        s.reason());
  }

  /** The result of the fleet's closed run, or null when it closed without one. */
  FleetResult result(String id) {
    try {
      return client
          .newUntypedWorkflowStub(id)
          .getResult(5, TimeUnit.SECONDS, FleetResult.class, FleetResult.class);
    } catch (TimeoutException | RuntimeException e) {
      return null;
    }
  }

  /** The request the fleet's newest run started with, read from its history. */
  FleetRequest input(String id) {
    for (HistoryEvent e : client.fetchHistory(id).getEvents()) {
      if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
        Payload p = e.getWorkflowExecutionStartedEventAttributes().getInput().getPayloads(0);
        return dataConverter.fromPayload(p, FleetRequest.class, FleetRequest.class);
      }
    }
    throw new UserError(ExitCodes.UNEXPECTED, "fleet " + id + ": no start in its history");
  }

  boolean running(String id) {
    return describe(id).getWorkflowExecutionInfo().getStatus()
        == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }

  /**
   * Sends an update to a running fleet and returns its answer; a refusal by its validator, or a
   * fleet that already ended, is exit code 3 with the reason.
   */
  String update(String name, Function<FleetMigrationWorkflow, String> update, Duration timeout) {
    String id = workflowId(name);
    if (!running(id)) {
      Look l = look(name);
      throw new UserError(
          ExitCodes.BLOCKED,
          "refused: fleet "
              + name
              + " already ended ("
              + l.status().state()
              + (l.status().reason() == null ? "" : ", " + l.status().reason())
              + ")");
    }
    FleetMigrationWorkflow stub = stub(id);
    return Updates.answerWithin(stub, update, timeout, "fleet-update")
        .orElseThrow(
            () ->
                new UserError(
                    ExitCodes.UNEXPECTED,
                    "fleet "
                        + name
                        + " did not answer within "
                        + Times.duration(timeout)
                        + ": is a worker running? ('asm-migrate fleet status "
                        + name
                        + "' tells)"));
  }

  private FleetMigrationWorkflow stub(String id) {
    return client.newWorkflowStub(FleetMigrationWorkflow.class, id);
  }

  private DescribeWorkflowExecutionResponse describe(String id) {
    try {
      return client.newUntypedWorkflowStub(id).describe().getRawDescription();
    } catch (WorkflowNotFoundException e) {
      throw unknown(id);
    } catch (RuntimeException e) {
      if (Migrations.hasStatus(e, io.grpc.Status.Code.NOT_FOUND)) {
        throw unknown(id);
      }
      throw e;
    }
  }

  private UserError unknown(String id) {
    return new UserError(
        ExitCodes.USAGE,
        "no fleet workflow '"
            + id
            + "' on Temporal at "
            + address
            + "; start one with 'asm-migrate fleet start FILE'");
  }

  /** The answer within {@code timeout}, or null (no worker answered, or it failed). */
  private static <T> T within(java.util.function.Supplier<T> ask, Duration timeout) {
    CompletableFuture<T> answer = CompletableFuture.supplyAsync(ask);
    try {
      return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      answer.cancel(true);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  @Override
  public void close() {
    if (service != null) {
      service.shutdown();
    }
  }
}
