package dev.asmmigrate.cli;

import dev.asmmigrate.activities.preflight.PreflightActivitiesImpl;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Option;

/**
 * The options that decide what a migration changes, shared by {@code plan} and {@code start}: a
 * plan made with the same flags describes exactly the migration {@code start} runs.
 */
final class MeshOptions {
  private static final List<String> CHANNELS = List.of("regular", "rapid", "stable");

  @Option(
      names = "--fleet-project",
      description = "Fleet (GKE Hub) project (default: the cluster's project).")
  String fleetProject;

  @Option(
      names = "--channel",
      defaultValue = "regular",
      description =
          "Managed ASM release channel: regular, rapid or stable (default: ${DEFAULT-VALUE}).")
  String channel;

  @Option(
      names = "--namespaces",
      split = ",",
      paramLabel = "NS",
      description =
          "Namespaces to migrate first (default: every injected one); the rest follow after the"
              + " webhook switch.")
  List<String> namespaces = new ArrayList<>();

  @Option(
      names = "--no-restart-sets",
      negatable = true,
      defaultValue = "true",
      description =
          "Also restart StatefulSets and DaemonSets whose pods carry a sidecar (default: yes).")
  boolean restartSets;

  /**
   * Refuses, as usage errors: an unknown channel, a fleet project that is not a GCP name, and a
   * namespace list with a name that is not a namespace name, a system namespace or a repeat.
   */
  void validate() {
    if (!CHANNELS.contains(channel)) {
      throw new UserError(
          ExitCodes.USAGE, "--channel must be regular, rapid or stable, got '" + channel + "'");
    }
    if (fleetProject != null) {
      ClusterOptions.checkGcpName("--fleet-project", fleetProject);
    }
    checkNamespaces("--namespaces", namespaces);
  }

  /** Names a namespace can have: a DNS label (RFC 1123), at most 63 characters. */
  static void checkNamespaces(String option, List<String> names) {
    Set<String> seen = new HashSet<>();
    for (String name : names) {
      if (name.length() > 63 || !name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
        throw new UserError(
            ExitCodes.USAGE,
            option
                + " '"
                + name
                + "' is not a namespace name (lowercase letters, digits and '-', at most 63)");
      }
      if (PreflightActivitiesImpl.SYSTEM_NAMESPACES.contains(name)) {
        throw new UserError(
            ExitCodes.USAGE,
            option
                + " '"
                + name
                + "' is a system namespace, never migrated (system namespaces: "
                + String.join(", ", new TreeSet<>(PreflightActivitiesImpl.SYSTEM_NAMESPACES))
                + ")");
      }
      if (!seen.add(name)) {
        throw new UserError(ExitCodes.USAGE, option + " names '" + name + "' twice");
      }
    }
  }

  /** The managed control plane revision of the channel, e.g. {@code asm-managed-rapid}. */
  String revision() {
    return switch (channel) {
      case "rapid" -> "asm-managed-rapid";
      case "stable" -> "asm-managed-stable";
      default -> "asm-managed";
    };
  }
}
