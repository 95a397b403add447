package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * An operator command that sends one update to a running migration and prints its answer; a refusal
 * (the migration's phase forbids it) prints the reason and exits 3, changing nothing.
 */
abstract class OperatorUpdate implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin WorkflowTarget target;

  @Mixin TemporalOptions temporal;

  @Option(
      names = "--answer-timeout",
      defaultValue = "30s",
      converter = PositiveDurationConverter.class,
      description =
          "How long to wait for the migration's answer to the update; past it the request is sent"
              + " as a signal, which the workflow acts on at its next task without a reply"
              + " (default: ${DEFAULT-VALUE}).")
  Duration answerTimeout;

  /** Sends the update through the typed stub and returns the workflow's answer. */
  abstract String send(MigrationWorkflow workflow);

  /** The same request as a signal: no answer and no validator, for a workflow that cannot reply. */
  abstract void signal(MigrationWorkflow workflow);

  /** Checks the command's own options before anything is sent. */
  void validate() {}

  @Override
  public Integer call() {
    validate();
    String id = target.workflowId();
    PrintWriter out = spec.commandLine().getOut();
    try (Migrations migrations = Migrations.connect(temporal)) {
      String answer = migrations.update(id, this::send, this::signal, answerTimeout);
      out.println(id + ": " + answer);
      out.flush();
      return ExitCodes.OK;
    }
  }
}
