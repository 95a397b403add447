package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The rollback rehearsals' machinery ({@link FailAtEveryStepTest}, {@link FailAtEveryStepOn16Test},
 * {@link FailAtAWorkloadStepOnBothVersionsTest}, {@link AbortDuringTheRestartsTest}): a sandbox per
 * kind of cluster, kept across the cases of a class; a migration through the real worker and
 * activities on an embedded Temporal server with a failure injected at a step (or an operator's
 * abort during it); and the checks that it ended {@code ROLLED_BACK} with the cluster equal to its
 * pre-migration snapshot object by object, every injected pod on its add-on proxy again and no
 * request of the traffic probe lost.
 */
final class RollbackRehearsal {
  static final Duration POD_READY_DELAY = Duration.ofMillis(300);
  static final String STATE_CONFIGMAP = "asm-addon-migration-state";
  static final String ADDON_14_PROXY = "gke.gcr.io/istio/proxyv2:1.4";
  static final String ADDON_16_PROXY = "gke.gcr.io/istio/proxyv2:1.6";

  /**
   * A kind of cluster to rehearse on.
   *
   * @param name how the cases name it ({@code 1.4}, {@code both}, ...)
   * @param prepare starts and settles its sandbox
   * @param rolledBack checks of its own after every rollback, beyond the common ones
   */
  record Cluster(String name, Callable<DemoRun> prepare, Consumer<DemoRun> rolledBack) {}

  /** The add-on 1.4 and Online Boutique. */
  static final Cluster ADDON_14 =
      new Cluster("1.4", () -> DemoRun.prepare("1.4", 0, POD_READY_DELAY), run -> {});

  /** Both add-on versions: Online Boutique on 1.6, namespace demo-14 on 1.4. */
  static final Cluster BOTH =
      new Cluster("both", () -> DemoRun.prepare("both", 0, POD_READY_DELAY), run -> {});

  private RollbackRehearsal() {}

  /**
   * The steps to rehearse: every rollbackable one, or (while working on one step) those named in
   * the system property {@code failat.steps}, comma-separated.
   */
  static Stream<Step> steps() {
    return Step.rollbackable().stream().filter(RollbackRehearsal::selected);
  }

  /** Whether the system property {@code failat.steps} (when set) names the step. */
  static boolean selected(Step s) {
    String only = System.getProperty("failat.steps", "");
    return only.isBlank() || List.of(only.split(",")).contains(s.id());
  }

  /**
   * A sandbox per kind of cluster, reused by the next case only when the last one proved it equal
   * to its pre-migration snapshot and the tool's own records were removed (so every case is a first
   * migration of that cluster); any failure closes it and the next case starts a fresh one. With
   * the system property {@code failat.freshSandbox=true}, every case starts a fresh one.
   */
  private static final Map<String, DemoRun> CLUSTERS = new HashMap<>();

  static void closeClusters() {
    CLUSTERS.values().forEach(DemoRun::close);
    CLUSTERS.clear();
  }

  static DemoRun cluster(Cluster cluster) throws Exception {
    // one sandbox at a time: an idle one still runs its controllers
    for (String other : List.copyOf(CLUSTERS.keySet())) {
      if (!other.equals(cluster.name())) {
        CLUSTERS.remove(other).close();
      }
    }
    DemoRun run = CLUSTERS.get(cluster.name());
    if (run == null || Boolean.getBoolean("failat.freshSandbox")) {
      if (run != null) {
        run.close();
      }
      run = cluster.prepare().call();
      CLUSTERS.put(cluster.name(), run);
    }
    return run;
  }

  static void failAndRollBack(Cluster cluster, Step step) throws Exception {
    rollBack(cluster, step, false);
  }

  /** A failure injected after {@code step}, or with {@code abort} an operator's abort during it. */
  static void rollBack(Cluster cluster, Step step, boolean abort) throws Exception {
    long started = System.nanoTime();
    StringWriter log = new StringWriter();
    PrintWriter out = new PrintWriter(new TeeWriter(log), true);
    String what = (abort ? "abort during " : "fail at ") + step.id();
    out.println("--- " + cluster.name() + ", " + what);
    DemoRun run = cluster(cluster);
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
            .as("the abort came while a namespace was being restarted and verified")
            .contains(
                ": MIGRATING (its pods being restarted and verified) when the abort is sent",
                "operator: abort during " + step.id() + ": aborted: rolling back",
                ": FAILED (aborted by an operator: demo: --abort-during " + step.id() + ")",
                ": ROLLED_BACK (aborted by an operator");
      }
      // the state ConfigMap is written once pre-flight passed: a failure injected at pre-flight
      // itself rolls back before it, and leaves none
      assertThat(
              run.sandbox()
                  .store()
                  .get(ResourceRegistry.CONFIGMAPS, "istio-system", STATE_CONFIGMAP)
                  .map(cm -> cm.path("data").path("migrationStatus").asText()))
          .isEqualTo(
              step == Step.PREFLIGHT
                  ? java.util.Optional.empty()
                  : java.util.Optional.of(MigrationState.ROLLED_BACK.name()));

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
      cluster.rolledBack().accept(run);

      JsonNode traffic = run.sandbox().trafficProbe().report();
      assertThat(traffic.path("sent").asLong()).isPositive();
      assertThat(traffic.path("failed").asLong()).as(traffic::toPrettyString).isZero();
      System.out.printf(
          "%s, %s: sandbox ready in %d s, migration and rollback %d s, checks %d s;"
              + " %d objects compared, %d requests%n",
          cluster.name(),
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
        CLUSTERS.remove(cluster.name());
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
  static TreeMap<String, List<String>> proxyImagesByNamespace(DemoRun run) {
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
