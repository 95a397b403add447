package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.activities.backup.BackupContent;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.worker.MigrationWorker;
import dev.asmmigrate.workflows.model.Connection;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 10, cases 1 and 2, end to end through the CLI ({@code start --wait}, {@code status}, {@code
 * report}, {@code abort}) against a served Temporal server, the worker and a sandbox:
 *
 * <ul>
 *   <li>a crash-looping namespace whose rollback crash-loops too ends ROLLBACK_FAILED with exit 5,
 *       the original failure first, the state ConfigMap saying so, status saying what to do next,
 *       and the next start refused;
 *   <li>a control plane that never provisions (a short bound), then an abort during the control
 *       plane, then a start with the fault cleared: each start begins afresh with a new migration
 *       ID, the abort is recorded as an abort, and the last ends SUCCESS with the fleet membership
 *       and mesh feature in the fake Hub.
 * </ul>
 */
class OutcomesThatCannotLieTest {
  @TempDir static Path dir;

  static ServerCommand.Running temporal;
  static WorkflowServiceStubs service;
  static MigrationWorker worker;
  static KubeClients clients;

  @BeforeAll
  static void startTemporalAndWorker() throws Exception {
    temporal = ServerCommand.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    clients = new KubeClients();
    CommandLine.ParseResult parsed =
        Main.commandLine()
            .parseArgs(
                "worker",
                "--temporal",
                temporal.target(),
                "--proxy-cert-pickup",
                "1s",
                "--root-cert-trigger-hold",
                "1s");
    WorkerCommand workerCommand = (WorkerCommand) parsed.subcommand().commandSpec().userObject();
    MeshCaActivitiesImpl.Settings meshCa = workerCommand.meshCaSettings();
    AtomicReference<WorkflowServiceStubs> connected = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(90))
        .ignoreException(UserError.class)
        .until(
            () -> {
              connected.set(workerCommand.temporal.connect());
              return true;
            });
    service = connected.get();
    worker =
        workerCommand.startWorker(service, clients, meshCa, workerCommand.temporal.dataConverter());
  }

  @AfterAll
  static void stop() throws Exception {
    if (worker != null) {
      worker.shutdown(Duration.ofSeconds(10));
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (clients != null) {
      clients.close();
    }
    if (temporal != null) {
      temporal.close();
    }
  }

  private static Sandbox sandbox() {
    Sandbox sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .app("online-boutique")
                .podReadyDelay(Duration.ofMillis(100))
                .controlPlaneProvisionDelay(Duration.ofSeconds(2))
                .rootDistributionDelay(DemoRun.ROOT_DISTRIBUTION_DELAY)
                .proxyRootPickupDelay(DemoRun.PROXY_ROOT_PICKUP_DELAY)
                .build());
    assertThat(sandbox.awaitSettled(Duration.ofMinutes(3))).isTrue();
    return sandbox;
  }

  private static List<String> target(Sandbox sandbox) {
    return List.of(
        "--project",
        sandbox.settings().project(),
        "--location",
        sandbox.settings().location(),
        "--cluster",
        sandbox.settings().cluster(),
        "--temporal",
        temporal.target());
  }

  private static CliRun start(Sandbox sandbox, Path kubeconfig, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "start",
                "--kubeconfig",
                kubeconfig.toString(),
                "--context",
                "sandbox",
                "--google-endpoint",
                sandbox.googleEndpoint(),
                "--auto-approve"));
    args.addAll(target(sandbox));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static CliRun command(Sandbox sandbox, String name, String... more) {
    List<String> args = new ArrayList<>(List.of(name));
    args.addAll(target(sandbox));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  /** The state ConfigMap's data. */
  private static Map<String, String> state(Sandbox sandbox) {
    var cm =
        sandbox
            .store()
            .get(ResourceRegistry.CONFIGMAPS, "istio-system", "asm-addon-migration-state")
            .orElseThrow();
    Map<String, String> data = new java.util.TreeMap<>();
    cm.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
    return data;
  }

  @Test
  void givenACrashLoopThatAlsoHitsTheRollback_whenStartWaits_itShouldEndRollbackFailedExit5()
      throws Exception {
    long t0 = System.nanoTime();
    try (Sandbox sandbox = sandbox()) {
      Path kubeconfig = sandbox.writeKubeconfig(dir.resolve("crash.kubeconfig"));
      sandbox.faults().crashLoopNamespaces.add("online-boutique");

      CliRun run = start(sandbox, kubeconfig, "--rollout-timeout", "2m", "--wait");

      String all = run.out() + run.err();
      assertThat(run.code()).as(all).isEqualTo(ExitCodes.ROLLBACK_FAILED);
      String outcome =
          run.out().lines().filter(l -> l.startsWith("migration: ")).findFirst().orElseThrow();
      // the first line of the error is the original failure: the migration's verification
      assertThat(outcome)
          .as(all)
          .startsWith("migration: ROLLBACK_FAILED (migrate-workloads: VERIFICATION_FAILED: ")
          .doesNotContain("undo of");
      // then each undo that failed, with what it left
      assertThat(run.out())
          .contains("the rollback did not complete")
          .contains("undo of migrate-workloads, namespace online-boutique: VERIFICATION_FAILED: ")
          .contains("CrashLoopBackOff")
          .contains("kubectl -n istio-system patch configmap asm-addon-migration-state");
      Map<String, String> state = state(sandbox);
      assertThat(state).containsEntry("migrationStatus", "ROLLBACK_FAILED");
      assertThat(state.get("reason")).startsWith("VERIFICATION_FAILED: ");

      CliRun status = command(sandbox, "status");
      assertThat(status.code()).as(status.out() + status.err()).isZero();
      assertThat(status.out())
          .contains("state ROLLBACK_FAILED")
          .contains("undo of migrate-workloads, namespace online-boutique")
          .contains("next       the rollback did not complete")
          .contains("namespace asm-migrate-system of the cluster");
      CliRun watch = command(sandbox, "status", "--watch");
      assertThat(watch.code()).isEqualTo(ExitCodes.ROLLBACK_FAILED);

      CliRun md = command(sandbox, "report", "--format", "md");
      assertThat(md.out())
          .as(md.err())
          .contains("**ROLLBACK_FAILED**")
          .contains("## Rollback failed")
          .containsPattern("\\| rollback \\|[^\\n]*\\| FAILED \\|");
      CliRun json = command(sandbox, "report", "--format", "json");
      var report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
      assertThat(report.path("state").asText()).isEqualTo("ROLLBACK_FAILED");
      assertThat(report.path("rollbackFailures"))
          .singleElement()
          .satisfies(
              f ->
                  assertThat(f.asText())
                      .startsWith("undo of migrate-workloads, namespace online-boutique: "));

      // the next start refuses the cluster, naming what to do, and changes nothing
      CliRun again = start(sandbox, kubeconfig, "--wait");
      assertThat(again.code()).as(again.out() + again.err()).isNotZero();
      assertThat(again.out() + again.err())
          .contains("says ROLLBACK_FAILED")
          .contains("migrationStatus\":\"ROLLED_BACK");
      assertThat(state(sandbox)).isEqualTo(state);
    } finally {
      System.out.printf(
          "OutcomesThatCannotLieTest crash loop: %d s%n",
          Duration.ofNanos(System.nanoTime() - t0).toSeconds());
    }
  }

  @Test
  void givenAControlPlaneTimeoutThenAnAbort_whenStartedAgainWithTheFaultGone_itShouldSucceed()
      throws Exception {
    long t0 = System.nanoTime();
    try (Sandbox sandbox = sandbox()) {
      Path kubeconfig = sandbox.writeKubeconfig(dir.resolve("cp.kubeconfig"));
      sandbox.faults().controlPlaneNeverProvisioned = true;

      // 1. the control plane's bound passes: rolled back, CONTROLPLANE_PROVISION_ERROR
      CliRun first = start(sandbox, kubeconfig, "--control-plane-timeout", "5s", "--wait");
      assertThat(first.code()).as(first.out() + first.err()).isEqualTo(ExitCodes.OUTCOME);
      assertThat(first.out()).contains("migration: CONTROLPLANE_PROVISION_ERROR (control-plane: ");
      Map<String, String> afterTimeout = state(sandbox);
      assertThat(afterTimeout).containsEntry("migrationStatus", "CONTROLPLANE_PROVISION_ERROR");
      String firstId = afterTimeout.get("migrationId");

      // 2. started again (a new migration, not the old one resumed), aborted during the control
      // plane: recorded as an abort
      var kube = sandbox.client("outcomes-test");
      CompletableFuture<CliRun> second =
          CompletableFuture.supplyAsync(
              () -> start(sandbox, kubeconfig, "--control-plane-timeout", "10m", "--wait"));
      // the abort comes while the wait for the control plane runs: once the new migration made
      // its ControlPlaneRevision, and a little after
      await()
          .atMost(Duration.ofMinutes(2))
          .pollDelay(Duration.ofSeconds(3))
          .until(
              () -> {
                Map<String, String> s = state(sandbox);
                return "control-plane".equals(s.get("step"))
                    && !firstId.equals(s.get("migrationId"))
                    && !kube.genericKubernetesResources(
                            "mesh.cloud.google.com/v1beta1", "ControlPlaneRevision")
                        .inNamespace("istio-system")
                        .list()
                        .getItems()
                        .isEmpty();
              });
      String secondId = state(sandbox).get("migrationId");
      CliRun abort = command(sandbox, "abort", "--reason", "wrong release channel");
      assertThat(abort.code()).as(abort.out() + abort.err()).isZero();
      CliRun aborted = second.get(3, TimeUnit.MINUTES);
      assertThat(aborted.code()).as(aborted.out() + aborted.err()).isEqualTo(ExitCodes.OUTCOME);
      assertThat(aborted.out())
          .contains(
              "migration: ROLLED_BACK (control-plane: ABORTED: aborted by an operator: wrong"
                  + " release channel)");
      Map<String, String> afterAbort = state(sandbox);
      assertThat(afterAbort)
          .containsEntry("migrationStatus", "ROLLED_BACK")
          .containsEntry("migrationId", secondId)
          .containsEntry("reason", "ABORTED: aborted by an operator: wrong release channel");

      // 3. the fault gone, started again: a third migration, SUCCESS
      sandbox.faults().controlPlaneNeverProvisioned = false;
      CliRun third = start(sandbox, kubeconfig, "--wait");
      assertThat(third.code()).as(third.out() + third.err()).isEqualTo(ExitCodes.OK);
      assertThat(third.out()).contains("migration: SUCCESS");
      Map<String, String> done = state(sandbox);
      assertThat(done).containsEntry("migrationStatus", "SUCCESS").doesNotContainKey("reason");
      String thirdId = done.get("migrationId");
      assertThat(thirdId).isNotIn(firstId, secondId);

      // the fake Hub: the membership and the mesh feature, made by the third migration
      String fleet = "projects/" + sandbox.settings().project() + "/locations/global";
      try (GoogleClients google = new GoogleClients()) {
        var hub =
            google.gkeHub(
                new Connection(kubeconfig.toString(), "sandbox", sandbox.googleEndpoint()));
        var membership = hub.getMembership(fleet + "/memberships/" + sandbox.settings().cluster());
        assertThat(membership.getLabelsMap())
            .containsEntry("asm-migrate-id", BackupContent.migrationLabel(thirdId));
        var feature = hub.getFeature(fleet + "/features/servicemesh");
        assertThat(feature.getLabelsMap())
            .containsEntry("asm-migrate-id", BackupContent.migrationLabel(thirdId));
      }
    } finally {
      System.out.printf(
          "OutcomesThatCannotLieTest control plane: %d s%n",
          Duration.ofNanos(System.nanoTime() - t0).toSeconds());
    }
  }

  /**
   * The defect: disable-addon failing after the point of no return (container.clusters.update taken
   * away after pre-flight and approval) ended SUCCESS with exit 0 though the add-on was still
   * enabled. Now FINISH_FAILED, exit 8, status and report saying what failed and how to finish; the
   * state ConfigMap keeps SUCCESS; the same start again, the permission back, finishes it.
   */
  @Test
  void givenDisableAddonDeniedAfterApproval_whenStartWaits_itShouldEndFinishFailedExit8()
      throws Exception {
    long t0 = System.nanoTime();
    try (Sandbox sandbox = sandbox()) {
      Path kubeconfig = sandbox.writeKubeconfig(dir.resolve("finish.kubeconfig"));
      List<String> args =
          new ArrayList<>(
              List.of(
                  "start",
                  "--kubeconfig",
                  kubeconfig.toString(),
                  "--context",
                  "sandbox",
                  "--google-endpoint",
                  sandbox.googleEndpoint(),
                  "--wait"));
      args.addAll(target(sandbox));
      CompletableFuture<CliRun> first =
          CompletableFuture.supplyAsync(() -> CliRun.of(args.toArray(String[]::new)));
      // migrated, the marker written: it waits for approval; then the permission goes away
      await()
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () ->
                  sandbox
                          .store()
                          .get(
                              ResourceRegistry.CONFIGMAPS,
                              "istio-system",
                              "asm-addon-migration-state")
                          .isPresent()
                      && "approval".equals(state(sandbox).get("step")));
      String project = sandbox.settings().project();
      sandbox.googleApis().iam().deny(project, "container.clusters.update");
      try {
        CliRun approve = command(sandbox, "approve", "--by", "ops");
        assertThat(approve.code()).as(approve.out() + approve.err()).isZero();
        CliRun run = first.get(3, TimeUnit.MINUTES);

        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(ExitCodes.FINISH_FAILED);
        assertThat(run.out())
            .contains("migration: FINISH_FAILED (disable-addon: PERMISSION_DENIED")
            .contains("container.clusters.update")
            .contains("finishing failed at disable-addon")
            .contains("the Istio add-on is still enabled")
            .contains("nothing was rolled back")
            .contains("run the same 'asm-migrate start' again")
            .doesNotContain("migration: SUCCESS");
        Map<String, String> state = state(sandbox);
        assertThat(state)
            .containsEntry("migrationStatus", "SUCCESS")
            .containsEntry("step", "disable-addon");
        assertThat(sandbox.googleApis().cluster().istioAddonEnabled()).isTrue();

        CliRun status = command(sandbox, "status");
        assertThat(status.out())
            .as(status.err())
            .contains("state FINISH_FAILED")
            .contains("next       migrated to managed ASM")
            .contains("nothing was rolled back");
        assertThat(command(sandbox, "status", "--watch").code()).isEqualTo(ExitCodes.FINISH_FAILED);
        CliRun md = command(sandbox, "report", "--format", "md");
        assertThat(md.out())
            .as(md.err())
            .contains("**FINISH_FAILED**")
            .contains("## Finishing failed")
            .contains("finishing failed at disable-addon");
      } finally {
        sandbox.googleApis().iam().grantAll();
      }

      // the permission back, the same start again: resumes at the SUCCESS marker and finishes
      String migrationId = state(sandbox).get("migrationId");
      CliRun again = start(sandbox, kubeconfig, "--wait");
      assertThat(again.code()).as(again.out() + again.err()).isEqualTo(ExitCodes.OK);
      assertThat(again.out()).contains("migration: SUCCESS");
      assertThat(state(sandbox))
          .containsEntry("migrationStatus", "SUCCESS")
          .containsEntry("migrationId", migrationId);
      assertThat(sandbox.googleApis().cluster().istioAddonEnabled()).isFalse();
    } finally {
      System.out.printf(
          "OutcomesThatCannotLieTest finish failed: %d s%n",
          Duration.ofNanos(System.nanoTime() - t0).toSeconds());
    }
  }
}
