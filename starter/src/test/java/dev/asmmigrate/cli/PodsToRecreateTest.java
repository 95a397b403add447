package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.worker.Activities;
import dev.asmmigrate.worker.MigrationWorker;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.PodToRecreate;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 item 7: injected pods no restart of the migration replaces (a bare pod, a Job's pod, a
 * CronJob's Job's pod) are listed by {@code plan} and {@code status}, text and JSON, each with its
 * owner and what to do about it. On a sandbox with the add-on 1.4 and namespace {@code batch}
 * ({@code src/test/resources/fixtures/pods-to-recreate}); the migration runs through the real
 * worker on a port-bound Temporal server until it waits for approval, when the listed pods still
 * run the add-on proxy and the Deployment's the managed one.
 */
class PodsToRecreateTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String NS = "batch";
  static final String ADDON_14_PROXY = "gke.gcr.io/istio/proxyv2:1.4";

  @TempDir Path dir;

  @Test
  void
      givenABarePodAndJobPods_whenPlannedAndMigratedToTheApproval_planAndStatusShouldListEachWithWhatToDo()
          throws Exception {
    long started = System.nanoTime();
    try (Sandbox sandbox =
            Sandbox.start(
                SandboxSettings.builder()
                    .base(SandboxSettings.Base.ADDON_1_4)
                    .fixtureDirs(List.of(fixture()))
                    .podReadyDelay(Duration.ofMillis(100))
                    .controlPlaneProvisionDelay(Duration.ofSeconds(1))
                    .rootDistributionDelay(DemoRun.ROOT_DISTRIBUTION_DELAY)
                    .proxyRootPickupDelay(DemoRun.PROXY_ROOT_PICKUP_DELAY)
                    .build());
        ServerCommand.Running temporal =
            ServerCommand.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        KubeClients clients = new KubeClients();
        GoogleClients google = new GoogleClients()) {
      Path kubeconfig = sandbox.writeKubeconfig(dir.resolve("sandbox.kubeconfig"));
      // the add-on's injector up first: without it the webhook refuses the pods, as a real one does
      assertThat(sandbox.awaitSettled(Duration.ofMinutes(3))).isTrue();
      Map<String, String> pods = addPodsToRecreate(sandbox);
      assertThat(sandbox.awaitSettled(Duration.ofMinutes(1))).isTrue();

      // plan: text and JSON
      List<String> planArgs = new ArrayList<>(List.of("plan"));
      planArgs.addAll(PlanCommandTest.clusterArgs(sandbox, kubeconfig));
      CliRun text = CliRun.of(planArgs.toArray(String[]::new));
      assertThat(text.code()).as(text.err() + text.out()).isEqualTo(ExitCodes.OK);
      assertListed(text.out(), pods);
      planArgs.addAll(List.of("-o", "json"));
      CliRun json = CliRun.of(planArgs.toArray(String[]::new));
      assertThat(json.code()).as(json.err()).isEqualTo(ExitCodes.OK);
      JsonNode planned = JSON.readTree(json.out()).path("podsToRecreate");
      assertListed(planned, pods);

      // a migration up to the approval, then status: text and JSON
      WorkflowServiceStubs service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
      MigrationWorker worker =
          MigrationWorker.start(
              service,
              new MigrationWorker.Settings("default", true, 20),
              Activities.create(clients, google, DemoRun.MESH_CA));
      try {
        List<String> start = new ArrayList<>(List.of("start"));
        start.addAll(PlanCommandTest.clusterArgs(sandbox, kubeconfig));
        start.addAll(List.of("--temporal", temporal.target()));
        CliRun begun = CliRun.of(start.toArray(String[]::new));
        assertThat(begun.code()).as(begun.err() + begun.out()).isEqualTo(ExitCodes.OK);
        String cluster =
            sandbox.settings().project()
                + "/"
                + sandbox.settings().location()
                + "/"
                + sandbox.settings().cluster();
        List<String> status =
            List.of("status", "--cluster-id", cluster, "--temporal", temporal.target());
        await()
            .atMost(Duration.ofMinutes(4))
            .pollInterval(Duration.ofSeconds(1))
            .until(
                () ->
                    JSON.readTree(statusJson(status))
                        .path("phase")
                        .asText()
                        .matches("WAITING_FOR_APPROVAL|DONE"));
        JsonNode shown = JSON.readTree(statusJson(status));
        assertThat(shown.path("phase").asText())
            .as(shown::toPrettyString)
            .isEqualTo("WAITING_FOR_APPROVAL");
        assertListed(shown.path("podsToRecreate"), pods);
        assertThat(shown.path("podsToRecreate")).isEqualTo(planned);
        CliRun statusText = CliRun.of(status.toArray(String[]::new));
        assertThat(statusText.code()).as(statusText.err()).isZero();
        assertListed(statusText.out(), pods);

        // what the list says holds: those pods still run the add-on proxy, the Deployment's not
        assertThat(sandbox.awaitSettled(Duration.ofMinutes(2))).isTrue();
        Map<String, String> proxies = new TreeMap<>();
        for (ObjectNode pod : MigratedCluster.livePods(sandbox.store(), NS)) {
          proxies.put(MigratedCluster.name(pod), MigratedCluster.proxyImage(pod));
        }
        assertThat(proxies)
            .as("proxies in %s", NS)
            .allSatisfy(
                (pod, image) ->
                    assertThat(image)
                        .startsWith(
                            pods.containsKey(pod) ? ADDON_14_PROXY : MigratedCluster.ASM_PROXY));
        assertThat(proxies).containsKeys(pods.keySet().toArray(String[]::new));
      } finally {
        worker.shutdown(Duration.ofSeconds(5));
        service.shutdownNow();
      }
    } finally {
      System.out.printf(
          "PodsToRecreateTest (plan, migration to the approval, status): %d s%n",
          Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }
  }

  @Test
  void givenAMigrationRolledBack_whenStatusIsShown_itShouldNotAskForPodsToBeRecreated() {
    PodToRecreate pod = PodToRecreate.bare(NS, "debug");
    MigrationStatus running = status(MigrationState.PENDING, pod);
    MigrationStatus rolledBack = status(MigrationState.ROLLED_BACK, pod);

    assertThat(new StatusView("id", "RUNNING", running, Map.of(), List.of(), null).text(0))
        .contains("pods to recreate once their namespace is migrated (1)")
        .contains("batch/debug (bare): " + pod.action());
    assertThat(new StatusView("id", "COMPLETED", rolledBack, Map.of(), List.of(), null).text(0))
        .doesNotContain("pods to recreate")
        .doesNotContain("batch/debug");
  }

  private static MigrationStatus status(MigrationState state, PodToRecreate pod) {
    return new MigrationStatus(
        "m",
        new ClusterRef("p", "l", "c"),
        state == MigrationState.ROLLED_BACK ? "DONE" : "RUNNING",
        state,
        "migrate-workloads",
        List.of(),
        List.of(),
        List.of(),
        null,
        null,
        0L,
        null,
        List.of(),
        null,
        null,
        false,
        null,
        null,
        List.of(),
        List.of(pod),
        List.of(),
        null,
        null /* windows */);
  }

  private static String statusJson(List<String> status) {
    List<String> args = new ArrayList<>(status);
    args.addAll(List.of("-o", "json"));
    CliRun r = CliRun.of(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    return r.out();
  }

  /**
   * A bare pod and a CronJob's Job, made through the API so that the add-on injects their pods;
   * once every one of the three pods to recreate runs, their names to the owner {@code plan} shows.
   */
  private static Map<String, String> addPodsToRecreate(Sandbox sandbox) {
    KubernetesClient client = sandbox.client("pods-to-recreate-test");
    client
        .pods()
        .inNamespace(NS)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName("debug")
                .addToLabels("app", "debug")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("shell")
                .withImage("busybox:1.36")
                .endContainer()
                .endSpec()
                .build())
        .create();
    CronJob cron =
        client
            .batch()
            .v1()
            .cronjobs()
            .inNamespace(NS)
            .resource(
                new CronJobBuilder()
                    .withNewMetadata()
                    .withName("nightly-report")
                    .endMetadata()
                    .withNewSpec()
                    .withSchedule("0 2 * * *")
                    .withNewJobTemplate()
                    .withNewSpec()
                    .withNewTemplate()
                    .withNewSpec()
                    .withRestartPolicy("Never")
                    .addNewContainer()
                    .withName("report")
                    .withImage("busybox:1.36")
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .endJobTemplate()
                    .endSpec()
                    .build())
            .create();
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .resource(
            new JobBuilder()
                .withNewMetadata()
                .withName("nightly-report-29000000")
                .addNewOwnerReference()
                .withApiVersion("batch/v1")
                .withKind("CronJob")
                .withName(cron.getMetadata().getName())
                .withUid(cron.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .endOwnerReference()
                .endMetadata()
                .withSpec(cron.getSpec().getJobTemplate().getSpec())
                .build())
        .create();
    Map<String, String> pods = new TreeMap<>();
    await()
        .atMost(Duration.ofMinutes(1))
        .until(
            () -> {
              pods.clear();
              for (ObjectNode pod : MigratedCluster.livePods(sandbox.store(), NS)) {
                String name = MigratedCluster.name(pod);
                String job = MigratedCluster.labels(pod).get("job-name");
                if (MigratedCluster.proxyImage(pod).startsWith(ADDON_14_PROXY)
                    && pod.path("status").path("phase").asText().equals("Running")
                    && (name.equals("debug") || job != null)) {
                  pods.put(
                      name,
                      job == null
                          ? "bare"
                          : job.equals("migrate-db")
                              ? "Job migrate-db"
                              : "Job " + job + " (CronJob nightly-report)");
                }
              }
              return pods.size() == 3;
            });
    // the Job's pods run on: their sidecars do not exit with the application
    assertThat(
            sandbox.store().list(ResourceRegistry.JOBS, NS).stream()
                .map(j -> j.path("status").path("active").asInt()))
        .containsOnly(1);
    return pods;
  }

  private static void assertListed(String text, Map<String, String> pods) {
    assertThat(text).contains("pods to recreate once their namespace is migrated (3)");
    pods.forEach(
        (pod, owner) ->
            assertThat(text)
                .contains(NS + "/" + pod + " (" + owner + "): ")
                .contains(action(pod, owner)));
  }

  private static void assertListed(JsonNode list, Map<String, String> pods) {
    assertThat(list.size()).as(list::toPrettyString).isEqualTo(pods.size());
    for (JsonNode p : list) {
      String name = p.path("name").asText();
      assertThat(pods).containsKey(name);
      assertThat(p.path("namespace").asText()).isEqualTo(NS);
      String owner = pods.get(name);
      assertThat(p.path("kind").asText()).isEqualTo(owner.equals("bare") ? "bare" : "Job");
      assertThat(p.path("job").isNull()).isEqualTo(owner.equals("bare"));
      assertThat(p.path("cronJob").asText(null))
          .isEqualTo(owner.contains("CronJob") ? "nightly-report" : null);
      assertThat(p.path("action").asText()).contains(action(name, owner));
    }
  }

  /** The command each kind of pod's action must name. */
  private static String action(String pod, String owner) {
    if (owner.equals("bare")) {
      return "kubectl delete pod -n " + NS + " " + pod;
    }
    if (owner.contains("CronJob")) {
      return "the next run of CronJob nightly-report gets the new proxy";
    }
    return "kubectl delete job -n " + NS + " migrate-db";
  }

  static Path fixture() {
    try {
      return Path.of(PodsToRecreateTest.class.getResource("/fixtures/pods-to-recreate").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
