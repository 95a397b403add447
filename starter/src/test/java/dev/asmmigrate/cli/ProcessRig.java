package dev.asmmigrate.cli;

import dev.asmmigrate.sandbox.ClusterSnapshot;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.MigrationStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * A migration driven the way an operator drives it in four terminals: a served sandbox (in this
 * JVM, so that the test reads its store directly), and {@code asm-migrate server}, {@code worker}
 * and {@code start} each as an OS process of its own, which the test can kill with SIGKILL. Logs of
 * every process stay in {@code target/process-logs/}.
 */
final class ProcessRig implements AutoCloseable {
  static final Duration STARTUP = Duration.ofSeconds(90);

  final DemoRun run;
  final ClusterRecorder recorder;
  final Path dir;
  final Path kubeconfig;
  private final List<CliProcess> processes = new ArrayList<>();
  private final List<Runnable> closeFirst = new ArrayList<>();
  private int port;
  private int servers;
  private int workers;
  private WorkflowServiceStubs stubs;
  private volatile String lastStatusError;

  private ProcessRig(DemoRun run, Path dir, Path kubeconfig) {
    this.run = run;
    this.dir = dir;
    this.kubeconfig = kubeconfig;
    this.recorder = new ClusterRecorder(run.sandbox().store());
  }

  /** A settled add-on 1.6 sandbox (both control planes, Online Boutique on 1.6). */
  static ProcessRig create(String name) throws IOException {
    return create(name, 0);
  }

  /**
   * As {@link #create(String)}, with {@code extraNamespaces} more namespaces on 1.6 ({@code
   * demo-N}).
   */
  static ProcessRig create(String name, int extraNamespaces) throws IOException {
    Path dir =
        Path.of("target", "process-logs", name + "-" + Instant.now().toEpochMilli())
            .toAbsolutePath();
    Files.createDirectories(dir);
    DemoRun run = DemoRun.prepare("1.6", extraNamespaces, Duration.ofMillis(300));
    try {
      Path kubeconfig = run.sandbox().writeKubeconfig(dir.resolve("sandbox.kubeconfig"));
      return new ProcessRig(run, dir, kubeconfig);
    } catch (IOException | RuntimeException e) {
      run.close();
      throw e;
    }
  }

  ClusterSnapshot before() {
    return run.before();
  }

  String temporal() {
    return "127.0.0.1:" + port;
  }

  /** {@code asm-migrate server}: on a free port the first time, on the same port after. */
  CliProcess startServer() throws IOException {
    if (stubs != null) {
      stubs.shutdownNow();
      stubs = null;
    }
    CliProcess server = launch("server-" + (++servers), "server", "--port", Integer.toString(port));
    String target = server.awaitLine("^listening:\\s+(\\S+)$", STARTUP);
    port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
    return server;
  }

  /**
   * {@code asm-migrate worker} with short Mesh CA holds, once it polls. On a loaded machine a
   * worker may give up reaching the server (its connect bound is 10 s): it is started again.
   */
  CliProcess startWorker() throws IOException, InterruptedException {
    int n = ++workers;
    for (int attempt = 1; ; attempt++) {
      CliProcess worker =
          launch(
              "worker-" + n + (attempt == 1 ? "" : "-" + attempt),
              "worker",
              "--temporal",
              temporal(),
              "--proxy-cert-pickup",
              "4s",
              "--root-cert-trigger-hold",
              "3s",
              "--grace",
              "1s");
      try {
        worker.awaitLine("^worker: polling", STARTUP);
        return worker;
      } catch (org.awaitility.core.TerminalFailureException e) {
        if (attempt == 3 || !worker.output().contains("cannot reach Temporal")) {
          throw e;
        }
      }
    }
  }

  /** {@code asm-migrate start} for the sandbox's cluster, with {@code extra} options. */
  CliProcess start(String name, String... extra) throws IOException {
    SandboxSettings s = run.sandbox().settings();
    List<String> args =
        new ArrayList<>(
            List.of(
                "start",
                "--kubeconfig",
                kubeconfig.toString(),
                "--context",
                "sandbox",
                "--project",
                s.project(),
                "--location",
                s.location(),
                "--cluster",
                s.cluster(),
                "--google-endpoint",
                run.sandbox().googleEndpoint(),
                "--temporal",
                temporal(),
                "--rollout-timeout",
                "3m"));
    args.addAll(List.of(extra));
    return launch(name, args.toArray(String[]::new));
  }

  CliProcess launch(String name, String... args) throws IOException {
    CliProcess p = CliProcess.start(dir, name, args);
    processes.add(p);
    return p;
  }

  String workflowId() {
    SandboxSettings s = run.sandbox().settings();
    return "asm-migrate/" + s.project() + "/" + s.location() + "/" + s.cluster();
  }

  /** The test's own client of the current server. */
  WorkflowClient client() {
    if (stubs == null) {
      stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(temporal()).build());
    }
    return WorkflowClient.newInstance(
        stubs, WorkflowClientOptions.newBuilder().setNamespace("default").build());
  }

  /** The workflow's status query, or null while nothing answers it (no worker, no workflow). */
  MigrationStatus status() {
    try {
      return client().newWorkflowStub(MigrationWorkflow.class, workflowId()).status();
    } catch (RuntimeException e) {
      lastStatusError = e.toString();
      return null;
    }
  }

  MigrationStatus awaitStatus(String what, Duration timeout, Predicate<MigrationStatus> until) {
    MigrationStatus[] last = new MigrationStatus[1];
    Awaitility.await(what)
        .conditionEvaluationListener(
            c -> {
              if (c.getRemainingTimeInMS() <= 0) {
                System.err.println(
                    what + ": last status " + last[0] + ", error " + lastStatusError);
              }
            })
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              MigrationStatus s = status();
              if (s != null) {
                last[0] = s;
              }
              return s != null && until.test(s);
            });
    return last[0];
  }

  /** Runs {@code action} (e.g. a store listener's unsubscribe) first when the rig closes. */
  void closeAfter(Runnable action) {
    closeFirst.add(action);
  }

  @Override
  public void close() {
    closeFirst.forEach(Runnable::run);
    for (CliProcess p : processes) {
      p.close();
    }
    if (stubs != null) {
      stubs.shutdownNow();
    }
    recorder.close();
    run.close();
  }
}
