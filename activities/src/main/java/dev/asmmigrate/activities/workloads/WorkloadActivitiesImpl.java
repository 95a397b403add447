package dev.asmmigrate.activities.workloads;

import static dev.asmmigrate.activities.workloads.NamespaceRelabel.injectionLabels;
import static dev.asmmigrate.activities.workloads.NamespaceRelabel.labelsPatch;
import static dev.asmmigrate.activities.workloads.NamespaceRelabel.namespaceKey;
import static dev.asmmigrate.activities.workloads.NamespaceRelabel.relabelling;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.byName;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.call;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.key;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.labels;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.namespace;
import static dev.asmmigrate.activities.workloads.WorkloadRestarts.meshed;
import static dev.asmmigrate.activities.workloads.WorkloadRestarts.restartPatch;

import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.plan.PlannedChange;
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
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
   * only: the label patch, then a restart patch for each Deployment and (with {@code
   * includeSetsAndDaemonSets}) each StatefulSet and DaemonSet whose pods carry a sidecar.
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
    List<PlannedChange> out = new ArrayList<>();
    Map<String, String> labels = labels(ns);
    if (!ctx.revision().equals(labels.get(REV_LABEL)) || labels.containsKey(INJECTION_LABEL)) {
      out.add(
          PlannedChange.patch(
              step,
              namespaceKey(namespace),
              "merge",
              labelsPatch(relabelling(ctx.revision())),
              REV_LABEL + "=" + ctx.revision() + " (was " + injectionLabels(labels) + ")"));
    }
    List<Pod> pods =
        call(
            "list pods in " + namespace,
            () -> client.pods().inNamespace(namespace).list().getItems());
    RestartRequest request =
        new RestartRequest(ctx, namespace, restartedAt, includeSetsAndDaemonSets, null);
    List<HasMetadata> restarted = new ArrayList<>();
    List<Deployment> deployments =
        call(
            "list deployments in " + namespace,
            () -> client.apps().deployments().inNamespace(namespace).list().getItems());
    restarted.addAll(byName(deployments));
    if (includeSetsAndDaemonSets) {
      for (StatefulSet s :
          byName(
              call(
                  "list statefulsets in " + namespace,
                  () -> client.apps().statefulSets().inNamespace(namespace).list().getItems()))) {
        if (meshed(s, pods, s.getSpec().getTemplate(), request)) {
          restarted.add(s);
        }
      }
      for (DaemonSet d :
          byName(
              call(
                  "list daemonsets in " + namespace,
                  () -> client.apps().daemonSets().inNamespace(namespace).list().getItems()))) {
        if (meshed(d, pods, d.getSpec().getTemplate(), request)) {
          restarted.add(d);
        }
      }
    }
    for (HasMetadata w : restarted) {
      out.add(
          PlannedChange.patch(
              step,
              key(w, namespace),
              "merge",
              restartPatch(restartedAt),
              "rollout restart: its pods come back with the " + ctx.revision() + " proxy"));
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

  @Override
  public List<NamespacePlan> remainingNamespaces(RemainingRequest request) {
    return remainingLookup.remainingNamespaces(request);
  }
}
