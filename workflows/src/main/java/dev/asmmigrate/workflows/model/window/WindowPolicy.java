package dev.asmmigrate.workflows.model.window;

import java.time.Instant;

/**
 * The time rules of one run: its cluster's windows, the earliest it may start, and an emergency
 * override.
 *
 * @param windows the cluster's maintenance windows
 * @param notBefore nothing runs before this instant (not even read-only steps); null: now
 * @param overrideReason when not null, the windows are ignored for this run, and the reason is
 *     recorded in the report
 */
public record WindowPolicy(MaintenanceWindows windows, Instant notBefore, String overrideReason) {

  public WindowPolicy {
    windows = windows == null ? MaintenanceWindows.anyTime() : windows;
    if (overrideReason != null && overrideReason.isBlank()) {
      throw new IllegalArgumentException("an override of the windows needs a reason");
    }
  }

  public static WindowPolicy anyTime() {
    return new WindowPolicy(MaintenanceWindows.anyTime(), null, null);
  }

  public boolean overridden() {
    return overrideReason != null;
  }
}
