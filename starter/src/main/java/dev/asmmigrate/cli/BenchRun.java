package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.cli.BenchResult.Figure;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.http.RequestLog;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepTiming;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One bench: the migration on a sandbox of N × D × R, one namespace rolled out alone on the same
 * sandbox afterwards, then the seed's manual loop on a fresh copy; every figure taken in this
 * process. Progress lines go to {@code progress} (stderr).
 */
final class BenchRun {
  static final String REVISION = "asm-managed";
  static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
  private static final String ALONE = "bench-alone";

  /** What to measure. */
  record Size(
      int namespaces,
      int deployments,
      int replicas,
      int concurrency,
      Duration podReadyDelay,
      Duration apiLatency) {
    Size(int namespaces, int deployments, int replicas, int concurrency, Duration podReadyDelay) {
      this(namespaces, deployments, replicas, concurrency, podReadyDelay, Duration.ZERO);
    }
  }

  private final Size size;
  private final PrintWriter progress;
  private final long started = System.nanoTime();

  BenchRun(Size size, PrintWriter progress) {
    this.size = size;
    this.progress = progress;
  }

  BenchResult run() throws Exception {
    List<String> notes = new ArrayList<>();
    Map<String, Object> details = new LinkedHashMap<>();
    List<Figure> figures = new ArrayList<>();

    // 1. The migration, through the real workflow, worker and activities.
    say("building the sandbox: " + describe());
    Sandbox sandbox = build();
    double settle = seconds(started);
    say(
        "sandbox settled after "
            + fmt(settle)
            + " s; migrating at concurrency "
            + size.concurrency());
    Captured captured = new Captured();
    MigrationResult result;
    boolean migratedChecks;
    double alone;
    double aloneCpu;
    try (DemoRun run = DemoRun.of(sandbox);
        ProcessCpu cpu = ProcessCpu.start()) {
      result =
          run.migrateThen(
              null,
              null,
              size.concurrency(),
              progress,
              (client, id) -> capture(client, id, captured));
      captured.requests = productRequests(sandbox, captured);
      say("migration " + result.state() + "; checking every pod is on the ASM proxy");
      migratedChecks = run.checkMigrated(progress);
      say("measuring one namespace's relabel + restart + rollout alone on the same sandbox");
      Alone one = aloneOnSameSandbox(sandbox);
      alone = one.seconds();
      aloneCpu = one.cpuSeconds() - one.idleCores() * one.seconds();
      captured.phaseCpu =
          captured.phase == null
              ? Double.NaN
              : cpu.secondsBetween(captured.phase.startedAt(), captured.phase.endedAt());
    }

    // 2. The seed's manual loop on a fresh copy of the same sandbox.
    say("building a fresh copy of the sandbox for the seed's manual loop");
    double manual;
    List<Double> perNamespace = new ArrayList<>();
    boolean manualChecks;
    try (Sandbox copy = build()) {
      // kubectl is a client of the cluster, as the product is: --api-latency holds both
      KubernetesClient kube = copy.externalClient("kubectl/bench-manual");
      provisionManagedControlPlane(kube);
      say("manual loop: label, rollout restart, rollout status, one namespace after another");
      long t = System.nanoTime();
      for (String ns : namespaces()) {
        long n = System.nanoTime();
        relabelRestartWait(kube, ns);
        perNamespace.add(seconds(n));
        if (perNamespace.size() % 10 == 0 || perNamespace.size() == size.namespaces()) {
          say("manual loop: " + perNamespace.size() + "/" + size.namespaces() + " namespaces");
        }
      }
      manual = seconds(t);
      manualChecks = allOnAsm(copy, namespaces());
    }

    // 3. The figures.
    StepTiming phase = captured.phase;
    double phaseSeconds = phase == null ? Double.NaN : (phase.endedAt() - phase.startedAt()) / 1e3;
    List<NamespaceStatus> migrated =
        result.namespaces().stream().filter(ns -> ns.times().containsKey("STARTED")).toList();
    int n = migrated.size();
    long waves = migrated.stream().map(ns -> ns.times().get("STARTED")).distinct().count();
    double critical = waves * alone;
    figures.add(
        fig("sandboxSettle", settle, "s", "time to build the sandbox and have every pod Ready"));
    figures.add(fig("namespacesMigrated", n, "count", "namespaces the workload phase migrated"));
    figures.add(
        fig("pods", captured.pods, "count", "pods in the sandbox when the migration ended"));
    figures.add(
        fig(
            "workloadPhase",
            phaseSeconds,
            "s",
            "migrate-workloads' wall time, from the workflow's step timings"));
    figures.add(
        fig(
            "waves",
            waves,
            "count",
            "groups of namespaces started together (from their STARTED times)"));
    figures.add(
        fig(
            "oneNamespaceAlone",
            alone,
            "s",
            "one namespace relabelled, restarted and rolled out alone, same sandbox"));
    figures.add(
        fig(
            "criticalPath",
            critical,
            "s",
            "waves x oneNamespaceAlone: the phase's length if waves did not slow each other"));
    double ratio = phaseSeconds / critical;
    figures.add(
        new Figure(
            "phaseOverCriticalPath",
            ratio,
            "ratio",
            "workloadPhase / criticalPath",
            "<= 1.25",
            ratio <= 1.25));
    figures.add(
        fig(
            "manualLoop",
            manual,
            "s",
            "the seed's loop (label, rollout restart, rollout status) on a fresh copy, one namespace after another"));
    figures.add(
        fig("manualPerNamespace", manual / size.namespaces(), "s", "manualLoop / namespaces"));
    double speedUp = manual / phaseSeconds;
    figures.add(
        new Figure(
            "speedUp", speedUp, "ratio", "manualLoop / workloadPhase", ">= 8", speedUp >= 8));
    figures.addAll(ProcessCpu.figures(captured.phaseCpu, phaseSeconds, n, aloneCpu, critical));
    Requests req = captured.requests;
    double perNs = n == 0 ? Double.NaN : (double) req.total / n;
    double perDeployment = n == 0 ? Double.NaN : (double) req.total / (n * size.deployments());
    int allowed = 15 + 2 * size.deployments();
    figures.add(
        fig(
            "apiRequestsWorkloadPhase",
            req.total,
            "requests",
            "Kubernetes API requests by asm-migrate's user agent during migrate-workloads"));
    figures.add(
        new Figure(
            "apiRequestsPerNamespace",
            perNs,
            "requests",
            "apiRequestsWorkloadPhase / namespacesMigrated",
            "<= 15 + 2/Deployment = " + allowed,
            perNs <= allowed));
    figures.add(
        fig(
            "apiRequestsPerDeployment",
            perDeployment,
            "requests",
            "apiRequestsWorkloadPhase / (namespacesMigrated x deployments)"));
    double eventsPerNs = n == 0 ? Double.NaN : (double) captured.phaseEvents / n;
    figures.add(
        new Figure(
            "historyEventsPerNamespace",
            eventsPerNs,
            "events",
            "history events during migrate-workloads / namespacesMigrated",
            "<= 12",
            eventsPerNs <= 12));
    figures.add(
        fig(
            "historyEventsTotal",
            captured.totalEvents,
            "events",
            "events of every run of the migration (all continue-as-new runs and children)"));
    figures.add(fig("workflowRuns", captured.runs, "count", "workflow runs the migration used"));
    figures.add(
        new Figure(
            "largestRunEvents",
            captured.largestRun,
            "events",
            "events of the largest single run (Temporal warns at 10,240, stops at 51,200)",
            "<= 10,000 at 2,000 namespaces",
            null));
    double heapMiB = captured.heapBytes / (1024.0 * 1024.0);
    figures.add(
        new Figure(
            "heapAfterFullGc",
            heapMiB,
            "MiB",
            "heap used after System.gc() once the migration ended: worker + embedded Temporal + sandbox",
            "<= 512 with 10,000 pods",
            captured.pods >= 10_000 ? heapMiB <= 512 : null));

    details.put("manualPerNamespaceSeconds", summary(perNamespace));
    if (phase != null) {
      details.put("waveTimeline", BenchResult.waveTimeline(migrated, phase.startedAt()));
    }
    details.put("apiRequestsByVerb", req.byVerb);
    details.put("apiRequestsClusterWide", req.clusterWide);
    details.put("requestLogComplete", req.complete);
    details.put("sandboxRequestsWorkloadPhase", req.sandboxTotal);
    details.put("sandboxConflictsWorkloadPhase", req.sandboxConflicts);
    details.put("sandboxRequestsByAgent", req.sandboxByVerb);
    details.put("historyEventsOutsideWorkloadPhase", captured.totalEvents - captured.phaseEvents);
    details.put("migratedChecks", migratedChecks);
    details.put("manualChecks", manualChecks);
    details.put("benchSeconds", seconds(started));
    if (result.error() != null) {
      details.put("migrationError", result.error());
    }
    notes.add(
        "heap: MemoryMXBean heap used after System.gc() in this JVM, taken when the workflow ended"
            + " while its worker, the in-memory Temporal server and the sandbox holding every"
            + " object were all alive: an upper bound of the worker's own heap");
    notes.add(
        "largestRunEvents is measured at this size only; the 2,000-namespace target needs a run"
            + " at that size or a test with fake activities");
    if (!req.complete) {
      notes.add("the sandbox's request log dropped entries: apiRequests figures are lower bounds");
    }
    say("done in " + fmt(seconds(started)) + " s");
    return new BenchResult(
        size, result.state().name(), migratedChecks && manualChecks, figures, details, notes);
  }

  // --- the sandbox -------------------------------------------------------------------------

  private Sandbox build() {
    Sandbox sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .podReadyDelay(size.podReadyDelay())
                .controlPlaneProvisionDelay(Duration.ofSeconds(2))
                .rootDistributionDelay(DemoRun.ROOT_DISTRIBUTION_DELAY)
                .proxyRootPickupDelay(DemoRun.PROXY_ROOT_PICKUP_DELAY)
                .build());
    try {
      KubernetesClient client = sandbox.client("bench");
      for (String ns : namespaces()) {
        addNamespace(client, ns, size.deployments(), size.replicas());
      }
      Duration bound = Duration.ofMinutes(3).plusSeconds(3L * size.namespaces());
      if (!sandbox.awaitSettled(bound)) {
        throw new UserError(
            ExitCodes.UNEXPECTED, "the sandbox did not settle within " + bound.toSeconds() + " s");
      }
      // the product's and the kubectl-like loops' requests take the round trip; the build's did not
      sandbox.faults().apiLatency = size.apiLatency();
      return sandbox;
    } catch (RuntimeException e) {
      sandbox.close();
      throw e;
    }
  }

  private List<String> namespaces() {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= size.namespaces(); i++) {
      names.add("bench-" + i);
    }
    return names;
  }

  /** A namespace on the 1.4 add-on's injection label with D Deployments of R pods. */
  static void addNamespace(KubernetesClient client, String ns, int deployments, int replicas) {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(ns)
                .addToLabels(IstioNames.INJECTION_LABEL, IstioNames.INJECTION_ENABLED)
                .endMetadata()
                .build())
        .create();
    for (int d = 1; d <= deployments; d++) {
      String app = "app-" + d;
      Deployment deployment = DemoRun.hello(app, replicas);
      client.apps().deployments().inNamespace(ns).resource(deployment).create();
    }
  }

  // --- the workflow's own figures ------------------------------------------------------------

  /** What is taken while the worker and the embedded server are still up. */
  private static final class Captured {
    MigrationStatus status;
    long totalEvents;
    long phaseEvents;
    long largestRun;
    int runs;
    long heapBytes;
    int pods;
    Requests requests;
    StepTiming phase;
    double phaseCpu = Double.NaN;
  }

  private void capture(WorkflowClient client, String id, Captured c) {
    say("migration ended; reading its status and history");
    c.status = client.newWorkflowStub(MigrationWorkflow.class, id).status();
    StepTiming phase =
        c.status.steps().stream()
            .filter(s -> s.step().equals(Step.MIGRATE_WORKLOADS.id()) && s.endedAt() != null)
            .findFirst()
            .orElse(null);
    c.phase = phase;
    // every run: the latest, the runs it continued from, and the children any of them started
    Deque<WorkflowExecution> todo = new ArrayDeque<>();
    todo.add(WorkflowExecution.newBuilder().setWorkflowId(id).build());
    while (!todo.isEmpty()) {
      WorkflowExecution e = todo.poll();
      List<HistoryEvent> events =
          e.getRunId().isEmpty()
              ? client.fetchHistory(e.getWorkflowId()).getEvents()
              : client.fetchHistory(e.getWorkflowId(), e.getRunId()).getEvents();
      c.runs++;
      c.totalEvents += events.size();
      c.largestRun = Math.max(c.largestRun, events.size());
      for (HistoryEvent ev : events) {
        long ms = ev.getEventTime().getSeconds() * 1000 + ev.getEventTime().getNanos() / 1_000_000;
        if (phase != null && ms >= phase.startedAt() && ms <= phase.endedAt()) {
          c.phaseEvents++;
        }
        if (ev.hasWorkflowExecutionStartedEventAttributes()) {
          String previous =
              ev.getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
          if (!previous.isEmpty()) {
            todo.add(
                WorkflowExecution.newBuilder()
                    .setWorkflowId(e.getWorkflowId())
                    .setRunId(previous)
                    .build());
          }
        }
        if (ev.hasChildWorkflowExecutionStartedEventAttributes()) {
          todo.add(ev.getChildWorkflowExecutionStartedEventAttributes().getWorkflowExecution());
        }
      }
    }
    System.gc();
    System.gc();
    c.heapBytes = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  // --- the API requests ----------------------------------------------------------------------

  /** The product's requests during the workload phase. */
  static final class Requests {
    long total;
    long clusterWide;
    boolean complete = true;
    Map<String, Long> byVerb = new TreeMap<>();

    /** The sandbox's own requests (its controllers, kubelets, mesh) in the phase, by agent. */
    Map<String, Long> sandboxByVerb = new TreeMap<>();

    long sandboxTotal;
    long sandboxConflicts;
  }

  private static Requests productRequests(Sandbox sandbox, Captured c) {
    Requests r = new Requests();
    c.pods = sandbox.store().list(ResourceRegistry.PODS, null).size();
    StepTiming phase =
        c.status == null
            ? null
            : c.status.steps().stream()
                .filter(s -> s.step().equals(Step.MIGRATE_WORKLOADS.id()) && s.endedAt() != null)
                .findFirst()
                .orElse(null);
    List<RequestLog.Entry> all = sandbox.apiServer().requestLog().entries();
    if (phase == null) {
      return r;
    }
    Instant from = Instant.ofEpochMilli(phase.startedAt());
    // the log keeps its latest 200,000 entries: complete if its oldest precedes the phase
    r.complete = !all.isEmpty() && all.get(0).time().isBefore(from);
    Instant to = Instant.ofEpochMilli(phase.endedAt() + 1);
    for (RequestLog.Entry e : all) {
      if (e.time().isBefore(from) || !e.time().isBefore(to)) {
        continue;
      }
      if (!e.userAgent().equals(KubeClients.USER_AGENT)) {
        r.sandboxTotal++;
        if (e.code() == 409) {
          r.sandboxConflicts++;
        }
        String sub =
            e.subresource() == null || e.subresource().isEmpty() ? "" : "/" + e.subresource();
        r.sandboxByVerb.merge(
            e.userAgent() + " " + e.verb() + " " + e.resource() + sub + " " + e.code(),
            1L,
            Long::sum);
        continue;
      }
      r.total++;
      r.byVerb.merge(e.verb() + " " + e.resource(), 1L, Long::sum);
      if (e.namespace().isEmpty()) {
        r.clusterWide++;
      }
    }
    return r;
  }

  // --- the seed's manual loop ----------------------------------------------------------------

  /** As an operator would apply it before the loop: ControlPlaneRevision asm-managed. */
  private void provisionManagedControlPlane(KubernetesClient kube) {
    ResourceDefinitionContext cpr =
        new ResourceDefinitionContext.Builder()
            .withGroup("mesh.cloud.google.com")
            .withVersion("v1beta1")
            .withPlural("controlplanerevisions")
            .withKind("ControlPlaneRevision")
            .withNamespaced(true)
            .build();
    kube.genericKubernetesResources(cpr)
        .inNamespace(IstioNames.ISTIO_SYSTEM)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("mesh.cloud.google.com/v1beta1")
                .withKind("ControlPlaneRevision")
                .withNewMetadata()
                .withName(REVISION)
                .withNamespace(IstioNames.ISTIO_SYSTEM)
                .endMetadata()
                .addToAdditionalProperties(
                    "spec", Map.of("type", "managed_service", "channel", "regular"))
                .build())
        .create();
    kube.genericKubernetesResources(cpr)
        .inNamespace(IstioNames.ISTIO_SYSTEM)
        .withName(REVISION)
        .waitUntilCondition(
            r -> r != null && provisioned(r.getAdditionalProperties().get("status")),
            2,
            TimeUnit.MINUTES);
    say("manual loop: ControlPlaneRevision " + REVISION + " provisioned");
  }

  private static boolean provisioned(Object status) {
    JsonNode s = new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(status);
    for (JsonNode c : s.path("conditions")) {
      if (c.path("type").asText().equals("ProvisioningFinished")
          && c.path("status").asText().equals("True")) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code kubectl label namespace NS istio.io/rev=asm-managed istio-injection- --overwrite};
   * {@code kubectl rollout restart deployment -n NS}; {@code kubectl rollout status} of each.
   */
  static void relabelRestartWait(KubernetesClient kube, String ns) {
    kube.namespaces()
        .withName(ns)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"labels\":{\""
                + IstioNames.REV_LABEL
                + "\":\""
                + REVISION
                + "\",\""
                + IstioNames.INJECTION_LABEL
                + "\":null}}}");
    List<String> names =
        kube.apps().deployments().inNamespace(ns).list().getItems().stream()
            .map(d -> d.getMetadata().getName())
            .toList();
    String now = Instant.now().toString();
    for (String name : names) {
      kube.apps()
          .deployments()
          .inNamespace(ns)
          .withName(name)
          .patch(
              PatchContext.of(PatchType.STRATEGIC_MERGE),
              "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\""
                  + RESTARTED_AT
                  + "\":\""
                  + now
                  + "\"}}}}}");
    }
    for (String name : names) {
      kube.apps()
          .deployments()
          .inNamespace(ns)
          .withName(name)
          .waitUntilCondition(BenchRun::rolledOut, 10, TimeUnit.MINUTES);
    }
  }

  /** {@code kubectl rollout status}'s test for a Deployment. */
  static boolean rolledOut(Deployment d) {
    if (d == null || d.getStatus() == null) {
      return false;
    }
    var st = d.getStatus();
    long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
    long observed = st.getObservedGeneration() == null ? 0 : st.getObservedGeneration();
    int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    int updated = nz(st.getUpdatedReplicas());
    return generation <= observed
        && updated >= want
        && nz(st.getReplicas()) <= updated
        && nz(st.getAvailableReplicas()) >= updated;
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  /** Every pod of these namespaces Ready with the ASM proxy. */
  private static boolean allOnAsm(Sandbox sandbox, List<String> namespaces) {
    sandbox.awaitSettled(Duration.ofMinutes(2));
    for (String ns : namespaces) {
      for (var pod : sandbox.store().list(ResourceRegistry.PODS, ns)) {
        if (pod.path("status").path("phase").asText().equals("Succeeded")) {
          continue;
        }
        boolean asm = false;
        for (JsonNode c : pod.path("spec").path("containers")) {
          asm |=
              c.path("name").asText().equals(IstioNames.PROXY_CONTAINER)
                  && c.path("image").asText().startsWith(DemoRun.ASM_PROXY);
        }
        int ready = 0;
        for (JsonNode cs : pod.path("status").path("containerStatuses")) {
          ready += cs.path("ready").asBoolean() ? 1 : 0;
        }
        if (!asm || ready != pod.path("spec").path("containers").size()) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * One namespace alone: its wall time, this process's CPU meanwhile, and the cores the process
   * keeps busy with nothing rolling out (the worker's polls, the sandbox's resyncs).
   */
  private record Alone(double seconds, double cpuSeconds, double idleCores) {}

  /**
   * One namespace's relabel + restart + rollout status alone: a fresh namespace like the others,
   * added to the migrated sandbox once the migration ended, so nothing else rolls out.
   */
  private Alone aloneOnSameSandbox(Sandbox sandbox) throws InterruptedException {
    KubernetesClient kube = sandbox.externalClient("kubectl/bench-alone");
    addNamespace(kube, ALONE, size.deployments(), size.replicas());
    for (Deployment d : kube.apps().deployments().inNamespace(ALONE).list().getItems()) {
      kube.apps()
          .deployments()
          .inNamespace(ALONE)
          .withName(d.getMetadata().getName())
          .waitUntilCondition(BenchRun::rolledOut, 5, TimeUnit.MINUTES);
    }
    sandbox.awaitSettled(Duration.ofMinutes(2));
    double idleCores = ProcessCpu.coresBusyFor(Duration.ofSeconds(1));
    long cpu = ProcessCpu.nanos();
    long t = System.nanoTime();
    relabelRestartWait(kube, ALONE);
    double s = seconds(t);
    double cpuSeconds = (ProcessCpu.nanos() - cpu) / 1e9;
    if (!allOnAsm(sandbox, List.of(ALONE))) {
      throw new UserError(
          ExitCodes.UNEXPECTED, "the namespace rolled out alone did not end on the ASM proxy");
    }
    say("one namespace alone: " + fmt(s) + " s");
    return new Alone(s, cpuSeconds, idleCores);
  }

  // --- helpers -------------------------------------------------------------------------------

  private static Figure fig(String name, double value, String unit, String meaning) {
    return Figure.of(name, value, unit, meaning);
  }

  private static Map<String, Double> summary(List<Double> xs) {
    Map<String, Double> m = new LinkedHashMap<>();
    if (xs.isEmpty()) {
      return m;
    }
    List<Double> sorted = xs.stream().sorted().toList();
    m.put("min", sorted.get(0));
    m.put("median", sorted.get(sorted.size() / 2));
    m.put("max", sorted.get(sorted.size() - 1));
    return m;
  }

  private String describe() {
    return size.namespaces()
        + " namespaces x "
        + size.deployments()
        + " Deployments x "
        + size.replicas()
        + " pods (add-on 1.4)";
  }

  private void say(String line) {
    progress.println("bench [" + fmt(seconds(started)) + " s]: " + line);
    progress.flush();
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static String fmt(double s) {
    return String.format(java.util.Locale.ROOT, "%.1f", s);
  }
}
