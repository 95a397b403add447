package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import picocli.CommandLine.Command;

/** {@code asm-migrate abort}. */
@Command(
    name = "abort",
    description =
        "Aborts the migration now and rolls back every completed step. Refused once it ended or once the add-on is being disabled or cleaned up.")
final class AbortCommand extends ReasonedUpdate {
  AbortCommand() {
    super(MigrationWorkflow::abortUpdate, MigrationWorkflow::abort);
  }
}
