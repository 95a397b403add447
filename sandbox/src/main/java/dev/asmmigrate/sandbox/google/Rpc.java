package dev.asmmigrate.sandbox.google;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.Timestamp;
import dev.asmmigrate.sandbox.Faults;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What every fake Google API call goes through: the fault knobs, the caller's IAM permissions
 * ({@link IamGrants}), one lock around the fake's state, status mapping and the request log.
 */
final class Rpc {
  static final String PERMISSION_DENIED_FAULT = "permission-denied";
  static final String NOT_FOUND_FAULT = "not-found";

  private static final int MAX_LOG = 100_000;

  private final Faults faults;
  private final Object lock;
  private final Clock clock;
  private final IamGrants grants;
  private final Deque<GoogleCall> calls = new ArrayDeque<>();

  Rpc(Faults faults, Object lock, Clock clock, IamGrants grants) {
    this.faults = faults;
    this.lock = lock;
    this.clock = clock;
    this.grants = grants;
  }

  /**
   * Answers one unary call: {@code body} runs under the fake's lock unless the permission-denied
   * fault is on or the caller lacks {@code permission} on the resource's project; a {@link
   * StatusRuntimeException} it throws becomes the call's status.
   *
   * @param permission the IAM permission the call needs, or null for a call that needs none
   */
  <T> void unary(
      String method,
      String permission,
      String resource,
      StreamObserver<T> observer,
      Supplier<T> body) {
    T result = null;
    Status status;
    try {
      if (permission != null && (permissionDeniedFault() || !granted(permission, resource))) {
        throw Status.PERMISSION_DENIED
            .withDescription(
                "Permission '"
                    + permission
                    + "' denied on resource '"
                    + resource
                    + "' (or it may not exist).")
            .asRuntimeException();
      }
      synchronized (lock) {
        result = body.get();
      }
      status = Status.OK;
    } catch (StatusRuntimeException e) {
      status = e.getStatus();
    } catch (RuntimeException e) {
      status = Status.INTERNAL.withDescription("sandbox error: " + e).withCause(e);
    }
    record(method, permission, resource, status);
    if (status.isOk()) {
      observer.onNext(result);
      observer.onCompleted();
    } else {
      observer.onError(status.asRuntimeException());
    }
  }

  boolean permissionDeniedFault() {
    return PERMISSION_DENIED_FAULT.equals(faults.googleApiFault);
  }

  /** Whether the caller holds {@code permission} on the project {@code resource} names. */
  private boolean granted(String permission, String resource) {
    if (resource == null || !resource.startsWith("projects/")) {
      return true;
    }
    String rest = resource.substring("projects/".length());
    int slash = rest.indexOf('/');
    return grants.granted(slash < 0 ? rest : rest.substring(0, slash), permission);
  }

  boolean notFoundFault() {
    return NOT_FOUND_FAULT.equals(faults.googleApiFault);
  }

  Instant now() {
    return clock.instant();
  }

  List<GoogleCall> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  void clearCalls() {
    synchronized (calls) {
      calls.clear();
    }
  }

  private void record(String method, String permission, String resource, Status status) {
    String message = status.getDescription() == null ? "" : status.getDescription();
    GoogleCall call =
        new GoogleCall(
            clock.instant(),
            method,
            resource,
            status.getCode(),
            message,
            permission == null ? "" : permission);
    synchronized (calls) {
      if (calls.size() >= MAX_LOG) {
        calls.removeFirst();
      }
      calls.add(call);
    }
  }

  // ---- helpers shared by the services ----

  static StatusRuntimeException notFound(String message) {
    return Status.NOT_FOUND.withDescription(message).asRuntimeException();
  }

  static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  static StatusRuntimeException alreadyExists(String message) {
    return Status.ALREADY_EXISTS.withDescription(message).asRuntimeException();
  }

  static StatusRuntimeException failedPrecondition(String message) {
    return Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException();
  }

  static StatusRuntimeException unimplemented(String message) {
    return Status.UNIMPLEMENTED.withDescription(message).asRuntimeException();
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  /**
   * Re-reads a message as another version of the same API: field numbers are shared between the v1
   * and beta protos, fields one version lacks travel as unknown fields.
   */
  static <T extends Message> T convert(Message from, Parser<T> to) {
    try {
      return to.parseFrom(from.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("incompatible message versions: " + e.getMessage(), e);
    }
  }

  /**
   * An insertion-ordered map that forgets its oldest entry once it holds more than {@code max}: a
   * fake's long-running operations, kept for polling but not forever.
   */
  static <K, V> Map<K, V> bounded(int max) {
    return new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > max;
      }
    };
  }
}
