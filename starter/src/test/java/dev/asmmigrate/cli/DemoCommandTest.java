package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * {@code demo}'s usage errors: refused with exit 2 and one line saying what is wrong, before a
 * sandbox is started (the output never gets as far as the demo's first line).
 */
class DemoCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int demo(String... args) {
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 1];
    all[0] = "demo";
    System.arraycopy(args, 0, all, 1, args.length);
    return cl.execute(all);
  }

  @Test
  void givenAStepThatCannotBeRolledBack_failAtAndAbortDuringShouldBeRefused() {
    assertThat(demo("--abort-during", "cleanup")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString())
        .contains("--abort-during must be one of [", "migrate-workloads", "got 'cleanup'");
    assertThat(demo("--fail-at", "no-such-step")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--fail-at must be one of [", "got 'no-such-step'");
    assertThat(out.toString()).doesNotContain("demo: sandbox cluster");
  }

  @Test
  void givenBothFailAtAndAbortDuring_theDemoShouldBeRefused() {
    assertThat(demo("--fail-at", "replace-gateway", "--abort-during", "migrate-workloads"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--fail-at and --abort-during");
    assertThat(out.toString()).doesNotContain("demo: sandbox cluster");
  }

  @Test
  void givenAnUnknownVersion_theDemoShouldBeRefused() {
    assertThat(demo("--version", "1.8")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--version must be 1.4, 1.6 or both, got '1.8'");
  }

  @Test
  void helpShouldNameTheRehearsals() {
    assertThat(demo("--help")).isZero();
    assertThat(out.toString()).contains("--fail-at", "--abort-during");
  }
}
