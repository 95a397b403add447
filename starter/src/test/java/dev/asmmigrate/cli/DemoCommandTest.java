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
  void helpShouldNameTheRehearsals() {
    CliRun run = CliRun.of("demo", "--help");
    assertThat(run.code()).isZero();
    assertThat(run.out()).contains("--fail-at", "--abort-during", "--large");
  }
}
