package dev.asmmigrate.sandbox.access;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bearer tokens the sandbox's secure API accepts: its kubeconfig's, its own components', and
 * the access tokens its token endpoint issued, each until it expires. Thread-safe.
 */
public final class ApiTokens {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Clock clock;
  private final Map<String, Instant> accepted = new ConcurrentHashMap<>();

  public ApiTokens(Clock clock) {
    this.clock = clock;
  }

  /** A new random token, {@code <prefix><32 hex digits>}, accepted for {@code ttl}. */
  public String issue(String prefix, Duration ttl) {
    byte[] raw = new byte[16];
    RANDOM.nextBytes(raw);
    String token = prefix + HexFormat.of().formatHex(raw);
    accepted.put(token, clock.instant().plus(ttl));
    return token;
  }

  /** Whether {@code token} was issued and has not expired. */
  public boolean accepts(String token) {
    if (token == null) {
      return false;
    }
    Instant until = accepted.get(token);
    if (until == null) {
      return false;
    }
    if (!clock.instant().isBefore(until)) {
      accepted.remove(token);
      return false;
    }
    return true;
  }

  /**
   * Whether an {@code Authorization} header carries an accepted bearer token ({@code Bearer
   * <token>}, the scheme case-insensitive, as kube-apiserver reads it).
   */
  public boolean acceptsHeader(String authorization) {
    if (authorization == null) {
      return false;
    }
    String[] parts = authorization.trim().split("\\s+", 2);
    return parts.length == 2 && parts[0].equalsIgnoreCase("Bearer") && accepts(parts[1]);
  }
}
