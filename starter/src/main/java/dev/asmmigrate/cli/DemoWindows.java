package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code demo --windows short}: maintenance windows in real time, seconds long, fixed for the whole
 * run: {@value #WINDOW_SECONDS} s every {@value #EVERY_SECONDS} s, the run starting with {@value
 * #FIRST_LEFT_SECONDS} s of the first left. Every disturbing step and namespace wave starts only if
 * its estimate and its undo's end inside the window it starts in: the steps before the workload
 * phase are estimated from pre-flight's model of what they restart on the sandbox cluster (the
 * control plane's and the gateway's Deployments: replicas, strategy, readiness probe), the first
 * namespace from its rollout model, the others from the namespaces measured so far. So the run
 * waits for the next window when a step does not fit the time the current one has left ({@code
 * WAITING_FOR_WINDOW}), goes on at its start, and ends SUCCESS.
 *
 * <p>The windows last {@value #WINDOW_SECONDS} s, not 20: the Mesh CA step's model on the 1.4
 * sandbox (istio-pilot's rollout, 10 s of pod start plus its 5 s + 5 s readiness probe, then
 * istio-citadel's, the root's poll and the demo's 1 s hold) is about 32 s, and its undo as much
 * again: a window must have some 67 s left for it to start. A shorter window could never hold it.
 */
final class DemoWindows {
  static final int WINDOW_SECONDS = 70;
  static final int EVERY_SECONDS = 85;

  /** Enough windows for any demo run (it waits for the next at most a few times). */
  static final int COUNT = 8;

  /** How many more namespaces the windows demo migrates when --namespaces is not given. */
  static final int NAMESPACES = 30;

  static final Duration MARGIN = Duration.ofSeconds(2);

  private DemoWindows() {}

  /**
   * How much of the first window is left when the run starts: less than Mesh CA needs with its undo
   * and the margin (some 67 s), so the run always waits for the second window before that step,
   * however fast the steps before it run, and goes on at its start.
   */
  static final int FIRST_LEFT_SECONDS = 20;

  /**
   * The run's windows: {@value #COUNT} of them, the first opened before {@code now} with {@value
   * #FIRST_LEFT_SECONDS} s left.
   */
  static WindowPolicy initial(Instant now) {
    return new WindowPolicy(
        windows(now.minusSeconds(WINDOW_SECONDS - FIRST_LEFT_SECONDS)), null, null);
  }

  /**
   * The windows from {@code from} on, {@value #EVERY_SECONDS} s apart: each a single occurrence
   * ({@code FREQ=DAILY;COUNT=1}), UTC.
   */
  static MaintenanceWindows windows(Instant from) {
    List<RecurringWindow> windows = new ArrayList<>();
    for (int i = 0; i < COUNT; i++) {
      windows.add(
          once(from.plusSeconds((long) i * EVERY_SECONDS), Duration.ofSeconds(WINDOW_SECONDS)));
    }
    return new MaintenanceWindows(windows, List.of(), false, MARGIN);
  }

  private static RecurringWindow once(Instant start, Duration duration) {
    return new RecurringWindow(
        "FREQ=DAILY;COUNT=1",
        LocalDateTime.ofInstant(start, ZoneOffset.UTC).withNano(0),
        duration,
        "UTC");
  }
}
