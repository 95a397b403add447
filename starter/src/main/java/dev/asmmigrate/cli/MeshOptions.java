package dev.asmmigrate.cli;

import java.util.ArrayList;
import java.util.List;
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

  /** Refuses an unknown channel as a usage error. */
  void validate() {
    if (!CHANNELS.contains(channel)) {
      throw new UserError(
          ExitCodes.USAGE, "--channel must be regular, rapid or stable, got '" + channel + "'");
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
