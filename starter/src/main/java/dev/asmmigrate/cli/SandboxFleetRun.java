package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxFleet;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code asm-migrate sandbox --clusters N} and {@code --clusters-file FILE}: a fleet of simulated
 * clusters served until interrupted, its kubeconfig (one context per cluster, named as the cluster)
 * and a fleet file of its clusters for {@code fleet start}.
 */
final class SandboxFleetRun {
  static final Path DEFAULT_KUBECONFIG = Path.of("sandbox-fleet.kubeconfig");
  static final Path DEFAULT_FLEET_FILE = Path.of("sandbox-fleet.yaml");

  private final SandboxCommand command;
  private final CommandSpec spec;

  SandboxFleetRun(SandboxCommand command, CommandSpec spec) {
    this.command = command;
    this.spec = spec;
  }

  void run() {
    PrintWriter out = spec.commandLine().getOut();
    SandboxFleet.Settings settings = settings();
    command.applyFaults(new dev.asmmigrate.sandbox.Faults()); // refuse a bad flag first
    Path kubeconfig = command.kubeconfig != null ? command.kubeconfig : DEFAULT_KUBECONFIG;
    Path fleetFile = command.fleetFile != null ? command.fleetFile : DEFAULT_FLEET_FILE;
    SandboxFleet fleet;
    try {
      fleet = SandboxFleet.start(settings);
    } catch (IllegalArgumentException e) {
      throw new UserError(ExitCodes.USAGE, e.getMessage());
    }
    CountDownLatch stopped = SandboxCommand.closeOnShutdown(fleet);
    command.applyFaults(fleet.googleFaults());
    command.denyGoogle(fleet.googleApis().iam());
    fleet.sandboxes().forEach(s -> command.applyFaults(s.faults()));
    try {
      fleet.writeKubeconfig(kubeconfig);
      Files.writeString(fleetFile, fleetFile(settings));
    } catch (IOException e) {
      throw new UserError(ExitCodes.UNEXPECTED, "cannot write " + e.getMessage());
    }
    out.println(
        "sandbox fleet: "
            + settings.members().size()
            + " clusters, fleet project "
            + settings.fleetProject());
    out.println(
        "google apis:     "
            + fleet.googleEndpoint()
            + " (plaintext gRPC: GKE Hub v1, ClusterManager; shared by every cluster)");
    for (int i = 0; i < settings.members().size(); i++) {
      SandboxFleet.Member m = settings.members().get(i);
      Sandbox sandbox = fleet.sandboxes().get(i);
      SandboxSettings s = m.settings();
      out.println(
          m.name()
              + ": "
              + s.base().id()
              + (s.apps().isEmpty() ? "" : " + " + String.join(", ", s.apps()))
              + ", cluster projects/"
              + s.project()
              + "/locations/"
              + s.location()
              + "/clusters/"
              + s.cluster()
              + (m.labels().isEmpty() ? "" : " (" + labels(m.labels()) + ")")
              + (m.registered() ? ", registered in the fleet" : ""));
      out.println("  context:         " + m.name());
      out.println("  kubernetes api:  " + sandbox.kubernetesUrl());
      out.println("  traffic probe:   " + sandbox.kubernetesUrl() + "/sandbox/traffic");
      out.println("  request log:     " + sandbox.kubernetesUrl() + "/sandbox/requests");
      out.println("  faults:          " + sandbox.kubernetesUrl() + "/sandbox/faults");
    }
    out.println(
        "kubeconfig:      "
            + kubeconfig.toAbsolutePath()
            + " (contexts "
            + settings.members().stream()
                .map(SandboxFleet.Member::name)
                .collect(Collectors.joining(", "))
            + ")");
    out.println("fleet file:      " + fleetFile.toAbsolutePath());
    out.println(
        "try:             kubectl --kubeconfig "
            + kubeconfig
            + " --context "
            + settings.members().get(0).name()
            + " get pods -A");
    out.flush();
    boolean settled = fleet.awaitSettled(Duration.ofMinutes(3));
    out.println(
        settled
            ? "ready: every workload of every cluster is rolled out and Ready"
            : "warning: the clusters have not settled after 3 minutes");
    SandboxCommand.serveUntilStopped(out, stopped);
  }

  /** The fleet the flags or the clusters file describe; a mistake is refused with exit 2. */
  SandboxFleet.Settings settings() {
    var parsed = spec.commandLine().getParseResult();
    if (command.clusters != null && command.clustersFile != null) {
      throw new UserError(ExitCodes.USAGE, "give --clusters or --clusters-file, not both");
    }
    for (String single : List.of("--port", "--cluster", "--location")) {
      if (parsed != null && parsed.hasMatchedOption(single)) {
        throw new UserError(
            ExitCodes.USAGE,
            single
                + " names one cluster: a fleet's clusters get free ports, cluster-1..N names and"
                + " their locations (or those of --clusters-file)");
      }
    }
    SandboxSettings template;
    String base = command.base;
    boolean both = "both".equals(base);
    if (both) {
      command.base = SandboxSettings.Base.ADDON_1_4.id();
    }
    try {
      template = command.settings();
    } finally {
      command.base = base;
    }
    if (command.clustersFile != null) {
      if (command.registered) {
        throw new UserError(
            ExitCodes.USAGE, "--registered is for --clusters: a clusters file says it per cluster");
      }
      if (!Files.isRegularFile(command.clustersFile)) {
        throw new UserError(
            ExitCodes.USAGE, "--clusters-file " + command.clustersFile + " does not exist");
      }
      return SandboxClustersFile.read(command.clustersFile, template);
    }
    if (command.clusters < 1 || command.clusters > 20) {
      throw new UserError(
          ExitCodes.USAGE, "--clusters must be between 1 and 20, got " + command.clusters);
    }
    SandboxFleet.Settings made = SandboxFleet.Settings.of(command.clusters, template);
    List<SandboxFleet.Member> members = new ArrayList<>();
    for (int i = 0; i < made.members().size(); i++) {
      SandboxFleet.Member m = made.members().get(i);
      SandboxSettings s =
          both && i % 2 == 1
              ? SandboxFleet.copy(m.settings()).base(SandboxSettings.Base.ADDON_1_6).build()
              : m.settings();
      members.add(new SandboxFleet.Member(s, m.labels(), command.registered));
    }
    return new SandboxFleet.Settings(members, made.fleetProject(), made.googlePort());
  }

  /**
   * The fleet file of the served clusters: the first is the canary wave, the others a second wave
   * of at most two at once (by the selector {@code wave=rest} when they all carry that label).
   */
  static String fleetFile(SandboxFleet.Settings settings) {
    ObjectNode root = Json.object().put("name", "sandbox-fleet");
    ArrayNode clusters = root.putArray("clusters");
    for (SandboxFleet.Member m : settings.members()) {
      ObjectNode c =
          clusters
              .addObject()
              .put("project", m.settings().project())
              .put("location", m.settings().location())
              .put("name", m.name())
              .put("context", m.name());
      ObjectNode labels = c.putObject("labels");
      m.labels().forEach(labels::put);
    }
    ArrayNode waves = root.putArray("waves");
    List<SandboxFleet.Member> members = settings.members();
    ObjectNode canary = waves.addObject().put("name", "canary");
    canary.putArray("clusters").add(members.get(0).name());
    canary.put("soak", "30s");
    List<SandboxFleet.Member> rest = members.subList(1, members.size());
    if (!rest.isEmpty()) {
      ObjectNode second = waves.addObject().put("name", "rest");
      if (rest.stream().allMatch(m -> "rest".equals(m.labels().get("wave")))
          && !"rest".equals(members.get(0).labels().get("wave"))) {
        second.put("selector", "wave=rest");
      } else {
        ArrayNode names = second.putArray("clusters");
        rest.forEach(m -> names.add(m.name()));
      }
      second.put("maxConcurrent", 2);
    }
    root.put("failureBudget", 0);
    root.put("onHalt", "rollBack");
    root.putObject("migration").put("concurrency", 4).put("approvePointOfNoReturn", "none");
    return Json.toYaml(root);
  }

  private static String labels(Map<String, String> labels) {
    return labels.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }
}
