package dev.asmmigrate.cli;

import picocli.CommandLine.Option;

/** The {@code -o text|json} of status and list, checked before anything is read. */
final class TextOrJson {
  @Option(
      names = {"-o", "--output"},
      defaultValue = "text",
      paramLabel = "text|json",
      description = "Output format (default: ${DEFAULT-VALUE}).")
  String output;

  /** Whether JSON was asked for; any format but text or json is a usage error. */
  boolean json() {
    if (!output.equals("text") && !output.equals("json")) {
      throw new UserError(ExitCodes.USAGE, "-o must be text or json, got '" + output + "'");
    }
    return output.equals("json");
  }
}
