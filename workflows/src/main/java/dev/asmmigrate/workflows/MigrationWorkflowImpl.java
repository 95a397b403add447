package dev.asmmigrate.workflows;

import static dev.asmmigrate.workflows.Failures.failure;

import dev.asmmigrate.workflows.activities.AddonActivities.AddonRequest;
import dev.asmmigrate.workflows.activities.ConfigActivities.ConfigRequest;
import dev.asmmigrate.workflows.activities.ControlPlaneActivities.AwaitControlPlaneRequest;
import dev.asmmigrate.workflows.activities.ControlPlaneActivities.ControlPlaneRequest;
import dev.asmmigrate.workflows.activities.FleetActivities.FleetRequest;
import dev.asmmigrate.workflows.activities.GalleyActivities.GalleyRequest;
import dev.asmmigrate.workflows.activities.GatewayActivities.GatewayRequest;
import dev.asmmigrate.workflows.activities.MeshCaActivities.MeshCaRequest;
import dev.asmmigrate.workflows.activities.MeshCaActivities.RootDistributionRequest;
import dev.asmmigrate.workflows.activities.PreflightActivities.PreflightRequest;
import dev.asmmigrate.workflows.activities.WebhookActivities.WebhookRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RemainingRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.ConfigReport;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PreflightReport;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.util.List;
import org.slf4j.Logger;

/**
 * The migration as a runbook: one line per step of SPEC.md §2, each registering its undo before it
 * acts. A failure before the approval rolls everything back in reverse order, in a detached scope
 * so that an abort (which cancels the steps) still rolls back ({@link Rollback}). Steps run through
 * {@link StepRunner}; operators act through {@link OperatorControls}.
 */
public final class MigrationWorkflowImpl extends OperatorControls implements MigrationWorkflow {
  private static final Logger log = Workflow.getLogger(MigrationWorkflowImpl.class);

  private MigrationRequest request;
  private MigrationContext ctx;
  private ActivityStubs act;
  private StepRunner run;
  private Rollback rollback;

  @Override
  public MigrationResult migrate(MigrationRequest req) {
    request = req;
    act =
        new ActivityStubs(
            req.timeouts(),
            Workflow.getVersion("undo-after-cancelled-step-stops", Workflow.DEFAULT_VERSION, 1)
                == 1);
    ctx =
        new MigrationContext(
            Workflow.randomUUID().toString(),
            req.cluster(),
            req.connection(),
            req.revision(),
            req.backupDir());
    progress.start(
        ctx.migrationId(),
        req.cluster(),
        req.timeouts(),
        MigrationSearchAttributes.ALL.stream()
            .allMatch(Workflow.getTypedSearchAttributes()::containsKey));
    progress.backups(Rollback.backupsOf(req.backupDir()));
    run = new StepRunner(act, req, progress, () -> ctx);
    rollback = new Rollback(act, progress, () -> ctx);
    try {
      steps = Workflow.newCancellationScope(this::runbook);
      steps.run();
      progress.done();
      return progress.result(null);
    } catch (TemporalFailure failure) {
      return rollback.rollBack(failure);
    }
  }

  private void runbook() {
    PreflightReport pf =
        run.step(
            Step.PREFLIGHT,
            () ->
                act.preflight.preflight(
                    new PreflightRequest(ctx, request.namespaces(), request.canary())));
    ctx = run.adoptExistingMigration(pf);
    run.writeState(MigrationState.PENDING);
    // config-check is read only (SPEC §2 step 3), so it also runs before the first change: a
    // cluster with blocking findings is not touched at all (no fleet membership, no control plane)
    // until an operator fixes them and re-checks, or aborts. It runs again at its own step, once
    // the managed control plane is up.
    if (Workflow.getVersion("config-check-before-changes", Workflow.DEFAULT_VERSION, 1) == 1) {
      checkConfigsUntilClean();
    }

    run.step(
        Step.FLEET_REGISTRATION,
        () -> {
          FleetRequest fleet = new FleetRequest(ctx, request.effectiveFleetProject());
          rollback.undo(
              "undo of fleet-registration (fleet membership, servicemesh feature, mesh spec)",
              () -> act.fleet.unregisterFleet(fleet));
          act.fleet.registerFleet(fleet);
        });

    run.step(
        Step.CONTROL_PLANE,
        () -> {
          ControlPlaneRequest cp = new ControlPlaneRequest(ctx, request.channel());
          rollback.undo(
              "undo of control-plane (ControlPlaneRevision " + ctx.revision() + ")",
              () -> act.controlPlane.removeControlPlaneRevision(cp));
          act.controlPlane.applyControlPlaneRevision(cp);
          act.controlPlaneWait.awaitControlPlane(
              new AwaitControlPlaneRequest(ctx, request.timeouts().controlPlane()));
        });

    run.step(Step.CONFIG_CHECK, this::checkConfigsUntilClean);

    if (pf.has(AddonVersion.V1_4)) {
      run.step(
          Step.DISABLE_GALLEY_WEBHOOK,
          () -> {
            GalleyRequest galley = new GalleyRequest(ctx);
            rollback.undo(
                "undo of disable-galley-webhook (Galley's validating webhook)",
                () -> act.galley.restoreGalleyWebhook(galley));
            act.galley.disableGalleyWebhook(galley);
          });
    } else {
      run.skip(Step.DISABLE_GALLEY_WEBHOOK, "no add-on 1.4 Galley");
    }

    run.step(
        Step.MIGRATE_CONFIGS,
        () -> {
          ConfigRequest configs = new ConfigRequest(ctx);
          rollback.undo(
              "undo of migrate-configs (the migrated configurations)",
              () -> act.config.removeMigratedConfigs(configs));
          act.config.migrateConfigs(configs);
        });

    run.step(
        Step.CONFIGURE_MESH_CA,
        () -> {
          for (AddonVersion v : pf.addonVersions()) {
            MeshCaRequest meshCa = new MeshCaRequest(ctx, v);
            rollback.undo(
                "undo of configure-mesh-ca (add-on " + v.display() + " CA configuration)",
                () -> act.meshCa.restoreMeshCa(meshCa));
            act.meshCa.configureMeshCa(meshCa);
            act.meshCaWait.awaitRootDistribution(
                new RootDistributionRequest(ctx, v, request.timeouts().rootDistribution()));
          }
        });

    NamespaceWaves waves = new NamespaceWaves(act, ctx, request, progress, rollback.saga());
    run.step(Step.MIGRATE_WORKLOADS, () -> waves.migrate(pf.namespaces(), request.canary()));

    run.step(
        Step.REPLACE_GATEWAY,
        () -> {
          GatewayRequest gateway = new GatewayRequest(ctx, request.timeouts().gateway());
          rollback.undo(
              "undo of replace-gateway (the add-on ingress gateway)",
              () -> act.gateway.restoreGateway(gateway));
          act.gateway.replaceGateway(gateway);
        });

    run.step(
        Step.REPLACE_WEBHOOK,
        () -> {
          WebhookRequest webhook = new WebhookRequest(ctx);
          rollback.undo(
              "undo of replace-webhook (the add-on injection webhook)",
              () -> act.webhook.restoreWebhook(webhook));
          act.webhook.replaceWebhook(webhook);
        });

    run.step(
        Step.MIGRATE_REMAINING_WORKLOADS,
        () -> {
          List<NamespacePlan> remaining =
              act.workloads.remainingNamespaces(
                  new RemainingRequest(ctx, progress.migratedNamespaces()));
          waves.migrate(remaining, List.of());
        });

    run.step(Step.WRITE_MARKER, () -> run.writeState(MigrationState.SUCCESS));

    run.step(Step.APPROVAL, this::awaitApproval);
    run.step(Step.DISABLE_ADDON, () -> act.addon.disableAddon(new AddonRequest(ctx)));
    StepResult cleanup = run.step(Step.CLEANUP, () -> act.addon.cleanup(new AddonRequest(ctx)));
    progress.kept(cleanup == null ? List.of() : cleanup.kept());
  }

  // --- steps -------------------------------------------------------------------------------------

  private void checkConfigsUntilClean() {
    while (true) {
      ConfigReport report = act.config.checkConfigs(new ConfigRequest(ctx));
      progress.findings(report.findings());
      if (report.blocking() == 0) {
        return;
      }
      log.warn(
          "config-check: {} blocking findings; waiting for recheck or abort", report.blocking());
      run.writeState(MigrationState.MIGRATION_CONFIG_ERROR);
      progress.phase(Progress.WAITING_FOR_RECHECK);
      Workflow.await(() -> progress.recheckRequested() || progress.abortReason() != null);
      progress.phase(Progress.RUNNING);
      if (progress.abortReason() != null) {
        throw failure(
            FailureType.BLOCKING_CONFIG,
            "aborted with "
                + report.blocking()
                + " blocking configuration findings: "
                + progress.abortReason());
      }
      progress.clearRecheck();
      run.writeState(MigrationState.PENDING);
    }
  }

  private void awaitApproval() {
    if (request.autoApprove() && progress.rollbackReason() == null) {
      progress.approve("auto-approve");
      return;
    }
    progress.phase(Progress.WAITING_FOR_APPROVAL);
    log.info("approval: waiting for an operator to approve disabling the add-on");
    Workflow.await(
        () ->
            progress.approvedBy() != null
                || progress.rollbackReason() != null
                || progress.abortReason() != null);
    progress.phase(Progress.RUNNING);
    if (progress.approvedBy() == null) {
      String why =
          progress.rollbackReason() != null ? progress.rollbackReason() : progress.abortReason();
      throw failure(FailureType.ABORTED, "rollback requested before approval: " + why);
    }
    log.info("approval: approved by {}", progress.approvedBy());
  }
}
