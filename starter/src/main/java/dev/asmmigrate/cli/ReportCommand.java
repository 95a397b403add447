package dev.asmmigrate.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
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

  @Mixin ReportFormat report;

  @Override
  public Integer call() throws IOException {
    report.check();
    String id = target.workflowId();
    String text;
    try (Migrations migrations = Migrations.connect(temporal)) {
      Report r = new Report(migrations.look(id), System.currentTimeMillis());
      text =
          switch (report.format) {
            case "json" -> r.json() + "\n";
            case "html" -> r.html();
            default -> r.markdown();
          };
    }
    report.write(spec.commandLine().getOut(), text);
    return ExitCodes.OK;
  }
}
