package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.worker.MigrationWorker;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The README's "migrate it from outside": a served sandbox, a Temporal server on a port, {@code
 * asm-migrate worker} (its own options and code path) and {@code asm-migrate start ... --wait};
 * then the seed's kubectl checks show the migrated cluster.
 */
class WorkerStartCliTest {
  static final String ASM_PROXY = "gcr.io/gke-release/asm/proxyv2:";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void givenAServedSandboxAndAWorker_whenStartWaits_itShouldExitZeroAndKubectlShowTheMigration()
      throws Exception {
    long started = System.nanoTime();
    try (Sandbox sandbox =
            Sandbox.start(
                SandboxSettings.builder()
                    .base(SandboxSettings.Base.ADDON_1_4)
                    .app("online-boutique")
                    .podReadyDelay(Duration.ofMillis(100))
                    .controlPlaneProvisionDelay(Duration.ofSeconds(2))
                    .rootDistributionDelay(DemoRun.ROOT_DISTRIBUTION_DELAY)
                    .proxyRootPickupDelay(DemoRun.PROXY_ROOT_PICKUP_DELAY)
                    .build());
        // port 0: the server binds a free port itself (a port probed first may be taken meanwhile)
        ServerCommand.Running temporal =
            ServerCommand.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        KubeClients clients = new KubeClients()) {
      Path kubeconfig = sandbox.writeKubeconfig(dir.resolve("sandbox.kubeconfig"));
      assertThat(sandbox.awaitSettled(Duration.ofMinutes(3))).isTrue();
      String address = temporal.target();

      // asm-migrate worker --temporal ADDRESS --proxy-cert-pickup 1s --root-cert-trigger-hold 1s
      CommandLine.ParseResult parsed =
          Main.commandLine()
              .parseArgs(
                  "worker",
                  "--temporal",
                  address,
                  "--proxy-cert-pickup",
                  "1s",
                  "--root-cert-trigger-hold",
                  "1s");
      WorkerCommand workerCommand = (WorkerCommand) parsed.subcommand().commandSpec().userObject();
      MeshCaActivitiesImpl.Settings meshCa = workerCommand.meshCaSettings();
      assertThat(meshCa.proxyPickup()).isEqualTo(Duration.ofSeconds(1));
      assertThat(meshCa.triggerHold()).isEqualTo(Duration.ofSeconds(1));
      // the server was just bound: on a loaded machine its first health check may time out
      AtomicReference<WorkflowServiceStubs> connected = new AtomicReference<>();
      await()
          .atMost(Duration.ofSeconds(90))
          .ignoreException(UserError.class)
          .until(
              () -> {
                connected.set(workerCommand.temporal.connect());
                return true;
              });
      WorkflowServiceStubs service = connected.get();
      MigrationWorker worker =
          workerCommand.startWorker(
              service, clients, meshCa, workerCommand.temporal.dataConverter());
      StringWriter out = new StringWriter();
      int exit;
      try {
        CommandLine start = Main.commandLine();
        start.setOut(new PrintWriter(out, true));
        start.setErr(new PrintWriter(out, true));
        exit =
            start.execute(
                "start",
                "--kubeconfig",
                kubeconfig.toString(),
                "--context",
                "sandbox",
                "--project",
                sandbox.settings().project(),
                "--location",
                sandbox.settings().location(),
                "--cluster",
                sandbox.settings().cluster(),
                "--google-endpoint",
                sandbox.googleEndpoint(),
                "--temporal",
                address,
                "--auto-approve",
                "--wait");
      } finally {
        worker.shutdown(Duration.ofSeconds(10));
        service.shutdownNow();
      }

      assertThat(exit).as(out.toString()).isEqualTo(ExitCodes.OK);
      assertThat(out.toString())
          .contains("workflow: asm-migrate/sandbox-project/us-central1-c/sandbox-cluster")
          .contains("step cleanup: done")
          .contains("migration: SUCCESS");
      assertThat(sandbox.awaitSettled(Duration.ofMinutes(2))).isTrue();

      // the seed: every pod restarted with two containers, Running
      String table = kubectl(kubeconfig, "-n", "online-boutique", "get", "pods");
      List<String> rows = table.lines().skip(1).toList();
      assertThat(rows).hasSize(12);
      assertThat(rows).allSatisfy(r -> assertThat(r).containsPattern("\\s2/2\\s+Running\\s"));
      // the seed: a pod's containerStatuses images are the ASM proxy and the app's image
      JsonNode pods =
          JSON.readTree(kubectl(kubeconfig, "-n", "online-boutique", "get", "pods", "-o", "json"));
      for (JsonNode pod : pods.path("items")) {
        List<String> images = new ArrayList<>();
        pod.path("status")
            .path("containerStatuses")
            .forEach(c -> images.add(c.path("image").asText()));
        assertThat(images).as(pod.path("metadata").path("name").asText()).hasSize(2);
        assertThat(images).filteredOn(i -> i.startsWith(ASM_PROXY)).hasSize(1);
        assertThat(images).noneMatch(i -> i.contains("/istio/proxyv2:"));
      }
      // the seed: the migration state (the tool adds its migration ID and last step)
      JsonNode state =
          JSON.readTree(
              kubectl(
                  kubeconfig,
                  "get",
                  "cm/asm-addon-migration-state",
                  "-n",
                  "istio-system",
                  "-ojsonpath={.data}"));
      assertThat(state.path("migrationStatus").asText()).as(state.toString()).isEqualTo("SUCCESS");
      // migrate-addon's cleanup check: istio-system runs only asm-ingressgateway
      List<String> system =
          kubectl(kubeconfig, "-n", "istio-system", "get", "pods", "-o", "name").lines().toList();
      assertThat(system).isNotEmpty().allMatch(p -> p.startsWith("pod/asm-ingressgateway-"));
      // the seed: the gateway's IP still answers for the application
      assertThat(
              kubectl(
                  kubeconfig,
                  "-n",
                  "istio-system",
                  "get",
                  "service",
                  "istio-ingressgateway",
                  "-o",
                  "jsonpath={.status.loadBalancer.ingress[0].ip}"))
          .matches("\\d+\\.\\d+\\.\\d+\\.\\d+");
      JsonNode traffic = sandbox.trafficProbe().report();
      assertThat(traffic.path("failed").asLong()).as(traffic.toString()).isZero();
    } finally {
      System.out.printf(
          "WorkerStartCliTest: %d s%n", Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }
  }

  /** Runs the preinstalled kubectl as a user would; fails the test unless it exits 0. */
  private static String kubectl(Path kubeconfig, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("kubectl", ".out");
    Path err = Files.createTempFile("kubectl", ".err");
    try {
      Process p =
          new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      p.getOutputStream().close();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("kubectl " + String.join(" ", args) + " did not end in 120 s");
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new AssertionError(
            "kubectl " + String.join(" ", args) + " failed: " + Files.readString(err) + stdout);
      }
      return stdout;
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
