package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.Option;

/**
 * {@code --not-before TIME} and the emergency {@code --override-window --reason TEXT} of {@code
 * start}, around the windows of {@link WindowOptions}.
 */
final class WindowRunOptions {
  @Option(
      names = "--not-before",
      paramLabel = "TIME",
      description =
          "Nothing runs before this time, not even pre-flight: an instant (2026-12-12T01:00:00Z),"
              + " a time with its offset (2026-12-12T02:00+01:00), or a local date-time"
              + " (2026-12-12T02:00) in the first window's zone, else UTC. The migration waits for"
              + " it durably.")
  String notBefore;

  @Option(
      names = "--override-window",
      description =
          "Emergency: ignore the maintenance windows for this run (needs --reason, which the"
              + " status and the report record).")
  boolean override;

  @Option(
      names = "--reason",
      paramLabel = "TEXT",
      description = "Why the windows are overridden (with --override-window).")
  String reason;

  /**
   * The run's policy: these windows, the earliest start and an override.
   *
   * @throws UserError exit 2 for an unreadable time, an override without a reason or a reason
   *     without an override
   */
  WindowPolicy policy(MaintenanceWindows windows) {
    String why = overrideReason();
    return new WindowPolicy(windows, notBefore(windows), why);
  }

  /** The override's reason, or null without {@code --override-window}. */
  String overrideReason() {
    if (override && (reason == null || reason.isBlank())) {
      throw new UserError(
          ExitCodes.USAGE, "--override-window needs --reason TEXT: the report records why");
    }
    if (!override && reason != null) {
      throw new UserError(ExitCodes.USAGE, "--reason is the reason of --override-window");
    }
    return override ? reason.strip() : null;
  }

  private Instant notBefore(MaintenanceWindows windows) {
    if (notBefore == null) {
      return null;
    }
    String t = notBefore.strip();
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException notAnInstant) {
      // an offset or a local time
    }
    try {
      return OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeParseException noOffset) {
      // a local time
    }
    try {
      ZoneId zone =
          windows.windows().isEmpty()
              ? ZoneId.of("UTC")
              : ZoneId.of(windows.windows().get(0).zone());
      return LocalDateTime.parse(t).atZone(zone).toInstant();
    } catch (DateTimeParseException e) {
      throw new UserError(
          ExitCodes.USAGE,
          "--not-before '"
              + notBefore
              + "': not a time (2026-12-12T01:00:00Z, 2026-12-12T02:00+01:00 or"
              + " 2026-12-12T02:00)");
    }
  }
}
