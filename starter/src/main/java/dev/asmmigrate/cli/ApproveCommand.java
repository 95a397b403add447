package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code asm-migrate approve}. */
@Command(
    name = "approve",
    description =
        "Approves the migration waiting for approval: the add-on is then disabled and cleaned up (irreversible). Refused unless the migration waits for approval.")
final class ApproveCommand extends OperatorUpdate {
  @Option(
      names = "--by",
      required = true,
      paramLabel = "NAME",
      description = "Who approves (recorded in the status and the report).")
  String by;

  ApproveCommand() {
    super(MigrationWorkflow::approveUpdate, MigrationWorkflow::approve);
  }

  @Override
  void validate() {
    if (by.isBlank()) {
      throw new UserError(ExitCodes.USAGE, "--by must name who approves");
    }
  }

  @Override
  String argument() {
    return by;
  }
}
