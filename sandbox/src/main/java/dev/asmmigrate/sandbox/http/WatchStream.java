package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.sandbox.api.WatchEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One watch: the events of a collection, filtered by namespace and selectors, written as a stream
 * of {@code {"type": ..., "object": ...}} lines until the timeout, the client leaving, or the
 * server closing. An object that stops matching a selector is reported DELETED, one that starts
 * matching ADDED, as the real API server does.
 */
final class WatchStream {
  private static final WatchEvent CLOSE = new WatchEvent("CLOSE", null, Json.object(), null, 0);

  private final ResourceType storage;
  private final String namespace;
  private final Predicate<JsonNode> filter;
  private final Function<ObjectNode, JsonNode> render;
  private final BlockingQueue<Offered> queue = new LinkedBlockingQueue<>();
  private final Supplier<Duration> lag;

  /** An event and when the store handed it out (System.nanoTime). */
  private record Offered(WatchEvent event, long at) {}

  private volatile boolean closed;

  WatchStream(
      ResourceType storage,
      String namespace,
      Predicate<JsonNode> filter,
      Function<ObjectNode, JsonNode> render,
      Supplier<Duration> lag) {
    this.lag = lag;
    this.storage = storage;
    this.namespace = namespace;
    this.filter = filter;
    this.render = render;
  }

  /** Called by the store under its lock: only enqueue. */
  void offer(WatchEvent e) {
    if (!closed && e.resource().groupResource().equals(storage.groupResource())) {
      queue.add(new Offered(e, System.nanoTime()));
    }
  }

  void close() {
    closed = true;
    queue.add(new Offered(CLOSE, System.nanoTime()));
  }

  /**
   * Streams until done. {@code initial} are synthetic ADDED objects (watch without a resource
   * version), {@code missed} events since the requested resource version.
   */
  void run(OutputStream out, List<ObjectNode> initial, List<WatchEvent> missed, Duration timeout)
      throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ObjectNode o : initial) {
      write(out, "ADDED", o);
    }
    for (WatchEvent e : missed) {
      deliver(out, e);
    }
    out.flush();
    while (!closed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      Offered o;
      try {
        o = queue.poll(left, TimeUnit.NANOSECONDS);
        if (o != null && o.event() != CLOSE) {
          // the fault watchLag: the event goes out that much after the store handed it out
          long due = o.at() + lag.get().toNanos() - System.nanoTime();
          if (due > 0) {
            TimeUnit.NANOSECONDS.sleep(due);
          }
        }
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        return;
      }
      if (o == null || o.event() == CLOSE) {
        return;
      }
      WatchEvent e = o.event();
      deliver(out, e);
      out.flush();
    }
  }

  private void deliver(OutputStream out, WatchEvent e) throws IOException {
    if (!e.resource().groupResource().equals(storage.groupResource())) {
      return;
    }
    boolean inNamespace = namespace == null || namespace.equals(e.namespace());
    if (!inNamespace) {
      return;
    }
    boolean now = filter.test(e.object());
    boolean before = e.oldObject() != null && filter.test(e.oldObject());
    switch (e.type()) {
      case "ADDED" -> {
        if (now) write(out, "ADDED", e.object());
      }
      case "MODIFIED" -> {
        if (now && before) write(out, "MODIFIED", e.object());
        else if (now) write(out, "ADDED", e.object());
        else if (before) write(out, "DELETED", e.object());
      }
      case "DELETED" -> {
        if (now || before) write(out, "DELETED", e.object());
      }
      default -> {}
    }
  }

  private void write(OutputStream out, String type, ObjectNode object) throws IOException {
    ObjectNode event = Json.object();
    event.put("type", type);
    event.set("object", render.apply(object));
    out.write(Json.bytes(event));
    out.write('\n');
  }

  static Runnable subscribe(ObjectStore store, WatchStream stream) {
    return store.subscribe(stream::offer);
  }
}
