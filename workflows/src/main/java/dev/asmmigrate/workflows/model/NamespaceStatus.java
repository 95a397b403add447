package dev.asmmigrate.workflows.model;

/**
 * One namespace's progress in the workload phase.
 *
 * @param phase PENDING, RELABELLED, RESTARTED, VERIFIED, FAILED, ROLLED_BACK
 * @param podsReady pods verified with the target proxy
 * @param podsTotal pods of the migrated workloads
 * @param message what happened last, naming the workload and pod on failure
 */
public record NamespaceStatus(
    String name,
    AddonVersion version,
    String phase,
    int podsReady,
    int podsTotal,
    String message) {}
