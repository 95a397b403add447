package dev.asmmigrate.sandbox.google;

import com.google.longrunning.GetOperationRequest;
import com.google.longrunning.Operation;
import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * GKE Hub's long-running operations, and the {@code google.longrunning.Operations} service the
 * client libraries poll them with on the same endpoint. An operation is done at once, or after
 * {@link dev.asmmigrate.sandbox.Faults#googleOperationDelay}; its effect is applied when it is
 * done.
 */
final class HubOperations {
  static final String SERVICE = "google.longrunning.Operations";
  private static final Pattern NAME =
      Pattern.compile("projects/[^/]+/locations/[^/]+/operations/[^/]+");
  private static final int MAX_OPERATIONS = 10_000;

  /** Builds the API version's {@code OperationMetadata}; {@code end} is null while running. */
  interface MetadataFactory {
    Message metadata(Instant created, Instant end, String target, String verb);
  }

  private final Rpc rpc;
  private final Object lock;
  private final ScheduledExecutorService scheduler;
  private final Supplier<Duration> delay;
  private final Map<String, Operation> operations = Rpc.bounded(MAX_OPERATIONS);

  HubOperations(
      Rpc rpc, Object lock, ScheduledExecutorService scheduler, Supplier<Duration> delay) {
    this.rpc = rpc;
    this.lock = lock;
    this.scheduler = scheduler;
    this.delay = delay;
  }

  /**
   * Starts an operation (call under the lock). {@code completion} applies its effect and returns
   * its response; it runs now when there is no delay, else later under the lock; a {@link
   * StatusRuntimeException} it throws becomes the operation's error.
   */
  Operation start(
      String project,
      String target,
      String verb,
      MetadataFactory metadata,
      Supplier<? extends Message> completion) {
    Instant created = rpc.now();
    String name =
        "projects/"
            + project
            + "/locations/global/operations/operation-"
            + created.toEpochMilli()
            + "-"
            + UUID.randomUUID().toString().replace("-", "");
    Duration wait = delay.get();
    if (wait == null || wait.isZero() || wait.isNegative()) {
      Operation done = finish(name, created, target, verb, metadata, completion);
      operations.put(name, done);
      return done;
    }
    Operation running =
        Operation.newBuilder()
            .setName(name)
            .setDone(false)
            .setMetadata(Any.pack(metadata.metadata(created, null, target, verb)))
            .build();
    operations.put(name, running);
    try {
      scheduler.schedule(
          () -> {
            synchronized (lock) {
              operations.put(name, finish(name, created, target, verb, metadata, completion));
            }
          },
          wait.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      operations.put(name, finish(name, created, target, verb, metadata, completion));
    }
    return running;
  }

  /** The operation's current state (call under the lock). */
  Operation get(String name) {
    if (!NAME.matcher(name).matches()) {
      throw Rpc.invalid("Invalid operation name '" + name + "'.");
    }
    Operation op = operations.get(name);
    if (op == null) {
      throw Rpc.notFound("Operation '" + name + "' was not found.");
    }
    return op;
  }

  /** The operation started for {@code name}, if it is still known (call under the lock). */
  Operation find(String name) {
    return operations.get(name);
  }

  ServerServiceDefinition service() {
    return new HandBuiltService(SERVICE, rpc)
        .unary(
            "GetOperation",
            GetOperationRequest.getDefaultInstance(),
            Operation.getDefaultInstance(),
            "gkehub.operations.get",
            GetOperationRequest::getName,
            request -> get(request.getName()))
        .build();
  }

  private Operation finish(
      String name,
      Instant created,
      String target,
      String verb,
      MetadataFactory metadata,
      Supplier<? extends Message> completion) {
    Operation.Builder op = Operation.newBuilder().setName(name).setDone(true);
    try {
      op.setResponse(Any.pack(completion.get()));
    } catch (StatusRuntimeException e) {
      op.setError(
          com.google.rpc.Status.newBuilder()
              .setCode(e.getStatus().getCode().value())
              .setMessage(String.valueOf(e.getStatus().getDescription())));
    }
    op.setMetadata(Any.pack(metadata.metadata(created, rpc.now(), target, verb)));
    return op.build();
  }
}
