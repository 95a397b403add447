package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import picocli.CommandLine.Command;

/** {@code asm-migrate rollback}. */
@Command(
    name = "rollback",
    description =
        "Rolls back a migration that reached SUCCESS and waits for approval (before cleanup). Refused before SUCCESS (use abort) and after approval.")
final class RollbackCommand extends ReasonedUpdate {
  RollbackCommand() {
    super(MigrationWorkflow::rollbackUpdate, MigrationWorkflow::rollback);
  }
}
