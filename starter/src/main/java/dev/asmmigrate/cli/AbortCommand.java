package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code asm-migrate abort}. */
@Command(
    name = "abort",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Aborts the migration now and rolls back every completed step. Refused once it ended or once the add-on is being disabled or cleaned up.")
final class AbortCommand extends OperatorUpdate {
  @Option(
      names = "--reason",
      defaultValue = "",
      description = "Why (recorded in the status and the report).")
  String reason;

  @Override
  String send(MigrationWorkflow workflow) {
    return workflow.abortUpdate(reason);
  }

  @Override
  void signal(MigrationWorkflow workflow) {
    workflow.abort(reason);
  }
}
