package dev.asmmigrate.workflows.model;

import static dev.asmmigrate.workflows.model.AddonVersion.V1_4;
import static dev.asmmigrate.workflows.model.DurationEstimate.Namespaces.FIRST;
import static dev.asmmigrate.workflows.model.DurationEstimate.Namespaces.REMAINING;
import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;

import dev.asmmigrate.workflows.model.DurationEstimate.Bounded;
import dev.asmmigrate.workflows.model.DurationEstimate.Fixed;
import dev.asmmigrate.workflows.model.DurationEstimate.OperatorWait;
import dev.asmmigrate.workflows.model.DurationEstimate.PerAddonVersion;
import dev.asmmigrate.workflows.model.DurationEstimate.PerNamespace;
import dev.asmmigrate.workflows.model.DurationEstimate.PerWorkload;
import dev.asmmigrate.workflows.model.DurationEstimate.Wait;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The runbook: the steps of a migration (SPEC.md §2), in the order they run, each declared once.
 * The workflow ({@code MigrationWorkflowImpl.runbook}) runs them in this order, skipping a step
 * with its declared reason where it does not apply; {@code plan} ({@code MigrationPlanner}) lists
 * them in the same order under the same rules; {@code status} and the report title them; the
 * maintenance windows read what disturbs traffic and how long each step can take. The ids are used
 * everywhere: logs, status, reports, tests and {@code --fail-at}.
 *
 * <p>Each entry names the activity methods that run it, its undo, its plan method and its test.
 * {@code RunbookTest} checks that a run executes exactly these steps in this order for add-on 1.4,
 * 1.6 and both; {@code ReadmeRunbookTest} that README's "The runbook" lists them.
 */
public enum Step {
  /**
   * Runs {@link dev.asmmigrate.workflows.activities.PreflightActivities#preflight}; nothing to
   * undo. Plan: {@link dev.asmmigrate.activities.preflight.PreflightActivitiesImpl#examine}. Tests:
   * {@code PreflightActivitiesImplTest}, {@code PreflightUnsupportedVersionTest}.
   */
  PREFLIGHT(
      new Declaration(
          "preflight",
          "Pre-flight: check the cluster, detect the add-on, plan the namespaces",
          "§2 step 0, Pre-flight (read only)",
          "기본 요건 (prerequisites)",
          Applies.ALWAYS,
          false,
          Disruption.none("read only"),
          Undo.nothing("read only"),
          new PerWorkload(ofSeconds(30), ofSeconds(1)))),

  /**
   * Runs {@link dev.asmmigrate.workflows.activities.FleetActivities#registerFleet}; undo {@link
   * dev.asmmigrate.workflows.activities.FleetActivities#unregisterFleet}. Plan: {@link
   * dev.asmmigrate.activities.fleet.FleetActivitiesImpl#plan}. Test: {@code
   * FleetActivitiesImplTest}.
   */
  FLEET_REGISTRATION(
      new Declaration(
          "fleet-registration",
          "Register the cluster in the fleet and enable the service mesh feature",
          "§2 step 1, Fleet",
          "환경 설정하기 (set up the environment), 6-7",
          Applies.ALWAYS,
          true,
          Disruption.none("GKE Hub API only: nothing in the cluster restarts"),
          Undo.registered(
              "undo of fleet-registration (fleet membership, servicemesh feature, mesh spec)"),
          new Fixed(ofMinutes(10)))),

  /**
   * Runs {@link
   * dev.asmmigrate.workflows.activities.ControlPlaneActivities#applyControlPlaneRevision} then
   * {@link dev.asmmigrate.workflows.activities.ControlPlaneActivities#awaitControlPlane}; undo
   * {@link dev.asmmigrate.workflows.activities.ControlPlaneActivities#removeControlPlaneRevision}.
   * Plan: {@link dev.asmmigrate.activities.controlplane.ControlPlaneActivitiesImpl#plan}. Test:
   * {@code ControlPlaneActivitiesImplTest}.
   */
  CONTROL_PLANE(
      new Declaration(
          "control-plane",
          "Provision the managed control plane (ControlPlaneRevision) and wait for it",
          "§2 step 2, Managed control plane",
          "Anthos Service Mesh 설치 (install Anthos Service Mesh), 2-3",
          Applies.ALWAYS,
          true,
          Disruption.none("a second control plane beside the add-on's; no proxy changes"),
          Undo.registered("undo of control-plane (ControlPlaneRevision <revision>)"),
          new Bounded(ofMinutes(1), Wait.CONTROL_PLANE))),

  /**
   * Runs {@link dev.asmmigrate.workflows.activities.ConfigActivities#checkConfigs} (also once
   * before the first change), waiting for a recheck or an abort while findings block; nothing to
   * undo. Plan: {@link dev.asmmigrate.activities.configs.ConfigActivitiesImpl#check}. Test: {@code
   * ConfigCheckTest}.
   */
  CONFIG_CHECK(
      new Declaration(
          "config-check",
          "Check the mesh configuration for what the managed control plane does not support",
          "§2 step 3, config-check (read only)",
          "Anthos Service Mesh로 구성 마이그레이션 (migrate configurations), 3: --command" + " config-check",
          Applies.ALWAYS,
          false,
          Disruption.none("read only"),
          Undo.nothing("read only"),
          new Fixed(ofSeconds(30)))),

  /**
   * Runs {@link dev.asmmigrate.workflows.activities.GalleyActivities#disableGalleyWebhook}; undo
   * {@link dev.asmmigrate.workflows.activities.GalleyActivities#restoreGalleyWebhook}. Plan: {@link
   * dev.asmmigrate.activities.galley.GalleyActivitiesImpl#plan}. Test: {@code
   * GalleyActivitiesImplTest}.
   */
  DISABLE_GALLEY_WEBHOOK(
      new Declaration(
          "disable-galley-webhook",
          "Disable Galley's validating webhook",
          "§2 step 4, disable-galley-webhook",
          "Anthos Service Mesh로 구성 마이그레이션 (migrate configurations), 2: --command"
              + " disable-galley-webhook",
          Applies.only(EnumSet.of(V1_4), "no add-on 1.4 Galley"),
          true,
          Disruption.none("configuration validation only; serving traffic does not see it"),
          Undo.registered("undo of disable-galley-webhook (Galley's validating webhook)"),
          new Fixed(ofSeconds(30)))),

  /**
   * Runs {@link dev.asmmigrate.workflows.activities.ConfigActivities#migrateConfigs}; undo {@link
   * dev.asmmigrate.workflows.activities.ConfigActivities#removeMigratedConfigs}. Plan: {@link
   * dev.asmmigrate.activities.configs.ConfigActivitiesImpl#plan}. Test: {@code
   * ConfigActivitiesImplTest}.
   */
  MIGRATE_CONFIGS(
      new Declaration(
          "migrate-configs",
          "Convert alpha authentication policies to security.istio.io/v1beta1",
          "§2 step 5, migrate-configs",
          "커스텀 구성 마이그레이션 (migrate custom configurations), 2: --command migrate-configs",
          Applies.ALWAYS,
          true,
          Disruption.disturbs(
              "the converted PeerAuthentication, RequestAuthentication and AuthorizationPolicy"
                  + " (DENY without a JWT) reach every proxy at once: requests they reject fail"
                  + " from then on"),
          Undo.registered("undo of migrate-configs (the migrated configurations)"),
          new Fixed(ofMinutes(1)))),

  /**
   * Runs {@link dev.asmmigrate.workflows.activities.MeshCaActivities#configureMeshCa} then {@link
   * dev.asmmigrate.workflows.activities.MeshCaActivities#awaitRootDistribution}, once per add-on
   * version; undo {@link dev.asmmigrate.workflows.activities.MeshCaActivities#restoreMeshCa}. Plan:
   * {@link dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl#plan}. Tests: {@code
   * MeshCaActivities14Test}, {@code MeshCaActivities16Test}, {@code MeshCaTrafficTest}.
   */
  CONFIGURE_MESH_CA(
      new Declaration(
          "configure-mesh-ca",
          "Make the add-on trust Mesh CA (zero-downtime root of trust)",
          "§2 step 6, configure-mesh-ca",
          "커스텀 구성 마이그레이션 (migrate custom configurations), 3: --command" + " configure-mesh-ca",
          Applies.ALWAYS,
          true,
          Disruption.disturbs(
              "restarts the add-on's control plane (istio-pilot and istio-citadel; 1.6:"
                  + " istiod-istio-1611) and pushes a new root of trust to every proxy"),
          Undo.registered("undo of configure-mesh-ca (add-on <version> CA configuration)"),
          new PerAddonVersion(new Bounded(ofMinutes(2), Wait.ROOT_DISTRIBUTION)))),

  /**
   * Runs, per namespace, {@link
   * dev.asmmigrate.workflows.activities.WorkloadActivities#relabelNamespace}, {@link
   * dev.asmmigrate.workflows.activities.WorkloadActivities#restartWorkloads} and {@link
   * dev.asmmigrate.workflows.activities.WorkloadActivities#verifyNamespace} (through {@code
   * NamespaceWaves}); undo per namespace {@link
   * dev.asmmigrate.workflows.activities.WorkloadActivities#restoreNamespaceLabels}, restart and
   * verify on the add-on's proxy. Plan: {@link
   * dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl#plan}. Tests: {@code
   * WorkloadActivitiesImplTest}, {@code WorkloadActivitiesAddon16Test}.
   */
  MIGRATE_WORKLOADS(
      new Declaration(
          "migrate-workloads",
          "Move the namespaces' workloads to the managed control plane, canaries first",
          "§2 step 7, Workloads, per namespace",
          "Anthos Service Mesh에 워크로드 마이그레이션 (migrate workloads), 1-6",
          Applies.ALWAYS,
          true,
          Disruption.disturbs(
              "rolling restart of every injected workload of the namespaces: single-replica"
                  + " Deployments and PodDisruptionBudgets allowing 0 disruptions drop requests"),
          Undo.byRollback("undo of migrate-workloads, namespace <namespace>"),
          new PerNamespace(FIRST, new Bounded(ofSeconds(30), Wait.ROLLOUT)))),

  /**
   * Runs {@link dev.asmmigrate.workflows.activities.GatewayActivities#replaceGateway}; undo {@link
   * dev.asmmigrate.workflows.activities.GatewayActivities#restoreGateway}. Plan: {@link
   * dev.asmmigrate.activities.gateway.GatewayActivitiesImpl#plan}. Test: {@code
   * GatewayActivitiesImplTest}.
   */
  REPLACE_GATEWAY(
      new Declaration(
          "replace-gateway",
          "Replace the add-on's ingress gateway with asm-ingressgateway",
          "§2 step 8, replace-gateway",
          "성공적인 마이그레이션 완료 (complete the migration), 1: --command replace-gateway",
          Applies.ALWAYS,
          true,
          Disruption.disturbs(
              "the LoadBalancer Service's endpoints move from istio-ingressgateway to the new"
                  + " asm-ingressgateway pods, the old ones scaled to 0: connections to the old"
                  + " gateway end"),
          Undo.registered("undo of replace-gateway (the add-on ingress gateway)"),
          new Bounded(ofMinutes(1), Wait.GATEWAY))),

  /**
   * Runs {@link dev.asmmigrate.workflows.activities.WebhookActivities#replaceWebhook}; undo {@link
   * dev.asmmigrate.workflows.activities.WebhookActivities#restoreWebhook}. Plan: {@link
   * dev.asmmigrate.activities.webhook.WebhookActivitiesImpl#plan}. Test: {@code
   * WebhookActivitiesImplTest}.
   */
  REPLACE_WEBHOOK(
      new Declaration(
          "replace-webhook",
          "Point sidecar injection at the managed control plane (revision tag default)",
          "§2 step 9, replace-webhook",
          "성공적인 마이그레이션 완료 (complete the migration), 2: --command replace-webhook",
          Applies.ALWAYS,
          true,
          Disruption.none("no pod restarts; only pods created from then on get the new proxy"),
          Undo.registered("undo of replace-webhook (the add-on injection webhook)"),
          new Fixed(ofSeconds(30)))),

  /**
   * Runs {@link dev.asmmigrate.workflows.activities.WorkloadActivities#remainingNamespaces}, then
   * each namespace as {@link #MIGRATE_WORKLOADS} does, with the same undo. Plan: {@link
   * dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl#plan} for the namespaces {@link
   * dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl#remainingNamespaces} finds. Test:
   * {@code WorkloadActivitiesImplTest}, {@code MigrationWorkflowTest}.
   */
  MIGRATE_REMAINING_WORKLOADS(
      new Declaration(
          "migrate-remaining-workloads",
          "Move the injected namespaces not migrated yet",
          "§2 step 10, Remaining namespaces",
          "성공적인 마이그레이션 완료 (complete the migration), 3",
          Applies.ALWAYS,
          true,
          Disruption.disturbs(
              "rolling restart of every injected workload of the remaining namespaces, as"
                  + " migrate-workloads"),
          Undo.byRollback("undo of migrate-workloads, namespace <namespace>"),
          new PerNamespace(REMAINING, new Bounded(ofSeconds(30), Wait.ROLLOUT)))),

  /**
   * Runs {@link dev.asmmigrate.workflows.activities.StateActivities#writeState} with SUCCESS; the
   * rollback writes its own outcome over it. Plan: the state writes of {@code
   * dev.asmmigrate.activities.plan.MigrationPlanner} ({@code state}). Test: {@code
   * StateActivitiesImplTest}.
   */
  WRITE_MARKER(
      new Declaration(
          "write-marker",
          "Record SUCCESS in the migration's state ConfigMap",
          "§2 step 11, write-marker",
          "성공적인 마이그레이션 완료 (complete the migration), 4: --command write-marker",
          Applies.ALWAYS,
          true,
          Disruption.none("one ConfigMap"),
          Undo.byRollback(
              "the rollback writes its outcome (ROLLED_BACK, ...) to the state ConfigMap"),
          new Fixed(ofSeconds(10)))),

  /**
   * Waits for {@link dev.asmmigrate.workflows.OperatorActions#approve} (or {@code start
   * --auto-approve}); nothing to undo. Plan: none (it changes nothing). Test: {@code
   * MigrationWorkflowOperatorTest}.
   */
  APPROVAL(
      new Declaration(
          "approval",
          "Wait for an operator's approval to finish (the point of no return)",
          "§2 step 12, Approval",
          "성공적인 마이그레이션 완료 (complete the migration), introduction",
          Applies.ALWAYS,
          false,
          Disruption.none("waits"),
          Undo.nothing("changes nothing; a rollback asked for here undoes every step before"),
          new OperatorWait())),

  /**
   * Runs {@link dev.asmmigrate.workflows.activities.AddonActivities#disableAddon}; cannot be
   * undone. Plan: {@link dev.asmmigrate.activities.addon.AddonActivitiesImpl#planDisable}. Test:
   * {@code AddonActivitiesImplTest}.
   */
  DISABLE_ADDON(
      new Declaration(
          "disable-addon",
          "Disable the Istio add-on through the GKE API",
          "§2 step 12, Approval, then finish: disable the add-on",
          "성공적인 마이그레이션 완료 (complete the migration), 5: --update-addons=Istio=DISABLED",
          Applies.ALWAYS,
          true,
          Disruption.none(
              "every workload and the gateway already run on the managed control plane; pods"
                  + " no restart moves (bare pods, Jobs' pods) keep the add-on's proxy"),
          Undo.irreversible("past the point of no return: the add-on is not enabled again"),
          new Fixed(ofMinutes(10)))),

  /**
   * Runs {@link dev.asmmigrate.workflows.activities.AddonActivities#cleanup}; cannot be undone
   * (each object is backed up before it is deleted). Plan: {@link
   * dev.asmmigrate.activities.addon.AddonActivitiesImpl#planCleanup}. Test: {@code
   * AddonActivitiesImplTest}.
   */
  CLEANUP(
      new Declaration(
          "cleanup",
          "Back up, then delete, the add-on's objects",
          "§2 step 12, Approval, then finish: cleanup",
          "성공적인 마이그레이션 완료 (complete the migration), 6-7: --command cleanup",
          Applies.ALWAYS,
          true,
          Disruption.none(
              "deletes the add-on's control plane and its scaled-down gateway; the Service keeps"
                  + " its IP and selects asm-ingressgateway"),
          Undo.irreversible("past the point of no return; the deleted objects are in the backups"),
          new Fixed(ofMinutes(4))));

  /**
   * One step, declared once.
   *
   * @param id the stable id, e.g. {@code replace-gateway}
   * @param title what the step does, in a line (plan, status and the report show it)
   * @param spec the section of SPEC.md it implements
   * @param seed the section of the seed (Google's Korean migration guide) it automates
   * @param applies the add-on versions it applies to, and why it is skipped on the others
   * @param mutating whether it changes the cluster or the fleet
   * @param disruption whether it disturbs serving traffic, and how
   * @param undo whether and how it is undone
   * @param duration how long it can take
   */
  public record Declaration(
      String id,
      String title,
      String spec,
      String seed,
      Applies applies,
      boolean mutating,
      Disruption disruption,
      Undo undo,
      DurationEstimate duration) {}

  /**
   * The add-on versions a step applies to.
   *
   * @param versions a step applies to a cluster running any of these
   * @param otherwise why the step is skipped on a cluster running none of them; null when it
   *     applies to every version
   */
  public record Applies(Set<AddonVersion> versions, String otherwise) {
    public static final Applies ALWAYS = new Applies(EnumSet.allOf(AddonVersion.class), null);

    public Applies {
      versions = Set.copyOf(versions);
    }

    public static Applies only(Set<AddonVersion> versions, String otherwise) {
      return new Applies(versions, otherwise);
    }

    /** Whether the step runs on a cluster where pre-flight detected {@code detected}. */
    public boolean to(Collection<AddonVersion> detected) {
      return otherwise == null || detected.stream().anyMatch(versions::contains);
    }
  }

  /**
   * Whether a step disturbs serving traffic: restarts pods serving requests, moves the gateway,
   * changes what proxies enforce. Maintenance windows keep the disturbing steps inside them.
   *
   * @param disturbsTraffic whether requests may fail or connections end while it runs
   * @param how what it does to traffic, or why it does nothing to it
   */
  public record Disruption(boolean disturbsTraffic, String how) {
    public static Disruption none(String why) {
      return new Disruption(false, why);
    }

    public static Disruption disturbs(String how) {
      return new Disruption(true, how);
    }
  }

  /**
   * How a step is undone.
   *
   * @param kind whether the step registers its own undo, relies on the rollback, has nothing to
   *     undo, or cannot be undone
   * @param description the undo as the rollback records it ({@code <...>} stands for the part a run
   *     fills in: the revision, the add-on version, the namespace), or why there is none
   */
  public record Undo(Kind kind, String description) {
    public enum Kind {
      /** The step registers this undo with the rollback before it acts. */
      REGISTERED,
      /** Undone by the rollback as described (per namespace, or the outcome written over it). */
      BY_ROLLBACK,
      /** Changes nothing, so nothing to undo. */
      NOTHING,
      /** After the point of no return: a failure there rolls nothing back. */
      IRREVERSIBLE
    }

    static Undo registered(String description) {
      return new Undo(Kind.REGISTERED, description);
    }

    static Undo byRollback(String description) {
      return new Undo(Kind.BY_ROLLBACK, description);
    }

    static Undo nothing(String why) {
      return new Undo(Kind.NOTHING, why);
    }

    static Undo irreversible(String why) {
      return new Undo(Kind.IRREVERSIBLE, why);
    }

    /** Whether the step is before the point of no return, so a failure there rolls back. */
    public boolean reversible() {
      return kind != Kind.IRREVERSIBLE;
    }

    /** The description with its {@code <...>} part filled in, e.g. the revision. */
    public String of(String detail) {
      int open = description.indexOf('<');
      int close = description.indexOf('>', open);
      return open < 0 || close < 0
          ? description
          : description.substring(0, open) + detail + description.substring(close + 1);
    }
  }

  private final Declaration declaration;

  Step(Declaration declaration) {
    this.declaration = declaration;
  }

  public Declaration declaration() {
    return declaration;
  }

  /** The stable id, e.g. {@code replace-gateway}. */
  public String id() {
    return declaration.id();
  }

  /** What the step does, in a line. */
  public String title() {
    return declaration.title();
  }

  /** Whether the step changes the cluster or the fleet. */
  public boolean mutating() {
    return declaration.mutating();
  }

  /** Whether the step is before the point of no return, so a failure there rolls back. */
  public boolean reversible() {
    return declaration.undo().reversible();
  }

  /** Whether the step runs on a cluster where pre-flight detected these add-on versions. */
  public boolean appliesTo(Collection<AddonVersion> detected) {
    return declaration.applies().to(detected);
  }

  /** Why the step is skipped where it does not apply (the log, status and plan say it). */
  public String skipReason() {
    return declaration.applies().otherwise();
  }

  public static Optional<Step> fromId(String id) {
    return Arrays.stream(values()).filter(s -> s.id().equals(id)).findFirst();
  }

  /** The steps a failure can be injected at and rolled back from: mutating and reversible. */
  public static List<Step> rollbackable() {
    return Arrays.stream(values()).filter(s -> s.mutating() && s.reversible()).toList();
  }

  public static List<String> ids() {
    return Arrays.stream(values()).map(Step::id).toList();
  }
}
