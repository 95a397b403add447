package dev.asmmigrate.activities.kube;

import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCanceledException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded waits for activities: every wait polls at an interval, heartbeats what it still waits for
 * (so a dead worker's wait moves on within the heartbeat timeout, and a cancelled one stops), and
 * fails permanently, naming what it still waited for, when its bound passes.
 */
public final class Waits {
  private static final Logger log = LoggerFactory.getLogger(Waits.class);

  private Waits() {}

  /** One look at what a wait waits for: done or not, and what it saw, for heartbeats and errors. */
  public record Check(boolean done, String progress) {
    public static Check done(String progress) {
      return new Check(true, progress);
    }

    public static Check waiting(String progress) {
      return new Check(false, progress);
    }
  }

  /**
   * Polls {@code check} every {@code interval} until it is done or {@code timeout} passes.
   * Transient API failures of a poll are logged and polled again; permanent ones fail the wait.
   *
   * @param what what is awaited, e.g. "ControlPlaneRevision istio-system/asm-managed provisioned"
   * @return the progress of the check that was done
   * @throws io.temporal.failure.ApplicationFailure {@code onTimeout} after the timeout, with the
   *     last progress in its message
   */
  public static String until(
      String what,
      Duration timeout,
      Duration interval,
      Supplier<Check> check,
      FailureType onTimeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "nothing observed yet";
    while (true) {
      try {
        Check c = check.get();
        last = c.progress();
        if (c.done()) {
          log.info("{}: done ({})", what, last);
          heartbeat(what + ": done: " + last);
          return last;
        }
      } catch (KubernetesClientException e) {
        RuntimeException classified = Failures.kubernetes(what, e);
        if (classified != e) {
          throw classified;
        }
        last = "API error " + e.getCode() + ": " + e.getMessage();
        log.info("{}: transient API error while polling, polling again: {}", what, e.getMessage());
      }
      heartbeat(what + ": waiting: " + last);
      if (System.nanoTime() - deadline >= 0) {
        throw Failures.permanent(
            onTimeout, what + ": not done after " + describe(timeout) + "; last seen: " + last);
      }
      pause(
          Duration.ofNanos(
              Math.min(interval.toNanos(), Math.max(0, deadline - System.nanoTime()))));
    }
  }

  /**
   * Holds for {@code duration}, heartbeating every {@code interval}: for the few places where no
   * API shows that something happened (proxies reading a file the kubelet refreshed).
   */
  public static void hold(String what, Duration duration, Duration interval) {
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() - end < 0) {
      heartbeat(what);
      pause(Duration.ofNanos(Math.min(interval.toNanos(), Math.max(0, end - System.nanoTime()))));
    }
  }

  /** Heartbeats {@code detail} when running inside an activity; a no-op outside one. */
  public static void heartbeat(String detail) {
    ActivityExecutionContext ctx;
    try {
      ctx = Activity.getExecutionContext();
    } catch (IllegalStateException | NullPointerException notInActivity) {
      return;
    }
    try {
      ctx.heartbeat(detail);
    } catch (ActivityCanceledException cancelled) {
      log.info("stopped at \"{}\": the migration cancelled this activity (an abort)", detail);
      throw cancelled;
    }
  }

  private static void pause(Duration d) {
    if (d.isZero() || d.isNegative()) {
      return;
    }
    try {
      Thread.sleep(Math.max(1, d.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting", e);
    }
  }

  static String describe(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }
}
