package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetState;
import io.temporal.common.converter.DataConverter;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code asm-migrate demo}: the whole migration on embedded defaults — an in-memory Temporal
 * server, a sandbox cluster with the add-on and Online Boutique, and a worker, in one process.
 */
@Command(
    name = "demo",
    sortOptions = false,
    description =
        "Migrates a sandbox cluster (add-on + Online Boutique) to managed ASM with an embedded Temporal server and worker, then checks the result as the seed does.")
final class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  // Not mixinStandardHelpOptions: its -V/--version would clash with the add-on --version below,
  // and picocli then dropped --help as well.
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Option(
      names = "--version",
      defaultValue = "1.4",
      description = "Add-on version of the sandbox: 1.4, 1.6 or both (default: ${DEFAULT-VALUE}).")
  String version;

  @Option(
      names = "--namespaces",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Add N more injected namespaces with a few Deployments each (up to "
              + MAX_NAMESPACES
              + ", or "
              + MAX_NAMESPACES_LARGE
              + " with --large).")
  int extraNamespaces;

  @Option(
      names = "--large",
      description =
          "Allow --namespaces up to "
              + MAX_NAMESPACES_LARGE
              + " (a sandbox of 2,000+ pods in this process: slower to build, more memory).")
  boolean large;

  /** The largest sandbox a demo builds unasked, and with --large. */
  static final int MAX_NAMESPACES = 200;

  static final int MAX_NAMESPACES_LARGE = 500;

  @Option(
      names = "--fail-at",
      paramLabel = "STEP",
      description =
          "Inject a permanent failure at this step: the run must roll back and end ROLLED_BACK.")
  String failAt;

  @Option(
      names = "--abort-during",
      paramLabel = "STEP",
      description =
          "Abort while this step runs, as an operator would (asm-migrate abort): the running"
              + " activities must stop, then everything done so far is rolled back and the run"
              + " must end ROLLED_BACK. For the workload steps the abort comes while a"
              + " namespace is being migrated (its workloads restarted, their pods verified).")
  String abortDuring;

  @Option(
      names = "--pod-ready-delay",
      defaultValue = "300ms",
      description =
          "How long a started container takes to become Ready (default: ${DEFAULT-VALUE}).")
  Duration podReadyDelay;

  @Mixin ConcurrencyOption concurrency;

  @Option(
      names = "--history",
      paramLabel = "FILE",
      description = "Write the workflow's history as JSON to FILE (for replay tests).")
  java.nio.file.Path history;

  @Option(
      names = "--clusters",
      paramLabel = "N",
      description =
          "Migrate a fleet of N sandbox clusters (2 to "
              + MAX_CLUSTERS
              + ") served from this process: cluster-1 alone as the canary wave, then the"
              + " others at most two at once, a short soak after each wave, a failure budget"
              + " of 0 that halts the fleet and rolls back the clusters in flight.")
  Integer clusters;

  @Option(
      names = "--fail-cluster",
      paramLabel = "NAME[:STEP]",
      description =
          "With --clusters: inject a permanent failure into this cluster's migration at STEP"
              + " (default: migrate-configs), to show the fleet halt: it must end HALTED, the"
              + " failed cluster and those in flight rolled back, later ones untouched.")
  String failCluster;

  /** The largest fleet a demo serves in one process. */
  static final int MAX_CLUSTERS = 5;

  @Option(
      names = "--windows",
      paramLabel = "short",
      description =
          "Maintenance windows in real time: every disturbing step and namespace wave runs"
              + " only inside windows of "
              + DemoWindows.WINDOW_SECONDS
              + " s every "
              + DemoWindows.EVERY_SECONDS
              + " s, fixed for the whole run; the run waits where the next piece of work does not"
              + " fit the time left (WAITING_FOR_WINDOW) and goes on at the next window; "
              + DemoWindows.NAMESPACES
              + " more namespaces unless --namespaces says otherwise, one at a time unless"
              + " --concurrency says otherwise; about a minute and a half.")
  String windows;

  @Mixin CodecOptions codec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    validate();
    if (clusters != null) {
      return fleet(out);
    }
    DataConverter dataConverter = codec.dataConverter();
    MigrationState asked =
        failAt == null && abortDuring == null ? MigrationState.SUCCESS : MigrationState.ROLLED_BACK;
    int namespaces =
        windows != null && extraNamespaces == 0 ? DemoWindows.NAMESPACES : extraNamespaces;
    out.println(
        "demo: sandbox cluster with the Istio "
            + version
            + " add-on, Online Boutique"
            + (namespaces > 0 ? " and " + namespaces + " more namespaces" : "")
            + (failAt == null ? "" : "; a failure will be injected at " + failAt)
            + (abortDuring == null ? "" : "; an operator will abort during " + abortDuring));
    out.flush();
    if (windows != null) {
      out.println(
          "demo: maintenance windows: "
              + DemoWindows.WINDOW_SECONDS
              + " s every "
              + DemoWindows.EVERY_SECONDS
              + " s for the whole run, "
              + DemoWindows.FIRST_LEFT_SECONDS
              + " s of the first left at the start, margin "
              + DemoWindows.MARGIN.toSeconds()
              + " s; each disturbing step and wave starts only if it and its undo fit the time"
              + " left (estimates: pre-flight's model of the cluster, then what the run"
              + " measured)");
    }
    try (DemoRun run =
        DemoRun.prepare(version, namespaces, podReadyDelay).dataConverter(dataConverter)) {
      if (windows != null) {
        run.shortWindows();
      }
      // the windows demo migrates one namespace at a time unless told otherwise: more waves, so
      // that the workload phase spans several short windows
      int waveSize =
          windows != null && !spec.commandLine().getParseResult().hasMatchedOption("--concurrency")
              ? 1
              : concurrency.value();
      MigrationResult result = run.migrate(failAt, abortDuring, waveSize, out, history);
      boolean checks =
          // FINISH_FAILED migrated too: the checks of a migrated cluster say what was not finished
          result.state() == MigrationState.SUCCESS || result.state() == MigrationState.FINISH_FAILED
              ? run.checkMigrated(out)
              : run.checkRolledBack(out);
      JsonNode traffic = run.sandbox().trafficProbe().report();
      long sent = traffic.path("sent").asLong();
      long failed = traffic.path("failed").asLong();
      out.println(StatusView.outcomeLine(result));
      out.println("traffic: " + sent + " requests, " + failed + " failed");
      for (JsonNode f : traffic.path("failures")) {
        if (f.path("time").isMissingNode()) {
          continue;
        }
        out.println("  failed at " + f.path("time").asText() + ": " + f.path("reason").asText());
      }
      out.flush();
      if (result.state() != asked) {
        return ExitCodes.of(result.state(), asked);
      }
      return result.state() == asked && checks && failed == 0 ? ExitCodes.OK : ExitCodes.OUTCOME;
    }
  }

  /** {@code --clusters N}: the fleet demo. */
  private int fleet(PrintWriter out) throws Exception {
    out.println(
        "demo: a fleet of "
            + clusters
            + " sandbox clusters with the Istio "
            + version
            + " add-on and Online Boutique each; canary cluster-1, then the others two at a time"
            + (failCluster == null ? "" : "; a failure will be injected in " + failCluster));
    out.flush();
    try (FleetDemoRun run = FleetDemoRun.prepare(clusters, version, podReadyDelay)) {
      FleetResult result = run.migrate(failCluster, out);
      boolean checks = run.check(result, out);
      out.println(FleetDemoRun.outcomeLine(result));
      long lost = run.printTraffic(out);
      out.flush();
      FleetState asked = failCluster == null ? FleetState.SUCCESS : FleetState.HALTED;
      if (result.state() != asked) {
        return ExitCodes.OUTCOME;
      }
      return checks && lost == 0 ? ExitCodes.OK : ExitCodes.OUTCOME;
    }
  }

  private void validate() {
    if (windows != null) {
      if (!windows.equals("short")) {
        throw new UserError(ExitCodes.USAGE, "--windows must be short, got '" + windows + "'");
      }
      if (clusters != null || failAt != null || abortDuring != null) {
        throw new UserError(
            ExitCodes.USAGE,
            "--windows short shows one migration waiting for its windows: not with --clusters,"
                + " --fail-at or --abort-during");
      }
    }
    if (clusters != null) {
      validateFleet();
    } else if (failCluster != null) {
      throw new UserError(ExitCodes.USAGE, "--fail-cluster needs --clusters");
    }
    if (!List.of("1.4", "1.6", "both").contains(version)) {
      throw new UserError(
          ExitCodes.USAGE, "--version must be 1.4, 1.6 or both, got '" + version + "'");
    }
    int max = large ? MAX_NAMESPACES_LARGE : MAX_NAMESPACES;
    if (extraNamespaces < 0 || extraNamespaces > max) {
      throw new UserError(
          ExitCodes.USAGE,
          "--namespaces must be between 0 and "
              + max
              + (large ? "" : " (up to " + MAX_NAMESPACES_LARGE + " with --large)")
              + ", got "
              + extraNamespaces);
    }
    rollbackable("--fail-at", failAt);
    rollbackable("--abort-during", abortDuring);
    if (failAt != null && abortDuring != null) {
      throw new UserError(
          ExitCodes.USAGE, "--fail-at and --abort-during rehearse one each: give one");
    }
  }

  private void validateFleet() {
    if (clusters < 2 || clusters > MAX_CLUSTERS) {
      throw new UserError(
          ExitCodes.USAGE,
          "--clusters must be between 2 and " + MAX_CLUSTERS + ", got " + clusters);
    }
    if (extraNamespaces != 0 || failAt != null || abortDuring != null || history != null) {
      throw new UserError(
          ExitCodes.USAGE,
          "--clusters runs the fleet demo: --namespaces, --fail-at, --abort-during and --history"
              + " are for one cluster");
    }
    if (failCluster == null) {
      return;
    }
    String name = failCluster.contains(":") ? failCluster.split(":", 2)[0] : failCluster;
    if (!name.matches("cluster-[1-9]") || Integer.parseInt(name.substring(8)) > clusters) {
      throw new UserError(
          ExitCodes.USAGE,
          "--fail-cluster must name one of the fleet's clusters, cluster-1 to cluster-"
              + clusters
              + ", got '"
              + name
              + "'");
    }
    if (failCluster.contains(":")) {
      rollbackable("--fail-cluster's step", failCluster.split(":", 2)[1]);
    }
  }

  private static void rollbackable(String option, String step) {
    if (step != null
        && Step.fromId(step).filter(Step::reversible).filter(Step::mutating).isEmpty()) {
      throw new UserError(
          ExitCodes.USAGE,
          option
              + " must be one of "
              + Step.rollbackable().stream().map(Step::id).toList()
              + ", got '"
              + step
              + "'");
    }
  }
}
