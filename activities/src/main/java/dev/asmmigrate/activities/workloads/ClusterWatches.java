package dev.asmmigrate.activities.workloads;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The worker's {@link ClusterWatch}es, one per cluster client, started by the first verification of
 * that cluster and replaced when one of its informers has stopped for good.
 */
final class ClusterWatches {
  private final Map<KubernetesClient, ClusterWatch> watches = new IdentityHashMap<>();

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
