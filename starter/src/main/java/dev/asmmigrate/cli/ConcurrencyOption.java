package dev.asmmigrate.cli;

import picocli.CommandLine.Option;

/** How many namespaces a migration restarts at once: the same option for start and demo. */
final class ConcurrencyOption {
  @Option(
      names = "--concurrency",
      defaultValue = "4",
      description = "Namespaces migrated at once (default: ${DEFAULT-VALUE}).")
  int concurrency;

  int value() {
    return concurrency;
  }
}
