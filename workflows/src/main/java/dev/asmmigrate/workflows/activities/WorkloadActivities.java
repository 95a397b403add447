package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.activity.ActivityInterface;
import java.time.Duration;
import java.util.List;

/** Steps {@code migrate-workloads} and {@code migrate-remaining-workloads}, per namespace. */
@ActivityInterface
public interface WorkloadActivities {

  /**
   * @param toRevision the namespace's target: the managed revision, or null to go back to its
   *     add-on {@code version}
   */
  record NamespaceRequest(
      MigrationContext context, String namespace, AddonVersion version, String toRevision) {}

  /**
   * @param restartedAt the value of {@code kubectl.kubernetes.io/restartedAt}, fixed by the
   *     workflow so that a retried restart changes nothing more
   * @param onlyIfRestartedAt when not null, restart only workloads whose template carries this
   *     restartedAt (those the migration restarted): a rollback leaves the others alone
   */
  record RestartRequest(
      MigrationContext context,
      String namespace,
      String restartedAt,
      boolean includeSetsAndDaemonSets,
      String onlyIfRestartedAt) {}

  /**
   * @param workloads {@code Kind/name} of each workload restarted (or already restarted)
   */
  record RestartResult(List<String> workloads, List<String> unmanagedPods) {}

  /**
   * @param revision the revision every pod's proxy must come from (null: the add-on's own)
   * @param version the add-on version, when verifying the old proxy after a rollback
   * @param includeSetsAndDaemonSets whether the sidecar-carrying StatefulSets and DaemonSets were
   *     restarted and are judged too; when false they keep their proxy and their pods are only
   *     reported (as {@link RestartRequest#includeSetsAndDaemonSets()} of the same namespace)
   */
  record VerifyRequest(
      MigrationContext context,
      String namespace,
      String revision,
      AddonVersion version,
      Duration timeout,
      boolean includeSetsAndDaemonSets) {

    /** A request that judges every workload, StatefulSets and DaemonSets included. */
    public VerifyRequest(
        MigrationContext context,
        String namespace,
        String revision,
        AddonVersion version,
        Duration timeout) {
      this(context, namespace, revision, version, timeout, true);
    }
  }

  /**
   * @param notRestarted injected pods of StatefulSets and DaemonSets left out of the restart, that
   *     still run another proxy than the expected one ({@code Kind/name pod <pod>: <image>})
   */
  record VerifyResult(int podsVerified, int workloads, List<String> notRestarted) {
    public VerifyResult {
      notRestarted = notRestarted == null ? List.of() : List.copyOf(notRestarted);
    }

    public VerifyResult(int podsVerified, int workloads) {
      this(podsVerified, workloads, List.of());
    }
  }

  record RemainingRequest(MigrationContext context, List<String> alreadyMigrated) {}

  /** Injected namespaces still on an add-on control plane. Read-only. */
  List<NamespacePlan> remainingNamespaces(RemainingRequest request);

  /**
   * Relabels the namespace for {@code toRevision} ({@code istio.io/rev=<rev>}, removing {@code
   * istio-injection}), backing up its labels first. Idempotent.
   */
  StepResult relabelNamespace(NamespaceRequest request);

  /**
   * Rolling-restarts every Deployment (and sidecar-carrying StatefulSet and DaemonSet) by setting
   * the pod template's restartedAt annotation to the given value: a retry sets the same value and
   * starts no second rollout.
   */
  RestartResult restartWorkloads(RestartRequest request);

  /**
   * Waits, with a watch and heartbeats, until every pod of the namespace's workloads is Running and
   * Ready with all containers, its proxy from the expected control plane, with no restarts. Without
   * {@code includeSetsAndDaemonSets}, StatefulSets and DaemonSets are not judged and their injected
   * pods on another proxy are returned in {@code notRestarted}. Read-only.
   *
   * @throws io.temporal.failure.ApplicationFailure VERIFICATION_FAILED naming namespace, workload
   *     and pod (crash loop, wrong proxy, time-out)
   */
  VerifyResult verifyNamespace(VerifyRequest request);

  /**
   * Undo of {@link #relabelNamespace}: restores the namespace's labels from the backup (1.4: {@code
   * istio-injection=enabled}; 1.6: {@code istio.io/rev=istio-1611}).
   */
  void restoreNamespaceLabels(NamespaceRequest request);
}
