package dev.asmmigrate.activities.inventory;

import dev.asmmigrate.activities.kube.Failures;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.function.Supplier;

/** Reads the objects a {@link MeshInventory} classifies: of the whole cluster or one namespace. */
public final class InventoryReads {
  private InventoryReads() {}

  /** Every namespace, and the workloads and pods of all of them. */
  public static MeshInventory cluster(KubernetesClient client) {
    return cluster(client, call("list namespaces", () -> client.namespaces().list().getItems()));
  }

  /**
   * The namespaces already read, and the workloads and pods of every namespace: one list per kind
   * for the whole cluster (seven requests whatever the number of namespaces), not one per
   * namespace; {@link MeshInventory#byNamespace()} splits it.
   */
  public static MeshInventory cluster(KubernetesClient client, List<Namespace> namespaces) {
    return new MeshInventory(
        namespaces,
        call("list pods", () -> client.pods().inAnyNamespace().list().getItems()),
        call(
            "list replicasets",
            () -> client.apps().replicaSets().inAnyNamespace().list().getItems()),
        call(
            "list deployments",
            () -> client.apps().deployments().inAnyNamespace().list().getItems()),
        call(
            "list statefulsets",
            () -> client.apps().statefulSets().inAnyNamespace().list().getItems()),
        call(
            "list daemonsets", () -> client.apps().daemonSets().inAnyNamespace().list().getItems()),
        call("list jobs", () -> client.batch().v1().jobs().inAnyNamespace().list().getItems()));
  }

  /** Runs an API call, turning its failure into a permanent or transient one. */
  public static <T> T call(String what, Supplier<T> op) {
    try {
      return op.get();
    } catch (KubernetesClientException e) {
      throw Failures.kubernetes(what, e);
    }
  }
}
