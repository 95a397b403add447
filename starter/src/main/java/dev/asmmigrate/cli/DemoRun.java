package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.sandbox.ClusterSnapshot;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.worker.Activities;
import dev.asmmigrate.worker.MigrationWorker;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.Timeouts;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One demo: a sandbox cluster with the add-on and Online Boutique (plus synthetic namespaces), an
 * embedded in-memory Temporal server and a worker in this process, and the seed's checks. The
 * sandbox stays up until {@link #close()}, so tests can inspect it.
 */
final class DemoRun implements AutoCloseable {
  static final String ASM_PROXY = "gcr.io/gke-release/asm/proxyv2:";

  /**
   * How long the sandbox's Citadel and istiod take to distribute a new root: short, not the minute
   * a real 1.4 Citadel takes ({@code sandbox --root-distribution-delay}'s default), so that demo
   * stays well under a minute and a half (it waits for the distribution once per add-on version).
   */
  static final Duration ROOT_DISTRIBUTION_DELAY = Duration.ofSeconds(1);

  /**
   * How long the sandbox's add-on proxies take to trust a root once their bundle has it (a
   * cluster's kubelet and SDS take up to 75 s on 1.4 and need the 15 s trigger on 1.6).
   */
  static final Duration PROXY_ROOT_PICKUP_DELAY = Duration.ofSeconds(1);

  /**
   * The Mesh CA step's holds, matched to the sandbox's pickup delay (a shorter one loses requests).
   */
  static final MeshCaActivitiesImpl.Settings MESH_CA =
      MeshCaActivitiesImpl.Settings.defaults()
          .withHolds(PROXY_ROOT_PICKUP_DELAY, PROXY_ROOT_PICKUP_DELAY);

  private final Sandbox sandbox;
  private final Path work;
  private final ClusterSnapshot before;
  private DataConverter dataConverter = DefaultDataConverter.newDefaultInstance();

  /**
   * Whether the run shows maintenance windows ({@code demo --windows short}, {@link DemoWindows}).
   */
  private boolean windows;

  private DemoRun(Sandbox sandbox, Path work, ClusterSnapshot before) {
    this.sandbox = sandbox;
    this.work = work;
    this.before = before;
  }

  /** Starts and settles the sandbox for an add-on version: 1.4, 1.6 or both. */
  static DemoRun prepare(String version, int extraNamespaces, Duration podReadyDelay)
      throws IOException {
    return prepare(version, extraNamespaces, podReadyDelay, List.of());
  }

  /**
   * As {@link #prepare(String, int, Duration)}, also applying directories of YAML manifests on top
   * of Online Boutique (e.g. more workloads in its namespace).
   */
  static DemoRun prepare(
      String version, int extraNamespaces, Duration podReadyDelay, List<Path> fixtureDirs)
      throws IOException {
    Sandbox sandbox = Sandbox.start(settings(version, podReadyDelay, fixtureDirs));
    try {
      addNamespaces(sandbox, version, extraNamespaces);
      if (!sandbox.awaitSettled(Duration.ofMinutes(3))) {
        throw new UserError(ExitCodes.UNEXPECTED, "the sandbox did not settle within 3 minutes");
      }
      return of(sandbox);
    } catch (RuntimeException | IOException e) {
      sandbox.close();
      throw e;
    }
  }

  /**
   * A demo cluster's settings: the add-on version's base (Online Boutique runs on 1.6 for "both"),
   * Online Boutique, and delays short enough for a demo.
   */
  static SandboxSettings settings(String version, Duration podReadyDelay, List<Path> fixtureDirs) {
    return SandboxSettings.builder()
        .base(
            version.equals("1.4") ? SandboxSettings.Base.ADDON_1_4 : SandboxSettings.Base.ADDON_1_6)
        .app("online-boutique")
        .fixtureDirs(fixtureDirs)
        .podReadyDelay(podReadyDelay)
        .controlPlaneProvisionDelay(Duration.ofSeconds(2))
        .rootDistributionDelay(ROOT_DISTRIBUTION_DELAY)
        .proxyRootPickupDelay(PROXY_ROOT_PICKUP_DELAY)
        .build();
  }

  /** The timeouts of a demo's migrations: minutes, not the production defaults. */
  static Timeouts timeouts() {
    return new Timeouts(
        Duration.ofMinutes(3), Duration.ofMinutes(3), Duration.ofMinutes(5), Duration.ofMinutes(5));
  }

  /** A run on a sandbox built and settled by the caller (bench); closing the run closes it. */
  static DemoRun of(Sandbox sandbox) throws IOException {
    Path work =
        Files.createTempDirectory(
            "asm-migrate-demo",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return new DemoRun(sandbox, work, ClusterSnapshot.take(sandbox.store()));
  }

  /** What to do once a migration ended, while its worker and embedded server are still up. */
  interface AfterRun {
    void accept(io.temporal.client.WorkflowClient client, String workflowId) throws IOException;
  }

  Sandbox sandbox() {
    return sandbox;
  }

  /**
   * Payloads of the runs that follow go through {@code converter} (the codec when a key is given).
   */
  DemoRun dataConverter(DataConverter converter) {
    this.dataConverter = converter;
    return this;
  }

  /** The runs that follow have short maintenance windows ({@link DemoWindows}). */
  DemoRun shortWindows() {
    this.windows = true;
    return this;
  }

  ClusterSnapshot before() {
    return before;
  }

  /** Runs the whole migration with auto-approval, printing its progress, and returns its result. */
  MigrationResult migrate(String failAt, int concurrency, PrintWriter out)
      throws IOException, InterruptedException {
    return migrate(failAt, concurrency, out, null);
  }

  /**
   * As {@link #migrate(String, int, PrintWriter)}, also writing the workflow's history as JSON to
   * {@code history} (for replay tests) when it is not null.
   */
  MigrationResult migrate(String failAt, int concurrency, PrintWriter out, Path history)
      throws IOException, InterruptedException {
    return migrate(failAt, null, concurrency, out, history);
  }

  /**
   * As {@link #migrate(String, int, PrintWriter, Path)}; with {@code abortDuring}, an operator's
   * abort is sent while that step runs (for the workload steps, once a namespace's workloads are
   * restarted and their verification is under way), as {@code asm-migrate abort} would send it.
   */
  MigrationResult migrate(
      String failAt, String abortDuring, int concurrency, PrintWriter out, Path history)
      throws IOException, InterruptedException {
    return migrateThen(
        failAt,
        abortDuring,
        concurrency,
        out,
        (client, id) -> {
          if (history != null) {
            Files.writeString(history, client.fetchHistory(id).toJson(true));
          }
        });
  }

  /** As above, calling {@code after} once the migration ended, before the worker stops. */
  MigrationResult migrateThen(
      String failAt, String abortDuring, int concurrency, PrintWriter out, AfterRun after)
      throws IOException, InterruptedException {
    Path kubeconfig = sandbox.writeKubeconfig(work.resolve("sandbox.kubeconfig"));
    SandboxSettings s = sandbox.settings();
    MigrationRequest request =
        new MigrationRequest(
            new ClusterRef(s.project(), s.location(), s.cluster()),
            new Connection(kubeconfig.toString(), "sandbox", sandbox.googleEndpoint()),
            null,
            "regular",
            List.of(),
            List.of(),
            concurrency,
            true,
            false,
            true,
            null,
            failAt,
            timeouts(),
            windows ? DemoWindows.initial(Instant.now()) : null);
    try (TestServer.InProcessTestServer temporal = TestServer.createServer(true);
        KubeClients clients = new KubeClients()) {
      WorkflowServiceStubs service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setChannel(temporal.getChannel()).build());
      try (MigrationWorker worker =
          MigrationWorker.start(
              service,
              new MigrationWorker.Settings("default", true, 20),
              Activities.create(clients, new GoogleClients(), MESH_CA),
              dataConverter)) {
        sandbox.trafficProbe().reset();
        String id = StartCommand.start(worker.client(), request);
        out.println("workflow: " + id + " (embedded in-memory Temporal server)");
        out.flush();
        Thread operator =
            abortDuring == null ? null : abortDuring(worker.client(), id, abortDuring, out);
        MigrationResult result;
        try {
          result =
              new ProgressPrinter(worker.client(), "the embedded server", out)
                  .follow(id, Duration.ofMinutes(30));
        } finally {
          if (operator != null) {
            operator.interrupt();
            operator.join(Duration.ofSeconds(10).toMillis());
          }
        }
        after.accept(worker.client(), id);
        return result;
      } finally {
        service.shutdownNow();
      }
    }
  }

  /**
   * An operator watching the migration: once {@code step} runs (and, for the workload steps, a
   * namespace's workloads were restarted and their pods are being verified), sends the abort update
   * and prints its answer.
   */
  private static Thread abortDuring(
      io.temporal.client.WorkflowClient client, String id, String step, PrintWriter out) {
    MigrationWorkflow wf = client.newWorkflowStub(MigrationWorkflow.class, id);
    boolean workloads =
        step.equals(Step.MIGRATE_WORKLOADS.id())
            || step.equals(Step.MIGRATE_REMAINING_WORKLOADS.id());
    Thread t =
        new Thread(
            () -> {
              try {
                while (!Thread.currentThread().isInterrupted()) {
                  // with the namespaces of the group of waves it runs (a child workflow)
                  MigrationStatus s = Migrations.over(client, "").queryWithGroups(id);
                  if (s.endedAt() != null) {
                    return;
                  }
                  // RESTARTED: its pods being verified; MIGRATING: its one activity relabels,
                  // restarts and verifies it (version namespace-one-activity)
                  java.util.Optional<String> verifying =
                      s.namespaces().stream()
                          .filter(
                              ns ->
                                  ns.phase().equals("RESTARTED") || ns.phase().equals("MIGRATING"))
                          .map(ns -> ns.name() + ": " + ns.phase())
                          .findFirst();
                  boolean inFlight = !workloads || verifying.isPresent();
                  if (step.equals(s.step()) && inFlight) {
                    // say what the abort interrupts, as the operator saw it: the progress printer
                    // polls every 500 ms and may not show a phase the abort cuts short
                    verifying.ifPresent(
                        ns ->
                            out.println(
                                "operator: "
                                    + ns
                                    + " (its pods being restarted and verified) when the abort"
                                    + " is sent"));
                    String reason = "demo: --abort-during " + step;
                    String answer =
                        Migrations.updateOrSignal(
                            wf,
                            w -> w.abortUpdate(reason),
                            w -> w.abort(reason),
                            Duration.ofSeconds(10));
                    out.println("operator: abort during " + step + ": " + answer);
                    out.flush();
                    return;
                  }
                  Thread.sleep(100);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException e) {
                out.println("operator: abort during " + step + " not sent: " + e.getMessage());
                out.flush();
              }
            },
            "demo-operator");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** A Deployment of {@code replicas} pods of the hello app, labelled and selected app=NAME. */
  static io.fabric8.kubernetes.api.model.apps.Deployment hello(String app, int replicas) {
    return hello(app, replicas, List.of(8080));
  }

  /** {@link #hello(String, int)} with the container ports given. */
  private static io.fabric8.kubernetes.api.model.apps.Deployment hello(
      String app, int replicas, List<Integer> ports) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(app)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .addToMatchLabels("app", app)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", app)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName(app)
        .withImage("gcr.io/google-samples/hello-app:1.0")
        .withPorts(
            ports.stream()
                .map(p -> new ContainerPortBuilder().withContainerPort(p).build())
                .toList())
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** N namespaces with three Deployments each; with {@code both}, alternately on 1.4 and 1.6. */
  static void addNamespaces(Sandbox sandbox, String version, int n) {
    KubernetesClient client = sandbox.client("demo");
    for (int i = 1; i <= n; i++) {
      boolean on16 = version.equals("1.6") || (version.equals("both") && i % 2 == 0);
      String ns = "demo-" + i;
      createNamespace(
          client,
          ns,
          on16
              ? Map.of(IstioNames.REV_LABEL, IstioNames.ADDON_16_REVISION)
              : Map.of(IstioNames.INJECTION_LABEL, IstioNames.INJECTION_ENABLED));
      for (String app : List.of("web", "api", "worker")) {
        createHello(client, ns, app, app.equals("web") ? 2 : 1, List.of(8080));
      }
    }
    if (version.equals("both") && n < 1) {
      // "both" needs at least one namespace on each add-on version: Online Boutique is on 1.6.
      createNamespace(
          client, "demo-14", Map.of(IstioNames.INJECTION_LABEL, IstioNames.INJECTION_ENABLED));
      createHello(client, "demo-14", "hello", 2, List.of());
    }
  }

  private static void createNamespace(
      KubernetesClient client, String name, Map<String, String> labels) {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
  }

  /** A Deployment {@code app} of the hello-app sample, its pods labelled {@code app=<app>}. */
  private static void createHello(
      KubernetesClient client, String ns, String app, int replicas, List<Integer> ports) {
    client.apps().deployments().inNamespace(ns).resource(hello(app, replicas, ports)).create();
  }

  /**
   * The seed's own checks: every injected pod 2/2 with the ASM proxy, state SUCCESS, only the new
   * gateway.
   */
  boolean checkMigrated(PrintWriter out) {
    return checkMigrated(sandbox, out);
  }

  /** {@link #checkMigrated(PrintWriter)} of any sandbox (a fleet's cluster). */
  static boolean checkMigrated(Sandbox sandbox, PrintWriter out) {
    sandbox.awaitSettled(Duration.ofMinutes(2));
    boolean ok = true;
    String state =
        sandbox
            .store()
            .get(ResourceRegistry.CONFIGMAPS, IstioNames.ISTIO_SYSTEM, "asm-addon-migration-state")
            .map(cm -> cm.path("data").path("migrationStatus").asText())
            .orElse("<missing>");
    out.println("check: asm-addon-migration-state migrationStatus=" + state);
    ok &= state.equals("SUCCESS");
    int injected = 0;
    List<String> wrong = new ArrayList<>();
    for (ObjectNode pod : sandbox.store().list(ResourceRegistry.PODS, null)) {
      String ns = pod.path("metadata").path("namespace").asText();
      if (ns.equals(IstioNames.ISTIO_SYSTEM)
          || ns.startsWith("kube-")
          || pod.path("status").path("phase").asText().equals("Succeeded")) {
        continue;
      }
      for (JsonNode c : pod.path("spec").path("containers")) {
        if (c.path("name").asText().equals(IstioNames.PROXY_CONTAINER)) {
          injected++;
          int ready = 0;
          for (JsonNode cs : pod.path("status").path("containerStatuses")) {
            ready += cs.path("ready").asBoolean() ? 1 : 0;
          }
          int total = pod.path("spec").path("containers").size();
          if (!c.path("image").asText().startsWith(ASM_PROXY) || ready != total) {
            wrong.add(
                ns
                    + "/"
                    + pod.path("metadata").path("name").asText()
                    + " "
                    + c.path("image").asText()
                    + " "
                    + ready
                    + "/"
                    + total);
          }
        }
      }
    }
    out.println(
        "check: "
            + injected
            + " injected pods, "
            + (injected - wrong.size())
            + " Ready "
            + "with the ASM proxy"
            + (wrong.isEmpty() ? "" : "; not: " + wrong));
    ok &= wrong.isEmpty() && injected > 0;
    List<String> istioSystem = new ArrayList<>();
    for (ObjectNode pod : sandbox.store().list(ResourceRegistry.PODS, IstioNames.ISTIO_SYSTEM)) {
      if (!pod.path("status").path("phase").asText().equals("Succeeded")) {
        istioSystem.add(pod.path("metadata").path("name").asText());
      }
    }
    boolean onlyNewGateway =
        !istioSystem.isEmpty()
            && istioSystem.stream().allMatch(n -> n.startsWith("asm-ingressgateway-"));
    out.println(
        "check: istio-system runs "
            + (onlyNewGateway
                ? "only asm-ingressgateway (" + istioSystem.size() + " pods)"
                : istioSystem));
    return ok && onlyNewGateway;
  }

  /** After a rollback: the cluster equals its pre-migration snapshot. */
  boolean checkRolledBack(PrintWriter out) {
    return checkRolledBack(sandbox, before, out);
  }

  /** {@link #checkRolledBack(PrintWriter)} of any sandbox against its snapshot {@code before}. */
  static boolean checkRolledBack(Sandbox sandbox, ClusterSnapshot before, PrintWriter out) {
    sandbox.awaitSettled(Duration.ofMinutes(2));
    List<String> diff = before.diff(ClusterSnapshot.take(sandbox.store()));
    out.println(
        "check: "
            + before.size()
            + " objects compared with the pre-migration snapshot, "
            + diff.size()
            + " differences");
    diff.stream().limit(20).forEach(d -> out.println("  " + d));
    return diff.isEmpty();
  }

  @Override
  public void close() {
    sandbox.close();
    try (var paths = Files.walk(work)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory left behind is harmless
    }
  }
}
