package dev.asmmigrate.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --format md|json|html} and {@code --out FILE} of report and fleet report. */
final class ReportFormat {
  @Option(
      names = "--format",
      defaultValue = "md",
      paramLabel = "md|json|html",
      description = "Report format (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Write the report to this file instead of standard output.")
  Path outFile;

  /**
   * Refuses, before anything is read, a format that is none of the three and --out's missing
   * directory.
   */
  void check() {
    if (!List.of("md", "json", "html").contains(format)) {
      throw new UserError(
          ExitCodes.USAGE, "--format must be md, json or html, got '" + format + "'");
    }
    if (outFile != null
        && outFile.getParent() != null
        && !Files.isDirectory(outFile.toAbsolutePath().getParent())) {
      throw new UserError(
          ExitCodes.USAGE,
          "--out: directory " + outFile.toAbsolutePath().getParent() + " does not exist");
    }
  }

  /** Writes the report to --out (saying where) or to {@code out}. */
  void write(PrintWriter out, String text) throws IOException {
    if (outFile == null) {
      out.print(text);
    } else {
      Files.writeString(outFile, text, StandardCharsets.UTF_8);
      out.println("report: " + outFile);
    }
    out.flush();
  }
}
