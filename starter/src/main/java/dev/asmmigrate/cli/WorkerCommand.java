package dev.asmmigrate.cli;

import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.worker.Activities;
import dev.asmmigrate.worker.MigrationWorker;
import dev.asmmigrate.worker.WorkerEndpoints;
import dev.asmmigrate.worker.WorkerMetrics;
import io.temporal.common.converter.DataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code asm-migrate worker}: runs migrations' activities and workflow tasks until stopped. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description =
        "Runs a Temporal worker for migrations until interrupted; on SIGTERM it stops polling, lets"
            + " running tasks finish (up to --grace), then closes its endpoints.")
final class WorkerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin TemporalOptions temporal;

  @Option(
      names = "--max-concurrent-activities",
      defaultValue = "20",
      description = "Activity slots (default: ${DEFAULT-VALUE}).")
  int maxConcurrentActivities;

  @Option(
      names = "--grace",
      defaultValue = "30s",
      description = "How long a shutdown waits for running activities (default: ${DEFAULT-VALUE}).")
  Duration grace;

  @Mixin MeshCaHolds meshCaHolds;

  // Against Temporal's Java test server (`asm-migrate server`, demo) sticky queues must stay off:
  // it never moves a workflow task off a dead worker's sticky queue, so after a worker is killed
  // the migration would never go on. A real Temporal server reschedules after 5 s; there sticky
  // queues only spare each workflow task a replay of the history.
  @Option(
      names = "--sticky-queue",
      description =
          "Use sticky workflow task queues (default: off; turn on only against a real Temporal"
              + " server, never against 'asm-migrate server').")
  boolean stickyQueue;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description =
          "Serve Prometheus metrics at /metrics on this port (0: any free port): the Temporal SDK's"
              + " and the migration's own (asm_migrate_steps_total, asm_migrate_namespaces_total,"
              + " asm_migrate_pods_verified_total). Default: no metrics endpoint.")
  Integer metricsPort;

  @Option(
      names = "--metrics-interval",
      defaultValue = "5s",
      description =
          "How often the SDK's buffered metrics are pushed to /metrics (default: ${DEFAULT-VALUE}).")
  Duration metricsInterval;

  @Option(
      names = "--health-port",
      paramLabel = "PORT",
      description =
          "Serve /healthz (the process is up) and /readyz (connected to Temporal and polling; 503"
              + " otherwise) on this port (0: any free port; may equal --metrics-port). Default: none.")
  Integer healthPort;

  @Option(
      names = "--http-address",
      paramLabel = "ADDRESS",
      defaultValue = "0.0.0.0",
      description =
          "Address the metrics and health endpoints listen on (default: ${DEFAULT-VALUE}).")
  String httpAddress;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    MeshCaActivitiesImpl.Settings meshCa = meshCaSettings();
    DataConverter dataConverter = temporal.dataConverter();
    checkPort("--metrics-port", metricsPort);
    checkPort("--health-port", healthPort);
    if (grace.isNegative()) {
      throw new UserError(ExitCodes.USAGE, "--grace must not be negative");
    }
    if (metricsInterval.isZero() || metricsInterval.isNegative()) {
      throw new UserError(ExitCodes.USAGE, "--metrics-interval must be positive");
    }
    WorkerMetrics metrics = metricsPort == null ? null : WorkerMetrics.create(metricsInterval);
    WorkflowServiceStubs service;
    try {
      // A worker outlives restarts of Temporal: it waits longer for it than one-shot commands.
      service = temporal.connect(metrics == null ? null : metrics.scope(), Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      if (metrics != null) {
        metrics.close();
      }
      throw e;
    }
    // The endpoints bind first: a taken port fails the command before it takes any task.
    AtomicBoolean stopping = new AtomicBoolean();
    AtomicReference<MigrationWorker> polling = new AtomicReference<>();
    WorkerEndpoints endpoints;
    try {
      endpoints =
          WorkerEndpoints.start(
              httpAddress, metricsPort, healthPort, metrics, () -> readiness(stopping, polling));
    } catch (IOException | RuntimeException e) {
      service.shutdown();
      if (metrics != null) {
        metrics.close();
      }
      throw new UserError(
          ExitCodes.USAGE,
          "cannot serve the metrics/health endpoints on "
              + httpAddress
              + " (--metrics-port "
              + metricsPort
              + ", --health-port "
              + healthPort
              + "): "
              + e.getMessage());
    }
    KubeClients clients = new KubeClients();
    MigrationWorker worker = startWorker(service, clients, meshCa, dataConverter);
    polling.set(worker);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopping.set(true);
                  out.println(
                      "worker: stopping: no new tasks; waiting up to "
                          + seconds(grace)
                          + " for running ones");
                  out.flush();
                  boolean finished = worker.shutdown(grace);
                  out.println(
                      finished
                          ? "worker: running tasks finished"
                          : "worker: grace period over; running tasks stopped (Temporal retries them)");
                  endpoints.close();
                  if (metrics != null) {
                    metrics.close();
                  }
                  clients.close();
                  service.shutdown();
                  out.println("worker: stopped");
                  out.flush();
                  stopped.countDown();
                },
                "worker-shutdown"));
    out.println(
        "worker: polling task queue asm-migrate on "
            + temporal.address
            + " (namespace "
            + temporal.namespace
            + ", "
            + temporal.describeSecurity()
            + ")"
            + temporal
                .codec
                .keys()
                .map(k -> "; payloads encrypted with codec key " + k.primary().id())
                .orElse(""));
    if (endpoints.metricsPort() >= 0) {
      out.println(
          "worker: metrics on http://" + httpAddress + ":" + endpoints.metricsPort() + "/metrics");
    }
    if (endpoints.healthPort() >= 0) {
      out.println(
          "worker: health on http://"
              + httpAddress
              + ":"
              + endpoints.healthPort()
              + "/healthz and /readyz");
    }
    out.flush();
    stopped.await();
    return ExitCodes.OK;
  }

  /** Registers the workflow and every activity with this command's options and starts polling. */
  MigrationWorker startWorker(
      WorkflowServiceStubs service,
      KubeClients clients,
      MeshCaActivitiesImpl.Settings meshCa,
      DataConverter dataConverter) {
    return MigrationWorker.start(
        service,
        new MigrationWorker.Settings(temporal.namespace, !stickyQueue, maxConcurrentActivities),
        Activities.create(clients, new GoogleClients(), meshCa),
        dataConverter);
  }

  /** The Mesh CA step's settings with this worker's holds; checked before anything starts. */
  MeshCaActivitiesImpl.Settings meshCaSettings() {
    return meshCaHolds.settings();
  }

  private static MigrationWorker.Readiness readiness(
      AtomicBoolean stopping, AtomicReference<MigrationWorker> polling) {
    MigrationWorker worker = polling.get();
    if (stopping.get() || worker == null) {
      return new MigrationWorker.Readiness(
          false, worker == null ? "worker not started" : "worker shutting down");
    }
    return worker.readiness();
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static void checkPort(String option, Integer port) {
    if (port != null && (port < 0 || port > 65535)) {
      throw new UserError(ExitCodes.USAGE, option + " must be a port (0-65535), got " + port);
    }
  }
}
