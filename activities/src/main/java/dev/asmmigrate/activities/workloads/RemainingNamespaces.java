package dev.asmmigrate.activities.workloads;

import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.SYSTEM_NAMESPACE;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.call;

import dev.asmmigrate.activities.inventory.InventoryReads;
import dev.asmmigrate.activities.inventory.MeshInventory;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RemainingRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.NamespacePlan;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The namespaces still on the add-on once the requested ones are migrated, by {@link
 * MeshInventory}'s rules: labelled for an add-on whose injector ConfigMap is installed, or
 * relabelled to the target revision while their pods still run an add-on proxy.
 */
record RemainingNamespaces(KubeClients clients) {
  private static final Logger log = LoggerFactory.getLogger(WorkloadActivitiesImpl.class);

  List<NamespacePlan> remainingNamespaces(RemainingRequest request) {
    KubernetesClient client = clients.client(request.context().connection());
    Set<String> done =
        new HashSet<>(request.alreadyMigrated() == null ? List.of() : request.alreadyMigrated());
    Map<String, AddonVersion> addonImages = new HashMap<>();
    Set<AddonVersion> installed = new HashSet<>();
    for (AddonVersion v : AddonVersion.values()) {
      String name = ExpectedProxy.INJECTOR_CONFIG_MAPS.get(v);
      ConfigMap cm =
          call(
              "get configmap " + SYSTEM_NAMESPACE + "/" + name,
              () -> client.configMaps().inNamespace(SYSTEM_NAMESPACE).withName(name).get());
      if (cm != null) {
        installed.add(v);
      }
      if (cm != null && cm.getData() != null && cm.getData().get("values") != null) {
        try {
          addonImages.put(ExpectedProxy.addonImage(cm.getData().get("values")), v);
        } catch (IllegalArgumentException e) {
          log.warn(
              "remaining namespaces: ConfigMap {}/{}: {}", SYSTEM_NAMESPACE, name, e.getMessage());
        }
      }
    }
    MeshInventory inventory = InventoryReads.cluster(client);
    List<NamespacePlan> out = new ArrayList<>();
    for (MeshInventory.Injection injection :
        inventory.injections(installed, request.context().revision())) {
      String name = injection.namespace();
      if (done.contains(name)) {
        continue;
      }
      AddonVersion version =
          switch (injection.standing()) {
            case ON_ADDON -> injection.version();
            case RELABELLED ->
                MeshInventory.addonByProxies(MeshInventory.in(inventory.pods(), name), addonImages);
            default -> null;
          };
      if (version == null) {
        continue;
      }
      NamespacePlan plan = inventory.plan(name, version);
      out.add(plan);
      log.info(
          "remaining namespaces: {} still on the add-on {} ({} workloads)",
          name,
          version.display(),
          plan.workloads());
    }
    return out;
  }
}
