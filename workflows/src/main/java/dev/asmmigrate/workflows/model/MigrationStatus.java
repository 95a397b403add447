package dev.asmmigrate.workflows.model;

import java.util.List;

/**
 * The answer to the workflow's {@code status} query.
 *
 * @param phase RUNNING, WAITING_FOR_RECHECK, WAITING_FOR_APPROVAL, PAUSED, ROLLING_BACK, DONE
 * @param state the state ConfigMap's value
 * @param step the current (or last) step id
 */
public record MigrationStatus(
    String migrationId,
    ClusterRef cluster,
    String phase,
    MigrationState state,
    String step,
    List<String> completedSteps,
    List<NamespaceStatus> namespaces,
    List<ConfigFinding> findings,
    String approvedBy,
    String error) {}
