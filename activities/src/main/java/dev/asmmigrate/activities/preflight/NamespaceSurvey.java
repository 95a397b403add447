package dev.asmmigrate.activities.preflight;

import static dev.asmmigrate.activities.preflight.PreflightActivitiesImpl.SYSTEM_NAMESPACES;
import static dev.asmmigrate.activities.preflight.PreflightReads.allowsNoDisruption;
import static dev.asmmigrate.activities.preflight.PreflightReads.call;
import static dev.asmmigrate.activities.preflight.PreflightReads.controller;
import static dev.asmmigrate.activities.preflight.PreflightReads.hasSidecar;
import static dev.asmmigrate.activities.preflight.PreflightReads.isFinished;
import static dev.asmmigrate.activities.preflight.PreflightReads.labels;
import static dev.asmmigrate.activities.preflight.PreflightReads.replicas;

import dev.asmmigrate.activities.backup.Backup;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.state.StateConfigMap;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PodToRecreate;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
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
      String name = ns.getMetadata().getName();
      Map<String, String> labels = labels(ns);
      boolean v14 = "enabled".equals(labels.get("istio-injection"));
      boolean v16 = "istio-1611".equals(labels.get("istio.io/rev"));
      if (SYSTEM_NAMESPACES.contains(name)) {
        if (v14 || v16) {
          why.put(name, "is a system namespace (its injection labels are the gateway step's)");
        }
        continue;
      }
      if (v14 && v16) {
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
      AddonVersion version = v14 ? AddonVersion.V1_4 : v16 ? AddonVersion.V1_6 : null;
      if (version == null) {
        version = resumed(ctx, ns, state).orElse(null);
      }
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
    for (String name : injected.keySet()) {
      notes.podsToRecreate.addAll(podsToRecreate(client, name));
    }

    List<NamespacePlan> plan = new ArrayList<>();
    for (String name : names) {
      plan.add(inspect(client, name, injected.get(name), notes));
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
        || !Objects.equals(ctx.revision(), labels(ns).get("istio.io/rev"))) {
      return Optional.empty();
    }
    ObjectKey key = new ObjectKey("v1", "Namespace", null, ns.getMetadata().getName());
    Optional<Backup> backup = backups.forContext(ctx).load(state.get().migrationId(), key);
    if (backup.isEmpty() || backup.get().absent()) {
      return Optional.empty();
    }
    var labels = backup.get().object().path("metadata").path("labels");
    if ("enabled".equals(labels.path("istio-injection").asText())) {
      return Optional.of(AddonVersion.V1_4);
    }
    if ("istio-1611".equals(labels.path("istio.io/rev").asText())) {
      return Optional.of(AddonVersion.V1_6);
    }
    return Optional.empty();
  }

  private NamespacePlan inspect(
      KubernetesClient client, String ns, AddonVersion version, Notes notes) {
    List<Deployment> deployments =
        call(
            "list deployments in " + ns,
            () -> client.apps().deployments().inNamespace(ns).list().getItems());
    List<ReplicaSet> replicaSets =
        call(
            "list replicasets in " + ns,
            () -> client.apps().replicaSets().inNamespace(ns).list().getItems());
    List<Pod> pods =
        call("list pods in " + ns, () -> client.pods().inNamespace(ns).list().getItems());
    List<PodDisruptionBudget> pdbs =
        call(
            "list poddisruptionbudgets in " + ns,
            () -> client.policy().v1().podDisruptionBudget().inNamespace(ns).list().getItems());

    Map<String, String> replicaSetOwner = new TreeMap<>();
    for (ReplicaSet rs : replicaSets) {
      OwnerReference owner = controller(rs);
      replicaSetOwner.put(
          rs.getMetadata().getName(),
          owner != null && "Deployment".equals(owner.getKind()) ? owner.getName() : null);
    }

    Set<String> statefulSets = new TreeSet<>();
    Set<String> daemonSets = new TreeSet<>();
    Set<String> notDeployment = new TreeSet<>();
    int unmanaged = 0;
    for (Pod pod : pods) {
      if (!hasSidecar(pod) || isFinished(pod)) {
        continue;
      }
      OwnerReference owner = controller(pod);
      String podName = pod.getMetadata().getName();
      if (owner == null) {
        unmanaged++;
        notDeployment.add("Pod " + podName + " (no controller)");
        continue;
      }
      switch (owner.getKind()) {
        case "ReplicaSet" -> {
          if (replicaSetOwner.get(owner.getName()) == null) {
            notDeployment.add("ReplicaSet " + owner.getName() + " (no Deployment)");
          }
        }
        case "StatefulSet" -> {
          statefulSets.add(owner.getName());
          notDeployment.add("StatefulSet " + owner.getName());
        }
        case "DaemonSet" -> {
          daemonSets.add(owner.getName());
          notDeployment.add("DaemonSet " + owner.getName());
        }
        case "Job" -> notDeployment.add("Job " + owner.getName());
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
        deployments.stream()
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
    int workloads = deployments.size() + statefulSets.size() + daemonSets.size();
    return new NamespacePlan(ns, version, workloads, unmanaged);
  }

  /**
   * The running injected pods of {@code ns} that no restart replaces and whose owner the migration
   * cannot ask to recreate them: bare pods and Jobs' pods (a Job's CronJob named when it has one).
   */
  static List<PodToRecreate> podsToRecreate(KubernetesClient client, String ns) {
    List<Pod> pods =
        call("list pods in " + ns, () -> client.pods().inNamespace(ns).list().getItems());
    List<PodToRecreate> out = new ArrayList<>();
    Map<String, String> cronJobOfJob = null;
    for (Pod pod :
        pods.stream().sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList()) {
      if (!hasSidecar(pod) || isFinished(pod) || pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      OwnerReference owner = controller(pod);
      String name = pod.getMetadata().getName();
      if (owner == null) {
        out.add(PodToRecreate.bare(ns, name));
      } else if ("Job".equals(owner.getKind())) {
        if (cronJobOfJob == null) {
          cronJobOfJob = new TreeMap<>();
          for (Job job :
              call(
                  "list jobs in " + ns,
                  () -> client.batch().v1().jobs().inNamespace(ns).list().getItems())) {
            OwnerReference jobOwner = controller(job);
            if (jobOwner != null && "CronJob".equals(jobOwner.getKind())) {
              cronJobOfJob.put(job.getMetadata().getName(), jobOwner.getName());
            }
          }
        }
        out.add(PodToRecreate.ofJob(ns, name, owner.getName(), cronJobOfJob.get(owner.getName())));
      }
    }
    return out;
  }
}
