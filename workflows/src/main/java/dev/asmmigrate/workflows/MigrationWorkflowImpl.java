package dev.asmmigrate.workflows;

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
import dev.asmmigrate.workflows.model.KeptObject;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.PreflightReport;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.function.Consumer;

/**
 * The migration as a runbook: runs the steps {@link Step} declares, in their order, each
 * registering its undo before it acts. A failure before the approval rolls everything back in
 * reverse order, in a detached scope so that an abort (which cancels the steps) still rolls back
 * ({@link Rollback}). Steps run through {@link StepRunner}, those that disturb traffic inside the
 * run's maintenance windows ({@link MaintenanceGate}); operators act through {@link
 * OperatorControls}.
 */
public final class MigrationWorkflowImpl extends OperatorControls implements MigrationWorkflow {
  private MigrationRequest request;
  private MigrationContext ctx;
  private ActivityStubs act;
  private StepRunner run;
  private Rollback rollback;
  private OperatorWaits waits;
  private PreflightReport pf;
  private NamespaceWaves waves;
  private List<KeptObject> kept = List.of();

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
    waits = new OperatorWaits(act, req, progress, run, () -> ctx);
    gate = new MaintenanceGate(req, progress, act, () -> ctx, () -> pf);
    run.gate(gate);
    try {
      steps = Workflow.newCancellationScope(this::runbook);
      steps.run();
      progress.done();
      return progress.result(null);
    } catch (TemporalFailure failure) {
      return rollback.rollBack(failure);
    }
  }

  /**
   * Runs the declared steps ({@link Step}) in their order: a step that does not apply to the add-on
   * versions pre-flight detected is skipped with its declared reason, the others run their {@link
   * #action}.
   */
  private void runbook() {
    gate.begin();
    for (Step s : Step.values()) {
      if (s.appliesTo(pf == null ? List.of() : pf.addonVersions())) {
        run.step(s, action(s));
      } else {
        run.skip(s, s.skipReason());
      }
      if (s == Step.PREFLIGHT) {
        beforeChanges();
      }
    }
    progress.kept(kept);
  }

  /**
   * Once pre-flight passed: resumes an earlier run's migration, records PENDING, and runs
   * config-check before the first change (it is read only, SPEC §2 step 3): a cluster with blocking
   * findings is not touched at all until an operator fixes them and re-checks, or aborts. It runs
   * again at its own step, once the managed control plane is up.
   */
  private void beforeChanges() {
    ctx = run.adoptExistingMigration(pf);
    run.writeState(MigrationState.PENDING);
    if (Workflow.getVersion("config-check-before-changes", Workflow.DEFAULT_VERSION, 1) == 1) {
      waits.checkConfigsUntilClean();
    }
  }

  /**
   * What a step does. A step that changes something registers its declared undo ({@link
   * Step#declaration()}) before it acts.
   */
  private Runnable action(Step s) {
    return switch (s) {
      case PREFLIGHT ->
          () ->
              pf =
                  act.preflight.preflight(
                      new PreflightRequest(ctx, request.namespaces(), request.canary()));
      case FLEET_REGISTRATION ->
          undoThen(
              s,
              null,
              new FleetRequest(ctx, request.effectiveFleetProject()),
              act.fleet::unregisterFleet,
              act.fleet::registerFleet);
      case CONTROL_PLANE ->
          undoThen(
              s,
              ctx.revision(),
              new ControlPlaneRequest(ctx, request.channel()),
              act.controlPlane::removeControlPlaneRevision,
              cp -> {
                act.controlPlane.applyControlPlaneRevision(cp);
                act.controlPlaneWait.awaitControlPlane(
                    new AwaitControlPlaneRequest(ctx, request.timeouts().controlPlane()));
              });
      case CONFIG_CHECK -> waits::checkConfigsUntilClean;
      case DISABLE_GALLEY_WEBHOOK ->
          undoThen(
              s,
              null,
              new GalleyRequest(ctx),
              act.galley::restoreGalleyWebhook,
              act.galley::disableGalleyWebhook);
      case MIGRATE_CONFIGS ->
          undoThen(
              s,
              null,
              new ConfigRequest(ctx),
              act.config::removeMigratedConfigs,
              act.config::migrateConfigs);
      case CONFIGURE_MESH_CA ->
          () -> {
            for (AddonVersion v : pf.addonVersions()) {
              undoThen(
                      s,
                      v.display(),
                      new MeshCaRequest(ctx, v),
                      act.meshCa::restoreMeshCa,
                      meshCa -> {
                        act.meshCa.configureMeshCa(meshCa);
                        act.meshCaWait.awaitRootDistribution(
                            new RootDistributionRequest(
                                ctx, v, request.timeouts().rootDistribution()));
                      })
                  .run();
            }
          };
      case MIGRATE_WORKLOADS -> {
        // made here, before the step's safe point, where the committed histories have its marker
        waves = new NamespaceWaves(act, ctx, request, progress, rollback.saga()).gate(gate);
        yield () -> waves.migrate(pf.namespaces(), request.canary());
      }
      case REPLACE_GATEWAY ->
          undoThen(
              s,
              null,
              new GatewayRequest(ctx, request.timeouts().gateway()),
              act.gateway::restoreGateway,
              act.gateway::replaceGateway);
      case REPLACE_WEBHOOK ->
          undoThen(
              s,
              null,
              new WebhookRequest(ctx),
              act.webhook::restoreWebhook,
              act.webhook::replaceWebhook);
      case MIGRATE_REMAINING_WORKLOADS ->
          () ->
              waves.migrate(
                  act.workloads.remainingNamespaces(
                      new RemainingRequest(ctx, progress.migratedNamespaces())),
                  List.of());
      case WRITE_MARKER -> () -> run.writeState(MigrationState.SUCCESS);
      case APPROVAL -> waits::awaitApproval;
      case DISABLE_ADDON -> () -> act.addon.disableAddon(new AddonRequest(ctx));
      case CLEANUP ->
          () -> {
            StepResult cleanup = act.addon.cleanup(new AddonRequest(ctx));
            kept = cleanup == null ? List.of() : cleanup.kept();
          };
    };
  }

  /** Registers the step's declared undo of {@code req} ({@code detail} filled in), then acts. */
  private <R> Runnable undoThen(Step s, String detail, R req, Consumer<R> undo, Consumer<R> apply) {
    return () -> {
      rollback.undo(s.declaration().undo().of(detail), () -> undo.accept(req));
      apply.accept(req);
    };
  }
}
