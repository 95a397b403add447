package dev.asmmigrate.cli;

import com.google.protobuf.ByteString;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.NamespaceGroupWorkflow;
import dev.asmmigrate.workflows.StatusMemo;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.Memo;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.PendingChildExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.common.converter.DataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  /** How long a status query may take before status says no worker answered. */
  static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);

  /** The workflow type of a group of namespace waves, a child of the migration. */
  private static final String GROUP_TYPE = NamespaceGroupWorkflow.class.getSimpleName();

  /** A poller not seen for longer is gone (a real server lists pollers for 5 min; polls last 1). */
  static final Duration POLLER_GONE = Duration.ofSeconds(90);

  private final WorkflowServiceStubs service;
  private final WorkflowClient client;
  private final String address;
  private final String namespace;
  private final DataConverter dataConverter;

  private Migrations(
      WorkflowServiceStubs service,
      WorkflowClient client,
      String address,
      DataConverter dataConverter) {
    this.service = service;
    this.client = client;
    this.address = address;
    this.namespace = client.getOptions().getNamespace();
    this.dataConverter = dataConverter;
  }

  static Migrations connect(TemporalOptions temporal) {
    DataConverter dataConverter = temporal.dataConverter(); // a bad codec key changes nothing
    WorkflowServiceStubs service = temporal.connect();
    return new Migrations(
        service, temporal.client(service, dataConverter), temporal.address, dataConverter);
  }

  /** Over a client the caller made; {@link #close} leaves its connection open. */
  static Migrations over(WorkflowClient client, String address) {
    return new Migrations(null, client, address, client.getOptions().getDataConverter());
  }

  private WorkflowServiceStubs stubs() {
    return client.getWorkflowServiceStubs();
  }

  /**
   * One look at a migration from Temporal's own records, with no worker needed: the status the
   * workflow keeps in its memo, the pending activities (attempts, last failure, heartbeats) and
   * whether workers poll its task queue. A migration started before the memo is asked by the status
   * query, for at most {@link #QUERY_TIMEOUT}.
   */
  StatusView look(String workflowId) {
    DescribeWorkflowExecutionResponse described = describe(workflowId);
    boolean running =
        described.getWorkflowExecutionInfo().getStatus()
            == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    String taskQueue = described.getExecutionConfig().getTaskQueue().getName();
    Workers workers =
        running ? workers(taskQueue.isEmpty() ? MigrationWorkflow.TASK_QUEUE : taskQueue) : null;
    MigrationStatus status =
        StatusMemo.read(
                described.getWorkflowExecutionInfo().getMemo().getFieldsMap(), dataConverter)
            .orElseGet(() -> queryWithin(workflowId, workers));
    return StatusView.of(workflowId, described, status, workers, this::words);
  }

  /** The memo's status, or null while the workflow's first task has not run. */
  MigrationStatus memo(DescribeWorkflowExecutionResponse described) {
    return StatusMemo.read(
            described.getWorkflowExecutionInfo().getMemo().getFieldsMap(), dataConverter)
        .orElse(null);
  }

  private MigrationStatus queryWithin(String workflowId, Workers workers) {
    CompletableFuture<MigrationStatus> answer = new CompletableFuture<>();
    Thread asking =
        new Thread(
            () -> {
              try {
                answer.complete(query(workflowId));
              } catch (Throwable t) {
                answer.completeExceptionally(t);
              }
            },
            "status-query");
    asking.setDaemon(true);
    asking.start();
    try {
      return answer.get(QUERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      asking.interrupt();
      throw new UserError(
          ExitCodes.UNEXPECTED,
          "migration "
              + workflowId
              + " keeps no status in its memo (started by an older asm-migrate), and no worker"
              + " answered its status query within "
              + QUERY_TIMEOUT.toSeconds()
              + " s"
              + (workers == null ? "" : ": " + workers.detail())
              + (e instanceof ExecutionException x && x.getCause() != null
                  ? " (" + x.getCause().getMessage() + ")"
                  : ""));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError(ExitCodes.UNEXPECTED, "interrupted while waiting for the status query");
    }
  }

  /**
   * Whether workers poll a task queue, and in words.
   *
   * @param polling null when the server cannot tell (it does not answer DescribeTaskQueue)
   */
  record Workers(Boolean polling, String detail) {}

  /** Asks the server for the task queue's pollers (workflow and activity), within 5 s. */
  Workers workers(String taskQueue) {
    java.util.Set<String> live = new java.util.TreeSet<>();
    long now = System.currentTimeMillis();
    try {
      for (TaskQueueType type :
          List.of(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)) {
        var answer =
            stubs()
                .blockingStub()
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .describeTaskQueue(
                    DescribeTaskQueueRequest.newBuilder()
                        .setNamespace(namespace)
                        .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue))
                        .setTaskQueueType(type)
                        .build());
        for (PollerInfo p : answer.getPollersList()) {
          long last =
              p.getLastAccessTime().getSeconds() * 1000
                  + p.getLastAccessTime().getNanos() / 1_000_000;
          if (now - last <= POLLER_GONE.toMillis()) {
            live.add(p.getIdentity());
          }
        }
      }
    } catch (StatusRuntimeException e) {
      return new Workers(
          null,
          "cannot tell whether a worker polls task queue "
              + taskQueue
              + " ("
              + e.getStatus().getCode()
              + ")");
    }
    if (live.isEmpty()) {
      return new Workers(
          false,
          "no worker is polling task queue "
              + taskQueue
              + " (namespace "
              + namespace
              + "): start one with 'asm-migrate worker --temporal "
              + address
              + "' (with the same --codec-key-file as this command, if any)");
    }
    return new Workers(
        true,
        live.size()
            + (live.size() == 1 ? " worker polls" : " workers poll")
            + " task queue "
            + taskQueue
            + ": "
            + String.join(", ", live));
  }

  /**
   * Why the worker cannot run this migration's workflow tasks when it cannot decode their payloads
   * (a codec key it lacks, or none), in words; else null. Read from the history's
   * WorkflowTaskFailed events: their failure says so, or is itself encrypted with a key this
   * command does not hold, which tells the same from the other side.
   */
  String undecodable(String workflowId) {
    for (HistoryEvent e : client.fetchHistory(workflowId).getEvents()) {
      if (e.getEventType() != EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
        continue;
      }
      Failure f = e.getWorkflowTaskFailedEventAttributes().getFailure();
      String words;
      try {
        words = words(dataConverter.failureToException(f));
      } catch (RuntimeException cannotDecode) {
        String keyId =
            f.hasEncodedAttributes()
                ? f.getEncodedAttributes()
                    .getMetadataOrDefault("encryption-key-id", ByteString.EMPTY)
                    .toStringUtf8()
                : "";
        return "its failure report is encrypted with codec key "
            + (keyId.isEmpty() ? "<unknown>" : keyId)
            + ", which this command does not hold";
      }
      String lower = words.toLowerCase(java.util.Locale.ROOT);
      if (lower.contains("codec") || lower.contains("dataconverter") || lower.contains("encod")) {
        return words;
      }
    }
    return null;
  }

  /** A failure's messages down its causes, decoded with this command's codec. */
  String words(Failure failure) {
    try {
      return words(dataConverter.failureToException(failure));
    } catch (RuntimeException e) {
      return failure.getMessage() + " (encrypted with a codec key this command does not hold)";
    }
  }

  private static String words(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m =
          c instanceof io.temporal.failure.TemporalFailure tf
              ? tf.getOriginalMessage()
              : c.getMessage();
      if (m == null || m.isBlank() || b.indexOf(m) >= 0) {
        continue;
      }
      if (b.length() > 0) {
        b.append(": ");
      }
      b.append(m);
    }
    return b.toString();
  }

  WorkflowClient client() {
    return client;
  }

  /** The workflow's description; an unknown ID is a usage error that names where it looked. */
  DescribeWorkflowExecutionResponse describe(String workflowId) {
    return withGroups(describeOne(workflowId));
  }

  /**
   * A migration's description with that of the group of namespace waves it runs, if any (a child
   * workflow, {@link NamespaceGroupWorkflow}): the group's pending activities (a namespace's
   * activity and its retries) are added to the migration's, and the namespaces its memo holds
   * replace the migration's, which learns them only once the group ended. A group that ended in the
   * meantime is left out: the migration has its namespaces by then.
   */
  private DescribeWorkflowExecutionResponse withGroups(
      DescribeWorkflowExecutionResponse described) {
    DescribeWorkflowExecutionResponse.Builder merged = null;
    for (PendingChildExecutionInfo child : described.getPendingChildrenList()) {
      if (!child.getWorkflowTypeName().equals(GROUP_TYPE)) {
        continue;
      }
      DescribeWorkflowExecutionResponse group;
      try {
        group = describeOne(child.getWorkflowId());
      } catch (RuntimeException ended) {
        continue;
      }
      merged = merged == null ? described.toBuilder() : merged;
      merged.addAllPendingActivities(group.getPendingActivitiesList());
      Memo.Builder memo = merged.getWorkflowExecutionInfoBuilder().getMemoBuilder();
      group
          .getWorkflowExecutionInfo()
          .getMemo()
          .getFieldsMap()
          .forEach(
              (key, value) -> {
                if (key.startsWith(StatusMemo.NAMESPACE)) {
                  memo.putFields(key, value);
                }
              });
    }
    return merged == null ? described : merged.build();
  }

  /**
   * The status query's answer with the namespaces of the group of waves the migration runs, if any
   * ({@link #withGroups}), as that group's own status query answers (a worker answers both).
   */
  MigrationStatus queryWithGroups(String workflowId) {
    MigrationStatus s = query(workflowId);
    Map<String, NamespaceStatus> namespaces = new LinkedHashMap<>();
    s.namespaces().forEach(ns -> namespaces.put(ns.name(), ns));
    for (PendingChildExecutionInfo child : describeOne(workflowId).getPendingChildrenList()) {
      if (child.getWorkflowTypeName().equals(GROUP_TYPE)) {
        try {
          client
              .newWorkflowStub(NamespaceGroupWorkflow.class, child.getWorkflowId())
              .status()
              .namespaces()
              .forEach(ns -> namespaces.replace(ns.name(), ns));
        } catch (RuntimeException ended) {
          // ended in the meantime: the migration has its namespaces by then
        }
      }
    }
    return s.withNamespaces(List.copyOf(namespaces.values()));
  }

  private DescribeWorkflowExecutionResponse describeOne(String workflowId) {
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
      MigrationStatus s = look(workflowId).status();
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
    Optional<String> answer = Updates.answerWithin(stub, update, answerTimeout, "operator-update");
    if (answer.isPresent()) {
      return answer.get();
    }
    signal.accept(stub);
    return "no answer to the update within "
        + answerTimeout.toMillis() / 1000.0
        + " s"
        + "; sent as a signal instead: the migration acts on it at its next workflow task"
        + " (check with 'asm-migrate status')";
  }

  private UserError unknown(String workflowId) {
    return new UserError(
        ExitCodes.USAGE,
        "no migration workflow '"
            + workflowId
            + "' on Temporal at "
            + address
            + " (namespace "
            + namespace
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
    if (service != null) {
      service.shutdown();
    }
  }
}
