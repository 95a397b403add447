package dev.asmmigrate.cli;

import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.worker.SearchAttributeRegistration;
import dev.asmmigrate.workflows.MigrationSearchAttributes;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.Timeouts;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
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

  @ArgGroup(exclusive = false, multiplicity = "1", heading = "%nCluster:%n")
  ClusterOptions cluster;

  @Mixin MeshOptions mesh;

  @Mixin TemporalOptions temporal;

  @Option(
      names = "--canary",
      split = ",",
      paramLabel = "NS",
      description = "Namespaces migrated first, alone, before the waves.")
  List<String> canary = new ArrayList<>();

  @Mixin ConcurrencyOption concurrency;

  @Mixin WindowOptions windows;

  @Mixin WindowRunOptions windowRun;

  @Option(
      names = "--auto-approve",
      description =
          "Do not wait for an operator's approval before disabling the add-on and cleaning up.")
  boolean autoApprove;

  @Option(
      names = "--continue-on-namespace-failure",
      description =
          "Roll back a namespace that fails verification and go on (default: roll back the whole migration).")
  boolean continueOnNamespaceFailure;

  @Option(
      names = "--backup-dir",
      paramLabel = "DIR",
      description =
          "Keep backups in this local directory on the worker (owner-only) instead of the cluster.")
  Path backupDir;

  @Option(
      names = "--fail-at",
      paramLabel = "STEP",
      description = "Inject a permanent failure at a step, to rehearse the rollback.")
  String failAt;

  @Option(
      names = "--rollout-timeout",
      defaultValue = "15m",
      converter = PositiveDurationConverter.class,
      description =
          "Bound of one namespace's restart and verification (default: ${DEFAULT-VALUE}).")
  Duration rolloutTimeout;

  @Option(
      names = "--control-plane-timeout",
      defaultValue = "20m",
      description =
          "Bound of the wait for the managed control plane to provision; past it the migration rolls"
              + " back and ends CONTROLPLANE_PROVISION_ERROR (default: ${DEFAULT-VALUE}).")
  Duration controlPlaneTimeout;

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
      MigrationState asked = failAt == null ? MigrationState.SUCCESS : MigrationState.ROLLED_BACK;
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
    // bad windows are refused first: before the cluster or Temporal is contacted
    WindowPolicy windowPolicy = windowRun.policy(windows.windows(Instant.now()));
    mesh.validate();
    if (concurrency.value() < 1) {
      throw new UserError(ExitCodes.USAGE, "--concurrency must be at least 1");
    }
    if (controlPlaneTimeout == null
        || controlPlaneTimeout.isNegative()
        || controlPlaneTimeout.isZero()) {
      throw new UserError(
          ExitCodes.USAGE, "--control-plane-timeout must be positive, got " + controlPlaneTimeout);
    }
    if (failAt != null
        && Step.fromId(failAt).filter(Step::reversible).filter(Step::mutating).isEmpty()) {
      throw new UserError(
          ExitCodes.USAGE,
          "--fail-at must be one of "
              + Step.rollbackable().stream().map(Step::id).toList()
              + ", got '"
              + failAt
              + "'");
    }
    MeshOptions.checkNamespaces("--canary", canary);
    if (!mesh.namespaces.isEmpty()) {
      List<String> outside = canary.stream().filter(n -> !mesh.namespaces.contains(n)).toList();
      if (!outside.isEmpty()) {
        throw new UserError(
            ExitCodes.USAGE,
            "--canary "
                + String.join(",", outside)
                + " not in --namespaces "
                + String.join(",", mesh.namespaces)
                + ": a canary must be one of the namespaces migrated first");
      }
    }
    checkBackupDir();
    ClusterRef ref = cluster.clusterRef();
    Connection connection = cluster.connection();
    checkCanaryNamespacesExist(connection);
    Timeouts defaults = Timeouts.defaults();
    return new MigrationRequest(
        ref,
        connection,
        mesh.fleetProject,
        mesh.channel,
        mesh.namespaces,
        canary,
        concurrency.value(),
        autoApprove,
        continueOnNamespaceFailure,
        mesh.restartSets,
        backupDir == null ? null : backupDir.toAbsolutePath().toString(),
        failAt,
        new Timeouts(
            controlPlaneTimeout, defaults.rootDistribution(), rolloutTimeout, defaults.gateway()),
        windowPolicy);
  }

  /**
   * A backup directory that cannot be one where the CLI runs (a file, or under a file) is refused;
   * one that does not exist here may exist on the worker, whose own check decides.
   */
  private void checkBackupDir() {
    if (backupDir == null) {
      return;
    }
    for (Path p = backupDir.toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p) && !Files.isDirectory(p)) {
        throw new UserError(
            ExitCodes.USAGE,
            "--backup-dir "
                + backupDir
                + ": "
                + (p.equals(backupDir.toAbsolutePath()) ? "it" : p)
                + " is a file, not a directory; name a directory (created if absent)");
      }
    }
  }

  /**
   * Canary namespaces that do not exist would be ignored: they are read here, read only, with the
   * same kubeconfig (pre-flight checks them again on the worker). A cluster this machine cannot
   * reach is left to pre-flight, with a note.
   */
  private void checkCanaryNamespacesExist(Connection connection) {
    if (canary.isEmpty()) {
      return;
    }
    List<String> missing = new ArrayList<>();
    try (KubernetesClient client = KubeClients.build(connection)) {
      for (String name : canary) {
        if (client.namespaces().withName(name).get() == null) {
          missing.add(name);
        }
      }
    } catch (KubernetesClientException e) {
      spec.commandLine()
          .getErr()
          .println(
              "note: could not read the canary namespaces here ("
                  + e.getMessage()
                  + "); pre-flight checks them on the worker");
      return;
    }
    if (!missing.isEmpty()) {
      throw new UserError(
          ExitCodes.USAGE,
          "--canary "
              + String.join(",", missing)
              + ": no such namespace in the cluster; a canary must be an injected namespace");
    }
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
