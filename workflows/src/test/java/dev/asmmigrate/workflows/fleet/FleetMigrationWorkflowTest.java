package dev.asmmigrate.workflows.fleet;

import static dev.asmmigrate.workflows.fleet.FleetTesting.approved;
import static dev.asmmigrate.workflows.fleet.FleetTesting.cluster;
import static dev.asmmigrate.workflows.fleet.FleetTesting.request;
import static dev.asmmigrate.workflows.fleet.FleetTesting.row;
import static dev.asmmigrate.workflows.fleet.FleetTesting.soaked;
import static dev.asmmigrate.workflows.fleet.FleetTesting.states;
import static dev.asmmigrate.workflows.fleet.FleetTesting.wave;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asmmigrate.workflows.MigrationSearchAttributes;
import dev.asmmigrate.workflows.fleet.FakeMigration.Behaviour;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.fleet.ApprovalScope;
import dev.asmmigrate.workflows.model.fleet.ClusterState;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.FleetRequest;
import dev.asmmigrate.workflows.model.fleet.FleetResult;
import dev.asmmigrate.workflows.model.fleet.FleetResume;
import dev.asmmigrate.workflows.model.fleet.FleetState;
import dev.asmmigrate.workflows.model.fleet.FleetStatus;
import dev.asmmigrate.workflows.model.fleet.HaltAction;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fleet's course with fake migrations and activities, under time skipping. */
class FleetMigrationWorkflowTest {
  static final List<FleetCluster> FOUR =
      List.of(
          cluster("c1", "env=canary"),
          cluster("c2", "env=prod"),
          cluster("c3", "env=prod"),
          cluster("c4", "env=prod", "late=yes"));

  FleetTesting t;

  @BeforeEach
  void setUp() {
    t = new FleetTesting().start();
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  /** Polls the fleet's status, letting 30 s of workflow time pass between two looks. */
  FleetStatus until(String fleet, Predicate<FleetStatus> done) {
    for (int i = 0; i < 200; i++) {
      FleetStatus s = t.running(fleet).status();
      if (done.test(s)) {
        return s;
      }
      t.env.sleep(Duration.ofSeconds(30));
    }
    throw new AssertionError("the fleet never got there: " + t.running(fleet).status());
  }

  @Test
  void aFleet_shouldMigrateItsWavesInOrderWithinTheirConcurrency_eachClusterOnceUnderItsOwnId() {
    t.activities.discovered.add(cluster("found", "env=staging"));
    t.activities.discovered.add(cluster("c2", "env=ignored"));
    FleetRequest req =
        new FleetRequest(
            "f",
            FOUR,
            "fleet-project",
            null,
            List.of(wave("canary", List.of("c1"), null, 1), wave("prod", List.of(), "env=prod", 2)),
            null,
            null,
            null,
            null,
            null,
            null);

    FleetResult r = t.stub("f").migrateFleet(req);

    assertThat(r.state()).isEqualTo(FleetState.SUCCESS);
    assertThat(r.reason()).isNull();
    assertThat(states(r))
        .containsExactly(
            Map.entry("c1", ClusterState.SUCCEEDED),
            Map.entry("c2", ClusterState.SUCCEEDED),
            Map.entry("c3", ClusterState.SUCCEEDED),
            Map.entry("c4", ClusterState.SUCCEEDED),
            Map.entry("found", ClusterState.SKIPPED));
    assertThat(row(r.clusters(), "found").detail()).isEqualTo("matched no wave");
    assertThat(row(r.clusters(), "c3").wave()).isEqualTo("prod");
    for (String c : List.of("c1", "c2", "c3", "c4")) {
      assertThat(FakeMigration.starts(c)).as(c).isEqualTo(1);
    }
    assertThat(FakeMigration.starts("found")).isZero();
    assertThat(FakeMigration.MAX_RUNNING.get()).isEqualTo(2);
    // the canary ended before the prod wave started
    assertThat(row(r.clusters(), "c1").endedMillis())
        .isLessThanOrEqualTo(row(r.clusters(), "c2").startedMillis());

    // the children: the single-cluster ID, abandoned on the fleet's close, listed by fleet
    ClusterRef c2 = row(r.clusters(), "c2").cluster();
    var started =
        t.client.fetchHistory(req.workflowId()).getEvents().stream()
            .filter(HistoryEvent::hasStartChildWorkflowExecutionInitiatedEventAttributes)
            .map(HistoryEvent::getStartChildWorkflowExecutionInitiatedEventAttributes)
            .toList();
    assertThat(started).hasSize(4);
    var first =
        started.stream()
            .filter(a -> a.getWorkflowId().equals(c2.workflowId()))
            .findFirst()
            .orElseThrow();
    assertThat(first.getParentClosePolicy())
        .isEqualTo(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON);
    assertThat(
            t.client
                .fetchHistory(c2.workflowId())
                .getEvents()
                .get(0)
                .getWorkflowExecutionStartedEventAttributes()
                .getSearchAttributes()
                .getIndexedFieldsMap()
                .get(MigrationSearchAttributes.FLEET.getName())
                .getData()
                .toStringUtf8())
        .contains("\"f\"");
  }

  @Test
  void aWaveNamingAnUnknownCluster_shouldFailTheFleetAsInvalidInput() {
    FleetRequest req =
        request("bad", FOUR, List.of(wave("w", List.of("nope"), null, 1)), null, null);

    assertThatThrownBy(() -> t.stub("bad").migrateFleet(req))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("wave w names cluster nope, which the fleet does not have")
        .satisfies(e -> assertThat(((ApplicationFailure) e).getType()).isEqualTo("INVALID_INPUT"));
    assertThat(FakeMigration.STARTS).isEmpty();
  }

  @Test
  void aWave2FailureWithABudgetOf0_shouldHaltAndStartNoLaterCluster() {
    FakeMigration.BEHAVIOUR.put("c2", Behaviour.FAIL);
    FleetRequest req =
        request(
            "halt",
            FOUR,
            List.of(
                wave("canary", List.of("c1"), null, 1),
                wave("two", List.of("c2", "c3"), null, 1),
                wave("three", List.of("c4"), null, 1)),
            HaltAction.FINISH,
            null);

    FleetResult r = t.stub("halt").migrateFleet(req);

    assertThat(r.state()).isEqualTo(FleetState.HALTED);
    assertThat(r.reason())
        .contains("1 of 4 clusters failed (c2)")
        .contains("over the fleet's failure budget of 0");
    assertThat(states(r))
        .containsExactly(
            Map.entry("c1", ClusterState.SUCCEEDED),
            Map.entry("c2", ClusterState.FAILED),
            Map.entry("c3", ClusterState.NOT_STARTED),
            Map.entry("c4", ClusterState.NOT_STARTED));
    assertThat(row(r.clusters(), "c2").detail()).isEqualTo("INJECTED_FAILURE: at migrate-configs");
    assertThat(row(r.clusters(), "c4").detail()).isEqualTo("the fleet halted before it started");
    assertThat(FakeMigration.STARTS.keySet()).containsExactlyInAnyOrder("c1", "c2");
  }

  @Test
  void aClusterWhoseFinishFailed_shouldNotSucceedButCountAgainstTheBudgetAndBeNamed() {
    FakeMigration.BEHAVIOUR.put("c2", Behaviour.FINISH_FAILED);
    FleetRequest req =
        request(
            "finish",
            FOUR,
            List.of(
                wave("canary", List.of("c1"), null, 1),
                wave("two", List.of("c2", "c3"), null, 1),
                wave("three", List.of("c4"), null, 1)),
            HaltAction.FINISH,
            null);

    FleetResult r = t.stub("finish").migrateFleet(req);

    assertThat(r.state()).isEqualTo(FleetState.HALTED);
    assertThat(r.reason()).contains("1 of 4 clusters failed (c2)");
    assertThat(states(r))
        .containsExactly(
            Map.entry("c1", ClusterState.SUCCEEDED),
            Map.entry("c2", ClusterState.FAILED),
            Map.entry("c3", ClusterState.NOT_STARTED),
            Map.entry("c4", ClusterState.NOT_STARTED));
    assertThat(row(r.clusters(), "c2").migration()).isEqualTo(MigrationState.FINISH_FAILED);
    assertThat(row(r.clusters(), "c2").detail())
        .isEqualTo(
            "migrated, but finishing failed at disable-addon (nothing rolled back; a new start"
                + " finishes it): PERMISSION_DENIED: container.clusters.update denied");
  }

  @Test
  void aHaltWithRollBack_shouldAbortTheClustersInFlight_butNotOnePastItsPointOfNoReturn() {
    FakeMigration.BEHAVIOUR.put("c1", Behaviour.FAIL);
    FakeMigration.BEHAVIOUR.put("c2", Behaviour.SLOW);
    FakeMigration.BEHAVIOUR.put("c3", Behaviour.SLOW);
    FakeMigration.BEHAVIOUR.put("c4", Behaviour.PAST_POINT_OF_NO_RETURN);
    FleetRequest req =
        request(
            "rb",
            FOUR,
            List.of(wave("all", List.of("c1", "c2", "c3", "c4"), null, 4)),
            HaltAction.ROLL_BACK,
            null);

    FleetResult r = t.stub("rb").migrateFleet(req);

    assertThat(r.state()).isEqualTo(FleetState.HALTED);
    assertThat(states(r))
        .containsExactly(
            Map.entry("c1", ClusterState.FAILED),
            Map.entry("c2", ClusterState.HALTED_ROLLED_BACK),
            Map.entry("c3", ClusterState.HALTED_ROLLED_BACK),
            Map.entry("c4", ClusterState.SUCCEEDED));
    assertThat(FakeMigration.ABORTED).containsExactlyInAnyOrder("c2", "c3", "c4");
    assertThat(row(r.clusters(), "c2").detail()).startsWith("rolled back: the fleet halted (");
    assertThat(row(r.clusters(), "c4").detail())
        .isEqualTo("past its point of no return when the fleet halted: it finished");
  }

  @Test
  void aHaltWithFinish_shouldLetTheClustersInFlightEnd() {
    FakeMigration.BEHAVIOUR.put("c1", Behaviour.FAIL);
    FakeMigration.BEHAVIOUR.put("c2", Behaviour.SLOW);
    FleetRequest req =
        request(
            "fin",
            FOUR,
            List.of(wave("all", List.of("c1", "c2", "c3", "c4"), null, 2)),
            HaltAction.FINISH,
            null);

    FleetResult r = t.stub("fin").migrateFleet(req);

    assertThat(states(r))
        .containsExactly(
            Map.entry("c1", ClusterState.FAILED),
            Map.entry("c2", ClusterState.SUCCEEDED),
            Map.entry("c3", ClusterState.NOT_STARTED),
            Map.entry("c4", ClusterState.NOT_STARTED));
    assertThat(FakeMigration.ABORTED).isEmpty();
  }

  @Test
  void aSoakCheckThatFails_shouldMakeItsClusterSoakFailedAndHalt() {
    t.activities.soakFailing.add("c2");
    FleetRequest req =
        request(
            "soak",
            FOUR,
            List.of(
                soaked(wave("canary", List.of("c1"), null, 1), Duration.ofMinutes(3)),
                soaked(wave("two", List.of("c2", "c3"), null, 2), Duration.ofMinutes(3)),
                wave("three", List.of("c4"), null, 1)),
            null,
            null);

    FleetResult r = t.stub("soak").migrateFleet(req);

    assertThat(r.state()).isEqualTo(FleetState.HALTED);
    assertThat(states(r))
        .containsExactly(
            Map.entry("c1", ClusterState.SUCCEEDED),
            Map.entry("c2", ClusterState.SOAK_FAILED),
            Map.entry("c3", ClusterState.SUCCEEDED),
            Map.entry("c4", ClusterState.NOT_STARTED));
    assertThat(row(r.clusters(), "c2").detail())
        .isEqualTo("soak check failed: ns-c2/app-0: not Ready");
    // the canary's soak: every minute for 3 minutes, the last at its end
    assertThat(r.soakChecks().stream().filter(c -> c.cluster().cluster().equals("c1")))
        .hasSize(3)
        .allMatch(c -> c.held());
    assertThat(t.activities.soakChecked).contains("c1:ns-c1");
    assertThat(FakeMigration.starts("c4")).isZero();
  }

  @Test
  void aWaveDeclaredWithApproval_shouldWaitForAnOperator_whoseApprovalIsRecorded() {
    FleetRequest req =
        request(
            "appr",
            FOUR,
            List.of(
                wave("canary", List.of("c1"), null, 1),
                approved(wave("rest", List.of(), "env=prod", 3))),
            null,
            null);
    WorkflowClient.start(t.stub("appr")::migrateFleet, req);

    FleetStatus s = until("appr", st -> st.waitingFor() != null);
    assertThat(s.phase()).isEqualTo("WAITING_FOR_APPROVAL");
    assertThat(s.wave()).isEqualTo("rest");
    assertThat(s.waitingFor()).contains("start wave rest (3 clusters): fleet approve --wave rest");
    assertThat(FakeMigration.STARTS.keySet()).containsExactly("c1");
    FleetMigrationWorkflow fleet = t.running("appr");
    assertThatThrownBy(() -> fleet.approve("alice", "canary"))
        .hasStackTraceContaining("wave canary does not wait for an approval");
    assertThatThrownBy(fleet::resume).hasStackTraceContaining("the fleet is not paused");

    assertThat(fleet.approve("alice", "rest")).contains("wave rest starts");

    FleetResult r = t.client.newUntypedWorkflowStub(req.workflowId()).getResult(FleetResult.class);
    assertThat(r.state()).isEqualTo(FleetState.SUCCESS);
    assertThat(r.approvals())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.what()).isEqualTo("wave rest");
              assertThat(a.by()).isEqualTo("alice");
            });
  }

  @Test
  void
      aWaveApprovalScope_shouldApproveTheWavesClustersOnlyOnceTheyReachedSuccessAndAnOperatorApproved() {
    FleetRequest req =
        request(
            "ponr",
            FOUR,
            List.of(wave("canary", List.of("c1"), null, 1), wave("rest", List.of(), "env=prod", 3)),
            null,
            ApprovalScope.WAVE);
    WorkflowClient.start(t.stub("ponr")::migrateFleet, req);

    FleetStatus s = until("ponr", st -> st.waitingFor() != null);
    assertThat(s.wave()).isEqualTo("canary");
    assertThat(s.waitingFor())
        .contains("point of no return")
        .contains("1 clusters")
        .contains("--wave canary");
    assertThat(row(s.clusters(), "c1").state()).isEqualTo(ClusterState.RUNNING);
    assertThat(row(s.clusters(), "c1").detail()).contains("waits at its point of no return");
    assertThat(FakeMigration.STARTS.keySet()).containsExactly("c1");
    assertThat(FakeMigration.APPROVED_BY).isEmpty();
    t.running("ponr").approve("alice", "canary");

    s = until("ponr", st -> st.waitingFor() != null && "rest".equals(st.wave()));
    assertThat(FakeMigration.APPROVED_BY).containsOnlyKeys("c1");
    assertThat(FakeMigration.APPROVED_BY.get("c1")).startsWith("alice (fleet ponr, wave canary)");
    t.running("ponr").approve("bob", null);

    FleetResult r = t.client.newUntypedWorkflowStub(req.workflowId()).getResult(FleetResult.class);
    assertThat(r.state()).isEqualTo(FleetState.SUCCESS);
    assertThat(FakeMigration.APPROVED_BY).containsOnlyKeys("c1", "c2", "c3", "c4");
    assertThat(r.approvals())
        .extracting(a -> a.what() + " by " + a.by())
        .containsExactly(
            "point of no return: wave canary by alice", "point of no return: wave rest by bob");
  }

  @Test
  void aPausedFleet_shouldStartNoClusterUntilResumed() {
    FakeMigration.BEHAVIOUR.put("c1", Behaviour.SLOW);
    FleetRequest req =
        request(
            "pause",
            FOUR,
            List.of(wave("all", List.of("c1", "c2", "c3", "c4"), null, 1)),
            null,
            null);
    WorkflowClient.start(t.stub("pause")::migrateFleet, req);
    until("pause", st -> st.clusters().stream().anyMatch(c -> c.state() == ClusterState.RUNNING));
    FleetMigrationWorkflow fleet = t.running("pause");

    assertThat(fleet.pause()).contains("paused: no new cluster starts");
    assertThatThrownBy(fleet::pause).hasStackTraceContaining("already paused");
    t.env.sleep(Duration.ofMinutes(30));

    FleetStatus s = fleet.status();
    assertThat(s.phase()).isEqualTo("PAUSED");
    assertThat(row(s.clusters(), "c1").state()).isEqualTo(ClusterState.SUCCEEDED);
    assertThat(row(s.clusters(), "c2").state()).isEqualTo(ClusterState.WAITING);
    assertThat(FakeMigration.STARTS.keySet()).containsExactly("c1");

    fleet.resume();
    FleetResult r = t.client.newUntypedWorkflowStub(req.workflowId()).getResult(FleetResult.class);
    assertThat(r.state()).isEqualTo(FleetState.SUCCESS);
    assertThat(FakeMigration.STARTS.keySet()).containsExactlyInAnyOrder("c1", "c2", "c3", "c4");
  }

  @Test
  void anAbortedFleet_shouldAbortItsRunningClustersAndEndAborted() {
    FakeMigration.BEHAVIOUR.put("c1", Behaviour.SLOW);
    FakeMigration.BEHAVIOUR.put("c2", Behaviour.SLOW);
    FleetRequest req =
        request(
            "abort",
            FOUR,
            List.of(wave("all", List.of("c1", "c2", "c3", "c4"), null, 2)),
            null,
            null);
    WorkflowClient.start(t.stub("abort")::migrateFleet, req);
    until(
        "abort",
        st -> st.clusters().stream().filter(c -> c.state() == ClusterState.RUNNING).count() == 2);

    t.running("abort").abort("change freeze");

    FleetResult r = t.client.newUntypedWorkflowStub(req.workflowId()).getResult(FleetResult.class);
    assertThat(r.state()).isEqualTo(FleetState.ABORTED);
    assertThat(r.reason()).isEqualTo("aborted by an operator: change freeze");
    assertThat(states(r))
        .containsExactly(
            Map.entry("c1", ClusterState.HALTED_ROLLED_BACK),
            Map.entry("c2", ClusterState.HALTED_ROLLED_BACK),
            Map.entry("c3", ClusterState.NOT_STARTED),
            Map.entry("c4", ClusterState.NOT_STARTED));
    assertThat(FakeMigration.ABORTED).containsExactlyInAnyOrder("c1", "c2");
  }

  @Test
  void aResumedFleet_shouldRetryAndSkipAsAsked_keepingWhatSucceeded() {
    FakeMigration.BEHAVIOUR.put("c2", Behaviour.FAIL);
    FleetRequest req =
        request(
            "res",
            FOUR,
            List.of(
                wave("canary", List.of("c1"), null, 1),
                wave("rest", List.of("c2", "c3", "c4"), null, 1)),
            null,
            null);
    FleetResult halted = t.stub("res").migrateFleet(req);
    assertThat(states(halted))
        .containsValues(ClusterState.SUCCEEDED, ClusterState.FAILED, ClusterState.NOT_STARTED);

    FakeMigration.BEHAVIOUR.remove("c2");
    FleetResult r =
        t.stub("res")
            .migrateFleet(
                req.resumedWith(
                    new FleetResume(halted.clusters(), List.of("c2"), List.of("c4"), "carol")));

    assertThat(r.state()).isEqualTo(FleetState.SUCCESS);
    assertThat(states(r))
        .containsExactly(
            Map.entry("c1", ClusterState.SUCCEEDED),
            Map.entry("c2", ClusterState.SUCCEEDED),
            Map.entry("c3", ClusterState.SUCCEEDED),
            Map.entry("c4", ClusterState.SKIPPED));
    assertThat(row(r.clusters(), "c4").detail())
        .isEqualTo("skipped by carol on resume (was NOT_STARTED)");
    assertThat(FakeMigration.starts("c1")).isEqualTo(1);
    assertThat(FakeMigration.starts("c2")).isEqualTo(2);
    assertThat(FakeMigration.starts("c3")).isEqualTo(1);
    assertThat(FakeMigration.starts("c4")).isZero();
    assertThat(r.approvals()).extracting(a -> a.by()).containsExactly("carol");
  }

  @Test
  void twoFleetsSharingACluster_shouldMigrateItOnce() {
    FleetCluster shared = cluster("shared");
    FleetRequest a =
        request(
            "a",
            List.of(shared, cluster("a1")),
            List.of(wave("w", List.of("shared", "a1"), null, 2)),
            null,
            null);
    FleetRequest b =
        request(
            "b",
            List.of(cluster("b1"), shared),
            List.of(wave("w", List.of("b1", "shared"), null, 2)),
            null,
            null);

    FleetResult ra = t.stub("a").migrateFleet(a);
    FleetResult rb = t.stub("b").migrateFleet(b);

    assertThat(ra.state()).isEqualTo(FleetState.SUCCESS);
    assertThat(rb.state()).isEqualTo(FleetState.SUCCESS);
    assertThat(FakeMigration.starts("shared")).isEqualTo(1);
    assertThat(row(ra.clusters(), "shared").detail()).isNull();
    assertThat(row(rb.clusters(), "shared").state()).isEqualTo(ClusterState.SUCCEEDED);
    assertThat(row(rb.clusters(), "shared").detail())
        .isEqualTo("migrated once: an earlier run (m-shared) migrated it");
  }
}
