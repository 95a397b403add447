package dev.asmmigrate.worker;

import dev.asmmigrate.activities.fleetmigration.FleetMigrationActivitiesImpl;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.AttemptReporting;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.WorkflowTypes;
import io.grpc.health.v1.HealthCheckResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Temporal worker of the {@code asm-migrate} task queue: the migration workflow and the given
 * activity implementations.
 */
public final class MigrationWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MigrationWorker.class);

  private final WorkerFactory factory;
  private final WorkflowClient client;

  private MigrationWorker(WorkerFactory factory, WorkflowClient client) {
    this.factory = factory;
    this.client = client;
  }

  /**
   * How the worker polls.
   *
   * @param namespace Temporal namespace
   * @param disableStickyQueue schedule workflow tasks on the normal queue right away after a worker
   *     dies: needed against Temporal's Java test server, which never moves a task off a dead
   *     worker's sticky queue (a real server reschedules after 5 s)
   * @param maxConcurrentActivities activity slots
   */
  public record Settings(
      String namespace, boolean disableStickyQueue, int maxConcurrentActivities) {
    public static Settings defaults() {
      return new Settings("default", false, 20);
    }
  }

  /** How often a running activity's heartbeats reach the server at most: and so a cancellation. */
  static final Duration HEARTBEAT_THROTTLE = Duration.ofSeconds(2);

  /** Registers the workflow and {@code activities} and starts polling, payloads unencrypted. */
  public static MigrationWorker start(
      WorkflowServiceStubs service, Settings settings, List<Object> activities) {
    return start(service, settings, activities, DefaultDataConverter.newDefaultInstance());
  }

  /**
   * Registers the workflow and {@code activities} and starts polling; every payload goes through
   * {@code dataConverter} (e.g. {@link dev.asmmigrate.worker.codec.EncryptionCodec#dataConverter}).
   */
  public static MigrationWorker start(
      WorkflowServiceStubs service,
      Settings settings,
      List<Object> activities,
      DataConverter dataConverter) {
    WorkflowClient client =
        WorkflowClient.newInstance(
            service,
            WorkflowClientOptions.newBuilder()
                .setNamespace(settings.namespace())
                .setDataConverter(dataConverter)
                .build());
    // each failed activity attempt: classified (a refused connection names the API server), logged
    // in one line, and the budget's last one says how many attempts over how long
    WorkerFactory factory =
        WorkerFactory.newInstance(
            client,
            WorkerFactoryOptions.newBuilder()
                .setWorkerInterceptors(new AttemptReporting(Failures::classify))
                .build());
    WorkerOptions.Builder options =
        WorkerOptions.newBuilder()
            .setMaxConcurrentActivityExecutionSize(settings.maxConcurrentActivities())
            // a cancellation (an operator's abort) reaches an activity only in the answer to a
            // heartbeat it sends; the SDK sends them at most every 0.8 x the heartbeat timeout
            // (16 s for the waits), so an abort could wait that long for a wait to stop
            .setMaxHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
            .setDefaultHeartbeatThrottleInterval(HEARTBEAT_THROTTLE);
    if (settings.disableStickyQueue()) {
      options.setStickyQueueScheduleToStartTimeout(Duration.ZERO);
    }
    Worker worker = factory.newWorker(MigrationWorkflow.TASK_QUEUE, options.build());
    worker.registerWorkflowImplementationTypes(WorkflowTypes.all());
    // the fleet's activities follow migrations through this worker's own client
    worker.registerActivitiesImplementations(
        activities.stream()
            .map(a -> a instanceof FleetMigrationActivitiesImpl f ? f.boundTo(client) : a)
            .toArray());
    // Checked here so that the Temporal UI can filter migrations; a migration never depends on it.
    SearchAttributeRegistration.Outcome indexed =
        SearchAttributeRegistration.ensure(service, settings.namespace());
    log.info("worker: {}", indexed.detail());
    factory.start();
    log.info(
        "worker: polling task queue {} in namespace {} with {} activity implementations",
        MigrationWorkflow.TASK_QUEUE,
        settings.namespace(),
        activities.size());
    return new MigrationWorker(factory, client);
  }

  public WorkflowClient client() {
    return client;
  }

  /** Whether the worker can take tasks, and why not when it cannot. */
  public record Readiness(boolean ready, String detail) {}

  /**
   * Ready when the worker factory is started and not shutting down and the Temporal frontend
   * answers its gRPC health check as SERVING.
   */
  public Readiness readiness() {
    if (!factory.isStarted() || factory.isShutdown()) {
      return new Readiness(
          false, factory.isShutdown() ? "worker shutting down" : "worker not started");
    }
    try {
      HealthCheckResponse health = client.getWorkflowServiceStubs().healthCheck();
      if (health.getStatus() != HealthCheckResponse.ServingStatus.SERVING) {
        return new Readiness(false, "Temporal frontend is " + health.getStatus());
      }
    } catch (RuntimeException e) {
      return new Readiness(false, "Temporal frontend unreachable: " + e.getMessage());
    }
    return new Readiness(true, "polling task queue " + MigrationWorkflow.TASK_QUEUE);
  }

  /**
   * Stops polling, lets running tasks finish for up to {@code grace}, then stops what is left.
   * Activities that heartbeat after this starts get Temporal's ActivityWorkerShutdownException, and
   * Temporal retries them on another worker (they are idempotent).
   *
   * @return whether everything finished within {@code grace}
   */
  public boolean shutdown(Duration grace) {
    factory.shutdown();
    try {
      factory.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      log.warn("worker: shutdown interrupted: {}", e.toString());
    }
    boolean finished = factory.isTerminated();
    if (!finished) {
      log.warn("worker: tasks still running after {}; stopping them", grace);
    }
    factory.shutdownNow();
    return finished;
  }

  @Override
  public void close() {
    shutdown(Duration.ofSeconds(10));
  }
}
