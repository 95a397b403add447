package dev.asmmigrate.workflows.model;

/**
 * What every activity of one migration needs to know: which migration (its backups are keyed by its
 * ID), which cluster, how to reach it, the target revision, and where backups live.
 */
public record MigrationContext(
    String migrationId,
    ClusterRef cluster,
    Connection connection,
    String revision,
    String backupDir) {}
