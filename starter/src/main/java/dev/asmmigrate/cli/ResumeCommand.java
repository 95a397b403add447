package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import picocli.CommandLine.Command;

/** {@code asm-migrate resume}. */
@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Resumes a paused migration.")
final class ResumeCommand extends OperatorUpdate {

  @Override
  String send(MigrationWorkflow workflow) {
    return workflow.resumeUpdate();
  }

  @Override
  void signal(MigrationWorkflow workflow) {
    workflow.resume();
  }
}
