package dev.asmmigrate.sandbox.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.access.ApiTokens;
import dev.asmmigrate.sandbox.access.ServingTls;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.traffic.TrafficProbe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The Kubernetes REST API over HTTP/1.1 on 127.0.0.1, as kubectl and fabric8 use it: discovery,
 * get/list/watch with label and field selectors, create, update, the three patch types (and
 * server-side apply), delete and deletecollection, the status/scale/eviction subresources,
 * server-side dry runs, Table output, SelfSubjectAccessReviews; plus the sandbox's own endpoints
 * under {@code /sandbox/}: {@code traffic}, {@code requests} and {@code faults}.
 *
 * <p>{@link #secure} makes it a GKE cluster's endpoint: HTTPS with a serving certificate of the
 * cluster's CA, and every request must carry an accepted bearer token ({@code Authorization: Bearer
 * <token>}); without one it is refused as kube-apiserver without anonymous access refuses it, 401
 * with a Status of reason {@code Unauthorized}.
 */
public final class ApiServer implements AutoCloseable {
  private final int requestedPort;
  private final RequestLog requestLog = new RequestLog();
  private final Set<WatchStream> watches = ConcurrentHashMap.newKeySet();
  private final Router router;
  private final LocalTransport localTransport = new LocalTransport(this);
  private HttpServer server;
  private ExecutorService executor;
  private ServingTls tls;
  private ApiTokens tokens;
  private volatile boolean closed;

  public ApiServer(ObjectStore store, Faults faults, Supplier<TrafficProbe> probe, int port) {
    this(store, faults, probe, port, "v1.19.8-gke.1600");
  }

  public ApiServer(
      ObjectStore store, Faults faults, Supplier<TrafficProbe> probe, int port, String gitVersion) {
    this.requestedPort = port;
    String version = gitVersion.startsWith("v") ? gitVersion : "v" + gitVersion;
    Conversions conversions = new Conversions(store);
    TablePrinter tables = new TablePrinter(store.registry(), conversions::crdOf);
    AccessReview accessReview = new AccessReview(faults);
    ResourceVerbs verbs =
        new ResourceVerbs(
            store,
            tables,
            conversions,
            new PatchVerb(store, conversions),
            new WatchVerb(store, tables, conversions, watches, () -> faults.watchLag),
            accessReview);
    this.router =
        new Router(
            store,
            requestLog,
            new Discovery(store.registry(), version),
            new OpenApi(store.registry()),
            new SandboxEndpoints(faults, probe, requestLog),
            accessReview,
            new FaultInjection(store, faults),
            verbs);
  }

  static {
    // The JDK's HTTP server leaves Nagle's algorithm on: on a kept-alive connection its response
    // then waits for the client's delayed ACK, 40 ms on Linux, for every request after the first
    // (a pod list answered in 1 ms took 44). Read once, when the first server is made.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  /**
   * Serves HTTPS with {@code tls} and requires a bearer token {@code tokens} accepts; before start.
   */
  public void secure(ServingTls tls, ApiTokens tokens) {
    if (server != null) {
      throw new IllegalStateException("the API server has started");
    }
    this.tls = tls;
    this.tokens = tokens;
  }

  /** Whether the API serves HTTPS and requires a bearer token. */
  public boolean isSecure() {
    return tls != null;
  }

  public void start() {
    InetSocketAddress address =
        new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort);
    try {
      if (tls != null) {
        HttpsServer https = HttpsServer.create(address, 128);
        https.setHttpsConfigurator(new HttpsConfigurator(tls.sslContext()));
        server = https;
      } else {
        server = HttpServer.create(address, 128);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on 127.0.0.1:" + requestedPort, e);
    }
    AtomicInteger n = new AtomicInteger();
    executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "sandbox-api-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", tokens == null ? router::handle : this::authenticated);
    server.start();
  }

  /**
   * The transport of the sandbox's own components: fabric8 clients whose requests this server
   * handles in the same process (see {@link LocalTransport}).
   */
  public LocalTransport localTransport() {
    return localTransport;
  }

  /** Handles an exchange of {@link LocalTransport} as one that came over the socket. */
  void serveLocal(HttpExchange ex) throws IOException {
    if (server == null || closed) {
      throw new IOException("the API server is not serving");
    }
    if (tokens == null) {
      router.handle(ex);
    } else {
      authenticated(ex);
    }
  }

  private void authenticated(HttpExchange ex) throws IOException {
    if (tokens.acceptsHeader(ex.getRequestHeaders().getFirst("Authorization"))) {
      router.handle(ex);
      return;
    }
    try (ex) {
      ex.getRequestBody().readAllBytes();
      HttpIo.sendStatus(ex, new ApiException(401, "Unauthorized", "Unauthorized"));
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public RequestLog requestLog() {
    return requestLog;
  }

  @Override
  public void close() {
    closed = true;
    watches.forEach(WatchStream::close);
    if (server != null) {
      server.stop(0);
    }
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
