package dev.asmmigrate.workflows.model;

import java.time.Duration;
import java.util.List;

/**
 * How long a step of the runbook can take, as an upper bound computed from the cluster's size and
 * the migration's {@link Timeouts}: what a maintenance window needs to refuse a step that cannot
 * finish before it closes. Every wait of the migration is bounded by one of the timeouts, so every
 * step has a finite bound, except the operator's own waits ({@link OperatorWait}), which no window
 * can bound.
 */
public sealed interface DurationEstimate {

  /** The longest the step takes on a cluster of this size with these bounds. */
  Duration upTo(Sizing sizing, Timeouts timeouts);

  /** The estimate in words, e.g. {@code 1m + the control-plane timeout}. */
  String describe();

  /**
   * The size of the cluster a migration works on, as pre-flight (or {@code plan}) finds it.
   *
   * @param addonVersions add-on versions detected (1 or 2: both may coexist)
   * @param namespaces injected namespaces the workload step migrates
   * @param canary of those, the canary namespaces, each migrated alone before the waves
   * @param remainingNamespaces injected namespaces left for migrate-remaining-workloads
   * @param workloads injected workloads (Deployments, StatefulSets, DaemonSets) in all namespaces
   * @param concurrency how many namespaces a wave migrates at once
   */
  record Sizing(
      int addonVersions,
      int namespaces,
      int canary,
      int remainingNamespaces,
      int workloads,
      int concurrency) {
    public Sizing {
      if (addonVersions < 0
          || namespaces < 0
          || canary < 0
          || remainingNamespaces < 0
          || workloads < 0) {
        throw new IllegalArgumentException(
            "a size cannot be negative: "
                + List.of(addonVersions, namespaces, canary, remainingNamespaces, workloads));
      }
      canary = Math.min(canary, namespaces);
      concurrency = Math.max(1, concurrency);
    }
  }

  /** One of the migration's bounded waits, each bounded by one of the {@link Timeouts}. */
  enum Wait {
    CONTROL_PLANE,
    ROOT_DISTRIBUTION,
    ROLLOUT,
    GATEWAY;

    /** The bound of this wait. */
    public Duration bound(Timeouts timeouts) {
      return switch (this) {
        case CONTROL_PLANE -> timeouts.controlPlane();
        case ROOT_DISTRIBUTION -> timeouts.rootDistribution();
        case ROLLOUT -> timeouts.rollout();
        case GATEWAY -> timeouts.gateway();
      };
    }
  }

  /** Which namespaces a {@link PerNamespace} estimate counts. */
  enum Namespaces {
    /** The workload step's: canaries one by one, then waves of {@link Sizing#concurrency()}. */
    FIRST,
    /** Those migrate-remaining-workloads finds, in waves of {@link Sizing#concurrency()}. */
    REMAINING
  }

  /**
   * The same whatever the cluster's size: a few API calls, or a long-running operation with its own
   * bound (the GKE Hub and GKE API operations, the clean-up's verification).
   */
  record Fixed(Duration duration) implements DurationEstimate {
    @Override
    public Duration upTo(Sizing sizing, Timeouts timeouts) {
      return duration;
    }

    @Override
    public String describe() {
      return text(duration);
    }
  }

  /** Some calls, then a wait bounded by one of the timeouts. */
  record Bounded(Duration calls, Wait until) implements DurationEstimate {
    @Override
    public Duration upTo(Sizing sizing, Timeouts timeouts) {
      return calls.plus(until.bound(timeouts));
    }

    @Override
    public String describe() {
      return text(calls) + " + the " + until.name().toLowerCase().replace('_', '-') + " timeout";
    }
  }

  /** Reads or writes per injected workload. */
  record PerWorkload(Duration base, Duration each) implements DurationEstimate {
    @Override
    public Duration upTo(Sizing sizing, Timeouts timeouts) {
      return base.plus(each.multipliedBy(sizing.workloads()));
    }

    @Override
    public String describe() {
      return text(base) + " + " + text(each) + " per workload";
    }
  }

  /** {@code each} once for every add-on version detected, one after the other. */
  record PerAddonVersion(DurationEstimate each) implements DurationEstimate {
    @Override
    public Duration upTo(Sizing sizing, Timeouts timeouts) {
      return each.upTo(sizing, timeouts).multipliedBy(sizing.addonVersions());
    }

    @Override
    public String describe() {
      return "(" + each.describe() + ") per add-on version";
    }
  }

  /**
   * {@code each} for every namespace, namespaces of one wave at the same time: the canaries one
   * after the other, then one wave per {@link Sizing#concurrency()} namespaces.
   */
  record PerNamespace(Namespaces which, DurationEstimate each) implements DurationEstimate {
    @Override
    public Duration upTo(Sizing sizing, Timeouts timeouts) {
      return each.upTo(sizing, timeouts).multipliedBy(rounds(sizing));
    }

    /** How many namespaces' time the step takes: the canaries, then the waves. */
    public long rounds(Sizing sizing) {
      int canary = which == Namespaces.FIRST ? sizing.canary() : 0;
      int rest =
          which == Namespaces.FIRST ? sizing.namespaces() - canary : sizing.remainingNamespaces();
      return canary + (rest + sizing.concurrency() - 1) / sizing.concurrency();
    }

    @Override
    public String describe() {
      return "("
          + each.describe()
          + (which == Namespaces.FIRST
              ? ") per canary namespace and per wave of namespaces"
              : ") per wave of remaining namespaces");
    }
  }

  /**
   * An operator's decision (approval): as long as the operator takes, outside the runbook's own
   * time, so it adds nothing; a window cannot bound it and must not wait on it.
   */
  record OperatorWait() implements DurationEstimate {
    @Override
    public Duration upTo(Sizing sizing, Timeouts timeouts) {
      return Duration.ZERO;
    }

    @Override
    public String describe() {
      return "as long as the operator takes (not bounded)";
    }
  }

  /** Parts that run one after the other. */
  record Sum(List<DurationEstimate> parts) implements DurationEstimate {
    public Sum {
      parts = List.copyOf(parts);
    }

    @Override
    public Duration upTo(Sizing sizing, Timeouts timeouts) {
      Duration total = Duration.ZERO;
      for (DurationEstimate part : parts) {
        total = total.plus(part.upTo(sizing, timeouts));
      }
      return total;
    }

    @Override
    public String describe() {
      return String.join(" + ", parts.stream().map(DurationEstimate::describe).toList());
    }
  }

  /** A duration in words: {@code 45s}, {@code 2m}, {@code 1m30s}. */
  static String text(Duration d) {
    long s = d.toSeconds();
    if (s < 60) {
      return s + "s";
    }
    return s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
  }
}
