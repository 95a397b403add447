package dev.asmmigrate.workflows.model.window;

import dev.asmmigrate.workflows.model.DurationEstimate.Sizing;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepModel;
import dev.asmmigrate.workflows.model.Timeouts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * How long the disturbing work of a run should take, and its undo: what the maintenance windows
 * compare with the time an opening has left. Pure, so that the workflow (with workflow time), the
 * group of waves and {@code plan} compute the same figures.
 *
 * <ul>
 *   <li>A namespace: from the namespaces this run has already migrated (the 90th percentile,
 *       nearest rank, of their durations: the slowest while fewer than ten), each scaled up to this
 *       namespace's size (by the ratio of the restart models when both have one, else of the
 *       workload counts; never scaled down). Before any measurement: pre-flight's restart model of
 *       the namespace ({@link #rollout}), else the runbook's bound of one namespace ({@link
 *       Step#MIGRATE_WORKLOADS}: its calls plus the rollout timeout).
 *   <li>A wave: its namespaces run at once, so its slowest namespace. Its undo: a namespace that
 *       fails its gate is rolled back at once, beside the others of its wave, and that is a restart
 *       again: the same as the wave.
 *   <li>Any other step that disturbs traffic: what this run measured of it when it ran before, else
 *       pre-flight's model of it on this cluster ({@link StepModel}: the rollouts of what it
 *       restarts, the configured holds), else the runbook's declared bound ({@link
 *       Step.Declaration#duration()}, from the timeouts and the cluster's size); its undo does the
 *       same work back, so the same figure.
 * </ul>
 */
public final class Estimates {

  /** The percentile of the measured namespace durations a namespace is estimated at. */
  static final double PERCENTILE = 0.9;

  /** A pod's start (image, sidecar) before its readiness probe begins, in the rollout model. */
  static final Duration POD_START = Duration.ofSeconds(10);

  private Estimates() {}

  /**
   * A namespace this run migrated: its size and how long it took (from STARTED to VERIFIED).
   *
   * @param restartModel pre-flight's model of it, or null
   */
  public record Measured(String namespace, int workloads, Duration restartModel, Duration took) {}

  /**
   * The estimate of a piece of work and of its undo.
   *
   * @param basis where the figure comes from, in words (the report and status show it)
   */
  public record Estimate(Duration work, Duration undo, String basis) {
    /** What an opening must have left for the work to start: work, undo and the margin. */
    public Duration needs(Duration margin) {
      return work.plus(undo).plus(margin);
    }

    /** e.g. {@code ~4m + undo ~4m (measured: slowest of 3 namespaces)}. */
    public String describe() {
      return "~" + text(work) + " + undo ~" + text(undo) + " (" + basis + ")";
    }
  }

  /** A step other than the workload phase's: the runbook's bound, for the work and its undo. */
  public static Estimate step(Step s, Sizing sizing, Timeouts timeouts) {
    return step(s, null, null, sizing, timeouts);
  }

  /**
   * A step other than the workload phase's, for the work and its undo (which restarts the same
   * things): what this run measured of it if it ran before, else pre-flight's model of it on this
   * cluster, else the runbook's bound.
   *
   * @param measured how long this run took over the step when it ran before, or null
   * @param model pre-flight's model of the step, or null (older histories, none for this step)
   */
  public static Estimate step(
      Step s, Duration measured, StepModel model, Sizing sizing, Timeouts timeouts) {
    if (measured != null) {
      return new Estimate(measured, measured, "measured: this run's " + s.id());
    }
    if (model != null && model.step().equals(s.id()) && model.work() != null) {
      return new Estimate(model.work(), model.work(), "pre-flight's model: " + model.basis());
    }
    Duration bound = s.declaration().duration().upTo(sizing, timeouts);
    return new Estimate(
        bound, bound, "the runbook's bound: " + s.declaration().duration().describe());
  }

  /** A wave of namespaces, migrated at once. */
  public static Estimate wave(List<NamespacePlan> wave, List<Measured> measured, Timeouts t) {
    Duration slowest = Duration.ZERO;
    for (NamespacePlan ns : wave) {
      Duration d = namespace(ns, measured, t);
      slowest = d.compareTo(slowest) > 0 ? d : slowest;
    }
    return new Estimate(slowest, slowest, basis(wave, measured));
  }

  /** One namespace's migration (and, as much again, its undo). */
  public static Duration namespace(NamespacePlan ns, List<Measured> measured, Timeouts t) {
    if (measured.isEmpty()) {
      return ns.restartModel() != null ? ns.restartModel() : bound(t);
    }
    List<Duration> scaled = new ArrayList<>();
    for (Measured m : measured) {
      scaled.add(scale(m.took(), ratio(ns, m)));
    }
    scaled.sort(Comparator.naturalOrder());
    int rank = (int) Math.ceil(PERCENTILE * scaled.size());
    return scaled.get(Math.max(0, rank - 1));
  }

  /** The runbook's bound of one namespace: its calls plus the rollout timeout. */
  static Duration bound(Timeouts t) {
    return Step.MIGRATE_WORKLOADS.declaration().duration().upTo(new Sizing(1, 1, 0, 0, 1, 1), t);
  }

  private static double ratio(NamespacePlan ns, Measured m) {
    double r;
    if (ns.restartModel() != null
        && m.restartModel() != null
        && !m.restartModel().isZero()
        && !ns.restartModel().isZero()) {
      r = (double) ns.restartModel().toMillis() / m.restartModel().toMillis();
    } else {
      r = m.workloads() <= 0 ? 1 : (double) ns.workloads() / m.workloads();
    }
    return Math.max(1, r);
  }

  private static Duration scale(Duration d, double factor) {
    return Duration.ofMillis((long) Math.ceil(d.toMillis() * factor));
  }

  private static String basis(List<NamespacePlan> wave, List<Measured> measured) {
    if (!measured.isEmpty()) {
      return "measured: "
          + (measured.size() < 10 ? "slowest" : "90th percentile")
          + " of "
          + measured.size()
          + " namespace"
          + (measured.size() == 1 ? "" : "s")
          + ", scaled to size";
    }
    return wave.stream().allMatch(ns -> ns.restartModel() != null)
        ? "pre-flight's rollout model"
        : "the runbook's bound of a namespace";
  }

  /**
   * The namespaces of {@code statuses} migrated through to VERIFIED, with how long each took, for
   * those {@code plans} names (whose sizes they take).
   */
  public static List<Measured> measured(
      List<NamespaceStatus> statuses, Map<String, NamespacePlan> plans) {
    List<Measured> out = new ArrayList<>();
    for (NamespaceStatus s : statuses) {
      Long start = s.times().get("STARTED");
      Long verified = s.times().get("VERIFIED");
      NamespacePlan plan = plans.get(s.name());
      if (start == null || verified == null || plan == null || !"VERIFIED".equals(s.phase())) {
        continue;
      }
      out.add(
          new Measured(
              s.name(),
              plan.workloads(),
              plan.restartModel(),
              Duration.ofMillis(Math.max(0, verified - start))));
    }
    return out;
  }

  /**
   * The rollout model of one Deployment (or set): how long a rolling restart of it should take.
   * Pods are replaced in rounds of {@code maxSurge + maxUnavailable} (at least one); each round
   * takes a pod's start, then its readiness: the readiness probe's first success ({@code
   * initialDelaySeconds + periodSeconds x successThreshold}) or, when longer, what its pods were
   * seen to take from creation to Ready.
   *
   * @param replicas the desired replicas (0: nothing to restart)
   * @param maxSurge resolved to a count (a percentage rounds up)
   * @param maxUnavailable resolved to a count (a percentage rounds down)
   * @param probeReady the readiness probe's time to its first success, or zero without one
   * @param observedReady the longest a pod of it took from creation to Ready, or zero if unknown
   */
  public static Duration rollout(
      int replicas, int maxSurge, int maxUnavailable, Duration probeReady, Duration observedReady) {
    if (replicas <= 0) {
      return Duration.ZERO;
    }
    int perRound = Math.max(1, maxSurge + maxUnavailable);
    int rounds = (replicas + perRound - 1) / perRound;
    Duration ready = probeReady.compareTo(observedReady) >= 0 ? probeReady : observedReady;
    return POD_START.plus(ready).multipliedBy(rounds);
  }

  /** A duration in words: {@code 45s}, {@code 2m}, {@code 1h30m}. */
  public static String text(Duration d) {
    long s = (d.toMillis() + 999) / 1000;
    if (s < 60) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 60) {
      return m + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
    }
    return m / 60 + "h" + (m % 60 == 0 ? "" : m % 60 + "m");
  }
}
