package dev.asmmigrate.workflows.model.window;

import java.util.List;

/**
 * The maintenance windows of a running migration as its {@code status} shows them: null in the
 * status of a run with no windows, no earliest start and no override.
 *
 * @param windows the windows the run uses now ({@code windows set} replaces them)
 * @param notBefore the earliest start (epoch milliseconds), or null
 * @param overrideReason why an operator overrode the windows ({@code start --override-window
 *     --reason}), or null
 * @param waiting the wait in progress, or null while the run works
 * @param waits every wait of the run, in order (the one in progress last)
 */
public record WindowStatus(
    MaintenanceWindows windows,
    Long notBefore,
    String overrideReason,
    WindowWait waiting,
    List<WindowWait> waits) {

  public WindowStatus {
    waits = waits == null ? List.of() : List.copyOf(waits);
  }
}
