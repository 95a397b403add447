package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code asm-migrate worker} as its own process against a Temporal server: it serves health and
 * Prometheus metrics (the SDK's and the migration's own, after a real workflow ran on it), and on
 * SIGTERM it stops polling, finishes, closes its endpoints and exits.
 */
class WorkerCommandTest {
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;

  static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static boolean answers(int port) {
    try {
      get(port, "/healthz");
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The process's stdout, written to a file (reading a pipe races with the JDK's reaper). */
  record Output(Path file) {
    int port(String endpoint) {
      Matcher m =
          Pattern.compile(endpoint + " on http://127\\.0\\.0\\.1:(\\d+)/").matcher(toString());
      return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    @Override
    public String toString() {
      try {
        return Files.readString(file);
      } catch (IOException e) {
        return "";
      }
    }
  }

  @Test
  void givenAWorkerProcess_whenAMigrationRunsAndSigtermComes_itShouldReportThenStopCleanly()
      throws Exception {
    try (ServerCommand.Running temporal =
        ServerCommand.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      int temporalPort = temporal.port();
      // Connected (and warmed up) before the worker's own 10 s connection attempt starts.
      WorkflowServiceStubs client =
          WorkflowServiceStubs.newConnectedServiceStubs(
              WorkflowServiceStubsOptions.newBuilder()
                  .setTarget("127.0.0.1:" + temporalPort)
                  .build(),
              Duration.ofSeconds(120));
      Path stderr = dir.resolve("worker.stderr");
      Process worker =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  Main.class.getName(),
                  "worker",
                  "--temporal",
                  "127.0.0.1:" + temporalPort,
                  "--metrics-port",
                  "0",
                  "--health-port",
                  "0",
                  "--http-address",
                  "127.0.0.1",
                  "--metrics-interval",
                  "200ms",
                  "--grace",
                  "20s")
              .redirectError(stderr.toFile())
              .redirectOutput(dir.resolve("worker.stdout").toFile())
              .start();
      Output out = new Output(dir.resolve("worker.stdout"));
      try {
        try {
          await()
              .atMost(Duration.ofSeconds(90))
              .until(
                  () -> (out.port("health") > 0 && out.port("metrics") > 0) || !worker.isAlive());
          assertThat(worker.isAlive()).isTrue();
        } catch (org.awaitility.core.ConditionTimeoutException | AssertionError e) {
          throw new AssertionError(
              "the worker printed no endpoints; stdout:\n" + out + "\nstderr:\n" + tail(stderr), e);
        }
        int health = out.port("health");
        int metrics = out.port("metrics");
        assertThat(out.toString())
            .contains(
                "worker: polling task queue asm-migrate on 127.0.0.1:"
                    + temporalPort
                    + " (namespace default, plaintext)");
        assertThat(get(health, "/healthz").statusCode()).isEqualTo(200);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> get(health, "/readyz").statusCode() == 200);

        // A real migration whose pre-flight finds no kubeconfig: a permanent failure, counted. It
        // changed nothing, so it ends REFUSED (issue 10: a refusal is not a rollback).
        MigrationResult result = migrateWithoutKubeconfig(client);
        assertThat(result.state()).isEqualTo(MigrationState.REFUSED);
        assertThat(result.failedStep()).isEqualTo("preflight");
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(get(metrics, "/metrics").body())
                        .containsPattern(
                            "asm_migrate_steps_total\\{[^}]*outcome=\"failed\"[^}]*"
                                + "step=\"preflight\"[^}]*} 1\\.0")
                        .containsPattern(
                            "temporal_activity_execution_failed_total\\{[^}]*"
                                + "activity_type=\"Preflight\"")
                        .contains("temporal_worker_start_total{"));

        worker.destroy(); // SIGTERM
        assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("exited within the grace").isTrue();
        assertThat(worker.exitValue()).as("terminated by SIGTERM").isEqualTo(143);
        try {
          await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("stopped"));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          // reported with the whole output below
        }
        assertThat(out.toString())
            .contains("worker: stopping: no new tasks; waiting up to 20s for running ones")
            .contains("worker: running tasks finished")
            .endsWith("worker: stopped\n");
        assertThat(answers(health)).as("health endpoint closed").isFalse();
        assertThat(answers(metrics)).as("metrics endpoint closed").isFalse();
      } finally {
        worker.destroyForcibly();
        client.shutdownNow();
      }
    }
  }

  static String tail(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  MigrationResult migrateWithoutKubeconfig(WorkflowServiceStubs service) {
    ClusterRef cluster = new ClusterRef("p", "us-central1-c", "c");
    MigrationWorkflow workflow =
        WorkflowClient.newInstance(service)
            .newWorkflowStub(
                MigrationWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(cluster.workflowId())
                    .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                    .setWorkflowExecutionTimeout(Duration.ofMinutes(2))
                    .build());
    return workflow.migrate(
        new MigrationRequest(
            cluster,
            new Connection(dir.resolve("no.kubeconfig").toString(), "sandbox", "127.0.0.1:1"),
            null,
            "regular",
            List.of(),
            List.of(),
            1,
            true,
            false,
            true,
            null,
            null,
            null,
            null));
  }
}
