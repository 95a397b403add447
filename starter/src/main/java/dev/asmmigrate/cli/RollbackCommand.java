package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code asm-migrate rollback}. */
@Command(
    name = "rollback",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Rolls back a migration that reached SUCCESS and waits for approval (before cleanup). Refused before SUCCESS (use abort) and after approval.")
final class RollbackCommand extends OperatorUpdate {
  @Option(
      names = "--reason",
      defaultValue = "",
      description = "Why (recorded in the status and the report).")
  String reason;

  @Override
  String send(MigrationWorkflow workflow) {
    return workflow.rollbackUpdate(reason);
  }

  @Override
  void signal(MigrationWorkflow workflow) {
    workflow.rollback(reason);
  }
}
