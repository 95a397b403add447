package dev.asmmigrate.workflows.model;

import java.util.List;

/** How a migration ended. */
public record MigrationResult(
    String migrationId,
    MigrationState state,
    List<String> completedSteps,
    List<NamespaceStatus> namespaces,
    String failedStep,
    String error) {}
