package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --codec-key-file} on the commands that talk to Temporal: an exposed or malformed key is a
 * usage error (exit 2) reported before anything connects; a good one is accepted.
 */
class CodecKeyOptionTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Test
  void givenAKeyFileReadableByOthers_whenStartWorkerOrListRuns_itShouldExit2BeforeConnecting()
      throws IOException {
    Path key = keyFile("rw-r--r--");
    for (String command : List.of("start", "worker", "list")) {
      int code = run(command, key);
      assertThat(code).as(command + ": " + err).isEqualTo(ExitCodes.USAGE);
      assertThat(err.toString())
          .contains("codec key file " + key + " is accessible to its group or to others")
          .contains("chmod 600")
          .doesNotContain("cannot reach Temporal");
    }
  }

  @Test
  void givenAnOwnerOnlyKeyFile_whenStartRuns_itShouldAcceptTheKeyAndGoOnToTheNextCheck()
      throws IOException {
    Path key = keyFile("rw-------");

    int code = run("start", key);

    // the key passed; the next input check (the Temporal address) is what stops it
    assertThat(code).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--temporal must be HOST:PORT").doesNotContain("codec");
  }

  @Test
  void givenTheHelp_ofEveryTemporalCommandAndTheDemo_itShouldDocumentTheKey() {
    for (String command :
        List.of(
            "start",
            "worker",
            "demo",
            "status",
            "approve",
            "pause",
            "resume",
            "abort",
            "rollback",
            "recheck",
            "report",
            "history",
            "list")) {
      StringWriter help = new StringWriter();
      CommandLine cl = Main.commandLine();
      cl.setOut(new PrintWriter(help));
      assertThat(cl.execute(command, "--help")).as(command).isZero();
      assertThat(help.toString()).as(command).contains("--codec-key-file", "ASM_MIGRATE_CODEC_KEY");
    }
  }

  private int run(String command, Path key) {
    err.getBuffer().setLength(0);
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> args = new ArrayList<>(List.of(command));
    if (command.equals("start")) {
      args.addAll(List.of("--project", "p", "--location", "us-central1-c", "--cluster", "c"));
    }
    args.addAll(List.of("--temporal", "not-an-address", "--codec-key-file", key.toString()));
    return cl.execute(args.toArray(String[]::new));
  }

  private Path keyFile(String mode) throws IOException {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    Path file = dir.resolve("codec-" + mode + ".key");
    Files.write(file, k);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }
}
