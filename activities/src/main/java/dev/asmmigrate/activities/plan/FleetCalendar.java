package dev.asmmigrate.activities.plan;

import dev.asmmigrate.workflows.fleet.FleetWaves;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * {@code fleet plan}'s calendar: the fleet's waves in order, each cluster's own {@link
 * PlanCalendar} from when its wave lets it start (a wave starts its clusters at most {@code
 * maxConcurrent} at once, in the fleet's order; the next wave starts after the last of them should
 * end and the wave's soak), and when the fleet should end. Each cluster waits for its own windows.
 * Pure.
 */
public final class FleetCalendar {

  /**
   * One cluster's place in the fleet.
   *
   * @param cluster its name
   * @param start when its wave should start it
   * @param calendar its own calendar from then; null when it could not be planned (blocked,
   *     unreachable: {@code note} says why)
   */
  public record ClusterRun(
      String cluster, Instant start, PlanCalendar.Result calendar, String note) {}

  /**
   * One wave.
   *
   * @param start when it should start (after an operator's approval when {@code approval})
   * @param end when its last cluster should end, with its soak; null when one has no end
   */
  public record WaveRun(
      String wave,
      Instant start,
      Instant end,
      boolean approval,
      Duration soak,
      int maxConcurrent,
      List<ClusterRun> clusters) {}

  /**
   * The fleet's calendar.
   *
   * @param end when the last wave should end; null when a cluster has no end or was not planned
   * @param why why there is no end, or null
   */
  public record Result(List<WaveRun> waves, Instant end, String why) {}

  private FleetCalendar() {}

  /**
   * Lays out the fleet from {@code from}.
   *
   * @param requests each planned cluster's calendar request, by cluster name (its start is set
   *     here); a cluster without one is listed as not planned, with {@code notes}' reason
   */
  public static Result of(
      FleetWaves.Plan plan,
      Map<String, PlanCalendar.Request> requests,
      Map<String, String> notes,
      Instant from) {
    List<WaveRun> waves = new ArrayList<>();
    Instant t = from;
    String why = null;
    for (FleetWaves.Resolved w : plan.waves()) {
      int n = w.clusters().size();
      int concurrent = Math.max(1, w.wave().maxConcurrent().concurrencyOf(Math.max(1, n)));
      PriorityQueue<Instant> free = new PriorityQueue<>();
      for (int i = 0; i < concurrent; i++) {
        free.add(t);
      }
      List<ClusterRun> runs = new ArrayList<>();
      Instant last = t;
      boolean known = why == null;
      for (FleetCluster c : w.clusters()) {
        Instant start = free.poll();
        PlanCalendar.Request r = requests.get(c.name());
        if (r == null) {
          runs.add(
              new ClusterRun(c.name(), start, null, notes.getOrDefault(c.name(), "not planned")));
          why = why != null ? why : "cluster " + c.name() + " was not planned";
          known = false;
          free.add(start);
          continue;
        }
        PlanCalendar.Result cal = PlanCalendar.of(r.from(start));
        runs.add(new ClusterRun(c.name(), start, cal, null));
        if (cal.end() == null) {
          why = why != null ? why : "cluster " + c.name() + ": " + cal.unplaced();
          known = false;
          free.add(start);
          continue;
        }
        free.add(cal.end());
        last = cal.end().isAfter(last) ? cal.end() : last;
      }
      Instant end = known ? last.plus(w.wave().soak()) : null;
      waves.add(
          new WaveRun(
              w.wave().name(),
              t,
              end,
              w.wave().approval(),
              w.wave().soak(),
              concurrent,
              List.copyOf(runs)));
      t = end != null ? end : last;
    }
    return new Result(List.copyOf(waves), why == null ? t : null, why);
  }
}
