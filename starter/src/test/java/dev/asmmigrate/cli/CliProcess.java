package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * One {@code asm-migrate} command run as its own OS process ({@code java -cp <the test classpath>
 * dev.asmmigrate.cli.Main ...}), its stdout and stderr in a log file. Closing it kills it.
 */
final class CliProcess implements AutoCloseable {
  /** Processes still running: killed by a shutdown hook if the test JVM itself is stopped. */
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "cli-processes"));
  }

  private final String name;
  private final Process process;
  private final Path log;

  private CliProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code asm-migrate args...}; logs go to {@code dir/name.log}. */
  static CliProcess start(Path dir, String name, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // small, quick-starting JVMs: the machine is shared
    command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    Path log = dir.resolve(name + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("ASM_MIGRATE_LOG_LEVEL", "INFO");
    pb.environment().remove("TEMPORAL_ADDRESS");
    Process process = pb.start();
    LIVE.add(process);
    process.onExit().thenRun(() -> LIVE.remove(process));
    return new CliProcess(name, process, log);
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  String output() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "<unreadable: " + e + ">";
    }
  }

  /**
   * Waits until the output has a line matching {@code regex}; returns its first group (or line).
   */
  String awaitLine(String regex, Duration timeout) {
    Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
    String[] found = new String[1];
    Awaitility.await(name + " prints " + regex)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .failFast(
            name + " exited before printing " + regex,
            () -> !process.isAlive() && !p.matcher(output()).find())
        .until(
            () -> {
              Matcher m = p.matcher(output());
              if (!m.find()) {
                return false;
              }
              found[0] = m.groupCount() > 0 ? m.group(1) : m.group();
              return true;
            });
    return found[0];
  }

  /** Waits for the process to end by itself and returns its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          name + " still running after " + timeout + "; its output:\n" + output());
    }
    return process.exitValue();
  }

  /**
   * kill -9: {@link Process#destroyForcibly()} sends SIGKILL on Linux, which the exit status 137
   * (128 + 9) confirms; no shutdown hook runs.
   */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as(name + " died").isTrue();
    assertThat(process.exitValue()).as(name + " exit status after SIGKILL").isEqualTo(137);
  }

  /**
   * SIGKILL without waiting for the process to end: safe to call from a sandbox store listener, on
   * the thread that applied a write, before the write is answered. {@link #kill9()} then waits.
   */
  boolean alive() {
    return process.isAlive();
  }

  void killNow() {
    process.destroyForcibly();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
