package dev.asmmigrate.workflows.model.fleet;

import java.time.Duration;
import java.util.List;

/**
 * One wave of a fleet, as the fleet file declares it; the first wave is the canary. Its clusters
 * are those named in {@code clusters} plus those whose labels match {@code selector}, minus any an
 * earlier wave took.
 *
 * @param name the wave's name (for status and the report), unique in the fleet
 * @param clusters cluster names ({@link FleetCluster#name()})
 * @param selector a Kubernetes label selector ({@code env=prod,tier in (web,api),!legacy}), or null
 * @param maxConcurrent how many of its clusters migrate at once
 * @param soak how long its clusters are checked again after its last cluster succeeded; zero for
 *     none
 * @param approval whether an operator must approve before the wave starts
 * @param failureBudget how many of its clusters may fail before the fleet halts
 */
public record FleetWave(
    String name,
    List<String> clusters,
    String selector,
    Amount maxConcurrent,
    Duration soak,
    boolean approval,
    Amount failureBudget) {

  public FleetWave {
    clusters = clusters == null ? List.of() : List.copyOf(clusters);
    maxConcurrent = maxConcurrent == null ? Amount.count(1) : maxConcurrent;
    soak = soak == null ? Duration.ZERO : soak;
    failureBudget = failureBudget == null ? Amount.count(0) : failureBudget;
  }
}
