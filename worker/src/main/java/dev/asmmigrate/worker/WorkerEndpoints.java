package dev.asmmigrate.worker;

import dev.asmmigrate.worker.HttpEndpoints.Response;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The worker's operational endpoints: {@code /metrics} (Prometheus text) on the metrics port,
 * {@code /healthz} (the process is up) and {@code /readyz} (connected to Temporal and polling; 503
 * otherwise) on the health port. Equal ports share one server.
 */
public final class WorkerEndpoints implements AutoCloseable {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpEndpoints metricsServer;
  private final HttpEndpoints healthServer;
  private final List<HttpEndpoints> servers;

  private WorkerEndpoints(
      HttpEndpoints metricsServer, HttpEndpoints healthServer, List<HttpEndpoints> servers) {
    this.metricsServer = metricsServer;
    this.healthServer = healthServer;
    this.servers = servers;
  }

  /**
   * Starts the endpoints asked for: {@code metrics} when {@code metricsPort} is not null, health
   * when {@code healthPort} is not null (port 0 picks a free port).
   *
   * @throws IOException when a port cannot be bound; nothing is left listening then
   */
  public static WorkerEndpoints start(
      String host,
      Integer metricsPort,
      Integer healthPort,
      WorkerMetrics metrics,
      Supplier<MigrationWorker.Readiness> readiness)
      throws IOException {
    Map<String, Supplier<Response>> metricsRoutes = new LinkedHashMap<>();
    if (metricsPort != null) {
      metricsRoutes.put("/metrics", () -> new Response(200, PROMETHEUS_TEXT, metrics.scrape()));
    }
    Map<String, Supplier<Response>> healthRoutes = new LinkedHashMap<>();
    if (healthPort != null) {
      healthRoutes.put("/healthz", () -> Response.text(200, "ok\n"));
      healthRoutes.put(
          "/readyz",
          () -> {
            MigrationWorker.Readiness r = readiness.get();
            return r.ready()
                ? Response.text(200, "ready: " + r.detail() + "\n")
                : Response.text(503, "not ready: " + r.detail() + "\n");
          });
    }
    List<HttpEndpoints> servers = new ArrayList<>();
    try {
      HttpEndpoints metricsServer = null;
      HttpEndpoints healthServer = null;
      if (metricsPort != null && metricsPort.equals(healthPort) && metricsPort != 0) {
        Map<String, Supplier<Response>> all = new LinkedHashMap<>(metricsRoutes);
        all.putAll(healthRoutes);
        metricsServer = HttpEndpoints.start(new InetSocketAddress(host, metricsPort), all);
        healthServer = metricsServer;
        servers.add(metricsServer);
      } else {
        if (metricsPort != null) {
          metricsServer =
              HttpEndpoints.start(new InetSocketAddress(host, metricsPort), metricsRoutes);
          servers.add(metricsServer);
        }
        if (healthPort != null) {
          healthServer = HttpEndpoints.start(new InetSocketAddress(host, healthPort), healthRoutes);
          servers.add(healthServer);
        }
      }
      return new WorkerEndpoints(metricsServer, healthServer, servers);
    } catch (IOException | RuntimeException e) {
      servers.forEach(HttpEndpoints::close);
      throw e;
    }
  }

  /** The metrics port bound, or -1 without a metrics endpoint. */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.port();
  }

  /** The health port bound, or -1 without health endpoints. */
  public int healthPort() {
    return healthServer == null ? -1 : healthServer.port();
  }

  @Override
  public void close() {
    servers.forEach(HttpEndpoints::close);
  }
}
