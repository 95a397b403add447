package dev.asmmigrate.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker's metrics and health endpoints over HTTP, with a worker polling an in-memory Temporal
 * server: the SDK's metrics in Prometheus text, ready while polling, 503 once shutting down, and
 * nothing listening once closed.
 */
class WorkerEndpointsTest {
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static TestServer.InProcessTestServer temporal;

  @BeforeAll
  static void startTemporal() {
    temporal = TestServer.createServer(true);
  }

  @AfterAll
  static void stopTemporal() {
    temporal.close();
  }

  static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static int status(int port, String path) {
    try {
      return get(port, path).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Test
  void givenAPollingWorker_whenScrapedAndShutDown_itShouldServeSdkMetricsThenTurnUnready()
      throws Exception {
    try (WorkerMetrics metrics = WorkerMetrics.create(Duration.ofMillis(100))) {
      WorkflowServiceStubs service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder()
                  .setChannel(temporal.getChannel())
                  .setMetricsScope(metrics.scope())
                  .build());
      MigrationWorker worker =
          MigrationWorker.start(
              service, new MigrationWorker.Settings("default", true, 2), List.of());
      WorkerEndpoints endpoints =
          WorkerEndpoints.start("127.0.0.1", 0, 0, metrics, worker::readiness);
      int health = endpoints.healthPort();
      int scrape = endpoints.metricsPort();
      assertThat(health).isPositive().isNotEqualTo(scrape);

      HttpResponse<String> healthz = get(health, "/healthz");
      assertThat(healthz.statusCode()).isEqualTo(200);
      assertThat(healthz.body()).isEqualTo("ok\n");
      await().atMost(Duration.ofSeconds(60)).until(() -> status(health, "/readyz") == 200);
      assertThat(get(health, "/readyz").body()).startsWith("ready: polling task queue asm-migrate");
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(get(scrape, "/metrics").body())
                      .contains("temporal_worker_start_total{")
                      .contains("temporal_num_pollers{")
                      .contains("task_queue=\"asm-migrate\""));
      HttpResponse<String> metricsResponse = get(scrape, "/metrics");
      assertThat(metricsResponse.headers().firstValue("Content-Type"))
          .hasValue("text/plain; version=0.0.4; charset=utf-8");
      assertThat(get(scrape, "/healthz").statusCode())
          .as("health is on its own port")
          .isEqualTo(404);
      assertThat(get(health, "/metrics").statusCode()).isEqualTo(404);
      assertThat(
              HTTP.send(
                      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health + "/readyz"))
                          .POST(HttpRequest.BodyPublishers.noBody())
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(405);

      assertThat(worker.shutdown(Duration.ofSeconds(10))).as("idle worker stops in time").isTrue();

      HttpResponse<String> unready = get(health, "/readyz");
      assertThat(unready.statusCode()).isEqualTo(503);
      assertThat(unready.body()).isEqualTo("not ready: worker shutting down\n");
      assertThat(get(health, "/healthz").statusCode()).isEqualTo(200);

      endpoints.close();
      assertThat(status(health, "/healthz")).as("closed").isEqualTo(-1);
      assertThat(status(scrape, "/metrics")).as("closed").isEqualTo(-1);
      service.shutdownNow();
    }
  }

  @Test
  void givenOnePortForBoth_itShouldServeMetricsAndHealthTogether() throws Exception {
    int port = freePort();
    try (WorkerMetrics metrics = WorkerMetrics.create(Duration.ofSeconds(1));
        WorkerEndpoints endpoints =
            WorkerEndpoints.start(
                "127.0.0.1",
                port,
                port,
                metrics,
                () -> new MigrationWorker.Readiness(false, "worker not started"))) {
      assertThat(endpoints.metricsPort()).isEqualTo(port);
      assertThat(endpoints.healthPort()).isEqualTo(port);
      assertThat(get(port, "/metrics").statusCode()).isEqualTo(200);
      assertThat(get(port, "/healthz").statusCode()).isEqualTo(200);
      HttpResponse<String> readyz = get(port, "/readyz");
      assertThat(readyz.statusCode()).isEqualTo(503);
      assertThat(readyz.body()).isEqualTo("not ready: worker not started\n");
    }
  }

  @Test
  void givenATakenPort_whenStarting_itShouldFailAndLeaveNothingListening() throws Exception {
    try (ServerSocket taken = new ServerSocket(0);
        WorkerMetrics metrics = WorkerMetrics.create(Duration.ofSeconds(1))) {
      int free = freePort();
      assertThatThrownBy(
              () ->
                  WorkerEndpoints.start(
                      "127.0.0.1",
                      free,
                      taken.getLocalPort(),
                      metrics,
                      () -> new MigrationWorker.Readiness(true, "")))
          .isInstanceOf(IOException.class);
      assertThat(status(free, "/metrics")).as("the metrics server was closed again").isEqualTo(-1);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
