package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.cloud.gkehub.v1.Feature;
import com.google.cloud.gkehub.v1.ListMembershipsRequest;
import com.google.cloud.gkehub.v1.Membership;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.google.GoogleCall;
import dev.asmmigrate.sandbox.http.RequestLog;
import dev.asmmigrate.worker.Activities;
import dev.asmmigrate.worker.MigrationWorker;
import dev.asmmigrate.workflows.MigrationSearchAttributes;
import dev.asmmigrate.workflows.fleet.FleetMigrationWorkflow;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.fleet.Amount;
import dev.asmmigrate.workflows.model.fleet.ApprovalScope;
import dev.asmmigrate.workflows.model.fleet.ClusterOutcome;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetState;
import dev.asmmigrate.workflows.model.fleet.FleetStatus;
import dev.asmmigrate.workflows.model.fleet.FleetWave;
import dev.asmmigrate.workflows.model.fleet.HaltAction;
import dev.asmmigrate.workflows.model.fleet.SoakCheck;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.api.filter.v1.WorkflowExecutionFilter;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's fleet tests end to end: the real fleet workflow, worker and activities against four
 * sandbox clusters (one process, one fake Google) and one in-memory Temporal server, shared by the
 * class. Asserts on the clusters: their request logs (every write the sandbox answered, its own
 * controllers' left out), the fake GKE Hub, the pods, and Temporal's executions.
 *
 * <p>The tests take the clusters in turn: the halt migrates cluster-1 and rolls back cluster-2 and
 * -3, leaving cluster-4 untouched; the soak re-checks cluster-1 (migrated, or migrated here when
 * run alone) and keeps cluster-2 waiting; the two fleets share cluster-4.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetEndToEndTest {
  /** The Kubernetes verbs that change something (POST, PUT, PATCH, DELETE). */
  static final Set<String> WRITES =
      Set.of("create", "update", "patch", "delete", "deletecollection");

  static FleetDemoRun run;
  static Path kubeconfig;
  static TestServer.InProcessTestServer temporal;
  static WorkflowServiceStubs service;
  static KubeClients clients;
  static GoogleClients google;
  static MigrationWorker worker;
  static WorkflowClient client;
  @TempDir static Path dir;

  @BeforeAll
  static void startFleetAndWorker() throws Exception {
    run = FleetDemoRun.prepare(4, "1.4", Duration.ofMillis(300));
    kubeconfig = run.fleet().writeKubeconfig(dir.resolve("fleet.kubeconfig"));
    temporal = TestServer.createServer(true);
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setChannel(temporal.getChannel()).build());
    clients = new KubeClients();
    google = new GoogleClients();
    worker =
        MigrationWorker.start(
            service,
            new MigrationWorker.Settings("default", true, 20),
            Activities.create(clients, new GoogleClients(), DemoRun.MESH_CA));
    client = worker.client();
  }

  @AfterAll
  static void stop() {
    if (worker != null) {
      worker.close();
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (temporal != null) {
      temporal.close();
    }
    if (clients != null) {
      clients.close();
    }
    if (google != null) {
      google.close();
    }
    if (run != null) {
      run.close();
    }
  }

  @Test
  @Order(1)
  void aClusterOfWaveTwoFailingWithABudgetOfZero_noLaterClusterReceivesASingleWrite()
      throws Exception {
    Mark mark = Mark.of("cluster-4");
    FleetRequest request =
        request(
            "halts",
            List.of(
                wave("canary", 1, Duration.ZERO, "cluster-1"),
                wave("two", 2, Duration.ZERO, "cluster-2", "cluster-3"),
                wave("last", 1, Duration.ZERO, "cluster-4")),
            Map.of("cluster-2", FleetDemoRun.DEFAULT_FAIL_STEP),
            HaltAction.ROLL_BACK,
            "cluster-1",
            "cluster-2",
            "cluster-3",
            "cluster-4");
    start(request);
    FleetResult result = result(request);
    Map<String, ClusterOutcome> c = byName(result);

    assertThat(result.state()).as(result.toString()).isEqualTo(FleetState.HALTED);
    assertThat(result.reason()).contains("cluster-2");
    assertThat(c.get("cluster-1").state()).isEqualTo(ClusterState.SUCCEEDED);
    assertThat(c.get("cluster-2").state()).isEqualTo(ClusterState.FAILED);
    assertThat(c.get("cluster-2").migration()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(c.get("cluster-3").state()).isEqualTo(ClusterState.HALTED_ROLLED_BACK);
    assertThat(c.get("cluster-4").state()).isEqualTo(ClusterState.NOT_STARTED);
    // the later wave's cluster: not one write on its API since the fleet started ...
    assertThat(mark.writes()).isEmpty();
    // ... nor on its Google side: no membership, no servicemesh spec, no cluster update
    assertThat(mark.googleWrites()).isEmpty();
    assertThat(memberships()).noneMatch(m -> m.endsWith("/memberships/cluster-4"));
    assertThat(meshSpecs()).noneMatch(k -> k.endsWith("/memberships/cluster-4"));
    // and every cluster as its outcome says: the canary migrated, wave two rolled back, the last
    // one equal to its snapshot from before the fleet
    StringWriter text = new StringWriter();
    assertThat(run.check(result, new PrintWriter(text, true))).as(text.toString()).isTrue();
  }

  @Test
  @Order(2)
  void aPodOfAMigratedNamespaceStoppingBeingReadyDuringTheSoak_failsTheSoakAndHaltsTheFleet()
      throws Exception {
    Mark mark = Mark.of("cluster-2");
    FleetRequest request =
        request(
            "soaks",
            List.of(
                wave("first", 1, Duration.ofSeconds(12), "cluster-1"),
                wave("second", 1, Duration.ZERO, "cluster-2")),
            Map.of(),
            HaltAction.ROLL_BACK,
            "cluster-1",
            "cluster-2");
    start(request);
    FleetMigrationWorkflow fleet =
        client.newWorkflowStub(FleetMigrationWorkflow.class, request.workflowId());
    // the soak began and its first check held: every migrated pod Ready
    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> {
              FleetStatus s = fleet.status();
              return "SOAKING".equals(s.phase()) && !s.soakChecks().isEmpty();
            });
    assertThat(fleet.status().soakChecks()).allMatch(SoakCheck::held);

    // then a pod of a migrated namespace stops being Ready: its replacement crash-loops
    String ns = "online-boutique";
    Sandbox one = run.fleet().sandbox("cluster-1");
    one.faults().crashLoopNamespaces.add(ns);
    KubernetesClient kube = one.client("e2e-test");
    Pod victim =
        kube.pods().inNamespace(ns).withLabel("app", "emailservice").list().getItems().get(0);
    kube.pods().inNamespace(ns).withName(victim.getMetadata().getName()).delete();

    FleetResult result = result(request);
    Map<String, ClusterOutcome> c = byName(result);
    assertThat(result.state()).as(result.toString()).isEqualTo(FleetState.HALTED);
    assertThat(c.get("cluster-1").state()).isEqualTo(ClusterState.SOAK_FAILED);
    assertThat(c.get("cluster-1").migration()).isEqualTo(MigrationState.SUCCESS);
    assertThat(c.get("cluster-2").state()).isEqualTo(ClusterState.NOT_STARTED);
    assertThat(result.reason()).contains("cluster-1").contains("failure budget");
    // the failed check names the namespace and the pod, which the cluster shows not Ready
    SoakCheck failed =
        result.soakChecks().stream().filter(s -> !s.held()).findFirst().orElseThrow();
    assertThat(failed.cluster().cluster()).isEqualTo("cluster-1");
    String prefix = ns + "/emailservice-";
    String problem =
        failed.problems().stream().filter(p -> p.startsWith(prefix)).findFirst().orElseThrow();
    String pod = problem.substring(ns.length() + 1, problem.indexOf(':'));
    assertThat(pod).isNotEqualTo(victim.getMetadata().getName());
    assertThat(c.get("cluster-1").detail()).contains("soak check failed").contains(prefix);
    // the pod named is there, crash-looping: not Ready, or Ready again between restarts
    Pod now = kube.pods().inNamespace(ns).withName(pod).get();
    assertThat(now).isNotNull();
    boolean ready =
        now.getStatus().getConditions().stream()
            .anyMatch(k -> k.getType().equals("Ready") && k.getStatus().equals("True"));
    int restarts =
        now.getStatus().getContainerStatuses().stream()
            .mapToInt(cs -> cs.getRestartCount() == null ? 0 : cs.getRestartCount())
            .sum();
    assertThat(!ready || restarts > 0).as(now.getStatus().toString()).isTrue();
    one.faults().crashLoopNamespaces.remove(ns);
    // the next wave's cluster received no write
    assertThat(mark.writes()).isEmpty();
    assertThat(mark.googleWrites()).isEmpty();
  }

  @Test
  @Order(3)
  void twoFleetsSharingACluster_migrateItOnce() throws Exception {
    Mark mark = Mark.of("cluster-4");
    FleetRequest a =
        request(
            "share-a",
            List.of(wave("only", 1, Duration.ZERO, "cluster-4")),
            Map.of(),
            HaltAction.FINISH,
            "cluster-4");
    FleetRequest b =
        request(
            "share-b",
            List.of(wave("only", 1, Duration.ZERO, "cluster-4")),
            Map.of(),
            HaltAction.FINISH,
            "cluster-4");
    start(a);
    start(b);
    FleetResult ra = result(a);
    FleetResult rb = result(b);

    assertThat(ra.state()).as(ra.toString()).isEqualTo(FleetState.SUCCESS);
    assertThat(rb.state()).as(rb.toString()).isEqualTo(FleetState.SUCCESS);
    ClusterOutcome oa = ra.clusters().get(0);
    ClusterOutcome ob = rb.clusters().get(0);
    assertThat(List.of(oa.state(), ob.state())).containsOnly(ClusterState.SUCCEEDED);
    assertThat(List.of(oa.migration(), ob.migration())).containsOnly(MigrationState.SUCCESS);
    // one of them started the migration; the other followed it
    assertThat(List.of(String.valueOf(oa.detail()), String.valueOf(ob.detail())))
        .filteredOn(d -> d.startsWith("followed"))
        .hasSize(1);
    // Temporal ran one migration of the cluster, listed under the fleet that started it
    String id = oa.cluster().workflowId();
    assertThat(executions(id)).isEqualTo(1);
    String starter = String.valueOf(oa.detail()).startsWith("followed") ? "share-b" : "share-a";
    assertThat(fleetAttribute(id)).isEqualTo(starter);
    assertThat(fleetAttribute(a.workflowId())).isEqualTo("share-a");
    assertThat(fleetAttribute(b.workflowId())).isEqualTo("share-b");
    // and the cluster saw each write of a migration once: one ControlPlaneRevision created, each
    // namespace relabelled once, each Deployment's restart patched once, each add-on object
    // deleted once (the backups of what it changes, its access reviews and its state ConfigMap,
    // written once per step, aside)
    Map<String, Long> writes = mark.histogram();
    String all = writes.toString().replace(", ", "\n");
    assertThat(writes.get("update configmaps istio-system/asm-addon-migration-state"))
        .as(all)
        .isBetween(1L, (long) Step.values().length);
    writes.keySet().removeIf(FleetEndToEndTest::perStepOrPerObject);
    assertThat(writes)
        .as(all)
        .containsKeys(
            "create mesh.cloud.google.com/controlplanerevisions istio-system/",
            "patch namespaces /online-boutique",
            "patch apps/deployments online-boutique/frontend");
    assertThat(writes.keySet())
        .as(all)
        .filteredOn(k -> k.startsWith("patch apps/deployments online-boutique/"))
        .hasSizeGreaterThanOrEqualTo(10);
    assertThat(writes.entrySet()).as(all).allMatch(e -> e.getValue() == 1L);
    // the filters the first test finds nothing with find this migration's writes
    assertThat(mark.writes()).hasSizeGreaterThan(100);
    assertThat(mark.googleWrites())
        .extracting(GoogleCall::shortMethod)
        .contains("CreateMembership");
    assertThat(memberships()).anyMatch(m -> m.endsWith("/memberships/cluster-4"));
    assertThat(meshSpecs()).anyMatch(k -> k.endsWith("/memberships/cluster-4"));
    StringWriter text = new StringWriter();
    assertThat(DemoRun.checkMigrated(run.fleet().sandbox("cluster-4"), new PrintWriter(text, true)))
        .as(text.toString())
        .isTrue();
  }

  /**
   * The writes a migration makes more than once by design: its access reviews, its backups in
   * asm-migrate-system (one per object it changes; a create names no object in the log), its state
   * ConfigMap once per step.
   */
  static boolean perStepOrPerObject(String key) {
    return key.startsWith("create authorization.k8s.io/selfsubjectaccessreviews ")
        || (key.startsWith("create ") && key.endsWith(" asm-migrate-system/"))
        || key.equals("update configmaps istio-system/asm-addon-migration-state");
  }

  // --- helpers -----------------------------------------------------------------------------------

  static FleetWave wave(String name, int maxConcurrent, Duration soak, String... clusters) {
    return new FleetWave(
        name, List.of(clusters), null, Amount.count(maxConcurrent), soak, false, Amount.count(0));
  }

  static FleetRequest request(
      String name,
      List<FleetWave> waves,
      Map<String, String> failAt,
      HaltAction onHalt,
      String... clusters) {
    return new FleetRequest(
        name,
        java.util.Arrays.stream(clusters).map(n -> run.fleetCluster(kubeconfig, n)).toList(),
        null,
        null,
        waves,
        Amount.count(0),
        onHalt,
        FleetDemoRun.migrationOptions(),
        ApprovalScope.NONE,
        failAt,
        null);
  }

  /** Starts the fleet as {@code fleet start} does. */
  static void start(FleetRequest request) {
    Fleets.over(client, "the test's server").start(request);
  }

  static FleetResult result(FleetRequest request) throws Exception {
    return client
        .newUntypedWorkflowStub(request.workflowId())
        .getResult(10, TimeUnit.MINUTES, FleetResult.class);
  }

  static Map<String, ClusterOutcome> byName(FleetResult r) {
    return r.clusters().stream()
        .collect(Collectors.toMap(o -> o.cluster().cluster(), Function.identity()));
  }

  /** The search attribute AsmFleet of workflow {@code id}'s newest run. */
  static String fleetAttribute(String id) {
    return client
        .newUntypedWorkflowStub(id)
        .describe()
        .getTypedSearchAttributes()
        .get(MigrationSearchAttributes.FLEET);
  }

  /** The executions, open and closed, of workflow {@code id}. */
  static int executions(String id) {
    var stub = service.blockingStub();
    WorkflowExecutionFilter filter = WorkflowExecutionFilter.newBuilder().setWorkflowId(id).build();
    int open =
        stub.listOpenWorkflowExecutions(
                ListOpenWorkflowExecutionsRequest.newBuilder()
                    .setNamespace("default")
                    .setExecutionFilter(filter)
                    .build())
            .getExecutionsCount();
    int closed =
        stub.listClosedWorkflowExecutions(
                ListClosedWorkflowExecutionsRequest.newBuilder()
                    .setNamespace("default")
                    .setExecutionFilter(filter)
                    .build())
            .getExecutionsCount();
    return open + closed;
  }

  static Connection googleOnly() {
    return new Connection(null, null, run.fleet().googleEndpoint());
  }

  static String project() {
    return run.fleet().settings().fleetProject();
  }

  /** The fake GKE Hub's memberships of the fleet project. */
  static List<String> memberships() {
    List<String> names = new ArrayList<>();
    google
        .gkeHub(googleOnly())
        .listMemberships(
            ListMembershipsRequest.newBuilder()
                .setParent("projects/" + project() + "/locations/-")
                .build())
        .iterateAll()
        .forEach((Membership m) -> names.add(m.getName()));
    return names;
  }

  /** The membership keys of the servicemesh feature's specs, none when it does not exist. */
  static Set<String> meshSpecs() {
    try {
      Feature f =
          google
              .gkeHub(googleOnly())
              .getFeature("projects/" + project() + "/locations/global/features/servicemesh");
      return f.getMembershipSpecsMap().keySet();
    } catch (RuntimeException e) {
      if (GoogleClients.isNotFound(e)) {
        return Set.of();
      }
      throw e;
    }
  }

  /** A cluster's request log and the fake Google's calls from a moment on. */
  record Mark(String cluster, long seq, Instant time) {
    static Mark of(String cluster) {
      List<RequestLog.Entry> log = log(cluster);
      return new Mark(cluster, log.isEmpty() ? 0 : log.get(log.size() - 1).seq(), Instant.now());
    }

    static List<RequestLog.Entry> log(String cluster) {
      return run.fleet().sandbox(cluster).apiServer().requestLog().entries();
    }

    /** Every write since the mark but the sandbox's own controllers', dry runs included. */
    List<RequestLog.Entry> writes() {
      return log(cluster).stream()
          .filter(e -> e.seq() > seq)
          .filter(e -> WRITES.contains(e.verb()))
          .filter(e -> !e.userAgent().startsWith(Sandbox.USER_AGENT_PREFIX))
          .toList();
    }

    /** {@code "patch apps/deployments ns/name" -> count} of {@link #writes}, dry runs left out. */
    Map<String, Long> histogram() {
      return writes().stream()
          .filter(e -> !e.dryRun())
          .collect(
              Collectors.groupingBy(
                  e ->
                      e.verb()
                          + " "
                          + (e.group().isEmpty() ? "" : e.group() + "/")
                          + e.resource()
                          + (e.subresource().isEmpty() ? "" : "/" + e.subresource())
                          + " "
                          + e.namespace()
                          + "/"
                          + e.name(),
                  TreeMap::new,
                  Collectors.counting()));
    }

    /** The fake Google's calls since the mark that change something of the cluster. */
    List<GoogleCall> googleWrites() {
      ClusterRef ref = run.fleetCluster(kubeconfig, cluster).cluster();
      return run.fleet().googleApis().calls().stream()
          .filter(c -> !c.time().isBefore(time))
          .filter(c -> !c.shortMethod().startsWith("Get") && !c.shortMethod().startsWith("List"))
          .filter(
              c ->
                  c.resource().endsWith("/" + cluster)
                      || c.resource().contains("/" + cluster + "/")
                      || c.resource().contains(ref.toString()))
          .toList();
    }
  }
}
