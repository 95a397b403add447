package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.container.v1beta1.MaintenancePolicy;
import com.google.container.v1beta1.MaintenanceWindow;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.workflows.model.Timeouts;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The sandbox's fault flags: what they set, and a value out of range refused with exit 2 before a
 * sandbox starts (nothing is served, no endpoint is printed).
 */
class SandboxCommandTest {
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

  /** `sandbox` distributes a root as slowly as a real 1.4 Citadel unless told otherwise. */
  @Test
  void givenNoRootDistributionDelay_theSandboxShouldTakeARealMinute_andTheFlagShouldSetIt() {
    CommandLine cl = Main.commandLine();
    cl.parseArgs("sandbox");
    SandboxCommand command = (SandboxCommand) cl.getSubcommands().get("sandbox").getCommand();
    assertThat(command.settings().rootDistributionDelay()).isEqualTo(Duration.ofMinutes(1));
    assertThat(Timeouts.defaults().rootDistribution())
        .as("start's default bound for the wait leaves a real Citadel's minute ample margin")
        .isGreaterThanOrEqualTo(command.settings().rootDistributionDelay().multipliedBy(5));
    cl = Main.commandLine();
    cl.parseArgs("sandbox", "--root-distribution-delay", "2s");
    command = (SandboxCommand) cl.getSubcommands().get("sandbox").getCommand();
    assertThat(command.settings().rootDistributionDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(CliRun.of("sandbox", "--help").out()).contains("--root-distribution-delay");
  }

  @Test
  void givenANegativeRootDistributionDelay_theSandboxShouldBeRefusedBeforeItStarts()
      throws IOException {
    assertRefusedBeforeStart(
        "Invalid value for option '--root-distribution-delay': 'PT-1S' is negative",
        "--root-distribution-delay",
        "PT-1S");
  }

  @Test
  void givenAnAppliedFractionOutOfRange_theSandboxShouldBeRefusedBeforeItStarts()
      throws IOException {
    assertRefusedBeforeStart(
        "--api-error-applied-fraction 1.5: the fraction must be between 0 and 1",
        "--api-error-applied-fraction",
        "1.5");
  }

  @Test
  void givenAnErrorRateOutOfRange_theSandboxShouldBeRefusedBeforeItStarts() throws IOException {
    assertRefusedBeforeStart(
        "--api-error-rate patch=2.0: the rate must be between 0 and 1",
        "--api-error-rate",
        "patch=2");
  }

  @Test
  void givenMaintenanceFlags_theyShouldMakeTheClustersGkeMaintenancePolicy() {
    CommandLine cl = Main.commandLine();
    cl.parseArgs(
        "sandbox",
        "--maintenance-window-start",
        "2026-12-05T01:00:00Z",
        "--maintenance-window-end",
        "2026-12-05T05:00:00Z",
        "--maintenance-window-recurrence",
        "FREQ=WEEKLY;BYDAY=SA",
        "--maintenance-exclusion",
        "year-end=2026-12-19T00:00:00Z/2027-01-04T00:00:00Z");
    MaintenancePolicy policy =
        ((SandboxCommand) cl.getSubcommands().get("sandbox").getCommand()).maintenancePolicy();

    MaintenanceWindow w = policy.getWindow();
    assertThat(w.getRecurringWindow().getRecurrence()).isEqualTo("FREQ=WEEKLY;BYDAY=SA");
    assertThat(w.getRecurringWindow().getWindow().getStartTime().getSeconds())
        .isEqualTo(Instant.parse("2026-12-05T01:00:00Z").getEpochSecond());
    assertThat(w.getRecurringWindow().getWindow().getEndTime().getSeconds())
        .isEqualTo(Instant.parse("2026-12-05T05:00:00Z").getEpochSecond());
    assertThat(w.getMaintenanceExclusionsMap()).containsOnlyKeys("year-end");
    assertThat(w.getMaintenanceExclusionsOrThrow("year-end").getEndTime().getSeconds())
        .isEqualTo(Instant.parse("2027-01-04T00:00:00Z").getEpochSecond());
  }

  @Test
  void givenAnIncompleteMaintenanceWindow_theSandboxShouldBeRefusedBeforeItStarts()
      throws IOException {
    assertRefusedBeforeStart(
        "--maintenance-window-start, --maintenance-window-end and"
            + " --maintenance-window-recurrence go together",
        "--maintenance-window-start",
        "2026-12-05T01:00:00Z",
        "--maintenance-window-recurrence",
        "FREQ=WEEKLY;BYDAY=SA");
    assertRefusedBeforeStart(
        "--maintenance-exclusion 'x=2026-12-20/2026-12-19': times are instants",
        "--maintenance-exclusion",
        "x=2026-12-20/2026-12-19");
  }

  /**
   * Exit 2 with {@code why}, and no API server started (a started one would still be listening:
   * nothing closes it).
   */
  private static void assertRefusedBeforeStart(String why, String... flags) throws IOException {
    int port = freePort();
    String[] args = new String[flags.length + 3];
    args[0] = "sandbox";
    args[1] = "--port";
    args[2] = "" + port;
    System.arraycopy(flags, 0, args, 3, flags.length);
    CliRun run = CliRun.of(args);
    assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains(why);
    assertThat(run.out()).doesNotContain("kubernetes api");
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> new Socket(InetAddress.getLoopbackAddress(), port).close()))
        .as("a connection to the sandbox's port %d", port)
        .isInstanceOf(ConnectException.class);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
