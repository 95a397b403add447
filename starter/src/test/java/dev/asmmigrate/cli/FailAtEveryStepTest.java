package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.ClusterSnapshot;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.Step;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 3, "fail at every step": for every step a failure can be injected at and rolled back from
 * ({@link Step#rollbackable()}, so a new step is covered without touching this class), a fresh
 * sandbox with the add-on and Online Boutique is migrated through the real worker and activities on
 * an embedded Temporal server with a permanent failure injected at that step. After compensation
 * the run must end {@code ROLLED_BACK}, the state ConfigMap must say so, the cluster must equal its
 * pre-migration snapshot ({@link ClusterSnapshot}), every injected pod must run the add-on's proxy
 * again, and the traffic probe through the ingress gateway must have lost nothing. The workload
 * steps are also rehearsed on a cluster with both add-on versions ({@link
 * FailAtAWorkloadStepOnBothVersionsTest}, a class of its own so that it runs beside this one), and
 * an operator's abort in the middle of the restarts ({@link AbortDuringTheRestartsTest}).
 */
class FailAtEveryStepTest {
  private static final Duration POD_READY_DELAY = Duration.ofMillis(300);
  private static final String STATE_CONFIGMAP = "asm-addon-migration-state";
  private static final String ADDON_14_PROXY = "gke.gcr.io/istio/proxyv2:1.4";
  private static final String ADDON_16_PROXY = "gke.gcr.io/istio/proxyv2:1.6";

  /**
   * The steps to rehearse: every rollbackable one, or (while working on one step) those named in
   * the system property {@code failat.steps}, comma-separated.
   */
  static Stream<Step> steps() {
    String only = System.getProperty("failat.steps", "");
    return Step.rollbackable().stream()
        .filter(s -> only.isBlank() || List.of(only.split(",")).contains(s.id()));
  }

  @TestFactory
  Stream<DynamicTest>
      givenAnAddOn14Cluster_whenAFailureIsInjectedAtAnyStep_itShouldRollBackToThePreMigrationCluster() {
    return steps()
        .map(step -> dynamicTest("1.4, fail at " + step.id(), () -> failAndRollBack("1.4", step)));
  }

  /**
   * A sandbox per add-on version, reused by the next case only when the last one proved it equal to
   * its pre-migration snapshot and the tool's own records were removed (so every case is a first
   * migration of that cluster); any failure closes it and the next case starts a fresh one. With
   * the system property {@code failat.freshSandbox=true}, every case starts a fresh one.
   */
  private static final Map<String, DemoRun> CLUSTERS = new HashMap<>();

  @AfterAll
  static void closeClusters() {
    CLUSTERS.values().forEach(DemoRun::close);
    CLUSTERS.clear();
  }

  private static DemoRun cluster(String version) throws Exception {
    // one sandbox at a time: an idle one still runs its controllers
    for (String other : List.copyOf(CLUSTERS.keySet())) {
      if (!other.equals(version)) {
        CLUSTERS.remove(other).close();
      }
    }
    DemoRun run = CLUSTERS.get(version);
    if (run == null || Boolean.getBoolean("failat.freshSandbox")) {
      if (run != null) {
        run.close();
      }
      run = DemoRun.prepare(version, 0, POD_READY_DELAY);
      CLUSTERS.put(version, run);
    }
    return run;
  }

  static void failAndRollBack(String version, Step step) throws Exception {
    rollBack(version, step, false);
  }

  /** A failure injected after {@code step}, or with {@code abort} an operator's abort during it. */
  static void rollBack(String version, Step step, boolean abort) throws Exception {
    long started = System.nanoTime();
    StringWriter log = new StringWriter();
    PrintWriter out = new PrintWriter(new TeeWriter(log), true);
    String what = (abort ? "abort during " : "fail at ") + step.id();
    out.println("--- " + version + ", " + what);
    DemoRun run = cluster(version);
    boolean clean = false;
    try {
      assertThat(run.before().diff(ClusterSnapshot.take(run.sandbox().store())))
          .as("the cluster before the migration differs from its pristine snapshot")
          .isEmpty();
      long prepared = System.nanoTime();
      TreeMap<String, List<String>> proxiesBefore = proxyImagesByNamespace(run);

      MigrationResult result =
          abort ? run.migrate(null, step.id(), 4, out, null) : run.migrate(step.id(), 4, out);
      long migrated = System.nanoTime();

      assertThat(result.state()).as(log::toString).isEqualTo(MigrationState.ROLLED_BACK);
      assertThat(result.failedStep()).isEqualTo(step.id());
      assertThat(result.error())
          .startsWith(abort ? "ABORTED: aborted by an operator" : "INJECTED_FAILURE");
      if (abort) {
        assertThat(log.toString())
            .as("the abort came while a namespace's restarted pods were being verified")
            .contains(
                ": RESTARTED ",
                "operator: abort during " + step.id() + ": aborted: rolling back",
                ": FAILED (aborted by an operator: demo: --abort-during " + step.id() + ")",
                ": ROLLED_BACK (aborted by an operator");
      }
      assertThat(
              run.sandbox()
                  .store()
                  .get(ResourceRegistry.CONFIGMAPS, "istio-system", STATE_CONFIGMAP)
                  .map(cm -> cm.path("data").path("migrationStatus").asText()))
          .hasValue(MigrationState.ROLLED_BACK.name());

      assertThat(run.sandbox().awaitSettled(Duration.ofMinutes(2))).isTrue();
      List<String> diff = run.before().diff(ClusterSnapshot.take(run.sandbox().store()));
      assertThat(diff)
          .as("differences from the %d objects of the pre-migration snapshot", run.before().size())
          .isEmpty();

      TreeMap<String, List<String>> proxiesAfter = proxyImagesByNamespace(run);
      assertThat(proxiesAfter)
          .as("istio-proxy images of the injected pods")
          .isEqualTo(proxiesBefore)
          .isNotEmpty()
          .allSatisfy(
              (ns, images) ->
                  assertThat(images)
                      .allMatch(
                          image ->
                              image.startsWith(ADDON_14_PROXY) || image.startsWith(ADDON_16_PROXY),
                          "an add-on proxy"));

      JsonNode traffic = run.sandbox().trafficProbe().report();
      assertThat(traffic.path("sent").asLong()).isPositive();
      assertThat(traffic.path("failed").asLong()).as(traffic::toPrettyString).isZero();
      System.out.printf(
          "%s, %s: sandbox ready in %d s, migration and rollback %d s, checks %d s;"
              + " %d objects compared, %d requests%n",
          version,
          what,
          Duration.ofNanos(prepared - started).toSeconds(),
          Duration.ofNanos(migrated - prepared).toSeconds(),
          Duration.ofNanos(System.nanoTime() - migrated).toSeconds(),
          run.before().size(),
          traffic.path("sent").asLong());
      forgetMigration(run);
      clean = true;
    } finally {
      if (!clean) {
        CLUSTERS.remove(version);
        run.close();
      }
    }
  }

  /** Removes the tool's own records, its backups and state ConfigMap, as if it never ran. */
  private static void forgetMigration(DemoRun run) {
    KubernetesClient client = run.sandbox().client("fail-at-every-step-test");
    client.configMaps().inNamespace("istio-system").withName(STATE_CONFIGMAP).delete();
    client.namespaces().withName(ClusterSnapshot.BACKUP_NAMESPACE).delete();
    await()
        .atMost(Duration.ofMinutes(1))
        .until(
            () ->
                run.sandbox()
                    .store()
                    .get(ResourceRegistry.NAMESPACES, null, ClusterSnapshot.BACKUP_NAMESPACE)
                    .isEmpty());
  }

  /** The run's progress, kept for the assertion messages and shown as it happens. */
  private static final class TeeWriter extends java.io.Writer {
    private final StringWriter kept;

    TeeWriter(StringWriter kept) {
      this.kept = kept;
    }

    @Override
    public void write(char[] buf, int off, int len) {
      kept.write(buf, off, len);
      System.out.print(new String(buf, off, len));
    }

    @Override
    public void flush() {
      System.out.flush();
    }

    @Override
    public void close() {}
  }

  /** Every running pod's istio-proxy image, by namespace (istio-system's gateway included). */
  private static TreeMap<String, List<String>> proxyImagesByNamespace(DemoRun run) {
    TreeMap<String, List<String>> images = new TreeMap<>();
    for (ObjectNode pod : run.sandbox().store().list(ResourceRegistry.PODS, null)) {
      if (pod.path("metadata").has("deletionTimestamp")
          || pod.path("status").path("phase").asText().equals("Succeeded")) {
        continue;
      }
      for (JsonNode c : pod.path("spec").path("containers")) {
        if (c.path("name").asText().equals("istio-proxy")) {
          images
              .computeIfAbsent(
                  pod.path("metadata").path("namespace").asText(), k -> new ArrayList<>())
              .add(c.path("image").asText());
        }
      }
    }
    images.values().forEach(list -> list.sort(String::compareTo));
    return images;
  }
}
