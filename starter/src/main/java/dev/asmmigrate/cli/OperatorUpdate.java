package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * An operator command that sends one update to a running migration and prints its answer; a refusal
 * (the migration's phase forbids it) prints the reason and exits 3, changing nothing. A command
 * names its update and the signal of the same request (for a workflow that cannot answer); the
 * command attributes declared here are every operator command's.
 */
@Command(mixinStandardHelpOptions = true, sortOptions = false)
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
  private final BiFunction<MigrationWorkflow, String, String> update;

  /** The same request as a signal: no answer and no validator, for a workflow that cannot reply. */
  private final BiConsumer<MigrationWorkflow, String> signal;

  /** A request without an argument. */
  OperatorUpdate(Function<MigrationWorkflow, String> update, Consumer<MigrationWorkflow> signal) {
    this(
        (workflow, argument) -> update.apply(workflow),
        (workflow, argument) -> signal.accept(workflow));
  }

  /** A request carrying the command's {@link #argument()}. */
  OperatorUpdate(
      BiFunction<MigrationWorkflow, String, String> update,
      BiConsumer<MigrationWorkflow, String> signal) {
    this.update = update;
    this.signal = signal;
  }

  /**
   * The argument of a request that carries one, from the command's own options; a request without
   * one never reads it.
   */
  String argument() {
    return "";
  }

  /** Checks the command's own options before anything is sent. */
  void validate() {}

  @Override
  public Integer call() {
    validate();
    String id = target.workflowId();
    PrintWriter out = spec.commandLine().getOut();
    try (Migrations migrations = Migrations.connect(temporal)) {
      String argument = argument();
      String answer =
          migrations.update(
              id,
              workflow -> update.apply(workflow, argument),
              workflow -> signal.accept(workflow, argument),
              answerTimeout);
      out.println(id + ": " + answer);
      out.flush();
      return ExitCodes.OK;
    }
  }
}
