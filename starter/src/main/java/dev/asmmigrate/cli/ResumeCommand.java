package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import picocli.CommandLine.Command;

/** {@code asm-migrate resume}. */
@Command(name = "resume", description = "Resumes a paused migration.")
final class ResumeCommand extends OperatorUpdate {
  ResumeCommand() {
    super(MigrationWorkflow::resumeUpdate, MigrationWorkflow::resume);
  }
}
