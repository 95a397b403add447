package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.POD_TEMPLATE_HASH;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A ReplicaSet's pod-template-hash, and template equality but for that label.
 *
 * <p>Comparing templates means serialising them, and the Deployment controller compares its
 * Deployment's template with each of its ReplicaSets' on every sync (several syncs per pod
 * replaced). A template only changes with its object's resourceVersion, so the serialised form is
 * kept per object uid and resourceVersion: the next sync of an unchanged object reuses it.
 */
final class PodTemplateHash {
  private static final String HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  /** Past this many objects the cache starts afresh (deleted objects' entries go with it). */
  private static final int MAX_CACHED = 20_000;

  private final KubernetesClient client;
  private final Map<String, Cached> withoutHash = new ConcurrentHashMap<>();

  private record Cached(String resourceVersion, JsonNode tree) {}

  PodTemplateHash(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Whether the pod templates of two objects (a Deployment, a ReplicaSet, as the API server last
   * returned them) are equal but for the pod-template-hash label.
   */
  boolean equalIgnoreHash(
      HasMetadata a, PodTemplateSpec aTemplate, HasMetadata b, PodTemplateSpec bTemplate) {
    return withoutHash(a, aTemplate).equals(withoutHash(b, bTemplate));
  }

  /** The template without the hash label, as a tree; read-only (it may be shared). */
  private JsonNode withoutHash(HasMetadata owner, PodTemplateSpec t) {
    String uid = owner.getMetadata() == null ? null : owner.getMetadata().getUid();
    String rv = owner.getMetadata() == null ? null : owner.getMetadata().getResourceVersion();
    if (uid == null || rv == null) {
      return withoutHash(t);
    }
    Cached cached = withoutHash.get(uid);
    if (cached != null && cached.resourceVersion().equals(rv)) {
      return cached.tree();
    }
    JsonNode tree = withoutHash(t);
    if (withoutHash.size() >= MAX_CACHED) {
      withoutHash.clear();
    }
    withoutHash.put(uid, new Cached(rv, tree));
    return tree;
  }

  private JsonNode withoutHash(PodTemplateSpec t) {
    ObjectNode tree = (ObjectNode) WorkloadSupport.tree(client, t);
    JsonNode labels = tree.path("metadata").path("labels");
    if (labels instanceof ObjectNode l) {
      l.remove(POD_TEMPLATE_HASH);
      if (l.isEmpty()) {
        ((ObjectNode) tree.get("metadata")).remove("labels");
      }
    }
    if (tree.path("metadata").isObject() && tree.get("metadata").isEmpty()) {
      tree.remove("metadata");
    }
    return tree;
  }

  /**
   * The pod-template-hash: FNV-1a (32 bits) of the template and the collision count, written in
   * decimal and encoded with the real controller's alphabet ({@code rand.SafeEncodeString}). A hash
   * below 10^9 is re-hashed, so the value always has ten characters.
   */
  String podTemplateHash(PodTemplateSpec template, Integer collisionCount) {
    byte[] bytes =
        Json.write(WorkloadSupport.canonical(withoutHash(template)))
            .getBytes(StandardCharsets.UTF_8);
    for (int salt = 0; ; salt++) {
      int h = 0x811c9dc5;
      h = fnv(h, bytes);
      if (collisionCount != null) {
        int c = collisionCount;
        h =
            fnv(
                h,
                new byte[] {
                  (byte) c, (byte) (c >>> 8), (byte) (c >>> 16), (byte) (c >>> 24), 0, 0, 0, 0
                });
      }
      if (salt > 0) {
        h = fnv(h, new byte[] {(byte) salt});
      }
      long value = Integer.toUnsignedLong(h);
      if (value >= 1_000_000_000L) {
        return safeEncode(Long.toString(value));
      }
    }
  }

  private static int fnv(int h, byte[] bytes) {
    for (byte b : bytes) {
      h ^= (b & 0xff);
      h *= 0x01000193;
    }
    return h;
  }

  static String safeEncode(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      sb.append(HASH_ALPHABET.charAt(s.charAt(i) % HASH_ALPHABET.length()));
    }
    return sb.toString();
  }
}
