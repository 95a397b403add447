package dev.asmmigrate.cli;

import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.worker.Activities;
import dev.asmmigrate.worker.MigrationWorker;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
        "Runs a Temporal worker for migrations until interrupted; on SIGTERM it finishes running activities (up to --grace) first.")
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
      converter = DurationConverter.class,
      description = "How long a shutdown waits for running activities (default: ${DEFAULT-VALUE}).")
  Duration grace;

  @Option(
      names = "--proxy-cert-pickup",
      defaultValue = "75s",
      converter = DurationConverter.class,
      description =
          "configure-mesh-ca on add-on 1.4: how long proxies get to re-read their refreshed root"
              + " bundle once every namespace has it (default: ${DEFAULT-VALUE}).")
  Duration proxyCertPickup;

  @Option(
      names = "--root-cert-trigger-hold",
      defaultValue = "15s",
      converter = DurationConverter.class,
      description =
          "configure-mesh-ca on add-on 1.6: how long EnvoyFilter trigger-root-cert stays so that"
              + " every proxy fetches the new roots (default: ${DEFAULT-VALUE}).")
  Duration rootCertTriggerHold;

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

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    MeshCaActivitiesImpl.Settings meshCa = meshCaSettings();
    WorkflowServiceStubs service = temporal.connect();
    KubeClients clients = new KubeClients();
    MigrationWorker worker =
        MigrationWorker.start(
            service,
            new MigrationWorker.Settings(temporal.namespace, !stickyQueue, maxConcurrentActivities),
            Activities.create(clients, new GoogleClients(), meshCa));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  worker.shutdown(grace);
                  clients.close();
                  service.shutdown();
                  stopped.countDown();
                },
                "worker-shutdown"));
    out.println(
        "worker: polling task queue asm-migrate on "
            + temporal.address
            + " (namespace "
            + temporal.namespace
            + ")");
    out.flush();
    stopped.await();
    return ExitCodes.OK;
  }

  /** The Mesh CA step's settings with this worker's holds; checked before anything starts. */
  MeshCaActivitiesImpl.Settings meshCaSettings() {
    if (proxyCertPickup.isNegative() || rootCertTriggerHold.isNegative()) {
      throw new UserError(
          ExitCodes.USAGE, "--proxy-cert-pickup and --root-cert-trigger-hold must not be negative");
    }
    return MeshCaActivitiesImpl.Settings.defaults().withHolds(proxyCertPickup, rootCertTriggerHold);
  }
}
