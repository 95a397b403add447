package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.window.Estimates.Measured;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;

/**
 * A group of consecutive namespace waves of the workload phase, run as a child of the migration
 * (workflow ID {@code <the cluster's migration workflow ID>/workloads-<step>-<n>}, {@code -undo}
 * appended for the rollback's), so that no workflow run's history grows with the number of
 * namespaces: the migration's own history holds a few events per group, each group's holds its
 * namespaces' activities. Version 1 of {@code namespace-group-children}.
 *
 * <p>The migration waits for it in a detached scope and forwards an operator's abort, pause and
 * resume by signal: an abort cancels the group's activities and undoes each namespace in flight
 * once; a pause ends the group at its next safe point (between waves), with what it did, and the
 * migration waits for the resume at its own safe point before it starts a group with the waves
 * left. The group never throws: it returns each namespace's status, the namespaces it migrated and
 * its failure, which the migration raises as its own.
 */
@WorkflowInterface
public interface NamespaceGroupWorkflow {
  @WorkflowMethod
  GroupResult run(GroupRequest request);

  /** The group's namespaces as it knows them (its memo holds the same, for the starter). */
  @QueryMethod
  MigrationStatus status();

  @SignalMethod
  void abort(String reason);

  @SignalMethod
  void pause();

  @SignalMethod
  void resume();

  /**
   * The migration's windows changed ({@code windows set}): the group's next waves are checked
   * against this window instead (null: no window limits them any more).
   */
  @SignalMethod
  void window(WaveWindow window);

  /**
   * @param current each namespace's status as the migration knows it when the group starts
   * @param waves the waves to migrate in order (a canary namespace is a wave of its own); with
   *     {@code rollBack}, the namespaces to undo, one after another in this order
   * @param rollBack whether the group undoes its namespaces (the migration's rollback) instead
   * @param window the maintenance window the group works in, or null (no windows, an override, an
   *     undo, histories from before)
   */
  record GroupRequest(
      MigrationContext ctx,
      MigrationRequest request,
      List<NamespaceStatus> current,
      List<List<NamespacePlan>> waves,
      boolean rollBack,
      WaveWindow window) {}

  /**
   * The opening a group of waves works in ({@code MaintenanceGate}): after its first wave (which
   * the migration checked), the group starts a wave only if {@code now + its estimate + its undo's
   * + margin <= closesAt}, the estimate from {@code measured} and the namespaces the group has
   * migrated itself ({@code Estimates}); otherwise it ends there, as a pause ends it, and the
   * migration waits for the next window.
   *
   * @param closesAt when the opening closes (epoch milliseconds, workflow time)
   * @param margin kept free before it closes
   * @param measured the namespaces the migration migrated before the group, with their durations
   */
  record WaveWindow(long closesAt, Duration margin, List<Measured> measured) {
    public WaveWindow {
      measured = measured == null ? List.of() : List.copyOf(measured);
    }
  }

  /**
   * @param namespaces each namespace's status as the group left it
   * @param migrated the namespaces that passed their gate and were not undone, in order
   * @param wavesDone how many of the waves asked it ran: fewer than asked when a pause ended it
   * @param rollbackFailures each undo that failed, with what it left
   * @param failureType the type of the failure that stopped the group, or null
   * @param failureMessage its message, without its type
   */
  record GroupResult(
      List<NamespaceStatus> namespaces,
      List<NamespacePlan> migrated,
      int wavesDone,
      List<String> rollbackFailures,
      String failureType,
      String failureMessage) {}
}
