package dev.asmmigrate.activities.plan;

import dev.asmmigrate.activities.addon.AddonActivitiesImpl;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.configs.ConfigActivitiesImpl;
import dev.asmmigrate.activities.controlplane.ControlPlaneActivitiesImpl;
import dev.asmmigrate.activities.fleet.FleetActivitiesImpl;
import dev.asmmigrate.activities.galley.GalleyActivitiesImpl;
import dev.asmmigrate.activities.gateway.GatewayActivitiesImpl;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.activities.preflight.PreflightActivitiesImpl;
import dev.asmmigrate.activities.state.StateConfigMap;
import dev.asmmigrate.activities.webhook.WebhookActivitiesImpl;
import dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl;
import dev.asmmigrate.config.check.ConfigCheckResult;
import dev.asmmigrate.workflows.activities.PreflightActivities.PreflightRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RemainingRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PreflightReport;
import dev.asmmigrate.workflows.model.Step;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code plan}: the whole migration of one cluster, read only. Runs the pre-flight and config-check
 * code the workflow runs, then asks each step's activity what it would change ({@code plan} methods
 * that share their builders with the activity), for the steps {@link Step} declares, in their
 * order, skipping those that do not apply under the rules the workflow uses. Makes only reads (and
 * SelfSubjectAccessReviews, which persist nothing).
 */
public final class MigrationPlanner {
  /** Stands for the migration's id, chosen when the workflow starts. */
  public static final String MIGRATION_ID = "<migration-id>";

  /** The restart annotation's value, derived from the migration's id. */
  public static final String RESTARTED_AT = MigrationContext.restartedAt(MIGRATION_ID);

  static final String STATE = "state";

  /**
   * What to plan.
   *
   * @param context the cluster, its connection and the target revision (migration id unused)
   * @param channel the release channel
   * @param fleetProject the fleet project, or null for the cluster's
   * @param namespaces namespaces the workload step migrates first; empty: every injected one
   * @param restartSetsAndDaemonSets as {@code start --no-restart-sets} (negated)
   */
  public record Request(
      MigrationContext context,
      String channel,
      String fleetProject,
      List<String> namespaces,
      boolean restartSetsAndDaemonSets) {}

  private final KubeClients clients;
  private final PreflightActivitiesImpl preflight;
  private final ConfigActivitiesImpl config;
  private final FleetActivitiesImpl fleet;
  private final ControlPlaneActivitiesImpl controlPlane;
  private final GalleyActivitiesImpl galley;
  private final MeshCaActivitiesImpl meshCa;
  private final WorkloadActivitiesImpl workloads;
  private final GatewayActivitiesImpl gateway;
  private final WebhookActivitiesImpl webhook;
  private final AddonActivitiesImpl addon;

  public MigrationPlanner(KubeClients clients, GoogleClients google) {
    BackupStores backups = new BackupStores(clients);
    this.clients = clients;
    this.preflight = new PreflightActivitiesImpl(clients, backups, google);
    this.config = new ConfigActivitiesImpl(clients, backups);
    this.fleet = new FleetActivitiesImpl(clients, backups, google);
    this.controlPlane = new ControlPlaneActivitiesImpl(clients, backups);
    this.galley = new GalleyActivitiesImpl(clients, backups);
    this.meshCa = new MeshCaActivitiesImpl(clients, backups);
    this.workloads = new WorkloadActivitiesImpl(clients, backups);
    this.gateway = new GatewayActivitiesImpl(clients, backups);
    this.webhook = new WebhookActivitiesImpl(clients, backups);
    this.addon = new AddonActivitiesImpl(clients, backups, google);
  }

  public MigrationPlan plan(Request request) {
    MigrationContext ctx = request.context();
    PreflightActivitiesImpl.Examination exam =
        preflight.examine(
            new PreflightRequest(ctx, request.namespaces(), List.of(), request.fleetProject()));
    ConfigCheckResult check = config.check(ctx);
    PreflightReport pf = exam.report();
    List<NamespacePlan> remaining = new ArrayList<>();
    List<MigrationPlan.StepPlan> steps =
        pf == null ? List.of() : steps(request, pf, check, remaining);
    return new MigrationPlan(
        ctx.cluster(),
        ctx.revision(),
        pf == null ? null : pf.masterVersion(),
        pf == null ? List.of() : pf.addonVersions(),
        pf == null ? List.of() : pf.namespaces(),
        exam.findings(),
        check.findings(),
        check.conversion().converted(),
        steps,
        pf == null ? List.of() : state(ctx),
        pf == null ? List.of() : pf.podsToRecreate(),
        remaining,
        pf == null ? List.of() : pf.stepModels());
  }

  /**
   * Every declared step ({@link Step}) in its order: a step that does not apply to the add-on
   * versions pre-flight detected is skipped with its declared reason, as the workflow skips it; the
   * others are planned by {@link #plan(Step, Request, PreflightReport, ConfigCheckResult, List,
   * List)}.
   */
  private List<MigrationPlan.StepPlan> steps(
      Request request, PreflightReport pf, ConfigCheckResult check, List<NamespacePlan> remaining) {
    List<MigrationPlan.StepPlan> out = new ArrayList<>();
    for (Step step : Step.values()) {
      out.add(
          step.appliesTo(pf.addonVersions())
              ? plan(step, request, pf, check, out, remaining)
              : skipped(step, step.skipReason()));
    }
    return out;
  }

  /** What one step changes; {@code before}: the plans of the steps before it. */
  private MigrationPlan.StepPlan plan(
      Step step,
      Request request,
      PreflightReport pf,
      ConfigCheckResult check,
      List<MigrationPlan.StepPlan> before,
      List<NamespacePlan> remaining) {
    MigrationContext ctx = request.context();
    return switch (step) {
      case PREFLIGHT, CONFIG_CHECK -> skipped(step, "read only");
      case FLEET_REGISTRATION -> planned(step, () -> fleet.plan(ctx, request.fleetProject()));
      case CONTROL_PLANE -> planned(step, () -> controlPlane.plan(ctx, request.channel()));
      case DISABLE_GALLEY_WEBHOOK -> planned(step, () -> galley.plan(ctx));
      case MIGRATE_CONFIGS ->
          check.conversion().hasBlockingFindings()
              ? new MigrationPlan.StepPlan(
                  step.id(),
                  step.title(),
                  null,
                  "alpha policies that cannot be converted (see the findings)",
                  List.of())
              : planned(step, () -> config.plan(ctx, check.conversion()));
      case CONFIGURE_MESH_CA -> {
        String trustDomain =
            meshCa.knownTrustDomain(ctx).orElse("<trust domain of " + ctx.revision() + ">");
        yield planned(
            step,
            () -> {
              List<PlannedChange> changes = new ArrayList<>();
              for (AddonVersion v : pf.addonVersions()) {
                changes.addAll(meshCa.plan(ctx, v, trustDomain, MIGRATION_ID));
              }
              return changes;
            });
      }
      case MIGRATE_WORKLOADS -> planned(step, () -> namespaces(request, step, pf.namespaces()));
      case REPLACE_GATEWAY -> planned(step, () -> gateway.plan(ctx));
      case REPLACE_WEBHOOK -> planned(step, () -> webhook.plan(ctx));
      case MIGRATE_REMAINING_WORKLOADS ->
          planned(
              step,
              () -> {
                remaining.addAll(
                    workloads.remainingNamespaces(
                        new RemainingRequest(
                            ctx, pf.namespaces().stream().map(NamespacePlan::name).toList())));
                return namespaces(request, step, remaining);
              });
      case WRITE_MARKER -> skipped(step, "writes migrationStatus SUCCESS to the state ConfigMap");
      case APPROVAL -> skipped(step, "waits for an operator's approval (start --auto-approve)");
      case DISABLE_ADDON -> planned(step, () -> addon.planDisable(ctx));
      case CLEANUP -> {
        Set<ObjectKey> deleted = new HashSet<>();
        for (MigrationPlan.StepPlan s : before) {
          for (PlannedChange c : s.changes()) {
            if (c.verb().equals("delete")) {
              deleted.add(
                  new ObjectKey(c.apiVersion(), c.kind(), blankToNull(c.namespace()), c.name()));
            }
          }
        }
        yield planned(step, () -> addon.planCleanup(ctx, deleted));
      }
    };
  }

  private List<PlannedChange> namespaces(Request request, Step step, List<NamespacePlan> list) {
    List<PlannedChange> changes = new ArrayList<>();
    for (NamespacePlan ns : list) {
      changes.addAll(
          workloads.plan(
              request.context(),
              step.id(),
              ns.name(),
              request.restartSetsAndDaemonSets(),
              RESTARTED_AT));
    }
    return changes;
  }

  /** The state ConfigMap: created when absent, then updated at every step. */
  private List<PlannedChange> state(MigrationContext ctx) {
    KubernetesClient client = clients.client(ctx.connection());
    ObjectKey key = new ObjectKey("v1", "ConfigMap", StateConfigMap.NAMESPACE, StateConfigMap.NAME);
    List<PlannedChange> out = new ArrayList<>();
    if (new StateConfigMap(client).read().isEmpty()) {
      out.add(
          PlannedChange.create(
              STATE,
              key,
              dev.asmmigrate.activities.backup.Restorer.toTree(
                  StateConfigMap.created(
                      StateConfigMap.data(
                          MIGRATION_ID, MigrationState.PENDING, Step.PREFLIGHT.id()))),
              "the migration's state, after pre-flight"));
    }
    out.add(
        PlannedChange.update(
            STATE,
            key,
            null,
            "migrationStatus, migrationId and step at every step: PENDING while running,"
                + " MIGRATION_CONFIG_ERROR while blocking findings wait, SUCCESS at write-marker"
                + " (ROLLED_BACK or CONTROLPLANE_PROVISION_ERROR after a rollback, ROLLBACK_FAILED"
                + " when an undo failed), with the reason once it ended"));
    return out;
  }

  private static MigrationPlan.StepPlan planned(Step step, Supplier<List<PlannedChange>> plan) {
    try {
      List<PlannedChange> changes = plan.get();
      return new MigrationPlan.StepPlan(
          step.id(), step.title(), changes.isEmpty() ? "nothing to change" : null, null, changes);
    } catch (ApplicationFailure e) {
      if (!e.isNonRetryable()) {
        throw e;
      }
      return new MigrationPlan.StepPlan(
          step.id(), step.title(), null, e.getType() + ": " + e.getOriginalMessage(), List.of());
    }
  }

  private static MigrationPlan.StepPlan skipped(Step step, String why) {
    return new MigrationPlan.StepPlan(step.id(), step.title(), why, null, List.of());
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
