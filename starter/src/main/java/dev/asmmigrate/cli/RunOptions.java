package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.model.Timeouts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How a migration paces itself: its canaries, its waves, its bounds and whether it waits for an
 * approval. Shared by {@code start}, {@code schedule create} and {@code plan}, whose calendar lays
 * out exactly the migration {@code start} runs with the same flags.
 */
final class RunOptions {
  @Option(
      names = "--canary",
      split = ",",
      paramLabel = "NS",
      description = "Namespaces migrated first, alone, before the waves.")
  List<String> canary = new ArrayList<>();

  @Mixin ConcurrencyOption concurrency;

  @Option(
      names = "--auto-approve",
      description =
          "Do not wait for an operator's approval before disabling the add-on and cleaning up.")
  boolean autoApprove;

  @Option(
      names = "--rollout-timeout",
      defaultValue = "15m",
      converter = PositiveDurationConverter.class,
      description =
          "Bound of one namespace's restart and verification (default: ${DEFAULT-VALUE}).")
  Duration rolloutTimeout;

  @Option(
      names = "--control-plane-timeout",
      defaultValue = "20m",
      description =
          "Bound of the wait for the managed control plane to provision; past it the migration rolls"
              + " back and ends CONTROLPLANE_PROVISION_ERROR (default: ${DEFAULT-VALUE}).")
  Duration controlPlaneTimeout;

  /** Refuses (exit 2) a concurrency below 1, a bound that is not positive, a bad canary. */
  void validate(MeshOptions mesh) {
    if (concurrency.value() < 1) {
      throw new UserError(ExitCodes.USAGE, "--concurrency must be at least 1");
    }
    if (controlPlaneTimeout == null
        || controlPlaneTimeout.isNegative()
        || controlPlaneTimeout.isZero()) {
      throw new UserError(
          ExitCodes.USAGE, "--control-plane-timeout must be positive, got " + controlPlaneTimeout);
    }
    MeshOptions.checkNamespaces("--canary", canary);
    if (!mesh.namespaces.isEmpty()) {
      List<String> outside = canary.stream().filter(n -> !mesh.namespaces.contains(n)).toList();
      if (!outside.isEmpty()) {
        throw new UserError(
            ExitCodes.USAGE,
            "--canary "
                + String.join(",", outside)
                + " not in --namespaces "
                + String.join(",", mesh.namespaces)
                + ": a canary must be one of the namespaces migrated first");
      }
    }
  }

  /** The run's bounds: these, and the defaults of the others. */
  Timeouts timeouts() {
    Timeouts defaults = Timeouts.defaults();
    return new Timeouts(
        controlPlaneTimeout, defaults.rootDistribution(), rolloutTimeout, defaults.gateway());
  }
}
