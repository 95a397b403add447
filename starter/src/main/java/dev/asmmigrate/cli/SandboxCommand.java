package dev.asmmigrate.cli;

import com.google.container.v1beta1.MaintenancePolicy;
import com.google.container.v1beta1.MaintenanceWindow;
import com.google.container.v1beta1.RecurringTimeWindow;
import com.google.container.v1beta1.TimeWindow;
import com.google.protobuf.Timestamp;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code asm-migrate sandbox}: serves a simulated add-on cluster until interrupted. */
@Command(
    name = "sandbox",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serves a simulated GKE cluster running the Istio add-on until interrupted (Ctrl-C):",
      "a Kubernetes API on 127.0.0.1 that kubectl drives, controllers, the add-on and managed",
      "control planes, a traffic probe (GET /sandbox/traffic), a request log (GET /sandbox/requests),",
      "faults (GET/PUT /sandbox/faults) and fake GKE Hub / ClusterManager gRPC services.",
      "With --clusters N or --clusters-file FILE: a fleet of simulated clusters, each with its own",
      "API, kubeconfig context, traffic probe and request log, sharing one fake Google."
    })
final class SandboxCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(
      names = "--base",
      defaultValue = "addon-1.4",
      description =
          "Cluster to start from: addon-1.4, addon-1.6 or none; with --clusters also both"
              + " (1.4 and 1.6 clusters in turn) (default: ${DEFAULT-VALUE}).")
  String base;

  @Option(
      names = "--app",
      description = "Sample application to install: online-boutique (repeatable).")
  List<String> apps = new ArrayList<>();

  @Option(
      names = "--fixture",
      paramLabel = "DIR",
      description = "Directory of YAML manifests applied after the base (repeatable).")
  List<Path> fixtures = new ArrayList<>();

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "Write a kubeconfig (context 'sandbox') here, owner-only.")
  Path kubeconfig;

  @Option(
      names = "--port",
      defaultValue = "0",
      description = "Kubernetes API port on 127.0.0.1 (default: a free one).")
  int port;

  @Option(
      names = "--google-port",
      defaultValue = "0",
      description = "Fake Google APIs port on 127.0.0.1 (default: a free one).")
  int googlePort;

  @Option(
      names = "--pod-ready-delay",
      defaultValue = "2s",
      description =
          "How long a started container takes to become Ready (default: ${DEFAULT-VALUE}).")
  Duration podReadyDelay;

  @Option(
      names = "--root-distribution-delay",
      defaultValue = "60s",
      description =
          "How long the add-on's Citadel (1.4) and istiod (1.6) take to write a new root into"
              + " every namespace (Secrets istio.default, ConfigMaps istio-ca-root-cert) after"
              + " their configuration changes; about a minute on a real 1.4 cluster, which the"
              + " migration's configure-mesh-ca waits for (default: ${DEFAULT-VALUE}).")
  Duration rootDistributionDelay;

  @Option(
      names = "--proxy-root-pickup-delay",
      defaultValue = "0s",
      description =
          "How long add-on proxies take to trust a refreshed root bundle; configure-mesh-ca must"
              + " hold at least this long (worker --proxy-cert-pickup, --root-cert-trigger-hold)"
              + " or requests fail (default: ${DEFAULT-VALUE}).")
  Duration proxyRootPickupDelay;

  @Option(
      names = "--project",
      defaultValue = "sandbox-project",
      description = "GCP project of the simulated cluster (default: ${DEFAULT-VALUE}).")
  String project;

  @Option(
      names = "--location",
      defaultValue = "us-central1-c",
      description = "GKE location (default: ${DEFAULT-VALUE}).")
  String location;

  @Option(
      names = "--cluster",
      defaultValue = "sandbox-cluster",
      description = "GKE cluster name (default: ${DEFAULT-VALUE}).")
  String cluster;

  @Option(
      names = "--master-version",
      defaultValue = "1.19.8-gke.1600",
      description = "GKE master version (default: ${DEFAULT-VALUE}).")
  String masterVersion;

  @Option(
      names = "--traffic-target",
      defaultValue = "online-boutique/frontend",
      description = "Service the traffic probe calls, namespace/name (default: ${DEFAULT-VALUE}).")
  String trafficTarget;

  @Option(
      names = "--api-error-rate",
      paramLabel = "VERB=RATE",
      description =
          "Fail this fraction of API requests of a verb (or *), e.g. patch=0.1 (repeatable).")
  Map<String, Double> apiErrorRates = Map.of();

  @Option(
      names = "--api-error-codes",
      split = ",",
      paramLabel = "CODE",
      description =
          "Status codes of injected API errors, in turn, each only where a real API server can"
              + " answer it (409 only on updates and patches, 429 with Retry-After); 0 = time-out"
              + " (default: 500,409,429).")
  List<Integer> apiErrorCodes;

  @Option(
      names = "--api-error-applied-fraction",
      paramLabel = "FRACTION",
      description =
          "Fraction of the injected 500s on writes answered after the write was applied"
              + " (default: 0.5).")
  Double apiErrorAppliedFraction;

  @Option(
      names = "--crash-loop-namespace",
      paramLabel = "NS",
      description = "New pods in this namespace crash-loop (repeatable).")
  List<String> crashLoopNamespaces = new ArrayList<>();

  @Option(
      names = "--control-plane-never-provisioned",
      description = "ControlPlaneRevisions never become ProvisioningFinished.")
  boolean controlPlaneNeverProvisioned;

  @Option(
      names = "--root-distribution-stuck",
      description = "Citadel and istiod never distribute a new root certificate.")
  boolean rootDistributionStuck;

  @Option(
      names = "--injection-webhook-unavailable",
      description = "Sidecar injection webhooks do not answer.")
  boolean injectionWebhookUnavailable;

  @Option(
      names = "--deny",
      paramLabel = "'VERB GROUP/RESOURCE'",
      description =
          "A permission the caller lacks, e.g. 'delete /secrets' or 'patch apps/deployments' (repeatable).")
  List<String> denied = new ArrayList<>();

  @Option(
      names = "--google-fault",
      paramLabel = "FAULT",
      description = "Fake Google API fault: permission-denied or not-found.")
  String googleFault;

  @Option(
      names = "--google-operation-delay",
      description = "Extra time each fake Google long-running operation takes.")
  Duration googleOperationDelay;

  @Option(
      names = "--maintenance-window-start",
      paramLabel = "TIME",
      description =
          "The simulated cluster's GKE maintenance policy, as `gcloud container clusters update`"
              + " sets it: the first window's start, an instant (e.g. 2026-12-05T01:00:00Z); with"
              + " --maintenance-window-end and --maintenance-window-recurrence.")
  String maintenanceWindowStart;

  @Option(
      names = "--maintenance-window-end",
      paramLabel = "TIME",
      description = "The first maintenance window's end, an instant.")
  String maintenanceWindowEnd;

  @Option(
      names = "--maintenance-window-recurrence",
      paramLabel = "RRULE",
      description = "How the maintenance window recurs, e.g. 'FREQ=WEEKLY;BYDAY=SA,SU'.")
  String maintenanceWindowRecurrence;

  @Option(
      names = "--maintenance-exclusion",
      paramLabel = "NAME=START/END",
      description =
          "A maintenance exclusion of the simulated cluster (repeatable), instants, e.g."
              + " 'year-end=2026-12-19T00:00:00Z/2027-01-04T00:00:00Z'.")
  List<String> maintenanceExclusions = new ArrayList<>();

  @Option(
      names = "--clusters",
      paramLabel = "N",
      description =
          "Serve a fleet of N clusters (cluster-1..N, the flags' base and apps, the first labelled"
              + " wave=canary, the others wave=rest) sharing one fake Google.")
  Integer clusters;

  @Option(
      names = "--clusters-file",
      paramLabel = "FILE",
      description =
          "Serve the fleet of clusters this YAML file lists, each with its own name, base, apps,"
              + " fixtures, project, location and labels.")
  Path clustersFile;

  @Option(
      names = "--fleet-file",
      paramLabel = "FILE",
      description =
          "With --clusters(-file): where to write a fleet file of the served clusters, for"
              + " 'fleet start' (default: sandbox-fleet.yaml).")
  Path fleetFile;

  @Option(
      names = "--registered",
      description =
          "With --clusters: the clusters are already members of the project's fleet (GKE Hub),"
              + " with their wave labels.")
  boolean registered;

  @Override
  public void run() {
    if (clusters != null || clustersFile != null) {
      if (maintenancePolicy() != null) {
        throw new UserError(
            ExitCodes.USAGE,
            "--maintenance-window-* and --maintenance-exclusion set one cluster's policy: not with"
                + " --clusters or --clusters-file");
      }
      new SandboxFleetRun(this, spec).run();
      return;
    }
    PrintWriter out = spec.commandLine().getOut();
    SandboxSettings settings = settings();
    applyFaults(new Faults()); // a bad fault flag is refused before anything starts
    MaintenancePolicy maintenance = maintenancePolicy();
    Sandbox sandbox;
    try {
      sandbox = Sandbox.start(settings);
    } catch (IllegalArgumentException e) {
      throw new UserError(ExitCodes.USAGE, e.getMessage());
    }
    CountDownLatch stopped = closeOnShutdown(sandbox);
    applyFaults(sandbox.faults());
    if (maintenance != null) {
      sandbox.gkeCluster().setMaintenancePolicy(maintenance);
    }
    try {
      if (kubeconfig != null) {
        sandbox.writeKubeconfig(kubeconfig);
      }
    } catch (java.io.IOException e) {
      throw new UserError(
          ExitCodes.UNEXPECTED, "cannot write " + kubeconfig + ": " + e.getMessage());
    }
    out.println(
        "sandbox: "
            + settings.base().id()
            + (apps.isEmpty() ? "" : " + " + String.join(", ", apps))
            + ", cluster projects/"
            + project
            + "/locations/"
            + location
            + "/clusters/"
            + cluster);
    out.println("kubernetes api:  " + sandbox.kubernetesUrl());
    out.println(
        "google apis:     "
            + sandbox.googleEndpoint()
            + " (plaintext gRPC: GKE Hub v1, ClusterManager)");
    if (maintenance != null) {
      out.println(
          "maintenance:     "
              + maintenanceWindowRecurrence
              + " from "
              + maintenanceWindowStart
              + " to "
              + maintenanceWindowEnd
              + (maintenanceExclusions.isEmpty()
                  ? ""
                  : ", excluded " + String.join(", ", maintenanceExclusions)));
    }
    out.println("traffic probe:   " + sandbox.kubernetesUrl() + "/sandbox/traffic");
    out.println("request log:     " + sandbox.kubernetesUrl() + "/sandbox/requests");
    out.println("faults:          " + sandbox.kubernetesUrl() + "/sandbox/faults");
    if (kubeconfig != null) {
      out.println("kubeconfig:      " + kubeconfig.toAbsolutePath() + " (context sandbox)");
      out.println("try:             kubectl --kubeconfig " + kubeconfig + " get pods -A");
    }
    out.flush();
    boolean settled = sandbox.awaitSettled(Duration.ofMinutes(3));
    out.println(
        settled
            ? "ready: every workload is rolled out and Ready"
            : "warning: the cluster has not settled after 3 minutes");
    serveUntilStopped(out, stopped);
  }

  /** Says so, then waits until {@code stopped} opens (Ctrl-C, see {@link #closeOnShutdown}). */
  static void serveUntilStopped(PrintWriter out, CountDownLatch stopped) {
    out.println("serving until interrupted (Ctrl-C)");
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Closes {@code served} when the JVM shuts down (Ctrl-C); the latch opens once it is closed. */
  static CountDownLatch closeOnShutdown(AutoCloseable served) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    served.close();
                  } catch (Exception ignored) {
                    // shutting down: nothing more to do about it
                  }
                  stopped.countDown();
                },
                "sandbox-shutdown"));
    return stopped;
  }

  SandboxSettings settings() {
    SandboxSettings.Base b;
    try {
      b = SandboxSettings.Base.fromId(base);
    } catch (IllegalArgumentException e) {
      throw new UserError(ExitCodes.USAGE, e.getMessage());
    }
    if (rootDistributionDelay.isNegative()) {
      throw new UserError(ExitCodes.USAGE, "--root-distribution-delay must not be negative");
    }
    if (proxyRootPickupDelay.isNegative()) {
      throw new UserError(ExitCodes.USAGE, "--proxy-root-pickup-delay must not be negative");
    }
    if (!trafficTarget.matches("[a-z0-9-]+/[a-z0-9-]+")) {
      throw new UserError(
          ExitCodes.USAGE, "--traffic-target must be namespace/name, got '" + trafficTarget + "'");
    }
    return SandboxSettings.builder()
        .base(b)
        .apps(apps)
        .fixtureDirs(fixtures)
        .port(port)
        .googlePort(googlePort)
        .podReadyDelay(podReadyDelay)
        .rootDistributionDelay(rootDistributionDelay)
        .proxyRootPickupDelay(proxyRootPickupDelay)
        .project(project)
        .location(location)
        .cluster(cluster)
        .masterVersion(masterVersion)
        .trafficTarget(trafficTarget)
        .build();
  }

  /**
   * The GKE maintenance policy the flags give the simulated cluster (its ClusterManager serves it
   * as {@code maintenancePolicy}), or null when none is given. The recurrence is served as given,
   * unchecked, as a policy to rehearse with; the times must be instants, each end after its start.
   */
  MaintenancePolicy maintenancePolicy() {
    boolean any =
        maintenanceWindowStart != null
            || maintenanceWindowEnd != null
            || maintenanceWindowRecurrence != null;
    if (!any && maintenanceExclusions.isEmpty()) {
      return null;
    }
    MaintenanceWindow.Builder window = MaintenanceWindow.newBuilder();
    if (any) {
      if (maintenanceWindowStart == null
          || maintenanceWindowEnd == null
          || maintenanceWindowRecurrence == null) {
        throw new UserError(
            ExitCodes.USAGE,
            "--maintenance-window-start, --maintenance-window-end and"
                + " --maintenance-window-recurrence go together: give all three");
      }
      window.setRecurringWindow(
          RecurringTimeWindow.newBuilder()
              .setWindow(
                  timeWindow(
                      "--maintenance-window-start/end",
                      maintenanceWindowStart,
                      maintenanceWindowEnd))
              .setRecurrence(maintenanceWindowRecurrence));
    }
    for (String x : maintenanceExclusions) {
      int eq = x.indexOf('=');
      int slash = x.indexOf('/', Math.max(eq, 0));
      if (eq <= 0 || slash < 0) {
        throw new UserError(
            ExitCodes.USAGE, "--maintenance-exclusion '" + x + "': expected NAME=START/END");
      }
      window.putMaintenanceExclusions(
          x.substring(0, eq),
          timeWindow(
              "--maintenance-exclusion '" + x + "'",
              x.substring(eq + 1, slash),
              x.substring(slash + 1)));
    }
    return MaintenancePolicy.newBuilder().setWindow(window).build();
  }

  private static TimeWindow timeWindow(String what, String start, String end) {
    Instant s;
    Instant e;
    try {
      s = Instant.parse(start.strip());
      e = Instant.parse(end.strip());
    } catch (DateTimeException ex) {
      throw new UserError(
          ExitCodes.USAGE,
          what + ": times are instants, e.g. 2026-12-05T01:00:00Z (" + ex.getMessage() + ")");
    }
    if (!e.isAfter(s)) {
      throw new UserError(ExitCodes.USAGE, what + ": the end must be after the start");
    }
    return TimeWindow.newBuilder().setStartTime(timestamp(s)).setEndTime(timestamp(e)).build();
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  /**
   * Refuses a {@code --deny} entry that would deny nothing: the sandbox matches {@code VERB
   * GROUP/RESOURCE} exactly (group empty for core), so a misspelt verb, a missing slash or a
   * resource of another group is refused here rather than silently allowing everything.
   */
  static void checkDenied(String entry) {
    String allowed =
        "'VERB GROUP/RESOURCE' with VERB * or one of "
            + String.join(", ", ResourceType.VERBS)
            + " and GROUP empty for core, e.g. 'delete /secrets' or 'patch apps/deployments'";
    String[] parts = entry.split(" ", -1);
    if (parts.length != 2
        || !(parts[0].equals("*") || ResourceType.VERBS.contains(parts[0]))
        || !parts[1].matches("[a-z0-9.-]*/[a-z0-9]+")) {
      throw new UserError(ExitCodes.USAGE, "--deny '" + entry + "' denies nothing: use " + allowed);
    }
    String group = parts[1].substring(0, parts[1].indexOf('/'));
    String resource = parts[1].substring(parts[1].indexOf('/') + 1);
    var builtins = new ResourceRegistry().builtins();
    boolean builtinGroup = builtins.stream().anyMatch(t -> t.group().equals(group));
    if (builtinGroup
        && builtins.stream()
            .noneMatch(t -> t.group().equals(group) && t.plural().equals(resource))) {
      String elsewhere =
          builtins.stream()
              .filter(t -> t.plural().equals(resource))
              .map(t -> t.group() + "/" + t.plural())
              .findFirst()
              .map(r -> " (did you mean '" + parts[0] + " " + r + "'?)")
              .orElse("");
      throw new UserError(
          ExitCodes.USAGE,
          "--deny '"
              + entry
              + "' denies nothing: group '"
              + group
              + "' has no resource "
              + resource
              + elsewhere);
    }
  }

  void applyFaults(Faults f) {
    apiErrorRates.forEach(
        (verb, rate) -> {
          if (rate < 0 || rate > 1) {
            throw new UserError(
                ExitCodes.USAGE,
                "--api-error-rate " + verb + "=" + rate + ": the rate must be between 0 and 1");
          }
          f.apiErrorRate.put(verb, rate);
        });
    if (apiErrorCodes != null) {
      f.apiErrorCodes.clear();
      f.apiErrorCodes.addAll(apiErrorCodes);
    }
    if (apiErrorAppliedFraction != null) {
      if (apiErrorAppliedFraction < 0 || apiErrorAppliedFraction > 1) {
        throw new UserError(
            ExitCodes.USAGE,
            "--api-error-applied-fraction "
                + apiErrorAppliedFraction
                + ": the fraction must be between 0 and 1");
      }
      f.apiErrorAppliedFraction = apiErrorAppliedFraction;
    }
    f.crashLoopNamespaces.addAll(crashLoopNamespaces);
    f.controlPlaneNeverProvisioned = controlPlaneNeverProvisioned;
    f.rootDistributionStuck = rootDistributionStuck;
    f.injectionWebhookUnavailable = injectionWebhookUnavailable;
    denied.forEach(SandboxCommand::checkDenied);
    f.denied.addAll(denied);
    if (googleFault != null) {
      if (!googleFault.equals("permission-denied") && !googleFault.equals("not-found")) {
        throw new UserError(
            ExitCodes.USAGE, "--google-fault must be permission-denied or not-found");
      }
      f.googleApiFault = googleFault;
    }
    if (googleOperationDelay != null) {
      f.googleOperationDelay = googleOperationDelay;
    }
  }
}
