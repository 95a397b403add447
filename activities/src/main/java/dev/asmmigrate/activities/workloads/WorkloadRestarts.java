package dev.asmmigrate.activities.workloads;

import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.RESTARTED_AT;
import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.STEP;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.byName;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.call;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.json;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.key;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.namespace;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.tree;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.BackupContent;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.inventory.MeshInventory;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartResult;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
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
    if (request.restartedAt() == null || request.restartedAt().isBlank()) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT, "restart workloads of namespace " + ns + ": no restartedAt");
    }
    KubernetesClient client = clients.client(ctx.connection());
    namespace(client, ns);
    List<Pod> pods =
        call("list pods in " + ns, () -> client.pods().inNamespace(ns).list().getItems());
    List<ReplicaSet> replicaSets =
        call(
            "list replicasets in " + ns,
            () -> client.apps().replicaSets().inNamespace(ns).list().getItems());
    Restarter restarter = new Restarter(ctx, request);

    List<Deployment> deployments =
        call(
            "list deployments in " + ns,
            () -> client.apps().deployments().inNamespace(ns).list().getItems());
    for (Deployment d : byName(deployments)) {
      restarter.restart(
          d,
          x -> x.getSpec().getTemplate(),
          () -> client.apps().deployments().inNamespace(ns).withName(d.getMetadata().getName()));
    }
    if (request.includeSetsAndDaemonSets()) {
      List<StatefulSet> sets =
          call(
              "list statefulsets in " + ns,
              () -> client.apps().statefulSets().inNamespace(ns).list().getItems());
      for (StatefulSet s : byName(sets)) {
        if (meshed(s, pods, s.getSpec().getTemplate(), request)) {
          restarter.restart(
              s,
              x -> x.getSpec().getTemplate(),
              () ->
                  client.apps().statefulSets().inNamespace(ns).withName(s.getMetadata().getName()));
        }
      }
      List<DaemonSet> daemonSets =
          call(
              "list daemonsets in " + ns,
              () -> client.apps().daemonSets().inNamespace(ns).list().getItems());
      for (DaemonSet s : byName(daemonSets)) {
        if (meshed(s, pods, s.getSpec().getTemplate(), request)) {
          restarter.restart(
              s,
              x -> x.getSpec().getTemplate(),
              () -> client.apps().daemonSets().inNamespace(ns).withName(s.getMetadata().getName()));
        }
      }
    }
    List<String> unmanaged = MeshInventory.unmanagedPods(pods, replicaSets);
    if (!unmanaged.isEmpty()) {
      log.warn(
          "restart: namespace {}: pods no restart replaces keep their current proxy: {}",
          ns,
          unmanaged);
    }
    log.info(
        "restart: namespace {}: {} workloads at restartedAt={} ({} patched now)",
        ns,
        restarter.workloads.size(),
        request.restartedAt(),
        restarter.patched);
    return new RestartResult(List.copyOf(restarter.workloads), unmanaged);
  }

  /**
   * Whether a StatefulSet or DaemonSet belongs to the mesh: its pods carry a sidecar, or it carries
   * this restart's (or the restart being undone's) value already, its pods perhaps being replaced
   * right now. Without the second test a retried restart would miss a set whose pods are down.
   */
  static boolean meshed(
      HasMetadata set, List<Pod> pods, PodTemplateSpec template, RestartRequest request) {
    if (MeshInventory.meshed(set, pods)) {
      return true;
    }
    String current =
        template.getMetadata() == null || template.getMetadata().getAnnotations() == null
            ? null
            : template.getMetadata().getAnnotations().get(RESTARTED_AT);
    return current != null
        && (current.equals(request.restartedAt()) || current.equals(request.onlyIfRestartedAt()));
  }

  /** Sets the restart annotation on each workload that needs it, backing each up first. */
  private final class Restarter {
    final MigrationContext ctx;
    final RestartRequest request;
    final List<String> workloads = new ArrayList<>();
    int patched;

    Restarter(MigrationContext ctx, RestartRequest request) {
      this.ctx = ctx;
      this.request = request;
    }

    <T extends HasMetadata> void restart(
        T workload, Function<T, PodTemplateSpec> templateOf, Supplier<Resource<T>> resource) {
      String ref = workload.getKind() + "/" + workload.getMetadata().getName();
      Waits.heartbeat("restart: " + request.namespace() + ": " + ref);
      PodTemplateSpec template = templateOf.apply(workload);
      Map<String, String> annotations =
          template.getMetadata() == null || template.getMetadata().getAnnotations() == null
              ? Map.of()
              : template.getMetadata().getAnnotations();
      String current = annotations.get(RESTARTED_AT);
      if (request.onlyIfRestartedAt() != null && !request.onlyIfRestartedAt().equals(current)) {
        log.info(
            "restart: {}/{} not restarted by this migration (restartedAt {}); left alone",
            request.namespace(),
            ref,
            current);
        return;
      }
      workloads.add(ref);
      if (request.restartedAt().equals(current)) {
        log.info(
            "restart: {}/{} already carries restartedAt={}; no second rollout",
            request.namespace(),
            ref,
            current);
        return;
      }
      backups
          .forContext(ctx)
          .save(ctx.migrationId(), STEP, key(workload, request.namespace()), tree(workload));
      ObjectNode patch = restartPatch(request.restartedAt());
      StepChanges.patch(
          "patch " + ref + " in " + request.namespace(),
          () -> resource.get().patch(PatchContext.of(PatchType.JSON_MERGE), json(patch)));
      patched++;
      log.info(
          "restart: {}/{} restarted (restartedAt {} -> {})",
          request.namespace(),
          ref,
          current,
          request.restartedAt());
    }
  }

  /** The merge patch of a rollout restart: the pod template's restartedAt annotation. */
  static ObjectNode restartPatch(String restartedAt) {
    ObjectNode patch = BackupContent.MAPPER.createObjectNode();
    patch
        .putObject("spec")
        .putObject("template")
        .putObject("metadata")
        .putObject("annotations")
        .put(RESTARTED_AT, restartedAt);
    return patch;
  }
}
