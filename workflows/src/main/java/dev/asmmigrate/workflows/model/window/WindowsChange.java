package dev.asmmigrate.workflows.model.window;

/**
 * The argument of the migration's {@code setWindows} update ({@code windows set}): the windows that
 * replace the run's, and optionally an emergency override.
 *
 * @param windows the new windows ({@link MaintenanceWindows#anyTime()}: none)
 * @param overrideReason when not null, the windows are ignored from now on, and the reason is
 *     recorded in the status and the report
 */
public record WindowsChange(MaintenanceWindows windows, String overrideReason) {}
