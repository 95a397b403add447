package dev.asmmigrate.workflows.fleet;

import dev.asmmigrate.workflows.activities.FleetMigrationActivities;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.SoakCheck;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The fleet's activities for tests: discovery returns what the test says, a soak check fails for
 * the clusters the test names, and findMigration and awaitMigration ask the test server itself.
 */
class FakeFleetActivities implements FleetMigrationActivities {
  private final WorkflowClient client;
  final List<FleetCluster> discovered = new CopyOnWriteArrayList<>();
  final Set<String> soakFailing = ConcurrentHashMap.newKeySet();
  final List<String> soakChecked = new CopyOnWriteArrayList<>();

  FakeFleetActivities(WorkflowClient client) {
    this.client = client;
  }

  @Override
  public List<FleetCluster> discoverClusters(String fleetProject, Connection google) {
    return List.copyOf(discovered);
  }

  @Override
  public SoakCheck soakCheck(
      ClusterRef cluster,
      Connection connection,
      String revision,
      List<String> namespaces,
      long sinceEpochMillis) {
    soakChecked.add(cluster.cluster() + ":" + String.join(",", namespaces));
    List<String> problems =
        soakFailing.contains(cluster.cluster())
            ? List.of(namespaces.get(0) + "/app-0: not Ready")
            : List.of();
    return new SoakCheck(
        cluster,
        Activity.getExecutionContext().getInfo().getCurrentAttemptScheduledTimestamp(),
        1,
        problems);
  }

  @Override
  public MigrationResult awaitMigration(String workflowId) {
    // the blocking getResult of the test environment's client lets time skip while it waits
    var stub = client.newUntypedWorkflowStub(workflowId);
    while (true) {
      try {
        return stub.getResult(200, TimeUnit.MILLISECONDS, MigrationResult.class);
      } catch (TimeoutException notYet) {
        Activity.getExecutionContext().heartbeat(null);
      }
    }
  }

  @Override
  public ExistingMigration findMigration(String workflowId) {
    WorkflowExecutionStatus status;
    try {
      status =
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(client.getOptions().getNamespace())
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                      .build())
              .getWorkflowExecutionInfo()
              .getStatus();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return new ExistingMigration(false, null);
      }
      throw e;
    }
    if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      return new ExistingMigration(true, null);
    }
    if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
      return new ExistingMigration(
          false, client.newUntypedWorkflowStub(workflowId).getResult(MigrationResult.class));
    }
    return new ExistingMigration(false, null);
  }
}
