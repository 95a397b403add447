package dev.asmmigrate.workflows.model.fleet;

import java.util.List;
import java.util.Map;

/**
 * What a fleet's run hands the next when it continues as new (its history grew large): every
 * cluster's row, where the fleet stands, and what operators asked. Clusters it had in flight keep
 * running (their parent-close policy is ABANDON) and the new run follows them.
 *
 * @param clusters the fleet's clusters, listed and discovered
 * @param outcomes each cluster's row, in wave order
 * @param owned names of the clusters whose migration this fleet started (the others in flight are
 *     followed: a halt or an abort does not act on them)
 * @param migrated namespaces each cluster migrated (by name), for its soak checks
 * @param awaiting names of the clusters whose migration waits at its point of no return for the
 *     fleet's approval
 * @param wave index of the current wave
 * @param stage where the current wave stands: START, RUN, SOAK, APPROVE, FINISH
 * @param soakStartedMillis when the current wave's soak began, 0 if it has not
 * @param startApproved names of the waves whose start was approved
 * @param ponrApproved names of the waves (or {@code "fleet"}) whose point of no return was approved
 * @param abortSent names of the clusters the fleet sent an abort
 * @param uncounted names of clusters a failure budget no longer counts (their failure was counted
 *     by the run a {@code fleet resume} followed)
 * @param paused whether an operator paused the fleet
 * @param abortReason why an operator aborted it, or null
 * @param haltReason why it halts, or null
 * @param approvals every approval given
 * @param soakChecks every soak check made
 * @param runs how many runs of this fleet came before the next
 */
public record FleetCheckpoint(
    List<FleetCluster> clusters,
    List<ClusterOutcome> outcomes,
    List<String> owned,
    Map<String, List<String>> migrated,
    List<String> awaiting,
    int wave,
    String stage,
    long soakStartedMillis,
    List<String> startApproved,
    List<String> ponrApproved,
    List<String> abortSent,
    List<String> uncounted,
    boolean paused,
    String abortReason,
    String haltReason,
    List<FleetApproval> approvals,
    List<SoakCheck> soakChecks,
    int runs) {}
