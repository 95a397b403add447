package dev.asmmigrate.activities.workloads;

import static dev.asmmigrate.activities.workloads.NamespaceChanges.injectionLabels;
import static dev.asmmigrate.activities.workloads.NamespaceChanges.labelsPatch;
import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.INJECTION_LABEL;
import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.REV_LABEL;
import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.STEP;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.json;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.labels;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.namespace;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.tree;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.Backup;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.workloads.NamespaceChanges.LabelChange;
import dev.asmmigrate.workflows.activities.WorkloadActivities.NamespaceRequest;
import dev.asmmigrate.workflows.model.BackupRef;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relabels a namespace for the managed revision, backing its labels up first, and puts its
 * injection labels back from that backup.
 */
record NamespaceRelabel(KubeClients clients, BackupStores backups) {
  private static final Logger log = LoggerFactory.getLogger(WorkloadActivitiesImpl.class);

  StepResult relabelNamespace(NamespaceRequest request) {
    MigrationContext ctx = request.context();
    String name = request.namespace();
    if (ctx.revision() == null || ctx.revision().isBlank()) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT, "relabel namespace " + name + ": the context has no revision");
    }
    KubernetesClient client = clients.client(ctx.connection());
    Namespace ns = namespace(client, name);
    BackupRef ref =
        backups.forContext(ctx).save(ctx.migrationId(), STEP, namespaceKey(name), tree(ns));
    LabelChange change = NamespaceChanges.relabel(ns, ctx.revision());
    if (!change.needed()) {
      log.info(
          "relabel: namespace {} already labelled {}={}; unchanged",
          name,
          REV_LABEL,
          ctx.revision());
      return new StepResult(
          List.of(ref), List.of("namespace " + name + " already on " + ctx.revision()));
    }
    patchLabels(client, name, change.mergePatch());
    String done = "labelled namespace " + name + " " + change.describe();
    log.info("relabel: {}", done);
    return new StepResult(List.of(ref), List.of(done));
  }

  /**
   * Restores the injection labels ({@code istio-injection}, {@code istio.io/rev}) exactly as the
   * backup holds them; the namespace's other labels are left alone, since relabel never touched
   * them and others may have changed them since. Without a backup, relabel never changed the
   * namespace, so there is nothing to undo.
   */
  void restoreNamespaceLabels(NamespaceRequest request) {
    MigrationContext ctx = request.context();
    String name = request.namespace();
    Optional<Backup> backup = backups.forContext(ctx).load(ctx.migrationId(), namespaceKey(name));
    if (backup.isEmpty() || backup.get().absent()) {
      log.info("restore labels: no backup of namespace {}: relabel never changed it", name);
      return;
    }
    KubernetesClient client = clients.client(ctx.connection());
    Namespace current = client.namespaces().withName(name).get();
    if (current == null) {
      log.warn("restore labels: namespace {} no longer exists; nothing to restore", name);
      return;
    }
    Map<String, String> before = new HashMap<>();
    backup
        .get()
        .object()
        .path("metadata")
        .path("labels")
        .properties()
        .forEach(e -> before.put(e.getKey(), e.getValue().asText()));
    Map<String, String> now = labels(current);
    Map<String, String> patch = new HashMap<>();
    for (String label : List.of(INJECTION_LABEL, REV_LABEL)) {
      if (!Objects.equals(before.get(label), now.get(label))) {
        patch.put(label, before.get(label));
      }
    }
    if (patch.isEmpty()) {
      log.info("restore labels: namespace {} already has {}", name, injectionLabels(before));
      return;
    }
    patchLabels(client, name, labelsPatch(patch));
    log.info(
        "restore labels: namespace {} back to {} (was {})",
        name,
        injectionLabels(before),
        injectionLabels(now));
  }

  /**
   * Sends the labels' merge patch. The patch is addressed through an object carrying only the
   * namespace's name ({@code resource(...)}), not {@code withName(...)}: fabric8 reads an object
   * named that way from the server before patching it, one GET per patch that a merge patch of
   * labels does not need (it carries no resourceVersion).
   */
  static void patchLabels(KubernetesClient client, String name, ObjectNode patch) {
    Namespace address =
        new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build();
    StepChanges.patch(
        "patch namespace " + name,
        () ->
            client
                .namespaces()
                .resource(address)
                .patch(PatchContext.of(PatchType.JSON_MERGE), json(patch)));
  }

  static ObjectKey namespaceKey(String name) {
    return new ObjectKey("v1", "Namespace", null, name);
  }
}
