package dev.asmmigrate.activities.google;

import com.google.cloud.container.v1beta1.ClusterManagerClient;
import com.google.container.v1beta1.GetOperationRequest;
import com.google.longrunning.Operation;
import com.google.longrunning.OperationsClient;
import dev.asmmigrate.workflows.model.ClusterRef;
import io.grpc.Status;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for Google long-running operations with a bound, heartbeating on every poll (polls every
 * 200 ms at first, backing off to 5 s). An operation that ends in error is classified like a failed
 * call ({@link GoogleClients#classify}); one still running when the bound passes is a transient
 * failure naming it, so that Temporal retries the (idempotent) activity, which finds the
 * operation's effect or starts it again.
 */
public final class LongRunning {
  private static final Logger log = LoggerFactory.getLogger(LongRunning.class);
  private static final Duration FIRST_POLL = Duration.ofMillis(200);
  private static final Duration MAX_POLL = Duration.ofSeconds(5);

  private LongRunning() {}

  /** A GKE Hub operation (google.longrunning), until done. */
  public static Operation awaitHub(
      OperationsClient operations,
      Operation op,
      Duration bound,
      String what,
      Consumer<String> heartbeat) {
    long deadline = System.nanoTime() + bound.toNanos();
    Duration pause = FIRST_POLL;
    Operation current = op;
    while (!current.getDone()) {
      heartbeat.accept(what + ": waiting for operation " + current.getName());
      if (System.nanoTime() > deadline) {
        throw new OperationTimeout(
            what + ": operation " + current.getName() + " still running after " + bound);
      }
      pause = pause(pause);
      String name = current.getName();
      current = GoogleClients.call("get operation " + name, () -> operations.getOperation(name));
    }
    if (current.hasError()) {
      com.google.rpc.Status error = current.getError();
      throw GoogleClients.classify(
          what,
          Status.fromCodeValue(error.getCode())
              .withDescription(error.getMessage())
              .asRuntimeException());
    }
    log.info("{}: operation {} done", what, current.getName());
    return current;
  }

  /** A GKE ClusterManager operation, until its status is DONE. */
  @SuppressWarnings("deprecation") // status_message is how older operations report errors
  public static com.google.container.v1beta1.Operation awaitCluster(
      ClusterManagerClient clusters,
      ClusterRef cluster,
      com.google.container.v1beta1.Operation op,
      Duration bound,
      String what,
      Consumer<String> heartbeat) {
    long deadline = System.nanoTime() + bound.toNanos();
    Duration pause = FIRST_POLL;
    com.google.container.v1beta1.Operation current = op;
    String name =
        "projects/"
            + cluster.project()
            + "/locations/"
            + cluster.location()
            + "/operations/"
            + op.getName();
    while (current.getStatus() != com.google.container.v1beta1.Operation.Status.DONE) {
      heartbeat.accept(what + ": waiting for operation " + op.getName());
      if (System.nanoTime() > deadline) {
        throw new OperationTimeout(
            what + ": operation " + op.getName() + " still running after " + bound);
      }
      pause = pause(pause);
      current =
          GoogleClients.call(
              "get operation " + name,
              () -> clusters.getOperation(GetOperationRequest.newBuilder().setName(name).build()));
    }
    if (current.hasError() && current.getError().getCode() != 0) {
      throw GoogleClients.classify(
          what,
          Status.fromCodeValue(current.getError().getCode())
              .withDescription(current.getError().getMessage())
              .asRuntimeException());
    }
    if (!current.getStatusMessage().isEmpty()) {
      throw new IllegalStateException(
          what + ": operation " + op.getName() + " failed: " + current.getStatusMessage());
    }
    log.info("{}: operation {} done", what, op.getName());
    return current;
  }

  private static Duration pause(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a Google operation", e);
    }
    Duration next = pause.multipliedBy(2);
    return next.compareTo(MAX_POLL) > 0 ? MAX_POLL : next;
  }

  /** A Google operation did not finish within its bound (transient: the activity is retried). */
  public static final class OperationTimeout extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OperationTimeout(String message) {
      super(message);
    }
  }
}
