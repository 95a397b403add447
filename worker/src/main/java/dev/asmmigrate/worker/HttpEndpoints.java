package dev.asmmigrate.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP server for the worker's operational endpoints (metrics, health): GET only, one
 * answer per path, anything else 404/405. It uses the JDK's server, so the worker needs no web
 * framework.
 */
public final class HttpEndpoints implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpEndpoints.class);

  /** What a path answers. */
  public record Response(int status, String contentType, String body) {
    public static Response text(int status, String body) {
      return new Response(status, "text/plain; charset=utf-8", body);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;

  private HttpEndpoints(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Serves {@code routes} (path → answer) on {@code address}; port 0 picks a free port.
   *
   * @throws IOException when the address cannot be bound (e.g. the port is taken)
   */
  public static HttpEndpoints start(
      InetSocketAddress address, Map<String, Supplier<Response>> routes) throws IOException {
    HttpServer server = HttpServer.create(address, 16);
    Map<String, Supplier<Response>> known = new LinkedHashMap<>(routes);
    server.createContext("/", exchange -> answer(exchange, known));
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "http-" + address.getPort());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.start();
    return new HttpEndpoints(server, executor);
  }

  /** The bound port (the one picked when started with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, Map<String, Supplier<Response>> routes)
      throws IOException {
    try (exchange) {
      Supplier<Response> route = routes.get(exchange.getRequestURI().getPath());
      Response response;
      if (route == null) {
        response =
            Response.text(404, "not found; try " + String.join(", ", routes.keySet()) + "\n");
      } else if (!exchange.getRequestMethod().equals("GET")
          && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        response = Response.text(405, "method not allowed\n");
      } else {
        try {
          response = route.get();
        } catch (RuntimeException e) {
          log.warn("http: {} failed: {}", exchange.getRequestURI().getPath(), e.toString());
          response = Response.text(500, "internal error\n");
        }
      }
      byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", response.contentType());
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(response.status(), head ? -1 : body.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  /** Stops accepting connections, gives open exchanges a second, and closes the server. */
  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
  }
}
