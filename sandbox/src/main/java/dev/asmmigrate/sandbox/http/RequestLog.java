package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Every API request the sandbox answered, for least-privilege checks and API-cost benchmarks. */
public final class RequestLog {
  private static final int LIMIT = 200_000;

  /** Whether an answer was an injected transient fault (see {@code Faults.apiErrorCodes}). */
  public enum Fault {
    /** A real answer. */
    NONE,
    /** An injected fault answered before anything was applied. */
    INJECTED,
    /** An injected 500 answered after the write was applied. */
    APPLIED
  }

  /**
   * One answered request.
   *
   * @param verb the Kubernetes verb: get, list, watch, create, update, patch, delete,
   *     deletecollection
   * @param group API group, empty for core
   * @param resource plural resource name
   * @param subresource e.g. status, scale, eviction; empty when none
   * @param namespace namespace, empty for cluster-scoped or all-namespace requests
   * @param name object name, empty for collections
   * @param code HTTP status code answered (0 when the connection was dropped)
   * @param userAgent the client's User-Agent
   * @param dryRun whether it was a server-side dry run
   * @param fault whether the answer was an injected fault, and whether its write was applied
   */
  public record Entry(
      long seq,
      Instant time,
      String verb,
      String group,
      String resource,
      String subresource,
      String namespace,
      String name,
      int code,
      String userAgent,
      boolean dryRun,
      Fault fault) {}

  private final List<Entry> entries = new ArrayList<>();
  private long seq;

  public synchronized void add(
      String verb,
      String group,
      String resource,
      String subresource,
      String namespace,
      String name,
      int code,
      String userAgent,
      boolean dryRun,
      Fault fault) {
    entries.add(
        new Entry(
            ++seq,
            Instant.now(),
            verb,
            group,
            resource,
            subresource,
            namespace,
            name,
            code,
            userAgent == null ? "" : userAgent,
            dryRun,
            fault));
    if (entries.size() > LIMIT) {
      entries.subList(0, entries.size() - LIMIT).clear();
    }
  }

  public synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }

  public synchronized void clear() {
    entries.clear();
  }

  /** The log as JSON; {@code excludeSandbox} leaves out the sandbox's own controllers. */
  public ObjectNode toJson(long since, boolean excludeSandbox) {
    ObjectNode out = Json.object();
    ArrayNode items = out.putArray("items");
    for (Entry e : entries()) {
      if (e.seq() <= since
          || (excludeSandbox && e.userAgent().startsWith("asm-migrate-sandbox/"))) {
        continue;
      }
      ObjectNode n = items.addObject();
      n.put("seq", e.seq());
      n.put("time", e.time().toString());
      n.put("verb", e.verb());
      n.put("group", e.group());
      n.put("resource", e.resource());
      n.put("subresource", e.subresource());
      n.put("namespace", e.namespace());
      n.put("name", e.name());
      n.put("code", e.code());
      n.put("userAgent", e.userAgent());
      n.put("dryRun", e.dryRun());
      if (e.fault() != Fault.NONE) {
        n.put("fault", e.fault().name());
      }
    }
    return out;
  }
}
