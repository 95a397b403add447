package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import picocli.CommandLine.Option;

/** An operator request that carries the operator's reason: abort and rollback. */
abstract class ReasonedUpdate extends OperatorUpdate {
  @Option(
      names = "--reason",
      defaultValue = "",
      description = "Why (recorded in the status and the report).")
  String reason;

  ReasonedUpdate(
      BiFunction<MigrationWorkflow, String, String> update,
      BiConsumer<MigrationWorkflow, String> signal) {
    super(update, signal);
  }

  @Override
  String argument() {
    return reason;
  }
}
