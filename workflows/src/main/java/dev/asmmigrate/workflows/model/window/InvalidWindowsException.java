package dev.asmmigrate.workflows.model.window;

/**
 * Windows that cannot be used: an invalid RRULE, an unknown time zone, a duration that is not
 * positive, windows that never open in the next year. The message says which window and why; the
 * CLI prints it and exits 2 before anything runs.
 */
public class InvalidWindowsException extends IllegalArgumentException {
  public InvalidWindowsException(String message) {
    super(message);
  }
}
