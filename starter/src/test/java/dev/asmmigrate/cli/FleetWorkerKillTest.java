package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.WatchEvent;
import dev.asmmigrate.sandbox.google.GoogleCall;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetState;
import io.grpc.Status;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13's "the worker killed mid-fleet: a new worker finishes it; no cluster migrated twice".
 * Three add-on 1.4 sandbox clusters served from this JVM (Online Boutique each, one fake Google),
 * {@code asm-migrate server}, {@code worker} and {@code fleet start --wait} as OS processes; the
 * fleet is the sandbox's: {@code cluster-1} the canary wave, then {@code cluster-2} and {@code
 * cluster-3} at once. The worker is SIGKILLed from a store listener while the second wave is in its
 * workload phase: both of its clusters have reached migrate-workloads, neither has ended its
 * migration, and one of them, in migrate-workloads, has just restarted a Deployment (the other is
 * in migrate-workloads too or a step or two further: the step lasts about a second here and the two
 * clusters run about that far apart; the test prints where each was). A new worker is started.
 *
 * <p>Asserted on the clusters and the server: the fleet ends SUCCESS (3/3) and {@code fleet start
 * --wait} exits 0; every cluster passes the seed's checks (state SUCCESS, every pod on the managed
 * proxy and Ready); the Temporal server holds exactly one MigrationWorkflow execution per cluster;
 * and nothing was applied twice in any cluster: one ControlPlaneRevision created (request log),
 * each Deployment's restart annotation changed once to its migration's value with one new revision
 * ({@link ClusterRecorder#deploymentsNotRestartedOnce}, as {@link WorkerKillSweepTest} checks), no
 * workload restarted twice, no backup rewritten, the Mesh CA root never twice in istio-ca-secret;
 * and one GKE Hub membership created per cluster.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class FleetWorkerKillTest {
  private static final String APP = ClusterRecorder.APP_NAMESPACE;
  private static final String STATE = "asm-addon-migration-state";
  private static final String WORKLOADS = "migrate-workloads";
  private static final List<String> WAVE_TWO = List.of("cluster-2", "cluster-3");

  @Test
  void givenTheWorkerKilledInTheSecondWavesWorkloadPhase_aNewWorkerShouldFinishTheFleetOnce()
      throws Exception {
    long started = System.nanoTime();
    Path dir =
        Path.of("target", "process-logs", "fleet-worker-kill-" + Instant.now().toEpochMilli())
            .toAbsolutePath();
    Files.createDirectories(dir);
    List<CliProcess> processes = new ArrayList<>();
    List<Runnable> unsubscribe = new ArrayList<>();
    Map<String, ClusterRecorder> recorders = new TreeMap<>();
    WorkflowServiceStubs stubs = null;
    CliProcess worker = null;
    try (FleetDemoRun run = FleetDemoRun.prepare(3, "1.4", Duration.ofMillis(300))) {
      for (Sandbox s : run.fleet().sandboxes()) {
        recorders.put(s.settings().cluster(), new ClusterRecorder(s.store()));
      }
      Path kubeconfig = run.fleet().writeKubeconfig(dir.resolve("fleet.kubeconfig"));
      // the sandbox's own fleet file, with a soak short enough for a test
      Path fleetFile = dir.resolve("sandbox-fleet.yaml");
      Files.writeString(
          fleetFile,
          SandboxFleetRun.fleetFile(run.fleet().settings())
              .replaceAll("soak: \"?30s\"?", "soak: 1s"));
      assertThat(Files.readString(fleetFile)).contains("soak: 1s");

      CliProcess server = launch(processes, dir, "server", "server", "--port", "0");
      String temporal = server.awaitLine("^listening:\\s+(\\S+)$", ProcessRig.STARTUP);
      stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(temporal).build());
      WorkflowClient client =
          WorkflowClient.newInstance(
              stubs, WorkflowClientOptions.newBuilder().setNamespace("default").build());

      // the kill: from the store listener of a wave-two cluster, on the thread that applied the
      // write, once both have reached migrate-workloads, neither has ended, and one of them, in
      // migrate-workloads, has restarted a Deployment
      Map<String, String> steps = new ConcurrentHashMap<>();
      Map<String, Boolean> reached = new ConcurrentHashMap<>();
      Map<String, Boolean> ended = new ConcurrentHashMap<>();
      CountDownLatch fired = new CountDownLatch(1);
      String[] killedAt = new String[1];
      CliProcess[] target = new CliProcess[1];
      for (String name : WAVE_TWO) {
        Sandbox s = run.fleet().sandbox(name);
        unsubscribe.add(
            s.store()
                .subscribe(
                    e -> {
                      if (isState(e)) {
                        String step = e.object().path("data").path("step").asText("");
                        steps.put(name, step);
                        if (step.equals(WORKLOADS)) {
                          reached.put(name, true);
                        }
                        if (!e.object()
                            .path("data")
                            .path("migrationStatus")
                            .asText("PENDING")
                            .equals("PENDING")) {
                          ended.put(name, true);
                        }
                      }
                      synchronized (fired) {
                        if (fired.getCount() > 0
                            && target[0] != null
                            && reached.size() == WAVE_TWO.size()
                            && ended.isEmpty()
                            && WORKLOADS.equals(steps.get(name))
                            && restartedNow(e)) {
                          target[0].killNow();
                          killedAt[0] =
                              "restart of Deployment "
                                  + e.namespace()
                                  + "/"
                                  + e.name()
                                  + " in "
                                  + name
                                  + "; steps "
                                  + new TreeMap<>(steps);
                          fired.countDown();
                        }
                      }
                    }));
      }
      worker = startWorker(processes, dir, temporal, 1);
      synchronized (fired) {
        target[0] = worker;
      }
      CliProcess start =
          launch(
              processes,
              dir,
              "fleet-start",
              "fleet",
              "start",
              fleetFile.toString(),
              "--kubeconfig",
              kubeconfig.toString(),
              "--google-endpoint",
              run.fleet().googleEndpoint(),
              "--temporal",
              temporal,
              "--wait",
              "--interval",
              "1s",
              "--wait-timeout",
              "6m");

      CliProcess first = worker;
      Awaitility.await("the second wave in its workload phase, or the fleet's end")
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> fired.getCount() == 0 || !start.alive() || !first.alive());
      assertThat(fired.getCount())
          .as(
              "killed in the second wave's workload phase (steps %s); fleet start:%n%s%nworker:%n%s",
              steps, start.output(), first.output())
          .isZero();
      worker.kill9();
      System.out.printf(
          "FleetWorkerKillTest: worker killed at %s, %d s in%n",
          killedAt[0], Duration.ofNanos(System.nanoTime() - started).toSeconds());
      assertThat(recorders.get("cluster-1").restarts())
          .as("the canary migrated before the kill")
          .isNotEmpty();
      worker = startWorker(processes, dir, temporal, 2);

      int exit = start.awaitExit(Duration.ofMinutes(5));
      CliProcess second = worker;
      assertThat(exit)
          .as("fleet start:%n%s%nnew worker:%n%s", start.output(), second.output())
          .isZero();
      assertThat(start.output()).contains("fleet: SUCCESS (3/3 clusters)");
      FleetResult result =
          client
              .newUntypedWorkflowStub("asm-fleet/sandbox-fleet")
              .getResult(10, TimeUnit.SECONDS, FleetResult.class);
      assertThat(result.state()).isEqualTo(FleetState.SUCCESS);
      assertThat(result.clusters()).allMatch(c -> c.state() == ClusterState.SUCCEEDED);

      // every cluster migrated: the seed's checks (state, every pod on the managed proxy, Ready)
      StringWriter checks = new StringWriter();
      assertThat(run.check(result, new PrintWriter(checks, true))).as(checks.toString()).isTrue();

      // one MigrationWorkflow execution per cluster, and no workflow of the fleet (the fleet's,
      // the clusters', their workload phases') run twice
      List<WorkflowExecutionInfo> all = executions(client);
      Map<String, Long> runs =
          all.stream()
              .collect(
                  Collectors.groupingBy(
                      i -> i.getExecution().getWorkflowId(), TreeMap::new, Collectors.counting()));
      assertThat(runs)
          .as("runs of each workflow")
          .allSatisfy((id, n) -> assertThat(n).as(id).isOne());
      assertThat(
              all.stream()
                  .filter(i -> i.getType().getName().equals(ListCommand.WORKFLOW_TYPE))
                  .map(i -> i.getExecution().getWorkflowId())
                  .sorted()
                  .toList())
          .as("MigrationWorkflow executions")
          .containsExactlyElementsOf(
              run.fleet().sandboxes().stream().map(s -> workflowId(s)).sorted().toList());

      // nothing applied twice, cluster by cluster
      for (Sandbox s : run.fleet().sandboxes()) {
        String name = s.settings().cluster();
        ClusterRecorder recorder = recorders.get(name);
        MigrationResult migration =
            client
                .newUntypedWorkflowStub(workflowId(s))
                .getResult(10, TimeUnit.SECONDS, MigrationResult.class);
        assertThat(controlPlaneRevisionsCreated(s))
            .as("ControlPlaneRevisions created in " + name)
            .isEqualTo(1);
        assertThat(s.store().list(ResourceRegistry.DEPLOYMENTS, APP)).hasSize(12);
        assertThat(
                recorder.deploymentsNotRestartedOnce(
                    APP, MigrationContext.restartedAt(migration.migrationId())))
            .as(name)
            .isEmpty();
        assertThat(recorder.restarts())
            .as(name)
            .isNotEmpty()
            .allSatisfy((workload, times) -> assertThat(times).as(workload).isEqualTo(1));
        assertThat(recorder.backupRewrites()).as(name).isEmpty();
        assertThat(recorder.maxMeshCaRoots()).as("Mesh CA roots at most, " + name).isLessThan(2);
      }
      Map<String, Long> memberships =
          run.fleet().googleApis().calls().stream()
              .filter(c -> c.shortMethod().equals("CreateMembership"))
              .filter(c -> c.code() == Status.Code.OK)
              .collect(
                  Collectors.groupingBy(GoogleCall::resource, TreeMap::new, Collectors.counting()));
      assertThat(memberships).hasSize(3).allSatisfy((m, n) -> assertThat(n).as(m).isEqualTo(1));
    } catch (Throwable t) {
      for (CliProcess p : processes) {
        System.err.printf("---- %s output:%n%s%n", p.name(), p.output());
      }
      throw t;
    } finally {
      unsubscribe.forEach(Runnable::run);
      recorders.values().forEach(ClusterRecorder::close);
      for (CliProcess p : processes) {
        p.close();
      }
      if (stubs != null) {
        stubs.shutdownNow();
      }
      System.out.printf(
          "FleetWorkerKillTest: %d s%n", Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }
  }

  private static String workflowId(Sandbox s) {
    var c = s.settings();
    return "asm-migrate/" + c.project() + "/" + c.location() + "/" + c.cluster();
  }

  private static boolean isState(WatchEvent e) {
    return e.resource().equals(ResourceRegistry.CONFIGMAPS)
        && "istio-system".equals(e.namespace())
        && STATE.equals(e.name())
        && !e.type().equals("DELETED");
  }

  /** A Deployment of the application whose pod template's restartedAt just changed. */
  private static boolean restartedNow(WatchEvent e) {
    if (!e.resource().equals(ResourceRegistry.DEPLOYMENTS)
        || !APP.equals(e.namespace())
        || !e.type().equals("MODIFIED")) {
      return false;
    }
    Function<com.fasterxml.jackson.databind.JsonNode, String> at =
        d ->
            d == null
                ? ""
                : d.path("spec")
                    .path("template")
                    .path("metadata")
                    .path("annotations")
                    .path(ClusterRecorder.RESTARTED_AT)
                    .asText("");
    return !at.apply(e.object()).isEmpty() && !at.apply(e.object()).equals(at.apply(e.oldObject()));
  }

  /** ControlPlaneRevision creations the cluster's API server accepted. */
  private static long controlPlaneRevisionsCreated(Sandbox s) {
    return s.apiServer().requestLog().entries().stream()
        .filter(e -> e.verb().equals("create"))
        .filter(e -> e.resource().equals("controlplanerevisions"))
        .filter(e -> !e.dryRun())
        .filter(e -> e.code() / 100 == 2)
        .count();
  }

  /**
   * Every execution the server holds, open and closed (the test server has no visibility queries,
   * and its type filter filters nothing: types are compared here).
   */
  private static List<WorkflowExecutionInfo> executions(WorkflowClient client) {
    var stub = client.getWorkflowServiceStubs().blockingStub();
    List<WorkflowExecutionInfo> infos = new ArrayList<>();
    infos.addAll(
        stub.listOpenWorkflowExecutions(
                ListOpenWorkflowExecutionsRequest.newBuilder()
                    .setNamespace("default")
                    .setMaximumPageSize(1000)
                    .build())
            .getExecutionsList());
    infos.addAll(
        stub.listClosedWorkflowExecutions(
                ListClosedWorkflowExecutionsRequest.newBuilder()
                    .setNamespace("default")
                    .setMaximumPageSize(1000)
                    .build())
            .getExecutionsList());
    return infos;
  }

  private static CliProcess launch(
      List<CliProcess> processes, Path dir, String name, String... args) throws IOException {
    CliProcess p = CliProcess.start(dir, name, args);
    processes.add(p);
    return p;
  }

  /**
   * {@code asm-migrate worker} with short Mesh CA holds, once it polls; started again (at most
   * three times) if it gave up reaching the server on a loaded machine, as {@link ProcessRig} does.
   */
  private static CliProcess startWorker(
      List<CliProcess> processes, Path dir, String temporal, int n) throws IOException {
    for (int attempt = 1; ; attempt++) {
      CliProcess worker =
          launch(
              processes,
              dir,
              "worker-" + n + (attempt == 1 ? "" : "-" + attempt),
              "worker",
              "--temporal",
              temporal,
              "--proxy-cert-pickup",
              "4s",
              "--root-cert-trigger-hold",
              "3s",
              "--grace",
              "1s");
      try {
        worker.awaitLine("^worker: polling", ProcessRig.STARTUP);
        return worker;
      } catch (org.awaitility.core.TerminalFailureException e) {
        if (attempt == 3 || !worker.output().contains("cannot reach Temporal")) {
          throw e;
        }
      }
    }
  }
}
