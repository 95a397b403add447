package dev.asmmigrate.cli;

import picocli.CommandLine.Command;

/** {@code asm-migrate sandbox}: serves a simulated add-on cluster until interrupted. */
@Command(
    name = "sandbox",
    mixinStandardHelpOptions = true,
    description = "Serves a simulated GKE cluster with the Istio add-on until interrupted.")
final class SandboxCommand implements Runnable {
  @Override
  public void run() {
    throw new UserError(ExitCodes.UNEXPECTED, "not built yet");
  }
}
