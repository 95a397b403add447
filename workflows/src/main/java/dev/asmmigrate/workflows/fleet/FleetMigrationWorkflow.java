package dev.asmmigrate.workflows.fleet;

import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetStatus;
import dev.asmmigrate.workflows.model.window.WindowsChange;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * A fleet's migration, workflow ID {@code asm-fleet/<name>}: its clusters in waves, one child
 * {@code MigrationWorkflow} per cluster under the ID a single-cluster {@code start} uses (so no
 * cluster is ever migrated by two runs at once: a fleet that meets a running migration of one of
 * its clusters follows it), a canary wave first, bounded concurrency, soak, approvals, and failure
 * budgets that halt it.
 *
 * <p>Operators act through updates, whose validators refuse at once what the fleet cannot do now.
 */
@WorkflowInterface
public interface FleetMigrationWorkflow {

  @WorkflowMethod
  FleetResult migrateFleet(FleetRequest request);

  /** The fleet's phase, wave and each cluster's row. */
  @QueryMethod
  FleetStatus status();

  /**
   * Approves what the fleet waits for: the start of a wave declared with {@code approval}, or the
   * point of no return of the clusters the fleet's {@code pointOfNoReturn} scope holds.
   *
   * @param by who approves
   * @param wave the wave's name the operator means, or null for whatever waits now; refused when it
   *     names another wave than the one waiting
   */
  @UpdateMethod
  String approve(String by, String wave);

  @UpdateValidatorMethod(updateName = "approve")
  void validateApprove(String by, String wave);

  /** Starts no new cluster until resumed; running clusters go on. Refused once the fleet ended. */
  @UpdateMethod
  String pause();

  @UpdateValidatorMethod(updateName = "pause")
  void validatePause();

  /** Lifts a pause. Refused unless paused. */
  @UpdateMethod
  String resume();

  @UpdateValidatorMethod(updateName = "resume")
  void validateResume();

  /**
   * Stops the fleet: no new cluster starts, the running ones are aborted (each rolls back unless
   * past its point of no return), and it ends ABORTED. Refused once it ended.
   */
  @UpdateMethod
  String abort(String reason);

  @UpdateValidatorMethod(updateName = "abort")
  void validateAbort(String reason);

  /**
   * Replaces the maintenance windows of the fleet's clusters ({@code windows set --fleet}): a
   * cluster not started yet takes them when it starts (the fleet file's stay as they were); a
   * running migration this fleet started gets them at once, by its {@code windowsSignal}. Clusters
   * that ended keep theirs.
   *
   * @param cluster one cluster's name (its fleet file name), or null for every cluster
   * @return which clusters got the windows, and how
   */
  @UpdateMethod
  String setWindows(WindowsChange change, String cluster);

  /**
   * Refuses invalid windows, an unknown cluster, an ended fleet, and an override (which is one
   * migration's emergency: {@code windows set --cluster-id ... --override-window}).
   */
  @UpdateValidatorMethod(updateName = "setWindows")
  void validateSetWindows(WindowsChange change, String cluster);

  /**
   * Sent by a cluster's {@code MigrationWorkflow} that this fleet started when it reached SUCCESS
   * and waits at its point of no return: the fleet's soak checks its namespaces, and with a {@code
   * wave} or {@code fleet} approval scope the fleet approves it once an operator approved.
   *
   * @param migrationWorkflowId the cluster's migration's workflow ID
   * @param namespaces the namespaces it migrated
   */
  @SignalMethod
  void clusterAwaitsApproval(String migrationWorkflowId, List<String> namespaces);
}
