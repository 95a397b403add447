package dev.asmmigrate.cli;

import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import picocli.CommandLine.Option;

/** Where the Temporal server is: shared by every command that talks to it. */
final class TemporalOptions {
  @Option(
      names = "--temporal",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:TEMPORAL_ADDRESS:-127.0.0.1:7233}",
      description = "Temporal frontend address (default: $TEMPORAL_ADDRESS or ${DEFAULT-VALUE}).")
  String address;

  @Option(
      names = "--temporal-namespace",
      paramLabel = "NAMESPACE",
      defaultValue = "${env:TEMPORAL_NAMESPACE:-default}",
      description = "Temporal namespace (default: $TEMPORAL_NAMESPACE or ${DEFAULT-VALUE}).")
  String namespace;

  WorkflowServiceStubs connect() {
    if (!address.matches("[^:/\\s]+:\\d+")) {
      throw new UserError(ExitCodes.USAGE, "--temporal must be HOST:PORT, got '" + address + "'");
    }
    try {
      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newConnectedServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(address).build(),
              java.time.Duration.ofSeconds(10));
      return stubs;
    } catch (RuntimeException e) {
      throw new UserError(
          ExitCodes.UNEXPECTED,
          "cannot reach Temporal at "
              + address
              + " ("
              + e.getMessage()
              + "); start one with './asm-migrate server' or docker compose up");
    }
  }
}
