package dev.asmmigrate.activities.workloads;

import static dev.asmmigrate.activities.workloads.NamespaceChanges.injectionLabels;
import static dev.asmmigrate.activities.workloads.NamespaceRelabel.namespaceKey;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.key;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.namespace;

import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.activities.workloads.NamespaceChanges.LabelChange;
import dev.asmmigrate.activities.workloads.NamespaceChanges.Restart;
import dev.asmmigrate.workflows.activities.WorkloadActivities;
import dev.asmmigrate.workflows.activities.WorkloadActivities.NamespaceRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RemainingRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartResult;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyResult;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The workload phase, per namespace: relabel it for the managed revision, rolling-restart its
 * workloads, and verify them with a watch; and the undo of the relabel.
 *
 * <p>This class is the activities' entry point and the plan of them; the relabel and its undo are
 * {@link NamespaceRelabel}, the restart {@link WorkloadRestarts}, the verification {@link
 * NamespaceVerification}, the namespaces left for migrate-remaining-workloads {@link
 * RemainingNamespaces}, on the reads of {@link WorkloadObjects}.
 */
public final class WorkloadActivitiesImpl implements WorkloadActivities {
  static final String STEP = "migrate-workloads";
  static final String INJECTION_LABEL = IstioNames.INJECTION_LABEL;
  static final String REV_LABEL = IstioNames.REV_LABEL;
  static final String RESTARTED_AT = IstioNames.RESTARTED_AT;
  static final String SYSTEM_NAMESPACE = IstioNames.ISTIO_SYSTEM;

  /** How often a wait heartbeats (and re-judges) even when nothing changes. */
  static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(5);

  private final KubeClients clients;
  private final NamespaceRelabel relabel;
  private final WorkloadRestarts restarts;
  private final NamespaceVerification verification;
  private final RemainingNamespaces remainingLookup;

  public WorkloadActivitiesImpl(KubeClients clients, BackupStores backups) {
    this.clients = clients;
    this.relabel = new NamespaceRelabel(clients, backups);
    this.restarts = new WorkloadRestarts(clients, backups);
    this.verification = new NamespaceVerification(clients);
    this.remainingLookup = new RemainingNamespaces(clients);
  }

  // --- relabel and its undo ----------------------------------------------------------------------

  @Override
  public StepResult relabelNamespace(NamespaceRequest request) {
    return relabel.relabelNamespace(request);
  }

  @Override
  public void restoreNamespaceLabels(NamespaceRequest request) {
    relabel.restoreNamespaceLabels(request);
  }

  // --- plan --------------------------------------------------------------------------------------

  /**
   * What {@link #relabelNamespace} and {@link #restartWorkloads} will do to one namespace, read
   * only: exactly the {@link NamespaceChanges} they apply, the label patch, then each restart
   * patch.
   *
   * @param restartedAt the restart annotation's value (fixed by the workflow when it starts)
   */
  public List<PlannedChange> plan(
      MigrationContext ctx,
      String step,
      String namespace,
      boolean includeSetsAndDaemonSets,
      String restartedAt) {
    KubernetesClient client = clients.client(ctx.connection());
    Namespace ns = namespace(client, namespace);
    RestartRequest restart =
        RestartRequest.migrate(ctx, namespace, restartedAt, includeSetsAndDaemonSets);
    NamespaceChanges changes =
        NamespaceChanges.migrate(
            ns,
            ctx.revision(),
            WorkloadRestarts.read(client, namespace, includeSetsAndDaemonSets),
            restart);
    List<PlannedChange> out = new ArrayList<>();
    LabelChange labels = changes.labels();
    if (labels.needed()) {
      out.add(
          PlannedChange.patch(
              step,
              namespaceKey(namespace),
              "merge",
              labels.mergePatch(),
              REV_LABEL
                  + "="
                  + ctx.revision()
                  + " (was "
                  + injectionLabels(labels.before())
                  + ")"));
    }
    for (Restart r : changes.restarts()) {
      if (r.action() == NamespaceChanges.Action.PATCH) {
        out.add(
            PlannedChange.patch(
                step,
                key(r.workload(), namespace),
                "merge",
                r.patch(),
                "rollout restart: its pods come back with the " + ctx.revision() + " proxy"));
      }
    }
    return out;
  }

  // --- restart, verify, remaining namespaces -----------------------------------------------------

  @Override
  public RestartResult restartWorkloads(RestartRequest request) {
    return restarts.restartWorkloads(request);
  }

  @Override
  public VerifyResult verifyNamespace(VerifyRequest request) {
    return verification.verifyNamespace(request);
  }

  // --- one namespace as one activity, each way ---------------------------------------------------

  @Override
  public MigrateNamespaceResult migrateNamespace(MigrateNamespaceRequest request) {
    relabel.relabelNamespace(request.relabel());
    Waits.heartbeat("relabel: " + request.relabel().namespace());
    long relabelledAt = System.currentTimeMillis();
    RestartResult restarted = restarts.restartWorkloads(request.restart());
    long restartedAt = System.currentTimeMillis();
    VerifyResult verified = verification.verifyNamespace(request.verify());
    return new MigrateNamespaceResult(restarted, verified, relabelledAt, restartedAt);
  }

  @Override
  public VerifyResult rollBackNamespace(RollBackNamespaceRequest request) {
    relabel.restoreNamespaceLabels(request.labels());
    restarts.restartWorkloads(request.restart());
    return verification.verifyNamespace(request.verify());
  }

  @Override
  public List<NamespacePlan> remainingNamespaces(RemainingRequest request) {
    return remainingLookup.remainingNamespaces(request);
  }
}
