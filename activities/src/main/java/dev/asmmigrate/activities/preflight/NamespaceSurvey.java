package dev.asmmigrate.activities.preflight;

import static dev.asmmigrate.activities.preflight.PreflightReads.allowsNoDisruption;
import static dev.asmmigrate.activities.preflight.PreflightReads.call;
import static dev.asmmigrate.activities.preflight.PreflightReads.labels;
import static dev.asmmigrate.activities.preflight.PreflightReads.replicas;

import dev.asmmigrate.activities.backup.Backup;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.inventory.InventoryReads;
import dev.asmmigrate.activities.inventory.MeshInventory;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.state.StateConfigMap;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.NamespacePlan;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The namespaces pre-flight finds injected by the add-on, the ones requested and the canaries
 * checked against them, and what runs in each: workloads, pods not owned by a Deployment,
 * single-replica Deployments, PodDisruptionBudgets allowing no disruption, pods to recreate.
 */
record NamespaceSurvey(BackupStores backups) {
  List<NamespacePlan> namespaces(
      KubernetesClient client,
      MigrationContext ctx,
      List<AddonVersion> versions,
      List<String> requested,
      List<String> canary,
      Optional<StateConfigMap.Current> state,
      Notes notes) {
    List<Namespace> all = call("list namespaces", () -> client.namespaces().list().getItems());
    Map<String, AddonVersion> injected = new TreeMap<>();
    Map<String, String> why = new LinkedHashMap<>();
    for (Namespace ns : all) {
      MeshInventory.Injection injection = MeshInventory.injection(ns, versions, ctx.revision());
      String name = injection.namespace();
      if (injection.standing() == MeshInventory.Standing.NEVER_TOUCHED) {
        if (injection.version() != null) {
          why.put(name, "is a system namespace (its injection labels are the gateway step's)");
        }
        continue;
      }
      if (injection.bothAddons()) {
        notes.warn(
            "preflight-namespace-both-addons",
            "Namespace",
            "",
            name,
            "namespace "
                + name
                + " carries both istio-injection=enabled and istio.io/rev=istio-1611: both add-on"
                + " injectors match it; it is migrated as a 1.4 namespace");
      }
      AddonVersion version =
          injection.standing() == MeshInventory.Standing.RELABELLED
              ? resumed(ctx, ns, state).orElse(null)
              : injection.version();
      if (version == null) {
        continue;
      }
      if (!versions.contains(version)) {
        notes.warn(
            "preflight-namespace-addon-not-running",
            "Namespace",
            "",
            name,
            "namespace "
                + name
                + " is labelled for add-on "
                + version.display()
                + ", whose control plane is not running; it is not migrated");
        why.put(name, "is labelled for add-on " + version.display() + ", which is not running");
        continue;
      }
      injected.put(name, version);
    }

    List<String> names;
    if (requested == null || requested.isEmpty()) {
      names = new ArrayList<>(injected.keySet());
    } else {
      Set<String> existing = new TreeSet<>();
      all.forEach(ns -> existing.add(ns.getMetadata().getName()));
      List<String> problems = new ArrayList<>();
      for (String name : new TreeSet<>(requested)) {
        if (!existing.contains(name)) {
          problems.add("namespace " + name + " does not exist");
        } else if (!injected.containsKey(name)) {
          problems.add(
              "namespace "
                  + name
                  + (why.containsKey(name)
                      ? " " + why.get(name)
                      : " is not injected by the add-on (no istio-injection=enabled or"
                          + " istio.io/rev=istio-1611 label)"));
        }
      }
      if (!problems.isEmpty()) {
        throw Failures.permanent(FailureType.NOT_FOUND, String.join("; ", problems));
      }
      names = new ArrayList<>(new TreeSet<>(requested));
    }
    // a canary that is not migrated would be ignored silently: refuse it
    List<String> canaryProblems = new ArrayList<>();
    for (String name : canary) {
      if (names.contains(name)) {
        continue;
      }
      boolean exists = all.stream().anyMatch(ns -> name.equals(ns.getMetadata().getName()));
      canaryProblems.add(
          "canary namespace "
              + name
              + (!exists
                  ? " does not exist"
                  : why.containsKey(name)
                      ? " " + why.get(name)
                      : injected.containsKey(name)
                          ? " is not among the namespaces migrated first (--namespaces)"
                          : " is not injected by the add-on"));
    }
    if (!canaryProblems.isEmpty()) {
      throw Failures.permanent(FailureType.NOT_FOUND, String.join("; ", canaryProblems));
    }

    // every injected namespace is migrated in the end (the others in migrate-remaining-workloads)
    // one list per kind for the whole cluster, not per namespace: the same seven to eight
    // requests at 10 namespaces as at 2,000
    Map<String, MeshInventory> inventories =
        injected.isEmpty() ? Map.of() : InventoryReads.cluster(client, all).byNamespace();
    for (String name : injected.keySet()) {
      notes.podsToRecreate.addAll(inventories.get(name).podsToRecreate(name));
    }
    Map<String, List<PodDisruptionBudget>> pdbs = new TreeMap<>();
    if (!names.isEmpty()) {
      call(
              "list poddisruptionbudgets",
              () -> client.policy().v1().podDisruptionBudget().inAnyNamespace().list().getItems())
          .forEach(
              pdb ->
                  pdbs.computeIfAbsent(pdb.getMetadata().getNamespace(), k -> new ArrayList<>())
                      .add(pdb));
    }

    List<NamespacePlan> plan = new ArrayList<>();
    for (String name : names) {
      plan.add(
          inspect(
              inventories.get(name),
              pdbs.getOrDefault(name, List.of()),
              name,
              injected.get(name),
              notes));
    }
    plan.sort(Comparator.comparing(NamespacePlan::name));
    return plan;
  }

  /**
   * A namespace an earlier run of this migration relabelled already (it carries the target
   * revision): its add-on version is the one its backup, taken before the relabelling, says.
   */
  private Optional<AddonVersion> resumed(
      MigrationContext ctx, Namespace ns, Optional<StateConfigMap.Current> state) {
    if (state.isEmpty()
        || state.get().migrationId() == null
        || state.get().state() == null
        || !state.get().state().resumable()
        || !Objects.equals(ctx.revision(), labels(ns).get(IstioNames.REV_LABEL))) {
      return Optional.empty();
    }
    ObjectKey key = new ObjectKey("v1", "Namespace", null, ns.getMetadata().getName());
    Optional<Backup> backup = backups.forContext(ctx).load(state.get().migrationId(), key);
    if (backup.isEmpty() || backup.get().absent()) {
      return Optional.empty();
    }
    Map<String, String> labels = new TreeMap<>();
    backup
        .get()
        .object()
        .path("metadata")
        .path("labels")
        .fields()
        .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    return Optional.ofNullable(MeshInventory.labelledAddon(labels));
  }

  private NamespacePlan inspect(
      MeshInventory inventory,
      List<PodDisruptionBudget> pdbs,
      String ns,
      AddonVersion version,
      Notes notes) {

    Map<String, ReplicaSet> replicaSets = new TreeMap<>();
    inventory.replicaSets().forEach(rs -> replicaSets.put(rs.getMetadata().getUid(), rs));
    Set<String> notDeployment = new TreeSet<>();
    for (Pod pod : inventory.pods()) {
      if (!MeshInventory.carriesSidecar(pod) || !MeshInventory.live(pod)) {
        continue;
      }
      OwnerReference owner = MeshInventory.controllerOf(pod);
      String podName = pod.getMetadata().getName();
      if (owner == null) {
        notDeployment.add("Pod " + podName + " (no controller)");
        continue;
      }
      switch (owner.getKind()) {
        case "ReplicaSet" -> {
          ReplicaSet rs = replicaSets.get(owner.getUid());
          OwnerReference rsOwner = rs == null ? null : MeshInventory.controllerOf(rs);
          if (rsOwner == null || !"Deployment".equals(rsOwner.getKind())) {
            notDeployment.add("ReplicaSet " + owner.getName() + " (no Deployment)");
          }
        }
        default -> notDeployment.add(owner.getKind() + " " + owner.getName());
      }
    }
    // StatefulSets and DaemonSets count only when their pods carry a sidecar
    for (String owner : notDeployment) {
      String[] kindAndName = owner.split(" ", 3);
      notes.finding(
          "preflight-not-deployment-owned",
          kindAndName[0],
          ns,
          kindAndName[1],
          "injected pods of "
              + owner
              + " in namespace "
              + ns
              + " are not owned by a Deployment: "
              + (kindAndName[0].equals("StatefulSet") || kindAndName[0].equals("DaemonSet")
                  ? "restarted with the namespace unless --no-restart-sets"
                  : "they keep the add-on proxy until they are recreated"));
    }
    if (!notDeployment.isEmpty()) {
      notes.warnings.add(
          "namespace "
              + ns
              + ": injected pods not owned by a Deployment: "
              + String.join(", ", notDeployment)
              + " (StatefulSets and DaemonSets are restarted with the namespace; Jobs and bare pods"
              + " keep the old proxy until they are recreated)");
    }
    List<String> single =
        inventory.deployments().stream()
            .filter(d -> d.getSpec() != null && replicas(d) == 1)
            .map(d -> d.getMetadata().getName())
            .sorted()
            .toList();
    for (String name : single) {
      notes.finding(
          "preflight-single-replica",
          "Deployment",
          ns,
          name,
          "Deployment "
              + ns
              + "/"
              + name
              + " has one replica: its restart briefly leaves no ready pod behind a rolling"
              + " update's surge; consider two replicas");
    }
    if (!single.isEmpty()) {
      notes.warnings.add(
          "namespace "
              + ns
              + ": "
              + single.size()
              + " single-replica Deployment"
              + (single.size() == 1 ? "" : "s")
              + " (a restart briefly leaves no ready pod behind a rolling update's surge): "
              + String.join(", ", single));
    }
    for (PodDisruptionBudget pdb : pdbs) {
      if (allowsNoDisruption(pdb)) {
        notes.warn(
            "preflight-pdb-no-disruptions",
            "PodDisruptionBudget",
            ns,
            pdb.getMetadata().getName(),
            "namespace "
                + ns
                + ": PodDisruptionBudget "
                + pdb.getMetadata().getName()
                + " allows 0 disruptions: node drains and evictions of its pods are blocked");
      }
    }
    return inventory.plan(ns, version);
  }
}
