package dev.asmmigrate.activities.workloads;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.HashMap;
import java.util.Map;

/**
 * The item store of the worker's shared informers: each object as the API server sent it, less what
 * no reader of the caches looks at and a real API server attaches to every object: its {@code
 * metadata.managedFields} (server-side apply's field owners, often the largest part of a pod's
 * metadata) and the {@code kubectl.kubernetes.io/last-applied-configuration} annotation (a copy of
 * the whole object as last applied). Verification reads specs, statuses, labels, owners and the
 * other annotations, which are kept. With every pod of a cluster cached (issue 12: 10,000 pods),
 * the worker's heap is what these caches weigh.
 */
final class LeanItemStore<T extends HasMetadata> extends BasicItemStore<T> {
  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  LeanItemStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public T put(String key, T obj) {
    return super.put(key, lean(obj));
  }

  /** {@code obj} without its managed fields and last-applied annotation (changed in place). */
  static <T extends HasMetadata> T lean(T obj) {
    ObjectMeta meta = obj.getMetadata();
    if (meta == null) {
      return obj;
    }
    meta.setManagedFields(null);
    Map<String, String> annotations = meta.getAnnotations();
    if (annotations != null && annotations.containsKey(LAST_APPLIED)) {
      Map<String, String> kept = new HashMap<>(annotations);
      kept.remove(LAST_APPLIED);
      meta.setAnnotations(kept);
    }
    return obj;
  }
}
