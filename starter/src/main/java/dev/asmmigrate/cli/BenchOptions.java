package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** The options {@code bench} and {@code bench worker} share: the sandbox's shape and the output. */
final class BenchOptions {
  static final int MAX_DEPLOYMENTS = 10;
  static final int MAX_REPLICAS = 20;

  @Option(
      names = "--deployments",
      paramLabel = "D",
      description =
          "Deployments per namespace, 1 to "
              + MAX_DEPLOYMENTS
              + " (default: 3 for bench, 5 for bench worker).")
  Integer deployments;

  @Option(
      names = "--replicas",
      defaultValue = "1",
      paramLabel = "R",
      description = "Pods per Deployment, 1 to " + MAX_REPLICAS + " (default: ${DEFAULT-VALUE}).")
  int replicas;

  @Option(
      names = "--pod-ready-delay",
      defaultValue = "300ms",
      converter = DurationConverter.class,
      description =
          "How long a started container takes to become Ready (default: ${DEFAULT-VALUE}).")
  Duration podReadyDelay;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      paramLabel = "table|json",
      description = "Output format (default: ${DEFAULT-VALUE}).")
  String output;

  /** The Deployments per namespace given, or the command's default. */
  int deployments(int byDefault) {
    return deployments == null ? byDefault : deployments;
  }

  /** Refuses a value out of range (exit 2). */
  void validate() {
    if (deployments != null) {
      range("--deployments", deployments, 1, MAX_DEPLOYMENTS);
    }
    range("--replicas", replicas, 1, MAX_REPLICAS);
    if (podReadyDelay.isNegative() || podReadyDelay.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new UserError(ExitCodes.USAGE, "--pod-ready-delay must be between 0 and 1m");
    }
    output = output.toLowerCase(Locale.ROOT);
    if (!output.equals("table") && !output.equals("json")) {
      throw new UserError(ExitCodes.USAGE, "-o must be table or json, got '" + output + "'");
    }
  }

  /** Prints the figures as {@code -o} asks. */
  void print(PrintWriter out, Supplier<ObjectNode> json, Supplier<String> table)
      throws java.io.IOException {
    if (output.equals("json")) {
      out.println(
          new ObjectMapper()
              .enable(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(json.get()));
    } else {
      out.print(table.get());
    }
    out.flush();
  }

  static void range(String option, int value, int min, int max) {
    if (value < min || value > max) {
      throw new UserError(
          ExitCodes.USAGE, option + " must be between " + min + " and " + max + ", got " + value);
    }
  }
}
