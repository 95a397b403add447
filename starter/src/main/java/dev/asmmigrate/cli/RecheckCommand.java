package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import picocli.CommandLine.Command;

/** {@code asm-migrate recheck}. */
@Command(
    name = "recheck",
    description =
        "Runs config-check again after blocking findings were fixed. Refused unless blocking findings hold the migration.")
final class RecheckCommand extends OperatorUpdate {
  RecheckCommand() {
    super(MigrationWorkflow::recheckUpdate, MigrationWorkflow::recheck);
  }
}
