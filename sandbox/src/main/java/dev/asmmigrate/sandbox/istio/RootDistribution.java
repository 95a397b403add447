package dev.asmmigrate.sandbox.istio;

import dev.asmmigrate.sandbox.SandboxContext;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The roots a CA currently distributes, and a change on its way: a new set of roots reaches the
 * namespaces only after the distribution delay (Citadel provisions at least a minute after it
 * starts; the sandbox's delay is configurable), and while distribution is stuck (a fault) a set
 * that adds a root never does. Not thread-safe: one component's thread uses it.
 */
final class RootDistribution {
  private List<String> distributed;
  private List<String> pending;
  private Instant pendingSince;
  private Instant due;

  /**
   * Moves the distribution towards {@code desired} and returns what is distributed now.
   *
   * @param initial what a CA distributes as soon as it first runs (its own root, already there
   *     since the add-on was installed)
   */
  List<String> advance(
      List<String> desired, List<String> initial, Instant now, Duration delay, boolean stuck) {
    due = null;
    if (distributed == null) {
      distributed = List.copyOf(initial);
    }
    if (fingerprints(desired).equals(fingerprints(distributed))) {
      pending = null;
      return distributed;
    }
    boolean adds = !fingerprints(distributed).containsAll(fingerprints(desired));
    if (adds && stuck) {
      pending = null;
      return distributed;
    }
    if (pending == null || !fingerprints(pending).equals(fingerprints(desired))) {
      pending = List.copyOf(desired);
      pendingSince = now;
    }
    Instant at = pendingSince.plus(delay);
    if (now.isBefore(at)) {
      due = at;
      return distributed;
    }
    distributed = pending;
    pending = null;
    return distributed;
  }

  /**
   * Moves the distribution towards {@code desired} by the sandbox's delay and its
   * stuck-distribution fault, and returns the roots distributed now as the one PEM bundle a
   * namespace receives, or null while none is; {@code wakeAt} hears when a pending change is due.
   */
  String distribute(
      List<String> desired,
      List<String> initial,
      Instant now,
      SandboxContext ctx,
      Consumer<Instant> wakeAt) {
    List<String> roots =
        advance(
            desired,
            initial,
            now,
            ctx.settings().rootDistributionDelay(),
            ctx.faults().rootDistributionStuck);
    due().ifPresent(wakeAt);
    return roots.isEmpty() ? null : join(roots);
  }

  /** When the pending change is due, if one waits. */
  Optional<Instant> due() {
    return Optional.ofNullable(due);
  }

  /** PEM texts one after the other, each ending with a line break. */
  static String join(List<String> pems) {
    StringBuilder sb = new StringBuilder();
    for (String pem : pems) {
      sb.append(pem);
      if (!pem.endsWith("\n")) {
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  static Set<String> fingerprints(List<String> pems) {
    Set<String> out = new LinkedHashSet<>();
    for (String pem : pems) {
      out.addAll(Pem.certificateFingerprints(pem));
    }
    return out;
  }
}
