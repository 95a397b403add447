package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import picocli.CommandLine.Command;

/** {@code asm-migrate recheck}. */
@Command(
    name = "recheck",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Runs config-check again after blocking findings were fixed. Refused unless blocking findings hold the migration.")
final class RecheckCommand extends OperatorUpdate {

  @Override
  String send(MigrationWorkflow workflow) {
    return workflow.recheckUpdate();
  }

  @Override
  void signal(MigrationWorkflow workflow) {
    workflow.recheck();
  }
}
