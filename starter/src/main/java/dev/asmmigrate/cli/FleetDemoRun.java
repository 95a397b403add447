package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.sandbox.ClusterSnapshot;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxFleet;
import dev.asmmigrate.worker.Activities;
import dev.asmmigrate.worker.MigrationWorker;
import dev.asmmigrate.workflows.fleet.FleetMigrationWorkflow;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.fleet.Amount;
import dev.asmmigrate.workflows.model.fleet.ApprovalScope;
import dev.asmmigrate.workflows.model.fleet.ClusterOutcome;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetStatus;
import dev.asmmigrate.workflows.model.fleet.FleetWave;
import dev.asmmigrate.workflows.model.fleet.HaltAction;
import dev.asmmigrate.workflows.model.fleet.MigrationOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code demo --clusters N}: a fleet of sandbox clusters (add-on + Online Boutique each, one
 * process, one fake Google), an embedded Temporal server and a worker, and a {@code
 * FleetMigrationWorkflow} over them: {@code cluster-1} alone as the canary wave, then the others at
 * most two at once, each cluster's traffic probe running throughout; then the seed's checks on
 * every cluster.
 */
final class FleetDemoRun implements AutoCloseable {
  /** How long each wave's clusters are checked again after the wave succeeded. */
  static final Duration SOAK = Duration.ofSeconds(5);

  /**
   * Where {@code --fail-cluster NAME} injects its failure unless {@code NAME:STEP} says: early
   * enough that the failed cluster's rollback ends (and the fleet learns of it) while the other
   * cluster of its wave is still migrating, so that the halt rolls that one back too.
   */
  static final String DEFAULT_FAIL_STEP = Step.MIGRATE_CONFIGS.id();

  private final SandboxFleet fleet;
  private final Path work;
  private final Map<String, ClusterSnapshot> before = new LinkedHashMap<>();

  private FleetDemoRun(SandboxFleet fleet, Path work) {
    this.fleet = fleet;
    this.work = work;
    for (Sandbox s : fleet.sandboxes()) {
      before.put(s.settings().cluster(), ClusterSnapshot.take(s.store()));
    }
  }

  /** Starts and settles {@code clusters} sandbox clusters of an add-on version. */
  static FleetDemoRun prepare(int clusters, String version, Duration podReadyDelay)
      throws IOException {
    SandboxFleet fleet =
        SandboxFleet.start(
            SandboxFleet.Settings.of(
                clusters, DemoRun.settings(version, podReadyDelay, List.of())));
    try {
      if (version.equals("both")) {
        fleet.sandboxes().forEach(s -> DemoRun.addNamespaces(s, version, 0));
      }
      if (!fleet.awaitSettled(Duration.ofMinutes(3))) {
        throw new UserError(
            ExitCodes.UNEXPECTED, "the sandbox fleet did not settle within 3 minutes");
      }
      Path work =
          Files.createTempDirectory(
              "asm-migrate-fleet-demo",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      return new FleetDemoRun(fleet, work);
    } catch (RuntimeException | IOException e) {
      fleet.close();
      throw e;
    }
  }

  SandboxFleet fleet() {
    return fleet;
  }

  /** The fleet request of this demo: canary {@code cluster-1}, then the rest two at a time. */
  FleetRequest request(Path kubeconfig, String failCluster) {
    String failStep = DEFAULT_FAIL_STEP;
    if (failCluster != null && failCluster.contains(":")) {
      failStep = failCluster.substring(failCluster.indexOf(':') + 1);
      failCluster = failCluster.substring(0, failCluster.indexOf(':'));
    }
    List<FleetCluster> clusters =
        fleet.sandboxes().stream()
            .map(s -> fleetCluster(kubeconfig, s.settings().cluster()))
            .toList();
    String canary = clusters.get(0).name();
    Map<String, String> failAt = new HashMap<>();
    if (failCluster != null) {
      failAt.put(failCluster, failStep);
    }
    return new FleetRequest(
        "demo-fleet",
        clusters,
        null,
        null,
        List.of(
            new FleetWave(
                "canary", List.of(canary), null, Amount.count(1), SOAK, false, Amount.count(0)),
            new FleetWave(
                "rest", List.of(), "wave=rest", Amount.count(2), SOAK, false, Amount.count(0))),
        Amount.count(0),
        HaltAction.ROLL_BACK,
        migrationOptions(),
        ApprovalScope.NONE,
        failAt,
        null);
  }

  /** The fleet file's entry of sandbox cluster {@code name}: its kubeconfig context, its labels. */
  FleetCluster fleetCluster(Path kubeconfig, String name) {
    Sandbox s = fleet.sandbox(name);
    return new FleetCluster(
        new ClusterRef(s.settings().project(), s.settings().location(), name),
        new Connection(kubeconfig.toString(), name, fleet.googleEndpoint()),
        fleet.settings().members().stream()
            .filter(m -> m.name().equals(name))
            .findFirst()
            .orElseThrow()
            .labels(),
        null,
        null);
  }

  /** The migration options of the demo's clusters: the demo's short timeouts, no approvals. */
  static MigrationOptions migrationOptions() {
    return new MigrationOptions("regular", List.of(), 4, false, true, DemoRun.timeouts());
  }

  /** The snapshot of cluster {@code name} taken before any fleet ran. */
  ClusterSnapshot before(String name) {
    return before.get(name);
  }

  /** Runs the fleet, printing each cluster's changes, and returns its result. */
  FleetResult migrate(String failCluster, PrintWriter out) throws IOException {
    Path kubeconfig = fleet.writeKubeconfig(work.resolve("fleet.kubeconfig"));
    FleetRequest request = request(kubeconfig, failCluster);
    try (TestServer.InProcessTestServer temporal = TestServer.createServer(true);
        KubeClients clients = new KubeClients()) {
      WorkflowServiceStubs service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setChannel(temporal.getChannel()).build());
      try (MigrationWorker worker =
          MigrationWorker.start(
              service,
              new MigrationWorker.Settings("default", true, 20),
              Activities.create(clients, new GoogleClients(), DemoRun.MESH_CA))) {
        fleet.sandboxes().forEach(s -> s.trafficProbe().reset());
        WorkflowClient client = worker.client();
        Fleets.over(client, "the embedded server").start(request);
        out.println("fleet: " + request.workflowId() + " (embedded in-memory Temporal server)");
        out.flush();
        return follow(client, request.workflowId(), out);
      } finally {
        service.shutdownNow();
      }
    }
  }

  /** Polls the fleet's status, printing what changed, until it ends. */
  private static FleetResult follow(WorkflowClient client, String id, PrintWriter out) {
    WorkflowStub stub = client.newUntypedWorkflowStub(id);
    FleetMigrationWorkflow wf = client.newWorkflowStub(FleetMigrationWorkflow.class, id);
    Map<String, String> seen = new HashMap<>();
    String phase = null;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
    while (System.nanoTime() < deadline) {
      try {
        return stub.getResult(500, TimeUnit.MILLISECONDS, FleetResult.class);
      } catch (java.util.concurrent.TimeoutException e) {
        // still running: print what changed
      }
      FleetStatus s;
      try {
        s = wf.status();
      } catch (RuntimeException e) {
        continue; // the query may race the workflow's first task or its end
      }
      String p = s.phase() + (s.wave() == null ? "" : " " + s.wave());
      if (!p.equals(phase)) {
        phase = p;
        out.println("fleet: " + p);
      }
      for (ClusterOutcome c : s.clusters()) {
        String line = c.state() + (c.detail() == null ? "" : " (" + c.detail() + ")");
        if (!line.equals(seen.put(c.cluster().cluster(), line))) {
          out.println("  cluster " + c.cluster().cluster() + " [" + c.wave() + "]: " + line);
        }
      }
      out.flush();
    }
    throw new UserError(ExitCodes.UNEXPECTED, "the fleet did not end within 30 minutes");
  }

  /**
   * Each cluster checked by its outcome: a migrated one as the seed checks a migration, one rolled
   * back (or never started) equal to its snapshot from before the fleet began.
   */
  boolean check(FleetResult result, PrintWriter out) {
    boolean ok = true;
    for (ClusterOutcome c : result.clusters()) {
      String name = c.cluster().cluster();
      Sandbox s = fleet.sandbox(name);
      out.println("check: cluster " + name + " (" + c.state() + ")");
      if (c.state() == ClusterState.SUCCEEDED) {
        ok &= DemoRun.checkMigrated(s, out);
      } else {
        ok &= DemoRun.checkRolledBack(s, before.get(name), out);
      }
    }
    return ok;
  }

  /** One {@code traffic:} line per cluster; returns the requests lost in all. */
  long printTraffic(PrintWriter out) {
    long lost = 0;
    for (Sandbox s : fleet.sandboxes()) {
      JsonNode traffic = s.trafficProbe().report();
      long failed = traffic.path("failed").asLong();
      lost += failed;
      out.println(
          "traffic: "
              + s.settings().cluster()
              + ": "
              + traffic.path("sent").asLong()
              + " requests, "
              + failed
              + " failed");
    }
    return lost;
  }

  /** {@code fleet: SUCCESS (3/3 clusters)}, or the halt with each cluster's outcome. */
  static String outcomeLine(FleetResult r) {
    long ok = r.clusters().stream().filter(c -> c.state() == ClusterState.SUCCEEDED).count();
    StringBuilder b =
        new StringBuilder("fleet: ")
            .append(r.state())
            .append(" (")
            .append(ok)
            .append('/')
            .append(r.clusters().size())
            .append(" clusters)");
    if (r.reason() != null) {
      b.append(": ").append(r.reason());
    }
    return b.toString();
  }

  @Override
  public void close() {
    fleet.close();
    try (var paths = Files.walk(work)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory left behind is harmless
    }
  }
}
