package dev.asmmigrate.sandbox.istio;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Certificates between proxies, simply but with teeth. A proxy's identity chains to one root: the
 * add-on root (the first certificate of {@code istio-system/istio-ca-secret} {@code ca-cert.pem})
 * for add-on 1.4 and 1.6 proxies, the Mesh CA root ({@link MeshCa}) for managed ASM proxies. What a
 * proxy trusts: a 1.4 proxy, the roots currently in its namespace's Secret {@code istio.default}
 * ({@code root-cert.pem}); a 1.6 proxy, those in its namespace's ConfigMap {@code
 * istio-ca-root-cert}; a managed ASM proxy, the Mesh CA root and the add-on root (assumption: the
 * managed control plane of a migrated cluster is configured to trust the add-on's CA, as Google's
 * migration states, so old proxies are reachable during the migration). An mTLS connection succeeds
 * iff each side trusts the other's root; a pod without a sidecar speaks plaintext, which the
 * sandbox treats as reachable (a permissive peer). With a pickup delay, an add-on proxy trusts its
 * namespace's bundle as it was that long ago (or when the pod was created, if later): what
 * configure-mesh-ca's hold after the root distribution is for.
 *
 * <p>Reads the store directly: it simulates the network, not an API client.
 */
public final class MeshTrust {
  /** Which proxy a pod runs. */
  public enum Proxy {
    NONE("no sidecar"),
    ADDON_14("add-on 1.4 proxy"),
    ADDON_16("add-on 1.6 proxy"),
    MANAGED("managed ASM proxy");

    private final String description;

    Proxy(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  private static final String MESH_CA_ROOT = Pem.firstFingerprint(MeshCa.ROOT_PEM);
  private final ObjectStore store;
  private final java.util.function.Supplier<Duration> pickupDelay;
  private final Map<String, Deque<Seen>> bundles = new ConcurrentHashMap<>();
  private volatile String lastAddOnRoot;

  /** A root bundle's content from {@code since} on, as this simulation first saw it. */
  private record Seen(Instant since, Set<String> roots) {}

  public MeshTrust(ObjectStore store) {
    this(store, () -> Duration.ZERO);
  }

  /**
   * @param pickupDelay how long after its namespace's root bundle changes an add-on proxy started
   *     earlier trusts the new bundle (the kubelet's refresh of a mounted Secret, an SDS push); a
   *     proxy started later reads the bundle of its start. Zero: at once. Asked at every question,
   *     so that a fault can hold the pickup.
   */
  public MeshTrust(ObjectStore store, java.util.function.Supplier<Duration> pickupDelay) {
    this.store = store;
    this.pickupDelay = pickupDelay;
  }

  /** The proxy of a pod, from its {@code istio-proxy} container's image. */
  public static Proxy proxyOf(JsonNode pod) {
    for (JsonNode c : pod.path("spec").path("containers")) {
      if (!InjectionTemplates.PROXY.equals(c.path("name").asText())) {
        continue;
      }
      String image = c.path("image").asText("");
      if (image.isEmpty() || image.equals("auto")) {
        return Proxy.NONE;
      }
      if (image.contains("/asm/") || image.contains("-asm.")) {
        return Proxy.MANAGED;
      }
      String tag = image.contains(":") ? image.substring(image.lastIndexOf(':') + 1) : "";
      return tag.startsWith("1.6") ? Proxy.ADDON_16 : Proxy.ADDON_14;
    }
    return Proxy.NONE;
  }

  /**
   * The add-on root's fingerprint; remembered once seen, since proxies keep their certificates when
   * {@code istio-ca-secret} is deleted. Null when the cluster never had the add-on's CA.
   */
  public String addOnRoot() {
    String current =
        store
            .get(ResourceRegistry.SECRETS, ControlPlane.SYSTEM_NAMESPACE, Citadel.CA_SECRET)
            .map(s -> Pem.firstFingerprint(Pem.secretValue(s, "ca-cert.pem")))
            .orElse(null);
    if (current != null) {
      lastAddOnRoot = current;
      return current;
    }
    return lastAddOnRoot;
  }

  public static String meshCaRoot() {
    return MESH_CA_ROOT;
  }

  /** The root a proxy's identity chains to, or null when it has none (no sidecar, no CA). */
  public String identityRoot(Proxy proxy) {
    return switch (proxy) {
      case NONE -> null;
      case ADDON_14, ADDON_16 -> addOnRoot();
      case MANAGED -> MESH_CA_ROOT;
    };
  }

  /** The roots a proxy in {@code namespace} trusts now. */
  public Set<String> trustedRoots(Proxy proxy, String namespace) {
    Set<String> out = new LinkedHashSet<>();
    switch (proxy) {
      case NONE -> {}
      case ADDON_14 ->
          store
              .get(ResourceRegistry.SECRETS, namespace, Citadel.WORKLOAD_SECRET)
              .ifPresent(
                  s ->
                      out.addAll(Pem.certificateFingerprints(Pem.secretValue(s, "root-cert.pem"))));
      case ADDON_16 ->
          store
              .get(ResourceRegistry.CONFIGMAPS, namespace, Istiod16.ROOT_CONFIGMAP)
              .ifPresent(
                  cm ->
                      out.addAll(
                          Pem.certificateFingerprints(
                              cm.path("data").path("root-cert.pem").asText(""))));
      case MANAGED -> {
        out.add(MESH_CA_ROOT);
        String addOn = addOnRoot();
        if (addOn != null) {
          out.add(addOn);
        }
      }
    }
    return out;
  }

  /**
   * The roots the proxy of {@code pod} trusts now: for an add-on proxy, its namespace's bundle as
   * it was {@code pickupDelay} ago, or at the pod's creation if that is later.
   */
  public Set<String> trustedRoots(Proxy proxy, JsonNode pod) {
    String namespace = pod.path("metadata").path("namespace").asText();
    Set<String> current = trustedRoots(proxy, namespace);
    Duration pickupDelay = this.pickupDelay.get();
    if (pickupDelay.isZero() || (proxy != Proxy.ADDON_14 && proxy != Proxy.ADDON_16)) {
      return current;
    }
    Instant now = store.clock().instant();
    Instant asOf = now.minus(pickupDelay);
    try {
      Instant created = Instant.parse(pod.path("metadata").path("creationTimestamp").asText());
      asOf = created.isAfter(asOf) ? created : asOf;
    } catch (java.time.format.DateTimeParseException unknown) {
      // no creation time: the delay alone decides
    }
    Deque<Seen> seen = bundles.computeIfAbsent(proxy + "/" + namespace, k -> new ArrayDeque<>());
    synchronized (seen) {
      if (seen.isEmpty() || !seen.peekLast().roots().equals(current)) {
        seen.addLast(new Seen(now, current));
      }
      // an entry followed by one older than the delay can no longer be what any proxy sees
      while (seen.size() > 1 && !secondOf(seen).since().isAfter(now.minus(pickupDelay))) {
        seen.removeFirst();
      }
      Set<String> roots = seen.peekFirst().roots();
      for (Seen s : seen) {
        if (!s.since().isAfter(asOf)) {
          roots = s.roots();
        }
      }
      if (roots.isEmpty()) {
        // no bundle yet when it started: a proxy cannot start without its mounted bundle, so it
        // started with the first one there was, not one a pickup delay later
        for (Seen s : seen) {
          if (!s.roots().isEmpty()) {
            return s.roots();
          }
        }
      }
      return roots;
    }
  }

  private static Seen secondOf(Deque<Seen> seen) {
    java.util.Iterator<Seen> it = seen.iterator();
    it.next();
    return it.next();
  }

  /**
   * Why a connection from the {@code client} pod to the {@code server} pod fails, or null when it
   * succeeds.
   */
  public String connectionFailure(JsonNode client, JsonNode server) {
    Peer c = new Peer(client, proxyOf(client));
    Peer s = new Peer(server, proxyOf(server));
    if (c.proxy() == Proxy.NONE || s.proxy() == Proxy.NONE) {
      return null; // plaintext, or a permissive server: reachable
    }
    String refused = distrust(c, s);
    return refused != null ? refused : distrust(s, c);
  }

  /** A pod at one end of a connection, with the proxy it runs. */
  private record Peer(JsonNode pod, Proxy proxy) {
    String name() {
      return pod.path("metadata").path("namespace").asText()
          + "/"
          + pod.path("metadata").path("name").asText();
    }
  }

  /** Why {@code truster} refuses {@code peer}'s certificate, or null when it trusts its root. */
  private String distrust(Peer truster, Peer peer) {
    String root = identityRoot(peer.proxy());
    if (root != null && trustedRoots(truster.proxy(), truster.pod()).contains(root)) {
      return null;
    }
    return "TLS handshake failed: "
        + truster.name()
        + " ("
        + truster.proxy().description()
        + ") does not trust the root of "
        + peer.name()
        + " ("
        + peer.proxy().description()
        + ", "
        + rootName(root)
        + ")";
  }

  private String rootName(String fingerprint) {
    if (fingerprint == null) {
      return "no certificate";
    }
    if (fingerprint.equals(MESH_CA_ROOT)) {
      return "Mesh CA root";
    }
    return "add-on root";
  }
}
