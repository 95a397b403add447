package dev.asmmigrate.sandbox.http;

import com.sun.net.httpserver.HttpServer;
import dev.asmmigrate.sandbox.Faults;
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
 */
public final class ApiServer implements AutoCloseable {
  private final int requestedPort;
  private final RequestLog requestLog = new RequestLog();
  private final Set<WatchStream> watches = ConcurrentHashMap.newKeySet();
  private final Router router;
  private HttpServer server;
  private ExecutorService executor;

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
            new WatchVerb(store, tables, conversions, watches),
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

  public void start() {
    try {
      server =
          HttpServer.create(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort), 128);
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
    server.createContext("/", router::handle);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public RequestLog requestLog() {
    return requestLog;
  }

  @Override
  public void close() {
    watches.forEach(WatchStream::close);
    if (server != null) {
      server.stop(0);
    }
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
