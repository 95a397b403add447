package dev.asmmigrate.activities.workloads;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The worker's {@link ClusterWatch}es, one per cluster client, started by the first verification of
 * that cluster and replaced when one of its informers has stopped for good.
 */
public final class ClusterWatches {
  private final Map<KubernetesClient, ClusterWatch> watches = new IdentityHashMap<>();

  /**
   * Starts the shared watches a worker keeps for one cluster, as its first verification does, and
   * waits until each informer has listed: what {@code asm-migrate bench worker} measures the heap
   * of. Closing the result stops them.
   *
   * @throws IllegalStateException when they have not all listed within {@code atMost}
   */
  public static AutoCloseable startListed(KubernetesClient client, Duration atMost)
      throws InterruptedException {
    ClusterWatch watch = new ClusterWatch(client);
    if (!watch.awaitListed(atMost)) {
      watch.close();
      throw new IllegalStateException("the shared watches did not list within " + atMost);
    }
    return watch;
  }

  synchronized ClusterWatch of(KubernetesClient client) {
    ClusterWatch watch = watches.get(client);
    if (watch != null && watch.stopped()) {
      watch.close();
      watch = null;
    }
    if (watch == null) {
      watch = new ClusterWatch(client);
      watches.put(client, watch);
    }
    return watch;
  }
}
