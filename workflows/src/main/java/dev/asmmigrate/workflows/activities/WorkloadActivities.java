package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.activity.ActivityInterface;
import java.time.Duration;
import java.util.List;

/**
 * Steps {@code migrate-workloads} and {@code migrate-remaining-workloads}, per namespace. Each
 * request says which way it goes ({@link Direction}); the managed revision is the context's.
 */
@ActivityInterface
public interface WorkloadActivities {

  /** Which way a namespace goes: to the managed revision, or back to its add-on. */
  enum Direction {
    /** To the context's managed revision. */
    MIGRATE,
    /** Back to the namespace's add-on: its proxy, the workloads the migration restarted. */
    ROLL_BACK
  }

  record NamespaceRequest(MigrationContext context, String namespace) {}

  /**
   * @param direction MIGRATE restarts every Deployment (and sidecar-carrying StatefulSet and
   *     DaemonSet); ROLL_BACK only those whose template carries {@code migrationRestartedAt}, the
   *     ones the migration restarted, and leaves the others alone
   * @param migrationRestartedAt the value of {@code kubectl.kubernetes.io/restartedAt} the
   *     migration's restart sets, fixed by the workflow so that a retried restart changes nothing
   *     more
   * @param restartedAt the value this restart sets: {@code migrationRestartedAt} when migrating, a
   *     new one when rolling back
   */
  record RestartRequest(
      MigrationContext context,
      String namespace,
      Direction direction,
      String migrationRestartedAt,
      String restartedAt,
      boolean includeSetsAndDaemonSets) {

    /** The migration's restart of a namespace. */
    public static RestartRequest migrate(
        MigrationContext context,
        String namespace,
        String migrationRestartedAt,
        boolean includeSetsAndDaemonSets) {
      return new RestartRequest(
          context,
          namespace,
          Direction.MIGRATE,
          migrationRestartedAt,
          migrationRestartedAt,
          includeSetsAndDaemonSets);
    }

    /** The rollback's restart: again, with {@code restartedAt}, what the migration restarted. */
    public static RestartRequest rollBack(
        MigrationContext context,
        String namespace,
        String migrationRestartedAt,
        String restartedAt,
        boolean includeSetsAndDaemonSets) {
      return new RestartRequest(
          context,
          namespace,
          Direction.ROLL_BACK,
          migrationRestartedAt,
          restartedAt,
          includeSetsAndDaemonSets);
    }
  }

  /**
   * @param workloads {@code Kind/name} of each workload restarted (or already restarted)
   */
  record RestartResult(List<String> workloads, List<String> unmanagedPods) {}

  /**
   * @param direction MIGRATE: every pod's proxy must come from the context's revision; ROLL_BACK:
   *     from the add-on {@code version}
   * @param version the namespace's add-on version
   * @param includeSetsAndDaemonSets whether the sidecar-carrying StatefulSets and DaemonSets were
   *     restarted and are judged too; when false they keep their proxy and their pods are only
   *     reported (as {@link RestartRequest#includeSetsAndDaemonSets()} of the same namespace)
   */
  record VerifyRequest(
      MigrationContext context,
      String namespace,
      Direction direction,
      AddonVersion version,
      Duration timeout,
      boolean includeSetsAndDaemonSets) {}

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

  /**
   * One namespace's whole migration ({@link #migrateNamespace}): its relabel, its restart and its
   * verification, each as the separate activity would take it.
   */
  record MigrateNamespaceRequest(
      NamespaceRequest relabel, RestartRequest restart, VerifyRequest verify) {}

  /**
   * What {@link #migrateNamespace} did: the restart's and the verification's results, and when the
   * relabel and the restart ended (epoch millis, the worker's clock), for the namespace's timeline.
   */
  record MigrateNamespaceResult(
      RestartResult restarted, VerifyResult verified, long relabelledAt, long restartedAt) {}

  /**
   * One namespace's whole rollback ({@link #rollBackNamespace}): its labels restored, the restart
   * of what the migration restarted ({@link Direction#ROLL_BACK}), and the verification that the
   * add-on's proxy is back.
   */
  record RollBackNamespaceRequest(
      NamespaceRequest labels, RestartRequest restart, VerifyRequest verify) {}

  record RemainingRequest(MigrationContext context, List<String> alreadyMigrated) {}

  /** Injected namespaces still on an add-on control plane. Read-only. */
  List<NamespacePlan> remainingNamespaces(RemainingRequest request);

  /**
   * Relabels the namespace for the context's revision ({@code istio.io/rev=<rev>}, removing {@code
   * istio-injection}), backing up its labels first. Idempotent.
   */
  StepResult relabelNamespace(NamespaceRequest request);

  /**
   * Rolling-restarts the namespace's workloads, in the request's direction, by setting the pod
   * template's restartedAt annotation to the given value: a retry sets the same value and starts no
   * second rollout.
   */
  RestartResult restartWorkloads(RestartRequest request);

  /**
   * Waits, with a watch and heartbeats, until every pod of the namespace's workloads is Running and
   * Ready with all containers, its proxy from the control plane of the request's direction, with no
   * restarts. Without {@code includeSetsAndDaemonSets}, StatefulSets and DaemonSets are not judged
   * and their injected pods on another proxy are returned in {@code notRestarted}. Read-only.
   *
   * @throws io.temporal.failure.ApplicationFailure VERIFICATION_FAILED naming namespace, workload
   *     and pod (crash loop, wrong proxy, time-out)
   */
  VerifyResult verifyNamespace(VerifyRequest request);

  /**
   * {@link #relabelNamespace}, {@link #restartWorkloads} and {@link #verifyNamespace} of one
   * namespace as one activity, heartbeating as the restart and the verification do: one activity
   * and one workflow task per namespace instead of three. Idempotent when retried whole: the
   * relabel is, the restart's value is fixed by the workflow, and the verification is a wait.
   *
   * @throws io.temporal.failure.ApplicationFailure as the three activities throw
   */
  MigrateNamespaceResult migrateNamespace(MigrateNamespaceRequest request);

  /**
   * The undo of {@link #migrateNamespace} as one activity: {@link #restoreNamespaceLabels}, the
   * rollback's {@link #restartWorkloads} and {@link #verifyNamespace} of the add-on's proxy.
   * Idempotent when retried whole (the rollback's restart value is fixed by the workflow).
   */
  VerifyResult rollBackNamespace(RollBackNamespaceRequest request);

  /**
   * Undo of {@link #relabelNamespace}: restores the namespace's labels from the backup (1.4: {@code
   * istio-injection=enabled}; 1.6: {@code istio.io/rev=istio-1611}).
   */
  void restoreNamespaceLabels(NamespaceRequest request);
}
