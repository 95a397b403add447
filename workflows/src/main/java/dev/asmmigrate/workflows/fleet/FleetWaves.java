package dev.asmmigrate.workflows.fleet;

import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.FleetWave;
import dev.asmmigrate.workflows.model.fleet.LabelSelector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which clusters each wave of a fleet takes (pure): a wave's clusters are those it names plus those
 * its selector matches, in the order of the fleet's clusters; a cluster belongs to the first wave
 * that takes it.
 */
public final class FleetWaves {
  private FleetWaves() {}

  /**
   * One wave and its clusters.
   *
   * @param wave as the fleet file declares it
   * @param clusters the clusters it takes, in the fleet's order
   */
  public record Resolved(FleetWave wave, List<FleetCluster> clusters) {
    public Resolved {
      clusters = List.copyOf(clusters);
    }
  }

  /**
   * The waves' clusters, and the clusters no wave takes.
   *
   * @param waves in the fleet's order
   * @param unmatched clusters no wave takes, in the fleet's order
   */
  public record Plan(List<Resolved> waves, List<FleetCluster> unmatched) {}

  /**
   * The fleet's clusters: the listed ones, then those discovered that are not listed (a listed
   * cluster wins over a discovered one of the same name), in that order.
   */
  public static List<FleetCluster> merge(List<FleetCluster> listed, List<FleetCluster> found) {
    Map<String, FleetCluster> byName = new LinkedHashMap<>();
    for (FleetCluster c : listed) {
      byName.putIfAbsent(c.name(), c);
    }
    for (FleetCluster c : found == null ? List.<FleetCluster>of() : found) {
      byName.putIfAbsent(c.name(), c);
    }
    return List.copyOf(byName.values());
  }

  /**
   * Resolves each wave's clusters.
   *
   * @throws IllegalArgumentException when a wave names a cluster the fleet does not have, or its
   *     selector is not a valid label selector
   */
  public static Plan resolve(List<FleetWave> waves, List<FleetCluster> clusters) {
    Map<String, FleetCluster> byName = new LinkedHashMap<>();
    for (FleetCluster c : clusters) {
      byName.putIfAbsent(c.name(), c);
    }
    Map<String, String> taken = new LinkedHashMap<>();
    List<Resolved> out = new ArrayList<>();
    for (FleetWave w : waves) {
      for (String n : w.clusters()) {
        if (!byName.containsKey(n)) {
          throw new IllegalArgumentException(
              "wave " + w.name() + " names cluster " + n + ", which the fleet does not have");
        }
      }
      LabelSelector selector =
          w.selector() == null || w.selector().isBlank() ? null : LabelSelector.parse(w.selector());
      List<FleetCluster> mine = new ArrayList<>();
      for (FleetCluster c : byName.values()) {
        boolean wanted =
            w.clusters().contains(c.name()) || (selector != null && selector.matches(c.labels()));
        if (wanted && !taken.containsKey(c.name())) {
          taken.put(c.name(), w.name());
          mine.add(c);
        }
      }
      out.add(new Resolved(w, mine));
    }
    List<FleetCluster> unmatched =
        byName.values().stream().filter(c -> !taken.containsKey(c.name())).toList();
    return new Plan(out, unmatched);
  }
}
