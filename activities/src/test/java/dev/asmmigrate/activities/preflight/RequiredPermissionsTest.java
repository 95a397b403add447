package dev.asmmigrate.activities.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.activities.addon.AddonActivitiesImpl;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.configs.ConfigActivitiesImpl;
import dev.asmmigrate.activities.controlplane.ControlPlaneActivitiesImpl;
import dev.asmmigrate.activities.fleet.FleetActivitiesImpl;
import dev.asmmigrate.activities.galley.GalleyActivitiesImpl;
import dev.asmmigrate.activities.gateway.GatewayActivitiesImpl;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.activities.state.StateActivitiesImpl;
import dev.asmmigrate.activities.webhook.WebhookActivitiesImpl;
import dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.http.RequestLog;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.MigrationWorkflowImpl;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.Timeouts;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RequiredPermissions} covers every call the migration makes: the whole workflow runs on a
 * sandboxed add-on 1.4 cluster with every activity, once rolled back from {@code write-marker} (so
 * every step and every undo runs) and once to the end (approval, disable-addon, cleanup); every
 * Kubernetes request the activities sent must be one pre-flight checks.
 */
class RequiredPermissionsTest {
  private static final Logger log = LoggerFactory.getLogger(RequiredPermissionsTest.class);

  @Test
  void
      givenAFullMigrationAndAFullRollback_whenTheirRequestsAreCompared_itShouldNeedNoUncheckedPermission() {
    try (SandboxHarness h =
            SandboxHarness.start(
                    SandboxSettings.builder()
                        .base(SandboxSettings.Base.ADDON_1_4)
                        .app("online-boutique")
                        .podReadyDelay(Duration.ofMillis(100))
                        .controlPlaneProvisionDelay(Duration.ofMillis(500))
                        .rootDistributionDelay(Duration.ofMillis(500)))
                .settle();
        GoogleClients google = new GoogleClients();
        TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker(MigrationWorkflow.TASK_QUEUE);
      worker.registerWorkflowImplementationTypes(MigrationWorkflowImpl.class);
      var backups = h.backups;
      var clients = h.clients;
      worker.registerActivitiesImplementations(
          new PreflightActivitiesImpl(clients, backups, google),
          new StateActivitiesImpl(clients, backups),
          new FleetActivitiesImpl(clients, backups, google),
          new ControlPlaneActivitiesImpl(clients, backups),
          new ConfigActivitiesImpl(clients, backups),
          new GalleyActivitiesImpl(clients, backups),
          new MeshCaActivitiesImpl(clients, backups),
          new WorkloadActivitiesImpl(clients, backups),
          new GatewayActivitiesImpl(clients, backups),
          new WebhookActivitiesImpl(clients, backups),
          new AddonActivitiesImpl(clients, backups, google));
      env.start();

      MigrationResult rolledBack = migrate(env, h, "write-marker");
      assertThat(rolledBack.state())
          .as(String.valueOf(rolledBack.error()))
          .isEqualTo(MigrationState.ROLLED_BACK);
      MigrationResult done = migrate(env, h, null);
      assertThat(done.state()).as(String.valueOf(done.error())).isEqualTo(MigrationState.SUCCESS);
      assertThat(done.completedSteps()).contains("cleanup");

      Set<String> checked =
          RequiredPermissions.all().stream()
              .map(RequiredPermissions.Permission::toString)
              .collect(Collectors.toCollection(TreeSet::new));
      Set<String> used = new TreeSet<>();
      for (RequestLog.Entry e : h.sandbox.apiServer().requestLog().entries()) {
        String agent = e.userAgent() == null ? "" : e.userAgent();
        if (!agent.startsWith("asm-migrate") || agent.startsWith("asm-migrate-sandbox")) {
          continue;
        }
        if ("selfsubjectaccessreviews".equals(e.resource())) {
          continue; // every authenticated user may ask what it may do
        }
        String resource =
            e.resource()
                + (e.subresource() == null || e.subresource().isEmpty()
                    ? ""
                    : "/" + e.subresource());
        used.add(new RequiredPermissions.Permission(e.verb(), e.group(), resource).toString());
      }
      log.info("permissions used by the migration: {}", used);
      TreeSet<String> unused = new TreeSet<>(checked);
      unused.removeAll(used);
      log.info("permissions checked but not used on this 1.4 run: {}", unused);
      assertThat(used).isNotEmpty();
      assertThat(checked).containsAll(used);
    }
  }

  static MigrationResult migrate(TestWorkflowEnvironment env, SandboxHarness h, String failAt) {
    var s = h.sandbox.settings();
    ClusterRef cluster = new ClusterRef(s.project(), s.location(), s.cluster());
    MigrationRequest request =
        new MigrationRequest(
            cluster,
            h.connection,
            null,
            "regular",
            List.of(),
            List.of(),
            4,
            true,
            false,
            true,
            null,
            failAt,
            new Timeouts(
                Duration.ofMinutes(2),
                Duration.ofMinutes(2),
                Duration.ofMinutes(3),
                Duration.ofMinutes(2)));
    MigrationWorkflow workflow =
        env.getWorkflowClient()
            .newWorkflowStub(
                MigrationWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                    .setWorkflowId(cluster.workflowId())
                    .setWorkflowExecutionTimeout(Duration.ofMinutes(20))
                    .build());
    return workflow.migrate(request);
  }
}
