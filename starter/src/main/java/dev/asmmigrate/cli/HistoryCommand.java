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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code asm-migrate history}: a migration's event history, for replay tests. */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Exports a migration's workflow history as JSON, the form WorkflowReplayer loads (replay"
            + " tests of the workflow code against real runs).")
final class HistoryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "ID",
      description = "The workflow ID (or name the migration with the options below).")
  String id;

  @Mixin WorkflowTarget target;

  @Mixin TemporalOptions temporal;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "json",
      paramLabel = "json",
      description = "Output format: json, the only one (default: ${DEFAULT-VALUE}).")
  String output;

  @Option(names = "--out", paramLabel = "FILE", description = "Write to this file.")
  Path outFile;

  @Override
  public Integer call() throws IOException {
    if (!output.equals("json")) {
      throw new UserError(ExitCodes.USAGE, "-o must be json, got '" + output + "'");
    }
    String workflowId;
    if (id != null) {
      if (target.workflowId != null || target.clusterId != null || target.project != null) {
        throw new UserError(ExitCodes.USAGE, "give the workflow ID once: as ID or with an option");
      }
      workflowId = id;
    } else {
      workflowId = target.workflowId();
    }
    String json;
    try (Migrations migrations = Migrations.connect(temporal)) {
      migrations.describe(workflowId);
      json = migrations.client().fetchHistory(workflowId).toJson(true);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (outFile == null) {
      out.println(json);
    } else {
      Files.writeString(outFile, json, StandardCharsets.UTF_8);
      out.println("history: " + outFile);
    }
    out.flush();
    return ExitCodes.OK;
  }
}
