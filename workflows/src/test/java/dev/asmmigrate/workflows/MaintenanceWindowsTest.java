package dev.asmmigrate.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.Timeouts;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import dev.asmmigrate.workflows.model.window.WindowWait;
import dev.asmmigrate.workflows.model.window.WindowsChange;
import io.temporal.activity.Activity;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.ActivityCompletionClient;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Maintenance windows in the workflow (issue 14): disturbing steps and namespace waves only inside
 * a window that holds them and their undo, WAITING_FOR_WINDOW at a consistent point, on by itself
 * in the next window; {@code setWindows}, the override, the earliest start and a pause inside a
 * window. Time skipping: days of windows in seconds; the fake namespace activity lets the test
 * environment's time pass as a rollout takes time, and every call records when it started.
 */
@Timeout(90)
class MaintenanceWindowsTest {
  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  /** The calls that disturb traffic (the runbook's disturbing steps and the namespaces). */
  static final Set<String> DISTURBING =
      Set.of("migrateConfigs", "configureMeshCa:1.4", "relabelNamespace", "replaceGateway");

  /**
   * Small bounds, so that the runbook's step bounds are minutes; the rollout's is long, as it
   * bounds the namespace activity, whose rollouts here take test time.
   */
  static final Timeouts TIMEOUTS =
      new Timeouts(
          Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofHours(2), Duration.ofMinutes(1));

  /** Shorter than the namespace activity's heartbeat timeout (ActivityStubs.HEARTBEAT). */
  static final Duration STEP = Duration.ofSeconds(15);

  TestWorkflowEnvironment env;
  RecordingActivities activities;
  WorkflowClient client;

  void start(ZonedDateTime at) {
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setInitialTime(at.toInstant()).build());
    Worker worker = env.newWorker(MigrationWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(WorkflowTypes.all());
    activities = new RecordingActivities();
    activities.clock = env::currentTimeMillis;
    worker.registerActivitiesImplementations(activities);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  static ZonedDateTime berlin(String localDateTime) {
    return LocalDateTime.parse(localDateTime).atZone(BERLIN);
  }

  static RecurringWindow window(String rrule, String firstStart, Duration duration) {
    return new RecurringWindow(rrule, LocalDateTime.parse(firstStart), duration, BERLIN.getId());
  }

  static MaintenanceWindows windows(Duration margin, RecurringWindow... w) {
    return new MaintenanceWindows(List.of(w), List.of(), false, margin);
  }

  static MigrationRequest request(int concurrency, WindowPolicy policy) {
    return request(concurrency, policy, TIMEOUTS);
  }

  static MigrationRequest request(int concurrency, WindowPolicy policy, Timeouts timeouts) {
    return new MigrationRequest(
        MigrationWorkflowTest.CLUSTER,
        new Connection("/k", "sandbox", null),
        null,
        "regular",
        List.of(),
        List.of(),
        concurrency,
        true,
        false,
        true,
        null,
        null,
        timeouts,
        policy);
  }

  static List<NamespacePlan> namespaces(int n, Duration model) {
    return java.util.stream.IntStream.rangeClosed(1, n)
        .mapToObj(i -> new NamespacePlan("ns-" + i, AddonVersion.V1_4, 1, 0, model))
        .toList();
  }

  MigrationWorkflow stub() {
    return client.newWorkflowStub(
        MigrationWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(MigrationWorkflowTest.CLUSTER.workflowId())
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .build());
  }

  /** The migration started (or ended), for queries. */
  MigrationWorkflow running() {
    return client.newWorkflowStub(
        MigrationWorkflow.class, MigrationWorkflowTest.CLUSTER.workflowId());
  }

  /** When each disturbing call started, in local time, in order. */
  List<Map.Entry<String, ZonedDateTime>> disturbing() {
    synchronized (activities.started) {
      return activities.started.stream()
          .filter(e -> DISTURBING.contains(e.getKey().replaceAll(":ns-.*", "")))
          .map(e -> Map.entry(e.getKey(), Instant.ofEpochMilli(e.getValue()).atZone(BERLIN)))
          .toList();
    }
  }

  /** The real time the workflow's tasks and the activities' calls add to the test's time. */
  static final long SLACK = 5_000;

  static long millis(String berlinLocal) {
    return berlin(berlinLocal).toInstant().toEpochMilli();
  }

  /** {@code call} started at {@code berlinLocal} (give or take the real time of the calls). */
  void assertStartedAt(String call, String berlinLocal) {
    long at = startOf(call).toInstant().toEpochMilli();
    assertThat(at).as(call).isBetween(millis(berlinLocal), millis(berlinLocal) + SLACK);
  }

  ZonedDateTime startOf(String call) {
    return disturbing().stream()
        .filter(e -> e.getKey().equals(call))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError(call + " never ran: " + activities.calls));
  }

  /**
   * Every namespace's rollout takes {@code d} of the test environment's time: the activity lets the
   * time pass in steps shorter than its heartbeat timeout, heartbeating between them (through the
   * completion client, which the SDK does not throttle in real time).
   */
  void rolloutsTake(Duration d) {
    activities.rollout =
        ns -> {
          byte[] token = Activity.getExecutionContext().getTaskToken();
          ActivityCompletionClient heartbeats = client.newActivityCompletionClient();
          Duration left = d;
          while (!left.isZero()) {
            Duration step = left.compareTo(STEP) < 0 ? left : STEP;
            heartbeats.heartbeat(token, ns);
            env.sleep(step);
            left = left.minus(step);
          }
        };
  }

  // --- the workload phase ----------------------------------------------------------------------

  /**
   * Daily 02:00-04:00 Berlin, margin 5m, namespaces of 20m (model and rollout): a wave needs 45m
   * from its start. ns-1..ns-4 fit (the 4th starts 03:00, 03:45 <= 04:00); the 5th, at 03:20, would
   * end its undo at 04:05: the group stops there, the run waits, and ns-5 starts the next day at
   * 02:00 exactly, ending SUCCESS.
   */
  @Test
  void
      givenAWindowClosingInTheWorkloadPhase_theNamespaceInProgressShouldFinishAndTheRestWaitForTheNextWindow()
          throws Exception {
    start(berlin("2026-11-02T01:00"));
    activities.namespaces = namespaces(6, Duration.ofMinutes(20));
    rolloutsTake(Duration.ofMinutes(20));
    MaintenanceWindows w =
        windows(
            Duration.ofMinutes(5), window("FREQ=DAILY", "2026-11-01T02:00", Duration.ofHours(2)));

    MigrationResult result = stub().migrate(request(1, new WindowPolicy(w, null, null)));

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    // nothing disturbing before the window opened at 02:00
    assertStartedAt("migrateConfigs", "2026-11-02T02:00");
    for (int i = 1; i <= 4; i++) {
      assertThat(startOf("relabelNamespace:ns-" + i).toLocalDate())
          .isEqualTo(java.time.LocalDate.parse("2026-11-02"));
    }
    assertStartedAt("relabelNamespace:ns-4", "2026-11-02T03:00");
    assertStartedAt("relabelNamespace:ns-5", "2026-11-03T02:00");
    assertStartedAt("relabelNamespace:ns-6", "2026-11-03T02:20");
    assertInsideWindowsWithTheirUndo(
        Duration.ofMinutes(45), LocalTime.of(2, 0), LocalTime.of(4, 0));

    MigrationStatus status = running().status();
    assertThat(status.windows().waits()).hasSize(2);
    WindowWait wait = status.windows().waits().get(1);
    assertThat(wait.what()).isEqualTo("namespace ns-5");
    assertThat(wait.from())
        .isBetween(millis("2026-11-02T03:20"), millis("2026-11-02T03:20") + SLACK);
    assertThat(Instant.ofEpochMilli(wait.until()))
        .isEqualTo(berlin("2026-11-03T02:00").toInstant());
    assertThat(wait.why())
        .startsWith(
            "window closes at Mon 2026-11-02 04:00 (Europe/Berlin); namespace ns-5 needs ~20m")
        .contains("measured: slowest of 4 namespaces");
    // the state ConfigMap said so while it waited, and PENDING again after
    assertThat(activities.states)
        .containsSubsequence(
            MigrationState.PENDING,
            MigrationState.WAITING_FOR_WINDOW,
            MigrationState.PENDING,
            MigrationState.WAITING_FOR_WINDOW,
            MigrationState.PENDING,
            MigrationState.SUCCESS);
    assertThat(activities.reasons)
        .anyMatch(
            r -> r.startsWith("WAITING_FOR_WINDOW until Tue 2026-11-03 02:00 (Europe/Berlin): "));
    assertReplays();
  }

  // --- steps ----------------------------------------------------------------------------------

  /**
   * Daily 02:00-04:00, started at 03:00: migrate-configs (1m + undo 1m + margin 5m) and the Mesh CA
   * step (3m + 3m + 5m) fit the hour left and run at once; replace-gateway (1m + its 30m timeout,
   * as much again for its undo, + 5m = 67m) does not, and waits for the next day's window although
   * this one is still open.
   */
  @Test
  void
      givenAStepWhoseEstimateDoesNotFitTheTimeLeft_itShouldWaitForTheNextWindowWhileOneThatFitsRuns() {
    start(berlin("2026-11-02T03:00"));
    activities.namespaces = namespaces(2, Duration.ofMinutes(1));
    MaintenanceWindows w =
        windows(
            Duration.ofMinutes(5), window("FREQ=DAILY", "2026-11-01T02:00", Duration.ofHours(2)));
    Timeouts slowGateway =
        new Timeouts(
            Duration.ofMinutes(1),
            Duration.ofMinutes(1),
            Duration.ofMinutes(10),
            Duration.ofMinutes(30));

    MigrationResult result =
        stub().migrate(request(1, new WindowPolicy(w, null, null), slowGateway));

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertStartedAt("migrateConfigs", "2026-11-02T03:00");
    assertStartedAt("configureMeshCa:1.4", "2026-11-02T03:00");
    assertStartedAt("relabelNamespace:ns-2", "2026-11-02T03:00");
    assertStartedAt("replaceGateway", "2026-11-03T02:00");
    List<WindowWait> waits = running().status().windows().waits();
    assertThat(waits).hasSize(1);
    assertThat(waits.get(0).what()).isEqualTo("step replace-gateway");
    assertThat(waits.get(0).why())
        .isEqualTo(
            "window closes at Mon 2026-11-02 04:00 (Europe/Berlin); step replace-gateway needs"
                + " ~31m + undo ~31m (the runbook's bound: 1m + the gateway timeout) + margin 5m");
    assertThat(waits.get(0).endedAt())
        .isBetween(millis("2026-11-03T02:00"), millis("2026-11-03T02:00") + SLACK);
  }

  /** Windows from the cluster's own GKE policy gate the run as the run's own do. */
  @Test
  void givenWindowsFromTheCluster_theRunShouldFollowTheClustersPolicy() {
    start(berlin("2026-11-02T01:00"));
    activities.namespaces = namespaces(2, Duration.ofMinutes(10));
    activities.clusterWindows =
        windows(
            MaintenanceWindows.DEFAULT_MARGIN,
            window("FREQ=DAILY", "2026-11-01T02:00", Duration.ofHours(2)));
    MaintenanceWindows fromCluster =
        new MaintenanceWindows(List.of(), List.of(), true, Duration.ofMinutes(5));

    MigrationResult result = stub().migrate(request(1, new WindowPolicy(fromCluster, null, null)));

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(activities.calls.get(0)).isEqualTo("clusterMaintenanceWindows");
    assertStartedAt("migrateConfigs", "2026-11-02T02:00");
    assertThat(running().status().windows().windows().windows())
        .isEqualTo(activities.clusterWindows.windows());
  }

  // --- daylight saving -------------------------------------------------------------------------

  /**
   * Saturdays 02:00-06:00 Europe/Berlin across the end of summer time (Sunday 25 October 2026):
   * namespaces of 1h need 2h05 with their undo and the margin, so two fit each window; every
   * disturbing call starts on a Saturday between 02:00 and 06:00 local time, which is 00:00Z on 24
   * October and 01:00Z on 31 October.
   */
  @Test
  void
      givenWeeklyWindowsAcrossTheEndOfSummerTime_everyDisturbingCallShouldStartInsideAWindowInLocalTime() {
    start(berlin("2026-10-23T12:00"));
    activities.namespaces = namespaces(4, Duration.ofHours(1));
    rolloutsTake(Duration.ofHours(1));
    MaintenanceWindows w =
        windows(
            Duration.ofMinutes(5),
            window("FREQ=WEEKLY;BYDAY=SA", "2026-10-03T02:00", Duration.ofHours(4)));

    MigrationResult result = stub().migrate(request(1, new WindowPolicy(w, null, null)));

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(disturbing()).hasSize(7);
    for (Map.Entry<String, ZonedDateTime> e : disturbing()) {
      assertThat(e.getValue().getDayOfWeek()).as(e.getKey()).isEqualTo(DayOfWeek.SATURDAY);
    }
    assertInsideWindowsWithTheirUndo(
        Duration.ofMinutes(125), LocalTime.of(2, 0), LocalTime.of(6, 0));
    assertStartedAt("relabelNamespace:ns-1", "2026-10-24T02:00");
    assertStartedAt("relabelNamespace:ns-2", "2026-10-24T03:00");
    assertStartedAt("relabelNamespace:ns-3", "2026-10-31T02:00");
    assertStartedAt("relabelNamespace:ns-4", "2026-10-31T03:00");
    assertStartedAt("replaceGateway", "2026-10-31T04:00");
    // the same local time, an hour later in UTC once summer time ended
    assertThat(startOf("relabelNamespace:ns-1").toInstant().toString())
        .startsWith("2026-10-24T00:00");
    assertThat(startOf("relabelNamespace:ns-3").toInstant().toString())
        .startsWith("2026-10-31T01:00");
  }

  // --- operators -------------------------------------------------------------------------------

  /**
   * A run waiting for Saturday's window: invalid windows are refused and change nothing; a daily
   * 12:00 window moves the wake-up to today 12:00, where the run goes on.
   */
  @Test
  void givenAWaitingRun_windowsSetShouldMoveItsWakeUp() {
    start(berlin("2026-11-02T10:00"));
    activities.namespaces = namespaces(2, Duration.ofMinutes(10));
    MaintenanceWindows saturdays =
        windows(
            Duration.ofMinutes(5),
            window("FREQ=WEEKLY;BYDAY=SA", "2026-10-03T02:00", Duration.ofHours(4)));
    MigrationWorkflow wf = stub();
    WorkflowClient.start(wf::migrate, request(1, new WindowPolicy(saturdays, null, null)));
    await().until(() -> "WAITING_FOR_WINDOW".equals(wf.status().phase()));
    assertThat(wf.status().windows().waiting().until()).isEqualTo(millis("2026-11-07T02:00"));
    assertThat(wf.status().windows().waiting().untilText())
        .isEqualTo("Sat 2026-11-07 02:00 (Europe/Berlin)");

    MaintenanceWindows invalid =
        windows(
            Duration.ofMinutes(5), window("FREQ=NEVER", "2026-10-03T02:00", Duration.ofHours(4)));
    assertThatThrownBy(() -> wf.setWindows(new WindowsChange(invalid, null)))
        .hasStackTraceContaining("FREQ=NEVER");
    assertThat(wf.status().windows().windows()).isEqualTo(saturdays);
    assertThat(wf.status().windows().waiting().until()).isEqualTo(millis("2026-11-07T02:00"));

    MaintenanceWindows noon =
        windows(
            Duration.ofMinutes(5), window("FREQ=DAILY", "2026-11-01T12:00", Duration.ofHours(2)));
    assertThat(wf.setWindows(new WindowsChange(noon, null))).contains("windows replaced");
    await().until(() -> wf.status().windows().waiting().until() == millis("2026-11-02T12:00"));

    MigrationResult result = WorkflowStub.fromTyped(wf).getResult(MigrationResult.class);
    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertStartedAt("migrateConfigs", "2026-11-02T12:00");
    assertThat(wf.status().windows().windows()).isEqualTo(noon);
  }

  /**
   * Windows set while a group of waves runs: the group is told, and stops before the next wave the
   * new (shorter) window no longer holds. Daily 02:00-06:00 would hold three 20m namespaces (45m
   * each with undo and margin); set to 02:00-02:50 while ns-1 runs, ns-2 waits for the next day,
   * and so does ns-3 after it.
   */
  @Test
  void givenWindowsSetWhileAGroupOfWavesRuns_theGroupShouldStopBeforeAWaveTheNewWindowDoesNotHold()
      throws Exception {
    start(berlin("2026-11-02T02:00"));
    activities.namespaces = namespaces(3, Duration.ofMinutes(20));
    rolloutsTake(Duration.ofMinutes(20));
    CountDownLatch first = new CountDownLatch(1);
    activities.holds.put("relabelNamespace:ns-1", first);
    MigrationWorkflow wf = stub();
    WorkflowClient.start(
        wf::migrate,
        request(
            1,
            new WindowPolicy(
                windows(
                    Duration.ofMinutes(5),
                    window("FREQ=DAILY", "2026-11-01T02:00", Duration.ofHours(4))),
                null,
                null)));
    await().until(() -> activities.calls.contains("relabelNamespace:ns-1"));

    wf.setWindows(
        new WindowsChange(
            windows(
                Duration.ofMinutes(5),
                window("FREQ=DAILY", "2026-11-01T02:00", Duration.ofMinutes(50))),
            null));
    first.countDown();
    MigrationResult result = WorkflowStub.fromTyped(wf).getResult(MigrationResult.class);

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertStartedAt("relabelNamespace:ns-2", "2026-11-03T02:00");
    assertStartedAt("relabelNamespace:ns-3", "2026-11-04T02:00");
    assertReplays();
  }

  /** An abort while the run waits for a window rolls back what ran before, from there. */
  @Test
  void givenAnAbortWhileWaitingForAWindow_theRunShouldRollBackFromThere() {
    start(berlin("2026-11-02T10:00"));
    MaintenanceWindows saturdays =
        windows(
            Duration.ofMinutes(5),
            window("FREQ=WEEKLY;BYDAY=SA", "2026-10-03T02:00", Duration.ofHours(4)));
    MigrationWorkflow wf = stub();
    WorkflowClient.start(wf::migrate, request(1, new WindowPolicy(saturdays, null, null)));
    await().until(() -> "WAITING_FOR_WINDOW".equals(wf.status().phase()));

    wf.abortUpdate("change freeze");
    MigrationResult result = WorkflowStub.fromTyped(wf).getResult(MigrationResult.class);

    assertThat(result.state()).isEqualTo(MigrationState.ROLLED_BACK);
    assertThat(activities.calls).doesNotContain("migrateConfigs").contains("unregisterFleet");
    MigrationStatus status = running().status();
    assertThat(status.windows().waiting()).isNull();
    assertThat(status.windows().waits()).hasSize(1);
    assertThat(status.windows().waits().get(0).endedAt()).isNotNull();
  }

  /** An override runs now, outside every window, and the status (and so the report) says why. */
  @Test
  void givenAnOverride_theRunShouldGoOnNowAndRecordTheReason() {
    start(berlin("2026-11-02T10:00"));
    activities.namespaces = namespaces(2, Duration.ofMinutes(10));
    MaintenanceWindows saturdays =
        windows(
            Duration.ofMinutes(5),
            window("FREQ=WEEKLY;BYDAY=SA", "2026-10-03T02:00", Duration.ofHours(4)));

    MigrationResult result =
        stub().migrate(request(1, new WindowPolicy(saturdays, null, "INC-42: expired add-on CA")));

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertStartedAt("migrateConfigs", "2026-11-02T10:00");
    assertStartedAt("replaceGateway", "2026-11-02T10:00");
    assertThat(running().status().windows().overrideReason())
        .isEqualTo("INC-42: expired add-on CA");
    assertThat(running().status().windows().waits()).isEmpty();
    assertThat(activities.states).doesNotContain(MigrationState.WAITING_FOR_WINDOW);
  }

  /** Nothing runs before the earliest start, not even pre-flight. */
  @Test
  void givenANotBefore_nothingShouldRunBeforeIt() {
    start(berlin("2026-11-02T10:00"));
    Instant notBefore = berlin("2026-11-05T22:30").toInstant();

    MigrationResult result =
        stub().migrate(request(1, new WindowPolicy(MaintenanceWindows.anyTime(), notBefore, null)));

    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(activities.started.get(0).getKey()).isEqualTo("preflight");
    assertThat(activities.started.get(0).getValue())
        .isBetween(notBefore.toEpochMilli(), notBefore.toEpochMilli() + SLACK);
    WindowWait wait = running().status().windows().waits().get(0);
    assertThat(wait.what()).isEqualTo("the migration");
    assertThat(wait.why()).isEqualTo("not before Thu 2026-11-05 21:30 (UTC) (start --not-before)");
  }

  /**
   * A pause inside a window holds at the next wave, however long the window stays open; a resume
   * inside the window goes on from there.
   */
  @Test
  void givenAPauseInsideAWindow_noNewWaveShouldStartUntilTheResume() throws Exception {
    start(berlin("2026-11-02T02:00"));
    activities.namespaces = namespaces(3, Duration.ofMinutes(10));
    CountDownLatch first = new CountDownLatch(1);
    activities.holds.put("relabelNamespace:ns-1", first);
    MaintenanceWindows w =
        windows(
            Duration.ofMinutes(5), window("FREQ=DAILY", "2026-11-01T02:00", Duration.ofHours(2)));
    MigrationWorkflow wf = stub();
    WorkflowClient.start(wf::migrate, request(1, new WindowPolicy(w, null, null)));
    await().until(() -> activities.calls.contains("relabelNamespace:ns-1"));

    wf.pauseUpdate();
    first.countDown();
    await().until(() -> "PAUSED".equals(wf.status().phase()));
    env.sleep(Duration.ofMinutes(30));
    assertThat(activities.calls).doesNotContain("relabelNamespace:ns-2");
    assertThat(wf.status().phase()).isEqualTo("PAUSED");

    wf.resumeUpdate();
    MigrationResult result = WorkflowStub.fromTyped(wf).getResult(MigrationResult.class);
    assertThat(result.state()).isEqualTo(MigrationState.SUCCESS);
    assertThat(startOf("relabelNamespace:ns-2").toInstant().toEpochMilli())
        .isGreaterThanOrEqualTo(millis("2026-11-02T02:30"));
    assertInsideWindowsWithTheirUndo(
        Duration.ofMinutes(25), LocalTime.of(2, 0), LocalTime.of(4, 0));
  }

  /**
   * The run's history and each of its groups' replay deterministically: the gate decides from
   * workflow time and the calendar only.
   */
  void assertReplays() throws Exception {
    WorkflowExecutionHistory run = client.fetchHistory(MigrationWorkflowTest.CLUSTER.workflowId());
    WorkflowReplayer.replayWorkflowExecution(run, MigrationWorkflowImpl.class);
    for (HistoryEvent e : run.getEvents()) {
      if (e.hasStartChildWorkflowExecutionInitiatedEventAttributes()) {
        WorkflowReplayer.replayWorkflowExecution(
            client.fetchHistory(
                e.getStartChildWorkflowExecutionInitiatedEventAttributes().getWorkflowId()),
            NamespaceGroupWorkflowImpl.class);
      }
    }
  }

  /** Each namespace started inside a window, with {@code needs} before it closed. */
  void assertInsideWindowsWithTheirUndo(Duration needs, LocalTime open, LocalTime close) {
    for (Map.Entry<String, ZonedDateTime> e : disturbing()) {
      LocalTime t = e.getValue().toLocalTime();
      assertThat(t).as(e.getKey()).isAfterOrEqualTo(open).isBefore(close);
      if (e.getKey().startsWith("relabelNamespace")) {
        assertThat(t.plus(needs)).as(e.getKey()).isBeforeOrEqualTo(close);
      }
    }
  }
}
