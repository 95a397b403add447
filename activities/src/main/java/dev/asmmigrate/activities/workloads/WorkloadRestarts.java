package dev.asmmigrate.activities.workloads;

import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.STEP;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.call;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.json;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.key;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.namespace;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.tree;

import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.inventory.MeshInventory;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.activities.workloads.NamespaceChanges.Restart;
import dev.asmmigrate.activities.workloads.NamespaceChanges.Workloads;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartResult;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rolling restart of a namespace's workloads: Deployments, and StatefulSets and DaemonSets in
 * the mesh, each backed up before its restart annotation is set; and the pods no restart replaces.
 */
record WorkloadRestarts(KubeClients clients, BackupStores backups) {
  private static final Logger log = LoggerFactory.getLogger(WorkloadActivitiesImpl.class);

  RestartResult restartWorkloads(RestartRequest request) {
    MigrationContext ctx = request.context();
    String ns = request.namespace();
    if (request.direction() == null
        || blank(request.restartedAt())
        || blank(request.migrationRestartedAt())) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT,
          "restart workloads of namespace "
              + ns
              + ": a direction, the migration's restartedAt and this restart's are all required");
    }
    KubernetesClient client = clients.client(ctx.connection());
    namespace(client, ns);
    Workloads read = read(client, ns, request.includeSetsAndDaemonSets());
    List<ReplicaSet> replicaSets =
        call(
            "list replicasets in " + ns,
            () -> client.apps().replicaSets().inNamespace(ns).list().getItems());
    List<String> workloads = new ArrayList<>();
    int patched = 0;
    for (Restart restart : NamespaceChanges.restarts(read, request)) {
      String ref = restart.ref();
      Waits.heartbeat("restart: " + ns + ": " + ref);
      switch (restart.action()) {
        case LEFT_ALONE ->
            log.info(
                "restart: {}/{} not restarted by this migration (restartedAt {}); left alone",
                ns,
                ref,
                restart.current());
        case ALREADY_RESTARTED ->
            log.info(
                "restart: {}/{} already carries restartedAt={}; no second rollout",
                ns,
                ref,
                restart.current());
        case PATCH -> {
          apply(client, ctx, ns, restart);
          patched++;
          log.info(
              "restart: {}/{} restarted (restartedAt {} -> {})",
              ns,
              ref,
              restart.current(),
              request.restartedAt());
        }
      }
      if (restart.restarted()) {
        workloads.add(ref);
      }
    }
    List<String> unmanaged = MeshInventory.unmanagedPods(read.pods(), replicaSets);
    if (!unmanaged.isEmpty()) {
      log.warn(
          "restart: namespace {}: pods no restart replaces keep their current proxy: {}",
          ns,
          unmanaged);
    }
    log.info(
        "restart: namespace {}: {} workloads at restartedAt={} ({} patched now)",
        ns,
        workloads.size(),
        request.restartedAt(),
        patched);
    return new RestartResult(List.copyOf(workloads), unmanaged);
  }

  /**
   * What a restart reads of a namespace: its pods and Deployments, and its StatefulSets and
   * DaemonSets when they are restarted too.
   */
  static Workloads read(KubernetesClient client, String ns, boolean includeSetsAndDaemonSets) {
    List<Pod> pods =
        call("list pods in " + ns, () -> client.pods().inNamespace(ns).list().getItems());
    List<Deployment> deployments =
        call(
            "list deployments in " + ns,
            () -> client.apps().deployments().inNamespace(ns).list().getItems());
    if (!includeSetsAndDaemonSets) {
      return new Workloads(deployments, List.of(), List.of(), pods);
    }
    List<StatefulSet> sets =
        call(
            "list statefulsets in " + ns,
            () -> client.apps().statefulSets().inNamespace(ns).list().getItems());
    List<DaemonSet> daemonSets =
        call(
            "list daemonsets in " + ns,
            () -> client.apps().daemonSets().inNamespace(ns).list().getItems());
    return new Workloads(deployments, sets, daemonSets, pods);
  }

  /**
   * Backs the workload up, then sets its restart annotation. The merge patch is addressed through
   * the listed object ({@code resource(workload)}), not {@code withName(...)}: fabric8 reads an
   * object named that way from the server before patching it, a GET per workload that a merge patch
   * of one annotation does not need (it carries no resourceVersion; only the object's name and
   * namespace are used to address it).
   */
  private void apply(KubernetesClient client, MigrationContext ctx, String ns, Restart restart) {
    HasMetadata workload = restart.workload();
    backups.forContext(ctx).save(ctx.migrationId(), STEP, key(workload, ns), tree(workload));
    PatchContext merge = PatchContext.of(PatchType.JSON_MERGE);
    String patch = json(restart.patch());
    StepChanges.patch(
        "patch " + restart.ref() + " in " + ns,
        () -> {
          if (workload instanceof StatefulSet set) {
            return client.apps().statefulSets().inNamespace(ns).resource(set).patch(merge, patch);
          }
          if (workload instanceof DaemonSet ds) {
            return client.apps().daemonSets().inNamespace(ns).resource(ds).patch(merge, patch);
          }
          return client
              .apps()
              .deployments()
              .inNamespace(ns)
              .resource((Deployment) workload)
              .patch(merge, patch);
        });
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
