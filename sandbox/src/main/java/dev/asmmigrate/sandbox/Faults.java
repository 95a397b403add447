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
  /** Fraction (0..1) of API requests per verb that fail; verb {@code *} applies to every verb. */
  public final Map<String, Double> apiErrorRate = new ConcurrentHashMap<>();

  /** Status codes failed requests answer with, chosen in turn; {@code 0} means a time-out. */
  public final List<Integer> apiErrorCodes = new CopyOnWriteArrayList<>(List.of(500, 409, 429));

  /** How long a "time-out" fault holds the request before dropping it. */
  public volatile Duration apiTimeout = Duration.ofSeconds(5);

  /** Namespaces whose newly created pods crash-loop instead of becoming Ready. */
  public final Set<String> crashLoopNamespaces = ConcurrentHashMap.newKeySet();

  /** ControlPlaneRevisions never reach {@code ProvisioningFinished=True}. */
  public volatile boolean controlPlaneNeverProvisioned;

  /** Citadel and istiod never distribute a new root certificate. */
  public volatile boolean rootDistributionStuck;

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
