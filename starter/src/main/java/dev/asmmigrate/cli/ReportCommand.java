package dev.asmmigrate.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code asm-migrate report}: a migration's report as Markdown, JSON or an HTML page. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Writes a migration's report: summary, steps with times and outcomes, namespaces with"
            + " their relabel/restart/verify times, findings, approvals. The HTML page is"
            + " self-contained, with SVG timelines of the steps and of the namespaces.")
final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin WorkflowTarget target;

  @Mixin TemporalOptions temporal;

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

  @Override
  public Integer call() throws IOException {
    if (!java.util.List.of("md", "json", "html").contains(format)) {
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
    String id = target.workflowId();
    String text;
    try (Migrations migrations = Migrations.connect(temporal)) {
      Report report = new Report(migrations.look(id), System.currentTimeMillis());
      text =
          switch (format) {
            case "json" -> report.json() + "\n";
            case "html" -> report.html();
            default -> report.markdown();
          };
    }
    PrintWriter out = spec.commandLine().getOut();
    if (outFile == null) {
      out.print(text);
    } else {
      Files.writeString(outFile, text, StandardCharsets.UTF_8);
      out.println("report: " + outFile);
    }
    out.flush();
    return ExitCodes.OK;
  }
}
