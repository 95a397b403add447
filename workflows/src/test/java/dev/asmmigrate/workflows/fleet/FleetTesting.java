package dev.asmmigrate.workflows.fleet;

import dev.asmmigrate.workflows.MigrationSearchAttributes;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.fleet.Amount;
import dev.asmmigrate.workflows.model.fleet.ApprovalScope;
import dev.asmmigrate.workflows.model.fleet.ClusterOutcome;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetWave;
import dev.asmmigrate.workflows.model.fleet.HaltAction;
import dev.asmmigrate.workflows.model.fleet.MigrationOptions;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A time-skipping test server with the fleet workflow, {@link FakeMigration} and fakes. */
class FleetTesting implements AutoCloseable {
  final TestWorkflowEnvironment env;
  final WorkflowClient client;
  final FakeFleetActivities activities;

  FleetTesting() {
    FakeMigration.reset();
    env = TestWorkflowEnvironment.newInstance();
    for (var key : MigrationSearchAttributes.REGISTERED) {
      env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    client = env.getWorkflowClient();
    activities = new FakeFleetActivities(client);
    Worker worker = env.newWorker(MigrationWorkflow.TASK_QUEUE);
    register(worker);
  }

  void register(Worker worker) {
    worker.registerWorkflowImplementationTypes(
        FleetMigrationWorkflowImpl.class, FakeMigration.class);
    worker.registerActivitiesImplementations(activities);
  }

  FleetTesting start() {
    env.start();
    return this;
  }

  @Override
  public void close() {
    env.close();
  }

  static FleetCluster cluster(String name, String... labels) {
    Map<String, String> l = new LinkedHashMap<>();
    for (String kv : labels) {
      l.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    return new FleetCluster(
        new ClusterRef("p", "us-central1-c", name),
        new Connection(null, name, null),
        l,
        null,
        null);
  }

  static FleetWave wave(String name, List<String> clusters, String selector, int maxConcurrent) {
    return new FleetWave(
        name, clusters, selector, Amount.count(maxConcurrent), Duration.ZERO, false, null);
  }

  static FleetWave soaked(FleetWave w, Duration soak) {
    return new FleetWave(
        w.name(),
        w.clusters(),
        w.selector(),
        w.maxConcurrent(),
        soak,
        w.approval(),
        w.failureBudget());
  }

  static FleetWave approved(FleetWave w) {
    return new FleetWave(
        w.name(), w.clusters(), w.selector(), w.maxConcurrent(), w.soak(), true, w.failureBudget());
  }

  static FleetRequest request(
      String name,
      List<FleetCluster> clusters,
      List<FleetWave> waves,
      HaltAction onHalt,
      ApprovalScope scope) {
    return new FleetRequest(
        name,
        clusters,
        null,
        null,
        waves,
        Amount.count(0),
        onHalt,
        MigrationOptions.defaults(),
        scope,
        Map.of(),
        null);
  }

  FleetMigrationWorkflow stub(String fleet) {
    return client.newWorkflowStub(
        FleetMigrationWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(FleetRequest.WORKFLOW_ID_PREFIX + fleet)
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setTypedSearchAttributes(
                SearchAttributes.newBuilder().set(MigrationSearchAttributes.FLEET, fleet).build())
            .build());
  }

  /** An existing fleet's stub, for queries and updates. */
  FleetMigrationWorkflow running(String fleet) {
    return client.newWorkflowStub(
        FleetMigrationWorkflow.class, FleetRequest.WORKFLOW_ID_PREFIX + fleet);
  }

  static Map<String, ClusterState> states(FleetResult r) {
    Map<String, ClusterState> out = new LinkedHashMap<>();
    for (ClusterOutcome o : r.clusters()) {
      out.put(o.cluster().cluster(), o.state());
    }
    return out;
  }

  static ClusterOutcome row(List<ClusterOutcome> rows, String name) {
    return rows.stream().filter(o -> o.cluster().cluster().equals(name)).findFirst().orElseThrow();
  }
}
