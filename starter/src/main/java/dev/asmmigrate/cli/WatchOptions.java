package dev.asmmigrate.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** The {@code --watch}, {@code --interval} and {@code --timeout} of status and fleet status. */
final class WatchOptions {
  @Option(names = "--watch", description = "Refresh until it ends or waits for an operator.")
  boolean watch;

  @Option(
      names = "--interval",
      defaultValue = "2s",
      converter = PositiveDurationConverter.class,
      description = "Refresh interval of --watch (default: ${DEFAULT-VALUE}).")
  Duration interval;

  @Option(
      names = "--timeout",
      defaultValue = "24h",
      converter = PositiveDurationConverter.class,
      description = "How long --watch waits at most (default: ${DEFAULT-VALUE}).")
  Duration timeout;
}
