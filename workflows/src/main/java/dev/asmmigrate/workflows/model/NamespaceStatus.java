package dev.asmmigrate.workflows.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One namespace's progress in the workload phase.
 *
 * @param phase PENDING, RELABELLED, RESTARTED, VERIFIED, FAILED, ROLLED_BACK
 * @param podsReady pods verified with the target proxy
 * @param podsTotal pods of the migrated workloads
 * @param message what happened last, naming the workload and pod on failure
 * @param times when (workflow time, epoch milliseconds) the namespace entered each phase, in order:
 *     STARTED, RELABELLED, RESTARTED, VERIFIED, FAILED, ROLLED_BACK; empty in histories of older
 *     runs
 */
public record NamespaceStatus(
    String name,
    AddonVersion version,
    String phase,
    int podsReady,
    int podsTotal,
    String message,
    Map<String, Long> times) {

  public NamespaceStatus {
    times = times == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(times));
  }

  public NamespaceStatus(
      String name,
      AddonVersion version,
      String phase,
      int podsReady,
      int podsTotal,
      String message) {
    this(name, version, phase, podsReady, podsTotal, message, Map.of());
  }
}
