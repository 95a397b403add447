package dev.asmmigrate.activities.workloads;

import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.NOT_WORKLOAD_NAMESPACES;
import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.SYSTEM_NAMESPACE;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.byName;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.call;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.inNamespace;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.labels;
import static dev.asmmigrate.activities.workloads.WorkloadRestarts.unmanagedPods;

import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RemainingRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.NamespacePlan;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The namespaces still on the add-on once the requested ones are migrated. */
record RemainingNamespaces(KubeClients clients) {
  private static final Logger log = LoggerFactory.getLogger(WorkloadActivitiesImpl.class);

  List<NamespacePlan> remainingNamespaces(RemainingRequest request) {
    KubernetesClient client = clients.client(request.context().connection());
    Set<String> done =
        new HashSet<>(request.alreadyMigrated() == null ? List.of() : request.alreadyMigrated());
    Map<String, AddonVersion> addonImages = new HashMap<>();
    for (AddonVersion v : AddonVersion.values()) {
      String name = ExpectedProxy.INJECTOR_CONFIG_MAPS.get(v);
      ConfigMap cm =
          call(
              "get configmap " + SYSTEM_NAMESPACE + "/" + name,
              () -> client.configMaps().inNamespace(SYSTEM_NAMESPACE).withName(name).get());
      if (cm != null && cm.getData() != null && cm.getData().get("values") != null) {
        try {
          addonImages.put(ExpectedProxy.addonImage(cm.getData().get("values")), v);
        } catch (IllegalArgumentException e) {
          log.warn(
              "remaining namespaces: ConfigMap {}/{}: {}", SYSTEM_NAMESPACE, name, e.getMessage());
        }
      }
    }
    List<Namespace> namespaces =
        call("list namespaces", () -> client.namespaces().list().getItems());
    List<Pod> pods = call("list pods", () -> client.pods().inAnyNamespace().list().getItems());
    List<ReplicaSet> replicaSets =
        call(
            "list replicasets",
            () -> client.apps().replicaSets().inAnyNamespace().list().getItems());
    List<Deployment> deployments =
        call(
            "list deployments",
            () -> client.apps().deployments().inAnyNamespace().list().getItems());
    List<StatefulSet> sets =
        call(
            "list statefulsets",
            () -> client.apps().statefulSets().inAnyNamespace().list().getItems());
    List<DaemonSet> daemonSets =
        call(
            "list daemonsets", () -> client.apps().daemonSets().inAnyNamespace().list().getItems());

    List<NamespacePlan> out = new ArrayList<>();
    for (Namespace ns : byName(namespaces)) {
      String name = ns.getMetadata().getName();
      if (NOT_WORKLOAD_NAMESPACES.contains(name) || done.contains(name)) {
        continue;
      }
      List<Pod> nsPods = inNamespace(pods, name);
      AddonVersion version = addonVersion(labels(ns), nsPods, addonImages);
      if (version == null) {
        continue;
      }
      int workloads = inNamespace(deployments, name).size();
      for (StatefulSet s : inNamespace(sets, name)) {
        workloads += Verification.carriesSidecar(Verification.ownedBy(nsPods, s)) ? 1 : 0;
      }
      for (DaemonSet d : inNamespace(daemonSets, name)) {
        workloads += Verification.carriesSidecar(Verification.ownedBy(nsPods, d)) ? 1 : 0;
      }
      int unmanaged = unmanagedPods(nsPods, inNamespace(replicaSets, name)).size();
      out.add(new NamespacePlan(name, version, workloads, unmanaged));
      log.info(
          "remaining namespaces: {} still on the add-on {} ({} workloads)",
          name,
          version.display(),
          workloads);
    }
    return out;
  }

  /**
   * The add-on a namespace is on: its injection label, else the proxy its pods still run; null when
   * it is on neither.
   */
  static AddonVersion addonVersion(
      Map<String, String> labels, List<Pod> pods, Map<String, AddonVersion> addonImages) {
    if (AddonVersion.V1_4.injectionValue().equals(labels.get(AddonVersion.V1_4.injectionLabel()))) {
      return AddonVersion.V1_4;
    }
    if (AddonVersion.V1_6.injectionValue().equals(labels.get(AddonVersion.V1_6.injectionLabel()))) {
      return AddonVersion.V1_6;
    }
    AddonVersion found = null;
    for (Pod pod : pods) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      for (var c : pod.getSpec().getContainers()) {
        if (ExpectedProxy.PROXY_CONTAINER.equals(c.getName())) {
          AddonVersion v = addonImages.get(c.getImage());
          if (v == AddonVersion.V1_4) {
            return v;
          }
          found = v != null ? v : found;
        }
      }
    }
    return found;
  }
}
