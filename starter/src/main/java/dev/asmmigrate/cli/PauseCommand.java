package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import picocli.CommandLine.Command;

/** {@code asm-migrate pause}. */
@Command(
    name = "pause",
    description =
        "Pauses the migration at its next safe point: between steps and between namespace waves, never in the middle of a namespace.")
final class PauseCommand extends OperatorUpdate {
  PauseCommand() {
    super(MigrationWorkflow::pauseUpdate, MigrationWorkflow::pause);
  }
}
