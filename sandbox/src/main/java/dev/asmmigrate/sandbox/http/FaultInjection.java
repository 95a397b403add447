package dev.asmmigrate.sandbox.http;

import com.sun.net.httpserver.HttpExchange;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Transient faults on requests from clients other than the sandbox's own (see {@link
 * Faults#apiErrorRate}): dropped connections, 409s, 429s, 500s before or after the write is
 * applied, and 503s.
 */
final class FaultInjection {
  private final ObjectStore store;
  private final Faults faults;
  private final AtomicInteger faultCounter = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong appliedCounter =
      new java.util.concurrent.atomic.AtomicLong();

  FaultInjection(ObjectStore store, Faults faults) {
    this.store = store;
    this.faults = faults;
  }

  /** Thrown to drop a connection without an answer (a simulated time-out). */
  static final class DroppedConnection extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  private static final Set<String> WRITES =
      Set.of("create", "update", "patch", "delete", "deletecollection");

  /**
   * Decides whether this request gets a transient fault (see {@link Faults#apiErrorCodes}): throws
   * the fault when it is answered before anything is applied, returns {@link
   * RequestLog.Fault#APPLIED} when the write must be applied and then answered 500, and {@link
   * RequestLog.Fault#NONE} when the request goes through.
   */
  RequestLog.Fault inject(HttpExchange ex, String verb, Target t, boolean dryRun)
      throws IOException {
    delay(faults.apiLatency);
    Double rate = faults.apiErrorRate.getOrDefault(verb, faults.apiErrorRate.get("*"));
    if (rate == null || rate <= 0 || ThreadLocalRandom.current().nextDouble() >= rate) {
      return RequestLog.Fault.NONE;
    }
    List<Integer> codes = faults.apiErrorCodes.isEmpty() ? List.of(500) : faults.apiErrorCodes;
    boolean conflictable = codes.contains(409) && mayConflict(ex, verb, t);
    List<Integer> applicable = codes.stream().filter(c -> c != 409 || conflictable).toList();
    if (applicable.isEmpty()) {
      return RequestLog.Fault.NONE;
    }
    int code = applicable.get(Math.floorMod(faultCounter.getAndIncrement(), applicable.size()));
    return fail(ex, verb, code, t, dryRun);
  }

  /**
   * Whether a 409 Conflict is what a real API server could answer this request: an update carrying
   * a resourceVersion, or a patch, of an existing object (it then raced another writer). Never a
   * read, a create or a delete.
   */
  private boolean mayConflict(HttpExchange ex, String verb, Target t) throws IOException {
    if (t.name() == null
        || !(verb.equals("update") || verb.equals("patch"))
        || store.get(t.type(), t.namespace(), t.name()).isEmpty()) {
      return false;
    }
    if (verb.equals("patch")) {
      return true;
    }
    byte[] raw;
    try (InputStream in = ex.getRequestBody()) {
      raw = in.readAllBytes();
    }
    ex.setStreams(new java.io.ByteArrayInputStream(raw), null);
    String contentType =
        Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("");
    if (contentType.contains("protobuf") || contentType.contains("yaml")) {
      return false;
    }
    try {
      // an update without a resourceVersion is unconditional and does not conflict
      return !Json.parse(raw).path("metadata").path("resourceVersion").asText("").isEmpty();
    } catch (RuntimeException unreadable) {
      return false; // the request itself will be refused as it is
    }
  }

  private RequestLog.Fault fail(HttpExchange ex, String verb, int code, Target t, boolean dryRun) {
    switch (code) {
      case 0 -> {
        try {
          Thread.sleep(faults.apiTimeout.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new DroppedConnection();
      }
      case 409 -> {
        // another writer got in first: the object moves to a new resourceVersion, so the same
        // request sent again conflicts again and only a re-read helps
        if (!store.touch(t.type(), t.namespace(), t.name())) {
          throw ApiException.notFound(t.type(), t.name());
        }
        throw ApiException.conflict(
            t.type(),
            t.name(),
            "the object has been modified; please apply your changes to the latest version and try again");
      }
      case 429 -> {
        ex.getResponseHeaders().set("Retry-After", "1");
        throw ApiException.tooManyRequests("Too many requests, please try again later.", 1);
      }
      case 500 -> {
        if (WRITES.contains(verb) && !dryRun && appliedTurn()) {
          return RequestLog.Fault.APPLIED;
        }
        throw internalError();
      }
      default ->
          throw new ApiException(
              code,
              code == 503 ? "ServiceUnavailable" : "InternalError",
              "an error on the server (\"injected fault\") has prevented the request from succeeding");
    }
  }

  /** Spreads the applied 500s evenly: the n-th 500 on a write is applied when the share grows. */
  private boolean appliedTurn() {
    double fraction = Math.max(0, Math.min(1, faults.apiErrorAppliedFraction));
    long n = appliedCounter.getAndIncrement();
    return Math.ceil((n + 1) * fraction) > Math.ceil(n * fraction);
  }

  static ApiException internalError() {
    return new ApiException(
        500,
        "InternalError",
        "an error on the server (\"injected fault\") has prevented the request from succeeding");
  }

  /** The fault apiLatency: the request waits on its handler's thread, as on a remote server's. */
  private static void delay(Duration latency) throws IOException {
    if (latency.isZero() || latency.isNegative()) {
      return;
    }
    try {
      Thread.sleep(latency.toMillis(), latency.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
