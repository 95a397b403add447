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
import dev.asmmigrate.workflows.activities.StateActivities.WriteStateRequest;
import dev.asmmigrate.workflows.activities.WebhookActivities.WebhookRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RemainingRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.ConfigReport;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PreflightReport;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;

/**
 * The migration as a runbook: one line per step of SPEC.md §2, each registering its undo before it
 * acts. A failure before the approval rolls everything back in reverse order, in a detached scope
 * so that an abort (which cancels the steps) still rolls back.
 */
public final class MigrationWorkflowImpl implements MigrationWorkflow {
  private static final Logger log = Workflow.getLogger(MigrationWorkflowImpl.class);

  private final Progress progress = new Progress();
  private MigrationRequest request;
  private MigrationContext ctx;
  private ActivityStubs act;
  private CancellationScope steps;

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
    progress.backups(backupsOf(req.backupDir()));
    Saga saga = new Saga(new Saga.Options.Builder().setContinueWithError(true).build());
    try {
      steps = Workflow.newCancellationScope(() -> runbook(saga));
      steps.run();
      progress.done();
      return progress.result(null);
    } catch (TemporalFailure failure) {
      return rollBack(saga, failure);
    }
  }

  private void runbook(Saga saga) {
    PreflightReport pf =
        step(
            Step.PREFLIGHT,
            () ->
                act.preflight.preflight(
                    new PreflightRequest(ctx, request.namespaces(), request.canary())));
    adoptExistingMigration(pf);
    writeState(MigrationState.PENDING);
    // config-check is read only (SPEC §2 step 3), so it also runs before the first change: a
    // cluster with blocking findings is not touched at all (no fleet membership, no control plane)
    // until an operator fixes them and re-checks, or aborts. It runs again at its own step, once
    // the
    // managed control plane is up.
    if (Workflow.getVersion("config-check-before-changes", Workflow.DEFAULT_VERSION, 1) == 1) {
      checkConfigsUntilClean();
    }

    step(
        Step.FLEET_REGISTRATION,
        () -> {
          FleetRequest fleet = new FleetRequest(ctx, request.effectiveFleetProject());
          undo(
              saga,
              "undo of fleet-registration (fleet membership, servicemesh feature, mesh spec)",
              () -> act.fleet.unregisterFleet(fleet));
          act.fleet.registerFleet(fleet);
        });

    step(
        Step.CONTROL_PLANE,
        () -> {
          ControlPlaneRequest cp = new ControlPlaneRequest(ctx, request.channel());
          undo(
              saga,
              "undo of control-plane (ControlPlaneRevision " + ctx.revision() + ")",
              () -> act.controlPlane.removeControlPlaneRevision(cp));
          act.controlPlane.applyControlPlaneRevision(cp);
          act.controlPlaneWait.awaitControlPlane(
              new AwaitControlPlaneRequest(ctx, request.timeouts().controlPlane()));
        });

    step(Step.CONFIG_CHECK, this::checkConfigsUntilClean);

    if (pf.has(AddonVersion.V1_4)) {
      step(
          Step.DISABLE_GALLEY_WEBHOOK,
          () -> {
            GalleyRequest galley = new GalleyRequest(ctx);
            undo(
                saga,
                "undo of disable-galley-webhook (Galley's validating webhook)",
                () -> act.galley.restoreGalleyWebhook(galley));
            act.galley.disableGalleyWebhook(galley);
          });
    } else {
      skip(Step.DISABLE_GALLEY_WEBHOOK, "no add-on 1.4 Galley");
    }

    step(
        Step.MIGRATE_CONFIGS,
        () -> {
          ConfigRequest configs = new ConfigRequest(ctx);
          undo(
              saga,
              "undo of migrate-configs (the migrated configurations)",
              () -> act.config.removeMigratedConfigs(configs));
          act.config.migrateConfigs(configs);
        });

    step(
        Step.CONFIGURE_MESH_CA,
        () -> {
          for (AddonVersion v : pf.addonVersions()) {
            MeshCaRequest meshCa = new MeshCaRequest(ctx, v);
            undo(
                saga,
                "undo of configure-mesh-ca (add-on " + v.display() + " CA configuration)",
                () -> act.meshCa.restoreMeshCa(meshCa));
            act.meshCa.configureMeshCa(meshCa);
            act.meshCaWait.awaitRootDistribution(
                new RootDistributionRequest(ctx, v, request.timeouts().rootDistribution()));
          }
        });

    NamespaceWaves waves = new NamespaceWaves(act, ctx, request, progress, saga, restartToken());
    step(Step.MIGRATE_WORKLOADS, () -> waves.migrate(pf.namespaces(), request.canary()));

    step(
        Step.REPLACE_GATEWAY,
        () -> {
          GatewayRequest gateway = new GatewayRequest(ctx, request.timeouts().gateway());
          undo(
              saga,
              "undo of replace-gateway (the add-on ingress gateway)",
              () -> act.gateway.restoreGateway(gateway));
          act.gateway.replaceGateway(gateway);
        });

    step(
        Step.REPLACE_WEBHOOK,
        () -> {
          WebhookRequest webhook = new WebhookRequest(ctx);
          undo(
              saga,
              "undo of replace-webhook (the add-on injection webhook)",
              () -> act.webhook.restoreWebhook(webhook));
          act.webhook.replaceWebhook(webhook);
        });

    step(
        Step.MIGRATE_REMAINING_WORKLOADS,
        () -> {
          List<NamespacePlan> remaining =
              act.workloads.remainingNamespaces(
                  new RemainingRequest(ctx, progress.migratedNamespaces()));
          waves.migrate(remaining, List.of());
        });

    step(Step.WRITE_MARKER, () -> writeState(MigrationState.SUCCESS));

    step(Step.APPROVAL, this::awaitApproval);
    step(Step.DISABLE_ADDON, () -> act.addon.disableAddon(new AddonRequest(ctx)));
    StepResult cleanup = step(Step.CLEANUP, () -> act.addon.cleanup(new AddonRequest(ctx)));
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
      writeState(MigrationState.MIGRATION_CONFIG_ERROR);
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
      writeState(MigrationState.PENDING);
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

  private MigrationResult rollBack(Saga saga, TemporalFailure failure) {
    Step failed = progress.step();
    // an abort cancels the running step: say who stopped it and why, not "canceled"
    String message =
        progress.abortReason() != null && canceled(failure)
            ? FailureType.ABORTED + ": aborted by an operator: " + progress.abortReason()
            : describe(failure);
    progress.fail(failed, message);
    MigrationMetrics.stepEnded(failed, "failed");
    // Pre-flight is read only and writes no state: its refusal changed nothing, so there is
    // nothing to roll back and the outcome is its own (exit 3 from start --wait), not ROLLED_BACK.
    // An abort while it runs stays an abort, and a failure injected there (--fail-at preflight)
    // rehearses the rollback it asked for.
    if (failed == Step.PREFLIGHT
        && !canceled(failure)
        && progress.abortReason() == null
        && !isType(failure, FailureType.INJECTED_FAILURE)
        && Workflow.getVersion("preflight-refusal-outcome", Workflow.DEFAULT_VERSION, 1) == 1) {
      log.warn("pre-flight refused the cluster; nothing was changed: {}", message);
      progress.state(MigrationState.REFUSED);
      progress.done();
      return progress.result(failed.id());
    }
    if (!failed.reversible()) {
      log.error(
          "{} failed after the point of no return; nothing rolled back: {}", failed.id(), message);
      progress.done();
      return progress.result(failed.id());
    }
    log.warn("{} failed ({}); rolling back", failed.id(), message);
    progress.rollingBack();
    // A control plane that did not come up is its own state (SPEC §2 step 2); a failure injected
    // after it came up rehearses an ordinary rollback.
    // An operator's abort is recorded as one (ROLLED_BACK, the reason in the error), not as a
    // control plane that failed to come up.
    boolean aborted = progress.abortReason() != null && canceled(failure);
    MigrationState rolledBack =
        failed == Step.CONTROL_PLANE
                && !isType(failure, FailureType.INJECTED_FAILURE)
                && !(aborted && abortIsRecordedAsAbort())
            ? MigrationState.CONTROLPLANE_PROVISION_ERROR
            : MigrationState.ROLLED_BACK;
    Workflow.newDetachedCancellationScope(
            () -> {
              saga.compensate();
              // Every undo records its own failure (undo()); one that failed means the cluster is
              // neither migrated nor back on the add-on, and no outcome may say otherwise.
              MigrationState finalState =
                  progress.rollbackFailures().isEmpty()
                      ? rolledBack
                      : MigrationState.ROLLBACK_FAILED;
              if (finalState == MigrationState.ROLLBACK_FAILED) {
                progress.error(
                    message
                        + "\nthe rollback did not complete: "
                        + progress.rollbackFailures().size()
                        + " undo step(s) failed:\n  - "
                        + String.join("\n  - ", progress.rollbackFailures()));
                log.error(
                    "rollback of {} did not complete: {}",
                    failed.id(),
                    progress.rollbackFailures());
              }
              if (progress.completedSteps().contains(Step.PREFLIGHT.id())) {
                act.state.writeState(
                    new WriteStateRequest(
                        ctx, finalState, failed.id(), firstLine(progress.error())));
              }
              progress.state(finalState);
            })
        .run();
    progress.done();
    return progress.result(failed.id());
  }

  // --- plumbing ----------------------------------------------------------------------------------

  /**
   * Registers an undo with the saga, recording its failure if it fails. The saga (continue with
   * error) runs every undo whatever the others do, and would drop their failures: each one is kept
   * here, as it happens, with what it was undoing.
   */
  private void undo(Saga saga, String what, Runnable body) {
    saga.addCompensation(() -> runUndo(progress, what, body));
  }

  /** Runs one undo step; its failure is recorded in {@code progress}, not thrown. */
  static void runUndo(Progress progress, String what, Runnable body) {
    try {
      body.run();
    } catch (TemporalFailure failure) {
      String why = describe(failure);
      log.error("{} failed: {}", what, why);
      progress.undoFailed(what, why);
    }
  }

  /**
   * Version 1: an abort during control-plane ends ROLLED_BACK, not CONTROLPLANE_PROVISION_ERROR.
   */
  private static boolean abortIsRecordedAsAbort() {
    return Workflow.getVersion("abort-recorded-as-abort", Workflow.DEFAULT_VERSION, 1) == 1;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return null;
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Where the backups are kept: the --backup-dir, else the cluster's backup namespace. */
  private static String backupsOf(String backupDir) {
    return backupDir != null && !backupDir.isBlank()
        ? "directory " + backupDir + " (--backup-dir)"
        // ClusterBackupStore.NAMESPACE, in the activities module
        : "namespace asm-migrate-system of the cluster (ConfigMaps labelled with the migration id)";
  }

  private <T> T step(Step s, java.util.function.Supplier<T> body) {
    awaitSafePoint();
    progress.step(s);
    if (progress.completedSteps().contains(Step.PREFLIGHT.id())) {
      act.state.writeState(new WriteStateRequest(ctx, progress.state(), s.id()));
    }
    log.info("step {}: started", s.id());
    T result = body.get();
    if (s.id().equals(request.failAt())) {
      throw failure(
          FailureType.INJECTED_FAILURE, "failure injected at step " + s.id() + " (--fail-at)");
    }
    progress.completed(s);
    MigrationMetrics.stepEnded(s, "done");
    log.info("step {}: done", s.id());
    return result;
  }

  private void step(Step s, Runnable body) {
    step(
        s,
        () -> {
          body.run();
          return null;
        });
  }

  private void skip(Step s, String why) {
    log.info("step {}: skipped ({})", s.id(), why);
    progress.skipped(s);
    MigrationMetrics.stepEnded(s, "skipped");
  }

  private void awaitSafePoint() {
    if (progress.paused()) {
      progress.phase(Progress.PAUSED);
      Workflow.await(() -> !progress.paused() || progress.abortReason() != null);
      progress.phase(Progress.RUNNING);
    }
    if (progress.abortReason() != null) {
      throw failure(FailureType.ABORTED, "aborted by an operator: " + progress.abortReason());
    }
  }

  private void writeState(MigrationState state) {
    progress.state(state);
    act.state.writeState(new WriteStateRequest(ctx, state, progress.step().id()));
  }

  /**
   * Resumes with the backups of an earlier run of this cluster's migration (Temporal state lost).
   */
  private void adoptExistingMigration(PreflightReport pf) {
    boolean resume =
        pf.existingMigrationId() != null
            && (Workflow.getVersion("resume-only-resumable-states", Workflow.DEFAULT_VERSION, 1)
                    == 1
                ? pf.existingState() != null && pf.existingState().resumable()
                : pf.existingState() != MigrationState.ROLLED_BACK);
    if (resume) {
      log.info(
          "preflight: resuming migration {} found in the cluster ({})",
          pf.existingMigrationId(),
          pf.existingState());
      ctx =
          new MigrationContext(
              pf.existingMigrationId(),
              ctx.cluster(),
              ctx.connection(),
              ctx.revision(),
              ctx.backupDir());
      progress.migrationId(pf.existingMigrationId());
    }
    progress.plan(pf.namespaces());
    progress.podsToRecreate(pf.podsToRecreate());
  }

  /**
   * The restartedAt value of the workload restarts. From the migration ID (version 1): the same in
   * every run of one migration, so a run resuming it after Temporal lost its state finds the
   * Deployments an earlier run restarted carrying it already and does not restart them again.
   * Histories recorded before (default version) keep the start time of their run, fixed per run
   * only.
   */
  private String restartToken() {
    if (Workflow.getVersion("restart-token-from-migration-id", Workflow.DEFAULT_VERSION, 1) == 1) {
      return MigrationContext.restartedAt(ctx.migrationId());
    }
    return Instant.ofEpochMilli(Workflow.currentTimeMillis())
        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
        .toString();
  }

  static ApplicationFailure failure(FailureType type, String message) {
    return ApplicationFailure.newNonRetryableFailure(message, type.name());
  }

  private static boolean isType(Throwable t, FailureType type) {
    for (Throwable cur = t; cur != null; cur = cur.getCause()) {
      if (cur instanceof ApplicationFailure af && type.name().equals(af.getType())) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code t} is, or was caused by, a cancellation (an operator's abort). */
  static boolean canceled(Throwable t) {
    for (Throwable cur = t; cur != null; cur = cur.getCause()) {
      if (cur instanceof CanceledFailure) {
        return true;
      }
    }
    return false;
  }

  static String describe(Throwable t) {
    Throwable cur = t;
    while (cur != null) {
      if (cur instanceof ApplicationFailure af) {
        return af.getType() + ": " + af.getOriginalMessage();
      }
      if (cur instanceof CanceledFailure) {
        return "canceled";
      }
      if (cur.getCause() == null && cur instanceof ActivityFailure af) {
        return af.getMessage();
      }
      cur = cur.getCause();
    }
    return t.getMessage();
  }

  // --- queries and signals -----------------------------------------------------------------------

  @Override
  public MigrationStatus status() {
    return progress.status();
  }

  @Override
  public void approve(String by) {
    progress.approve(by == null || by.isBlank() ? "unknown" : by);
  }

  @Override
  public void recheck() {
    progress.requestRecheck();
  }

  @Override
  public void abort(String reason) {
    progress.abort(reason == null || reason.isBlank() ? "no reason given" : reason);
    if (steps != null && progress.step().reversible()) {
      steps.cancel(reason);
    }
  }

  @Override
  public void rollback(String reason) {
    progress.requestRollback(reason == null || reason.isBlank() ? "no reason given" : reason);
  }

  @Override
  public void pause() {
    progress.pause(true);
  }

  @Override
  public void resume() {
    progress.pause(false);
  }

  // --- updates: the same acts, with validators that refuse what the current phase forbids ------

  @Override
  public String approveUpdate(String by) {
    approve(by);
    return "approved by " + progress.approvedBy() + "; the add-on is disabled and cleaned up next";
  }

  @Override
  public void validateApprove(String by) {
    refuseIfEnded();
    if (progress.approvedBy() != null) {
      throw refused("already approved by " + progress.approvedBy());
    }
    if (!Progress.WAITING_FOR_APPROVAL.equals(progress.phase())) {
      throw refused(
          "the migration is not waiting for approval (phase "
              + progress.phase()
              + ", step "
              + progress.step().id()
              + "); approval comes after write-marker reached SUCCESS");
    }
  }

  @Override
  public String recheckUpdate() {
    recheck();
    return "config-check runs again";
  }

  @Override
  public void validateRecheck() {
    refuseIfEnded();
    if (!Progress.WAITING_FOR_RECHECK.equals(progress.phase())) {
      throw refused(
          "the migration is not held by blocking configuration findings (phase "
              + progress.phase()
              + ", step "
              + progress.step().id()
              + ")");
    }
  }

  @Override
  public String abortUpdate(String reason) {
    abort(reason);
    return "aborted: rolling back every completed step";
  }

  @Override
  public void validateAbort(String reason) {
    refuseIfEnded();
    if (progress.abortReason() != null || Progress.ROLLING_BACK.equals(progress.phase())) {
      throw refused("the migration is already rolling back");
    }
    if (!progress.step().reversible()) {
      throw refused(
          "the migration is past the point of no return (step "
              + progress.step().id()
              + "): the add-on is being disabled or cleaned up");
    }
  }

  @Override
  public String rollbackUpdate(String reason) {
    rollback(reason);
    return "rolling back the migration to the add-on";
  }

  @Override
  public void validateRollback(String reason) {
    refuseIfEnded();
    if (progress.rollbackReason() != null || Progress.ROLLING_BACK.equals(progress.phase())) {
      throw refused("the migration is already rolling back");
    }
    if (progress.approvedBy() != null || !progress.step().reversible()) {
      throw refused(
          "the migration was approved"
              + (progress.approvedBy() == null ? "" : " by " + progress.approvedBy())
              + " and its clean-up started (step "
              + progress.step().id()
              + "): it can no longer be rolled back");
    }
    if (progress.state() != MigrationState.SUCCESS) {
      throw refused(
          "rollback is for a migration that reached SUCCESS and waits for approval; this one is at"
              + " step "
              + progress.step().id()
              + " (state "
              + progress.state()
              + "): use abort to roll it back now");
    }
  }

  @Override
  public String pauseUpdate() {
    pause();
    return "pausing at the next safe point (between steps and between namespace waves)";
  }

  @Override
  public void validatePause() {
    refuseIfEnded();
  }

  @Override
  public String resumeUpdate() {
    resume();
    return "resuming";
  }

  @Override
  public void validateResume() {
    refuseIfEnded();
    if (!progress.paused()) {
      throw refused("the migration is not paused (phase " + progress.phase() + ")");
    }
  }

  private void refuseIfEnded() {
    if (progress.finished()) {
      throw refused(
          "the migration already ended ("
              + progress.state()
              + (progress.status().error() == null ? "" : ", " + progress.status().error())
              + ")");
    }
  }

  /** A validator's refusal: the client gets the message (the SDK does not pass the type on). */
  private static IllegalStateException refused(String message) {
    return new IllegalStateException(message);
  }
}
