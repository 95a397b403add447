package dev.asmmigrate.workflows;

/**
 * The workflow implementations a worker registers, in one place: the migration, its groups, and a
 * fleet of migrations.
 */
public final class WorkflowTypes {
  private WorkflowTypes() {}

  /** For {@code Worker.registerWorkflowImplementationTypes}. */
  public static Class<?>[] all() {
    return new Class<?>[] {
      MigrationWorkflowImpl.class,
      NamespaceGroupWorkflowImpl.class,
      dev.asmmigrate.workflows.fleet.FleetMigrationWorkflowImpl.class
    };
  }
}
