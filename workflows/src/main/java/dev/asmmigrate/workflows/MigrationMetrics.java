package dev.asmmigrate.workflows;

import com.uber.m3.tally.Scope;
import dev.asmmigrate.workflows.model.Step;
import io.temporal.workflow.Workflow;
import java.util.Map;

/**
 * The migration's own metrics, recorded through Temporal's metrics scopes so that they reach the
 * worker's registry with the SDK's: from workflow code through {@link Workflow#getMetricsScope()},
 * which records nothing while a workflow replays (no side effect, no command), and from activities
 * through their execution context's scope. Prometheus shows the counters with a {@code _total}
 * suffix.
 */
public final class MigrationMetrics {
  /** Steps that ended, tagged {@code step} (its id) and {@code outcome}: done, skipped, failed. */
  public static final String STEPS = "asm_migrate_steps";

  /** Namespaces whose migration ended, tagged {@code outcome}: migrated, rolled_back. */
  public static final String NAMESPACES = "asm_migrate_namespaces";

  /**
   * Pods found running the expected proxy when a namespace was verified, tagged {@code proxy}:
   * managed (after a migration) or addon (after a rollback).
   */
  public static final String PODS_VERIFIED = "asm_migrate_pods_verified";

  private MigrationMetrics() {}

  static void stepEnded(Step step, String outcome) {
    workflowScope(Map.of("step", step.id(), "outcome", outcome)).counter(STEPS).inc(1);
  }

  static void namespaceEnded(String outcome) {
    workflowScope(Map.of("outcome", outcome)).counter(NAMESPACES).inc(1);
  }

  private static Scope workflowScope(Map<String, String> tags) {
    return Workflow.getMetricsScope().tagged(tags);
  }
}
