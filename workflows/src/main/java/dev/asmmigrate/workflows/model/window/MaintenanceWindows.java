package dev.asmmigrate.workflows.model.window;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Duration;
import java.util.List;

/**
 * When a cluster may be disturbed: its recurring windows, its exclusions, and whether its own GKE
 * maintenance policy adds to them. No window at all (and not {@code fromCluster}) means any time.
 *
 * @param windows recurring windows; an instant inside any of them is inside
 * @param exclusions freezes cut out of every window
 * @param fromCluster also take the cluster's GKE {@code maintenancePolicy} (its recurring or daily
 *     window and its exclusions), read when the run starts
 * @param margin kept free before a window closes: a step starts only if its estimate and its undo's
 *     end at least this long before the close
 */
public record MaintenanceWindows(
    List<RecurringWindow> windows,
    List<Exclusion> exclusions,
    boolean fromCluster,
    Duration margin) {

  public static final Duration DEFAULT_MARGIN = Duration.ofMinutes(5);

  public MaintenanceWindows {
    windows = windows == null ? List.of() : List.copyOf(windows);
    exclusions = exclusions == null ? List.of() : List.copyOf(exclusions);
    margin = margin == null ? DEFAULT_MARGIN : margin;
  }

  /** No windows: the run may disturb traffic any time. */
  public static MaintenanceWindows anyTime() {
    return new MaintenanceWindows(List.of(), List.of(), false, null);
  }

  /**
   * Whether nothing restricts when the run works. Not a property: Temporal's JSON converter would
   * write it as {@code anyTime} and then refuse to read it back.
   */
  @JsonIgnore
  public boolean isAnyTime() {
    return windows.isEmpty() && !fromCluster;
  }
}
