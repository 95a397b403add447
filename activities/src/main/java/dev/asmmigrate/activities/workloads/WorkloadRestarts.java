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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rolling restart of a namespace's workloads: Deployments, and StatefulSets and DaemonSets in
 * the mesh, each backed up before its restart annotation is set; and the pods no restart replaces.
 */
record WorkloadRestarts(KubeClients clients, BackupStores backups) {
  private static final Logger log = LoggerFactory.getLogger(WorkloadActivitiesImpl.class);
  private static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(5);

  /**
   * The restart's lists, backups and patches in flight at once, across all namespaces (no task
   * waits for another, so one pool serves them all).
   */
  private static final ExecutorService REQUESTS =
      Executors.newFixedThreadPool(
          16,
          r -> {
            Thread t = new Thread(r, "restart-requests");
            t.setDaemon(true);
            return t;
          });

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
    Future<List<ReplicaSet>> replicaSetList =
        async(
            "list replicasets in " + ns,
            () -> client.apps().replicaSets().inNamespace(ns).list().getItems());
    Workloads read = read(client, ns, request.includeSetsAndDaemonSets());
    List<ReplicaSet> replicaSets = join(ns, replicaSetList);
    List<Restart> restarts = NamespaceChanges.restarts(read, request);
    // The workloads' patches go out together, each after its own backup, as independent as
    // kubectl's rollout restart of a namespace makes them: one after another they were most of a
    // wave's own time (two round trips per workload on a busy API server).
    Waits.heartbeat("restart: " + ns + ": " + restarts.size() + " workloads");
    List<Future<?>> patches = new ArrayList<>();
    for (Restart restart : restarts) {
      if (restart.action() == NamespaceChanges.Action.PATCH) {
        patches.add(REQUESTS.submit(() -> apply(client, ctx, ns, restart)));
      }
    }
    awaitAll(ns, patches);
    List<String> workloads = new ArrayList<>();
    for (Restart restart : restarts) {
      String ref = restart.ref();
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
        case PATCH ->
            log.info(
                "restart: {}/{} restarted (restartedAt {} -> {})",
                ns,
                ref,
                restart.current(),
                request.restartedAt());
      }
      if (restart.restarted()) {
        workloads.add(ref);
      }
    }
    int patched = patches.size();
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
   * Waits for every patch; then fails as the first failed patch did (its own failure, typed as it
   * was), once none is still in flight: a retry of the activity then finds each workload either
   * patched (ALREADY_RESTARTED) or not, never half way.
   */
  private static void awaitAll(String ns, List<Future<?>> patches) {
    RuntimeException failed = null;
    for (Future<?> patch : patches) {
      try {
        await(ns, "patching workloads", patch);
      } catch (ExecutionException e) {
        if (failed == null) {
          failed = unwrap(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  /**
   * What a restart reads of a namespace: its pods and Deployments, and its StatefulSets and
   * DaemonSets when they are restarted too.
   */
  static Workloads read(KubernetesClient client, String ns, boolean includeSetsAndDaemonSets) {
    // the lists go out together: none needs another's answer, and each is a round trip
    Future<List<Pod>> pods =
        async("list pods in " + ns, () -> client.pods().inNamespace(ns).list().getItems());
    Future<List<Deployment>> deployments =
        async(
            "list deployments in " + ns,
            () -> client.apps().deployments().inNamespace(ns).list().getItems());
    if (!includeSetsAndDaemonSets) {
      return new Workloads(join(ns, deployments), List.of(), List.of(), join(ns, pods));
    }
    Future<List<StatefulSet>> sets =
        async(
            "list statefulsets in " + ns,
            () -> client.apps().statefulSets().inNamespace(ns).list().getItems());
    Future<List<DaemonSet>> daemonSets =
        async(
            "list daemonsets in " + ns,
            () -> client.apps().daemonSets().inNamespace(ns).list().getItems());
    return new Workloads(
        join(ns, deployments), join(ns, sets), join(ns, daemonSets), join(ns, pods));
  }

  /** {@link WorkloadObjects#call} on the shared pool. */
  private static <T> Future<T> async(String what, Supplier<T> body) {
    return REQUESTS.submit(() -> call(what, body));
  }

  /** The answer of {@link #async}, or its failure as it was thrown (typed). */
  private static <T> T join(String ns, Future<T> answer) {
    try {
      return await(ns, "reading workloads", answer);
    } catch (ExecutionException e) {
      throw unwrap(e);
    }
  }

  /** Waits for {@code answer}, heartbeating {@code doing} while it is in flight. */
  private static <T> T await(String ns, String doing, Future<T> answer) throws ExecutionException {
    while (true) {
      try {
        return answer.get(HEARTBEAT_EVERY.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException stillRunning) {
        Waits.heartbeat("restart: " + ns + ": " + doing);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while " + doing + " of " + ns, e);
      }
    }
  }

  private static RuntimeException unwrap(ExecutionException e) {
    return e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
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
