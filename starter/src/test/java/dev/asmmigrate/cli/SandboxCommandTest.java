package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.sandbox.Faults;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The sandbox's fault flags: what they set, and a value out of range refused with exit 2 before a
 * sandbox starts (nothing is served, no endpoint is printed).
 */
class SandboxCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int sandbox(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 1];
    all[0] = "sandbox";
    System.arraycopy(args, 0, all, 1, args.length);
    return cl.execute(all);
  }

  @Test
  void givenTheApiFaultFlags_theyShouldSetTheSandboxFaults() {
    CommandLine cl = Main.commandLine();
    cl.parseArgs(
        "sandbox",
        "--api-error-rate",
        "patch=0.1",
        "--api-error-rate",
        "*=0.05",
        "--api-error-codes",
        "500,429",
        "--api-error-applied-fraction",
        "0.25");
    Faults faults = new Faults();
    ((SandboxCommand) cl.getSubcommands().get("sandbox").getCommand()).applyFaults(faults);
    assertThat(faults.apiErrorRate).isEqualTo(Map.of("patch", 0.1, "*", 0.05));
    assertThat(faults.apiErrorCodes).isEqualTo(List.of(500, 429));
    assertThat(faults.apiErrorAppliedFraction).isEqualTo(0.25);
  }

  @Test
  void givenAnAppliedFractionOutOfRange_theSandboxShouldBeRefusedBeforeItStarts()
      throws IOException {
    int port = freePort();
    assertThat(sandbox("--port", "" + port, "--api-error-applied-fraction", "1.5"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString())
        .contains("--api-error-applied-fraction 1.5: the fraction must be between 0 and 1");
    assertNothingServedOn(port);
  }

  @Test
  void givenAnErrorRateOutOfRange_theSandboxShouldBeRefusedBeforeItStarts() throws IOException {
    int port = freePort();
    assertThat(sandbox("--port", "" + port, "--api-error-rate", "patch=2"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString())
        .contains("--api-error-rate patch=2.0: the rate must be between 0 and 1");
    assertNothingServedOn(port);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** No API server was started (a started one would still be listening: nothing closes it). */
  private void assertNothingServedOn(int port) {
    assertThat(out.toString()).doesNotContain("kubernetes api");
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> new Socket(InetAddress.getLoopbackAddress(), port).close()))
        .as("a connection to the sandbox's port %d", port)
        .isInstanceOf(ConnectException.class);
  }
}
