package dev.asmmigrate.cli;

import com.google.protobuf.Timestamp;
import io.grpc.BindableService;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What Temporal's Java test server does not do: answer {@code DescribeTaskQueue} with the task
 * queue's pollers. A real server lists each poller with the time of its last poll; {@code
 * asm-migrate server} wraps the test server's workflow service so that it does the same, from the
 * polls it sees (a poll in flight counts as now; a worker that stops polling, or is killed and so
 * drops its connection, is no longer listed after {@link #FORGET}). {@code status} and {@code start
 * --wait} use it to say that no worker polls.
 */
final class PollerTracking {
  /** How long after its last poll ended a poller is still listed. */
  static final Duration FORGET = Duration.ofSeconds(3);

  private record Key(String namespace, String taskQueue, TaskQueueType type) {}

  private static final class Poller {
    int inFlight;
    long lastAccess;
  }

  private final Map<Key, Map<String, Poller>> pollers = new ConcurrentHashMap<>();

  /**
   * {@code service} with DescribeTaskQueue answered from the polls, if it is the workflow service.
   */
  BindableService wrap(BindableService service) {
    ServerServiceDefinition def = service.bindService();
    if (!def.getServiceDescriptor().getName().equals(WorkflowServiceGrpc.SERVICE_NAME)) {
      return service;
    }
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(def.getServiceDescriptor());
    String describe = WorkflowServiceGrpc.getDescribeTaskQueueMethod().getFullMethodName();
    for (ServerMethodDefinition<?, ?> m : def.getMethods()) {
      if (!m.getMethodDescriptor().getFullMethodName().equals(describe)) {
        b.addMethod(m);
      }
    }
    b.addMethod(
        WorkflowServiceGrpc.getDescribeTaskQueueMethod(),
        ServerCalls.asyncUnaryCall(
            (DescribeTaskQueueRequest request,
                io.grpc.stub.StreamObserver<DescribeTaskQueueResponse> o) -> {
              o.onNext(describe(request));
              o.onCompleted();
            }));
    ServerServiceDefinition intercepted = ServerInterceptors.intercept(b.build(), new Tracker());
    return () -> intercepted;
  }

  DescribeTaskQueueResponse describe(DescribeTaskQueueRequest request) {
    TaskQueueType type =
        request.getTaskQueueType() == TaskQueueType.TASK_QUEUE_TYPE_UNSPECIFIED
            ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
            : request.getTaskQueueType();
    Map<String, Poller> known =
        pollers.getOrDefault(
            new Key(request.getNamespace(), request.getTaskQueue().getName(), type), Map.of());
    long now = System.currentTimeMillis();
    DescribeTaskQueueResponse.Builder answer = DescribeTaskQueueResponse.newBuilder();
    known.forEach(
        (identity, p) -> {
          long last;
          synchronized (p) {
            last = p.inFlight > 0 ? now : p.lastAccess;
          }
          if (now - last <= FORGET.toMillis()) {
            answer.addPollers(
                PollerInfo.newBuilder()
                    .setIdentity(identity)
                    .setLastAccessTime(
                        Timestamp.newBuilder()
                            .setSeconds(last / 1000)
                            .setNanos((int) (last % 1000) * 1_000_000)));
          }
        });
    return answer.build();
  }

  private void started(Key key, String identity) {
    Poller p =
        pollers
            .computeIfAbsent(key, k -> new ConcurrentHashMap<>())
            .computeIfAbsent(identity, i -> new Poller());
    synchronized (p) {
      p.inFlight++;
      p.lastAccess = System.currentTimeMillis();
    }
  }

  private void ended(Key key, String identity) {
    Poller p = pollers.getOrDefault(key, Map.of()).get(identity);
    if (p != null) {
      synchronized (p) {
        p.inFlight = Math.max(0, p.inFlight - 1);
        p.lastAccess = System.currentTimeMillis();
      }
    }
  }

  /** Notes each poll's start and its end (answered, timed out, or its client gone). */
  private final class Tracker implements ServerInterceptor {
    private final List<String> polls =
        List.of(
            WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod().getFullMethodName(),
            WorkflowServiceGrpc.getPollActivityTaskQueueMethod().getFullMethodName());

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      if (!polls.contains(call.getMethodDescriptor().getFullMethodName())) {
        return next.startCall(call, headers);
      }
      AtomicBoolean open = new AtomicBoolean();
      Key[] key = new Key[1];
      String[] identity = new String[1];
      Runnable end =
          () -> {
            if (open.compareAndSet(true, false)) {
              ended(key[0], identity[0]);
            }
          };
      ServerCall<Q, R> watched =
          new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
              end.run();
              super.close(status, trailers);
            }
          };
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
          next.startCall(watched, headers)) {
        @Override
        public void onMessage(Q message) {
          if (message instanceof PollWorkflowTaskQueueRequest w) {
            key[0] =
                new Key(
                    w.getNamespace(),
                    w.getTaskQueue().getName(),
                    TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
            identity[0] = w.getIdentity();
          } else if (message instanceof PollActivityTaskQueueRequest a) {
            key[0] =
                new Key(
                    a.getNamespace(),
                    a.getTaskQueue().getName(),
                    TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
            identity[0] = a.getIdentity();
          }
          if (key[0] != null && open.compareAndSet(false, true)) {
            started(key[0], identity[0]);
          }
          super.onMessage(message);
        }

        @Override
        public void onCancel() {
          end.run();
          super.onCancel();
        }

        @Override
        public void onComplete() {
          super.onComplete();
        }
      };
    }
  }
}
