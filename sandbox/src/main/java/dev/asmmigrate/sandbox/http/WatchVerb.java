package dev.asmmigrate.sandbox.http;

import static dev.asmmigrate.sandbox.http.HttpIo.filter;
import static dev.asmmigrate.sandbox.http.HttpIo.includeObject;
import static dev.asmmigrate.sandbox.http.HttpIo.send;
import static dev.asmmigrate.sandbox.http.HttpIo.wantsTable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.sandbox.api.WatchEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** The watch verb: a chunked HTTP stream of events from a list or from a resourceVersion. */
final class WatchVerb {
  private final ObjectStore store;
  private final TablePrinter tables;
  private final Conversions conversions;
  private final Set<WatchStream> watches;
  private final Supplier<Duration> lag;

  WatchVerb(
      ObjectStore store,
      TablePrinter tables,
      Conversions conversions,
      Set<WatchStream> watches,
      Supplier<Duration> lag) {
    this.lag = lag;
    this.store = store;
    this.tables = tables;
    this.conversions = conversions;
    this.watches = watches;
  }

  void watch(HttpExchange ex, ResourceType type, String ns, Map<String, String> query)
      throws IOException {
    if ("websocket".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Upgrade"))) {
      // Watches are served as chunked HTTP streams only (kubectl and client-go never ask for a
      // WebSocket; fabric8 tries one first). The upgrade is declined the way HTTP lets a server
      // decline it, with an ordinary 200, which fabric8 takes as "no WebSocket here" and falls
      // back to an HTTP watch at once; a 503 would do the same only after the client's request
      // retries (~0.7 s per watch with 3 of them, ~3 s with 5).
      ObjectNode declined = Json.object();
      declined.put("kind", "Status");
      declined.put("apiVersion", "v1");
      declined.putObject("metadata");
      declined.put("status", "Failure");
      declined.put("message", "watches over WebSocket are not served; use an HTTP watch");
      declined.put("reason", "BadRequest");
      send(ex, 200, declined);
      return;
    }
    Predicate<JsonNode> filter = filter(query);
    boolean table = wantsTable(ex);
    boolean includeObject = includeObject(query);
    WatchStream stream =
        new WatchStream(
            store.registry().storageType(type),
            ns,
            filter,
            o ->
                table
                    ? tables.table(
                        type,
                        List.of(conversions.render(type, o)),
                        o.path("metadata").path("resourceVersion").asText(),
                        includeObject)
                    : conversions.view(type, o),
            lag);
    String rv = query.get("resourceVersion");
    List<ObjectNode> initial = List.of();
    List<WatchEvent> missed = List.of();
    Runnable unsubscribe;
    if (rv == null || rv.isEmpty() || rv.equals("0")) {
      ObjectStore.Snapshot snap = store.snapshotAndSubscribe(type, ns, filter, stream::offer);
      initial = snap.items();
      unsubscribe = snap.unsubscribe();
    } else {
      long since;
      try {
        since = Long.parseLong(rv);
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid resourceVersion " + rv);
      }
      ObjectStore.Resumed resumed = store.resume(since, stream::offer);
      missed = resumed.missed();
      unsubscribe = resumed.unsubscribe();
    }
    watches.add(stream);
    try {
      long timeout =
          query.containsKey("timeoutSeconds")
              ? Long.parseLong(query.get("timeoutSeconds"))
              : 300 + ThreadLocalRandom.current().nextInt(300);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.getResponseHeaders().set("Transfer-Encoding", "chunked");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      stream.run(out, initial, missed, Duration.ofSeconds(timeout));
    } catch (IOException e) {
      // the client went away
    } finally {
      unsubscribe.run();
      watches.remove(stream);
    }
  }
}
