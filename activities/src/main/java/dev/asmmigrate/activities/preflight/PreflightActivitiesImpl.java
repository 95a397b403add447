package dev.asmmigrate.activities.preflight;

import static dev.asmmigrate.activities.preflight.AddonAvailability.checkControlPlaneAvailable;
import static dev.asmmigrate.activities.preflight.ExistingState.checkState;
import static dev.asmmigrate.activities.preflight.GooglePermissionReview.checkGooglePermissions;
import static dev.asmmigrate.activities.preflight.PermissionReview.checkPermissions;
import static dev.asmmigrate.activities.preflight.VersionDetection.checkClusterVersion;
import static dev.asmmigrate.activities.preflight.VersionDetection.detectAddon;

import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.activities.state.StateConfigMap;
import dev.asmmigrate.workflows.activities.PreflightActivities;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PreflightReport;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step {@code preflight} (SPEC.md §2 step 0), read only: the GKE master version (from the GKE
 * ClusterManager, the cluster's own record; the Kubernetes {@code /version} is not used), the
 * add-on version(s) running, the injected namespaces and what runs in them, the caller's
 * permissions for every call the migration makes (SelfSubjectAccessReviews, which persist nothing;
 * for the Google-side steps, Resource Manager's TestIamPermissions on the fleet and cluster
 * projects, {@link GooglePermissionReview}), and an existing migration state. Nothing is changed,
 * so it is naturally idempotent.
 *
 * <p>This class runs the checks in order and collects what they find ({@link Notes}); the checks
 * are {@link VersionDetection} (GKE and add-on versions), {@link AddonAvailability}, {@link
 * ExistingState}, {@link NamespaceSurvey} (the namespaces and what runs in them) and {@link
 * PermissionReview}, on the reads of {@link PreflightReads}.
 */
public final class PreflightActivitiesImpl implements PreflightActivities {
  /**
   * Namespaces whose workloads the workload phase never restarts, whatever their labels: {@link
   * IstioNames#NEVER_TOUCHED_NAMESPACES}.
   */
  public static final Set<String> SYSTEM_NAMESPACES = IstioNames.NEVER_TOUCHED_NAMESPACES;

  private static final Logger log = LoggerFactory.getLogger(PreflightActivitiesImpl.class);

  private final KubeClients clients;
  private final BackupStores backups;
  private final GoogleClients google;
  private final NamespaceSurvey survey;
  private final MeshCaActivitiesImpl.Settings meshCa;

  public PreflightActivitiesImpl(KubeClients clients, BackupStores backups, GoogleClients google) {
    this(clients, backups, google, MeshCaActivitiesImpl.Settings.defaults());
  }

  /**
   * With the Mesh CA step's settings the worker runs it with: its configured holds are part of
   * pre-flight's model of that step ({@link StepModels}).
   */
  public PreflightActivitiesImpl(
      KubeClients clients,
      BackupStores backups,
      GoogleClients google,
      MeshCaActivitiesImpl.Settings meshCa) {
    this.meshCa = meshCa;
    this.clients = clients;
    this.backups = backups;
    this.google = google;
    this.survey = new NamespaceSurvey(backups);
  }

  @Override
  public PreflightReport preflight(PreflightRequest request) {
    Examination exam = examine(request);
    if (!exam.blocking().isEmpty()) {
      throw exam.blocking().get(0);
    }
    MigrationContext ctx = request.context();
    PreflightReport report = exam.report();
    log.info(
        "preflight {}: {} namespaces to migrate {}, {} warnings{}",
        ctx.cluster(),
        report.namespaces().size(),
        report.namespaces().stream().map(NamespacePlan::name).toList(),
        report.warnings().size(),
        report.existingState() == null
            ? ""
            : "; existing migration "
                + report.existingMigrationId()
                + " in state "
                + report.existingState());
    report.warnings().forEach(w -> log.warn("preflight {}: {}", ctx.cluster(), w));
    return report;
  }

  /**
   * What pre-flight finds, every check run even after one refused the cluster (for {@code plan},
   * which reports them all; the activity fails with the first).
   *
   * @param report the report, or null when a check refused the cluster
   * @param findings one per warning object (informational) and one per refusal (blocking), with a
   *     rule id: {@code preflight-<check>}
   * @param blocking the refusals, as the permanent failures the activity throws, in check order
   */
  public record Examination(
      PreflightReport report, List<ConfigFinding> findings, List<ApplicationFailure> blocking) {}

  /** Runs every check; only a transient failure (retry later) is thrown. */
  public Examination examine(PreflightRequest request) {
    MigrationContext ctx = request.context();
    KubernetesClient client = clients.client(ctx.connection());
    Notes notes = new Notes();
    List<ApplicationFailure> blocking = new ArrayList<>();

    String masterVersion =
        refusal(blocking, notes, ctx, "Cluster", () -> checkClusterVersion(google, ctx, notes));
    List<AddonVersion> versions =
        refusal(blocking, notes, ctx, "Cluster", () -> detectAddon(client));
    if (versions != null) {
      log.info(
          "preflight {}: GKE {}; add-on {}",
          ctx.cluster(),
          masterVersion,
          versions.stream().map(AddonVersion::display).toList());
    }

    Optional<StateConfigMap.Current> state = new StateConfigMap(client).read();
    if (versions != null) {
      // a migration resumed after replace-gateway scaled the add-on's gateway to 0 itself
      boolean resuming =
          state.isPresent()
              && state.get().migrationId() != null
              && state.get().state() != MigrationState.ROLLED_BACK;
      refusal(
          blocking,
          notes,
          ctx,
          "Cluster",
          () -> {
            checkControlPlaneAvailable(client, versions, resuming);
            return null;
          });
    }
    int refusedBefore = blocking.size();
    state.ifPresent(
        s ->
            refusal(
                blocking,
                notes,
                ctx,
                "ConfigMap",
                () -> {
                  checkState(s);
                  return null;
                }));
    if (state.isPresent() && blocking.size() == refusedBefore) {
      notes.finding(
          "preflight-existing-migration",
          "ConfigMap",
          StateConfigMap.NAMESPACE,
          StateConfigMap.NAME,
          "configmap "
              + StateConfigMap.NAMESPACE
              + "/"
              + StateConfigMap.NAME
              + " records migration "
              + state.get().migrationId()
              + " in state "
              + state.get().status()
              + (state.get().state() == null || !state.get().state().resumable()
                  ? ": it ended, rolled back; a new migration (new ID) overwrites it"
                  : ": the migration resumes it, with its backups"));
    }

    List<NamespacePlan> plan =
        versions == null
            ? null
            : refusal(
                blocking,
                notes,
                ctx,
                "Namespace",
                () ->
                    survey.namespaces(
                        client,
                        ctx,
                        versions,
                        request.namespaces(),
                        request.canary(),
                        state,
                        notes));
    refusal(
        blocking,
        notes,
        ctx,
        "Cluster",
        () -> {
          checkPermissions(client);
          return null;
        });
    refusal(
        blocking,
        notes,
        ctx,
        "Cluster",
        () -> {
          checkGooglePermissions(google, ctx, request.fleetProject());
          return null;
        });

    PreflightReport report =
        blocking.isEmpty()
            ? new PreflightReport(
                versions,
                masterVersion,
                plan,
                state.map(StateConfigMap.Current::migrationId).orElse(null),
                state.map(StateConfigMap.Current::state).orElse(null),
                notes.warnings,
                notes.podsToRecreate,
                StepModels.of(client, versions, meshCa))
            : null;
    return new Examination(report, notes.findings, blocking);
  }

  /** Runs a check; its permanent failure is recorded as a blocking finding, null returned. */
  private static <T> T refusal(
      List<ApplicationFailure> blocking,
      Notes notes,
      MigrationContext ctx,
      String kind,
      Supplier<T> check) {
    try {
      return check.get();
    } catch (ApplicationFailure e) {
      if (e.isNonRetryable()) {
        blocking.add(e);
        boolean state = "ConfigMap".equals(kind);
        notes.findings.add(
            new ConfigFinding(
                "preflight-" + e.getType().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                true,
                state ? "ConfigMap" : "Cluster",
                state ? StateConfigMap.NAMESPACE : "",
                state ? StateConfigMap.NAME : ctx.cluster().cluster(),
                e.getOriginalMessage()));
        return null;
      }
      throw e;
    }
  }
}
