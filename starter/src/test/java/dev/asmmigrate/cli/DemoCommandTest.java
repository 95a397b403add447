package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@code demo}'s usage errors: refused with exit 2 and one line saying what is wrong, before a
 * sandbox is started (the output never gets as far as the demo's first line).
 */
class DemoCommandTest {
  @Test
  void givenAStepThatCannotBeRolledBack_failAtAndAbortDuringShouldBeRefused() {
    CliRun abort = CliRun.of("demo", "--abort-during", "cleanup");
    assertThat(abort.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(abort.err())
        .contains("--abort-during must be one of [", "migrate-workloads", "got 'cleanup'");
    assertThat(abort.out()).doesNotContain("demo: sandbox cluster");
    CliRun fail = CliRun.of("demo", "--fail-at", "no-such-step");
    assertThat(fail.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(fail.err()).contains("--fail-at must be one of [", "got 'no-such-step'");
    assertThat(fail.out()).doesNotContain("demo: sandbox cluster");
  }

  @Test
  void givenBothFailAtAndAbortDuring_theDemoShouldBeRefused() {
    CliRun run =
        CliRun.of("demo", "--fail-at", "replace-gateway", "--abort-during", "migrate-workloads");
    assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("--fail-at and --abort-during");
    assertThat(run.out()).doesNotContain("demo: sandbox cluster");
  }

  @Test
  void givenAnUnknownVersion_theDemoShouldBeRefused() {
    CliRun run = CliRun.of("demo", "--version", "1.8");
    assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("--version must be 1.4, 1.6 or both, got '1.8'");
  }

  @Test
  void givenMoreThan200Namespaces_theDemoShouldAskForLarge() {
    CliRun run = CliRun.of("demo", "--namespaces", "201");
    assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains("--namespaces must be between 0 and 200 (up to 500 with --large), got 201");
    assertThat(run.out()).doesNotContain("demo: sandbox cluster");
    CliRun large = CliRun.of("demo", "--large", "--namespaces", "501");
    assertThat(large.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(large.err()).contains("--namespaces must be between 0 and 500, got 501");
    assertThat(large.out()).doesNotContain("demo: sandbox cluster");
  }

  @Test
  void givenBadFleetOptions_theFleetDemoShouldBeRefusedBeforeAnyClusterStarts() {
    CliRun one = CliRun.of("demo", "--clusters", "1");
    assertThat(one.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(one.err()).contains("--clusters must be between 2 and 5, got 1");
    CliRun unknown = CliRun.of("demo", "--clusters", "3", "--fail-cluster", "cluster-4");
    assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err())
        .contains("--fail-cluster must name one of the fleet's clusters, cluster-1 to cluster-3");
    CliRun step = CliRun.of("demo", "--clusters", "3", "--fail-cluster", "cluster-2:cleanup");
    assertThat(step.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(step.err()).contains("--fail-cluster's step must be one of [", "got 'cleanup'");
    CliRun alone = CliRun.of("demo", "--fail-cluster", "cluster-2");
    assertThat(alone.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(alone.err()).contains("--fail-cluster needs --clusters");
    CliRun mixed = CliRun.of("demo", "--clusters", "3", "--namespaces", "5");
    assertThat(mixed.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(mixed.err()).contains("--clusters runs the fleet demo");
    for (CliRun r : new CliRun[] {one, unknown, step, alone, mixed}) {
      assertThat(r.out()).doesNotContain("demo: a fleet of");
    }
  }

  @Test
  void givenBadWindowsOptions_theDemoShouldBeRefused() {
    CliRun other = CliRun.of("demo", "--windows", "long");
    assertThat(other.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(other.err()).contains("--windows must be short, got 'long'");
    CliRun fleet = CliRun.of("demo", "--windows", "short", "--clusters", "3");
    assertThat(fleet.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(fleet.err()).contains("--windows short shows one migration");
    for (CliRun r : new CliRun[] {other, fleet}) {
      assertThat(r.out()).doesNotContain("demo: sandbox cluster", "demo: a fleet of");
    }
  }

  /**
   * {@code demo --windows short} (about a minute and a half, real time): every disturbing step and
   * wave runs only in windows fixed for the whole run (no operator changes them), the run stops at
   * least once for a window (WAITING_FOR_WINDOW until ..., what waits and why), goes on when the
   * next opens, and ends SUCCESS with the seed's checks passing and no request lost (exit 0).
   */
  @Test
  void windowsShort_shouldWaitForAWindowAndGoOnAtTheNext_endingSuccess() {
    CliRun run = CliRun.of("demo", "--windows", "short");

    assertThat(run.code()).as(run.out() + run.err()).isZero();
    String out = run.out();
    assertThat(out)
        .contains(
            "demo: maintenance windows: 70 s every 85 s for the whole run, 20 s of the first left")
        .doesNotContain("operator: windows set")
        .containsPattern(
            "\nWAITING_FOR_WINDOW until \\w{3} \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} \\(UTC\\): ")
        // the step waited for is estimated from pre-flight's model of the sandbox, not the
        // runbook's
        // bound in minutes (which no window of 70 s holds)
        .contains("(pre-flight's model: ")
        .contains("\nwindow open: the migration goes on\n")
        .contains("\nmigration: SUCCESS\n")
        .containsPattern("traffic: \\d+ requests, 0 failed");
    int wait = out.indexOf("\nWAITING_FOR_WINDOW until ");
    assertThat(out.indexOf("\nwindow open: the migration goes on\n", wait))
        .as("the run goes on after its wait")
        .isGreaterThan(wait);
    assertThat(out.indexOf("\nmigration: SUCCESS\n")).isGreaterThan(wait);
  }

  @Test
  void helpShouldNameTheRehearsals() {
    CliRun run = CliRun.of("demo", "--help");
    assertThat(run.code()).isZero();
    assertThat(run.out())
        .contains("--fail-at", "--abort-during", "--large", "--clusters", "--fail-cluster");
  }
}
