package dev.asmmigrate.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Faults the sandbox injects, settable by flag and at {@code /sandbox/faults}. Every field is safe
 * to change while the sandbox runs.
 */
public final class Faults {
  /**
   * Fraction (0..1) of API requests per verb that fail with a transient fault; verb {@code *}
   * applies to every verb. The sandbox's own components are spared.
   */
  public final Map<String, Double> apiErrorRate = new ConcurrentHashMap<>();

  /**
   * Status codes faulted requests answer with, chosen in turn among those a real kube-apiserver can
   * answer the request with (a code that cannot is skipped for it):
   *
   * <ul>
   *   <li>{@code 500} InternalError and {@code 503} ServiceUnavailable: any request (a 500 on a
   *       write may come after the write was applied, see {@link #apiErrorAppliedFraction});
   *   <li>{@code 429} TooManyRequests with {@code Retry-After: 1}, as API Priority and Fairness
   *       rejects a request before handling it: any request;
   *   <li>{@code 409} Conflict, as an update with a stale resourceVersion gets it: only updates
   *       that carry a resourceVersion and patches, of an object that exists; the object is moved
   *       to a new resourceVersion (another writer got in first), so the same request sent again
   *       conflicts again and only a re-read helps. Never on reads, creates or deletes;
   *   <li>{@code 0}: a time-out (the connection is held for {@link #apiTimeout}, then dropped).
   * </ul>
   */
  public final List<Integer> apiErrorCodes = new CopyOnWriteArrayList<>(List.of(500, 409, 429));

  /**
   * Fraction (0..1) of the injected 500s on writes (create, update, patch, delete) that come after
   * the write was applied, as when etcd committed but the API server's answer was lost: the client
   * sees a failure of a change that happened, and a retry must not make it twice. The others, and
   * every 409, 429 and 503, are answered before anything is applied. Chosen evenly, not at random.
   */
  public volatile double apiErrorAppliedFraction = 0.5;

  /** How long a "time-out" fault holds the request before dropping it. */
  public volatile Duration apiTimeout = Duration.ofSeconds(5);

  /**
   * How late every watch event reaches its watchers (each event keeps its order): a lagging watch
   * cache, as a loaded kube-apiserver has. Controllers then work from caches older than their own
   * last write, as they do under load; zero for none.
   */
  public volatile Duration watchLag = Duration.ZERO;

  /**
   * How long every request of a client of the cluster (not the sandbox's own components) waits
   * before it is handled: the round trip to a remote API server, as GKE's is from where the
   * migration runs; zero (a local server) by default.
   */
  public volatile Duration apiLatency = Duration.ZERO;

  /** Namespaces whose newly created pods crash-loop instead of becoming Ready. */
  public final Set<String> crashLoopNamespaces = ConcurrentHashMap.newKeySet();

  /** ControlPlaneRevisions never reach {@code ProvisioningFinished=True}. */
  public volatile boolean controlPlaneNeverProvisioned;

  /** Citadel and istiod never distribute a new root certificate. */
  public volatile boolean rootDistributionStuck;

  /**
   * Add-on proxies started before their namespace's root bundle changed keep the bundle they had
   * until this is cleared (the kubelet's refresh of the mounted Secret and the SDS push held back),
   * whatever the sandbox's pickup delay; cleared, they pick up what the delay says.
   */
  public volatile boolean proxyRootPickupHeld;

  /** The pickup delay a held pickup stands for: longer than any run. */
  public static final Duration PICKUP_HELD = Duration.ofDays(365);

  /** The sidecar injection webhooks do not answer (pods matching them fail to be created). */
  public volatile boolean injectionWebhookUnavailable;

  /**
   * Permissions the caller lacks, as {@code verb group/resource} (group empty for core, e.g. {@code
   * delete /secrets} or {@code patch apps/deployments}); {@code *} matches any verb. Denied
   * requests answer 403 and SelfSubjectAccessReviews answer {@code allowed: false}.
   */
  public final Set<String> denied = ConcurrentHashMap.newKeySet();

  /** Fake Google API faults: {@code permission-denied}, {@code not-found}, or none. */
  public volatile String googleApiFault = "";

  /** Extra time each fake Google long-running operation takes before it is done. */
  public volatile Duration googleOperationDelay = Duration.ZERO;

  public boolean isDenied(String verb, String group, String resource) {
    return denied.contains(verb + " " + group + "/" + resource)
        || denied.contains("* " + group + "/" + resource);
  }
}
