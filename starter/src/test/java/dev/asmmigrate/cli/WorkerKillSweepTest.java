package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.ClusterSnapshot;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.WatchEvent;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12 item 4, the worker-kill sweep: 20 points drawn across a whole migration, each a
 * different activity and moment, each its own migration. Per point: a served add-on 1.6 sandbox
 * (Online Boutique and {@code demo-1}, {@code demo-2}: three namespaces, three waves at {@code
 * --concurrency 1}), {@code asm-migrate server}, {@code worker} and {@code start --auto-approve
 * --wait} as OS processes; the worker SIGKILLed at the point, a new worker started; the migration
 * must end SUCCESS with the cluster as an uncrashed run leaves it and nothing applied twice.
 *
 * <p>Three kinds of moment: <b>at a write</b> - the worker is killed from the sandbox's store
 * listener, on the thread that applied the write, before the write is answered (the change is in
 * the cluster, the activity never learns it: its retry must find it done); <b>after a write</b> - a
 * fixed delay later, while the activity waits and heartbeats; <b>before an activity</b> - at the
 * state ConfigMap write that opens a step (the workflow records the step, then schedules its
 * activity). Pre-flight and disable-addon write nothing in the cluster (disable-addon calls the GKE
 * API): they are killed when the worker logs their result, before the activity returns it.
 *
 * <p>"As an uncrashed run": {@link MigratedCluster#assertMigrated} (the object-by-object checks an
 * uncrashed run is held to: labels, webhooks, gateway, every pod's proxy, cleanup, backups,
 * traffic) and the whole-cluster diff against the pre-migration snapshot restricted to what a
 * migration changes ({@link CrashResumeTest#outsideTheMigrationsReach}). "Nothing applied twice":
 * the Mesh CA root never twice in istio-ca-secret, each Deployment restarted once to the
 * migration's value with one new revision and one new ReplicaSet, no backup rewritten after its
 * first write, no list entry (container, volume, webhook, rule...) duplicated.
 *
 * <p>Long (about 3 minutes a point), so tagged {@code reliability} and left out of the default
 * suite: {@code mvn -B -o -pl starter -am -Preliability -Dtest=WorkerKillSweepTest
 * -Dsurefire.failIfNoSpecifiedTests=false verify}; {@code -Dsweep.points=4,9} runs some points.
 * Each point's result is appended to {@code starter/target/reliability/worker-kill-sweep.txt} as it
 * ends. {@link CrashResumeTest} keeps two kill points in the default suite.
 */
@Tag("reliability")
class WorkerKillSweepTest {
  private static final String STATE = "asm-addon-migration-state";
  private static final Set<String> INJECTED = Set.of("online-boutique", "demo-1", "demo-2");
  private static final Path RESULTS = Path.of("target", "reliability", "worker-kill-sweep.txt");

  /** One kill point: where in the migration, what moment, and the trigger. */
  record KillPoint(int n, String activity, String moment, Trigger trigger, long delayMs) {
    /** A point killed when the worker logs {@code logLine} (a regex), not at a store event. */
    static KillPoint atLogLine(int n, String activity, String moment, String logLine) {
      return new KillPoint(n, activity, moment + " [log: " + logLine + "]", null, 0);
    }

    String logLine() {
      return moment.substring(moment.indexOf("[log: ") + 6, moment.length() - 1);
    }

    @Override
    public String toString() {
      return n + ": " + activity + ", " + moment;
    }
  }

  /** Whether the event just applied is the point's moment, given what the sweep has seen. */
  @FunctionalInterface
  interface Trigger {
    boolean test(Seen seen, WatchEvent e);
  }

  static Stream<KillPoint> points() {
    List<KillPoint> all =
        List.of(
            KillPoint.atLogLine(
                1,
                "preflight",
                "right after it examined the cluster",
                "preflight .*namespaces to migrate"),
            new KillPoint(
                2,
                "preflight -> config-check",
                "at the state write recording the migration (PENDING)",
                (s, e) -> s.isState(e) && e.type().equals("ADDED"),
                0),
            new KillPoint(
                3,
                "fleet-registration",
                "before its activity (the state write opening the step)",
                (s, e) -> s.opens(e, "fleet-registration"),
                0),
            new KillPoint(
                4,
                "control-plane",
                "at its write: the ControlPlaneRevision created",
                (s, e) -> isControlPlaneRevision(e),
                0),
            new KillPoint(
                5,
                "control-plane wait",
                "1 s after the ControlPlaneRevision was created, while the wait heartbeats",
                (s, e) -> isControlPlaneRevision(e),
                1000),
            new KillPoint(
                6,
                "migrate-configs",
                "at its first write",
                (s, e) -> s.nthWriteIn(e, "migrate-configs", 1),
                0),
            new KillPoint(
                7,
                "configure-mesh-ca",
                "at its write of the Mesh CA root into istio-ca-secret",
                (s, e) -> meshCaRootAppended(e),
                0),
            new KillPoint(
                8,
                "configure-mesh-ca root distribution wait",
                "2 s after the Mesh CA root was appended",
                (s, e) -> meshCaRootAppended(e),
                2000),
            new KillPoint(
                9,
                "migrate-workloads wave 1",
                "at the relabel of the wave's namespace",
                (s, e) -> s.relabel(e) == 1,
                0),
            new KillPoint(
                10,
                "migrate-workloads wave 1",
                "at the first Deployment restart",
                (s, e) -> s.restart(e, 1, 1),
                0),
            new KillPoint(
                11,
                "migrate-workloads wave 1 verify",
                "1 s after its last Deployment restart, while the rollout is awaited",
                (s, e) -> s.restart(e, 1, -1),
                1000),
            new KillPoint(
                12,
                "migrate-workloads wave 2",
                "at the relabel of the wave's namespace",
                (s, e) -> s.relabel(e) == 2,
                0),
            new KillPoint(
                13,
                "migrate-workloads wave 2",
                "at its second Deployment restart (mid-namespace)",
                (s, e) -> s.restart(e, 2, 2),
                0),
            new KillPoint(
                14,
                "migrate-workloads wave 3",
                "at its last Deployment restart",
                (s, e) -> s.restart(e, 3, -1),
                0),
            new KillPoint(
                15,
                "replace-gateway",
                "at its first write",
                (s, e) -> s.nthWriteIn(e, "replace-gateway", 1),
                0),
            new KillPoint(
                16,
                "replace-webhook",
                "at its first write",
                (s, e) -> s.nthWriteIn(e, "replace-webhook", 1),
                0),
            new KillPoint(
                17,
                "migrate-remaining-workloads",
                "before its activity (the state write opening the step)",
                (s, e) -> s.opens(e, "migrate-remaining-workloads"),
                0),
            new KillPoint(
                18,
                "write-marker",
                "at the marker write (migrationStatus SUCCESS), before the activity returns",
                (s, e) -> s.isState(e) && s.becomes(e, "migrationStatus", "SUCCESS"),
                0),
            // disable-addon writes nothing in the cluster: it calls the GKE API
            KillPoint.atLogLine(
                19,
                "disable-addon",
                "right after the GKE call disabled the add-on, before the activity returns",
                "disable-addon: disabled the Istio add-on"),
            new KillPoint(
                20,
                "cleanup",
                "at its third write (mid-activity)",
                (s, e) -> s.nthWriteIn(e, "cleanup", 3),
                0));
    String only = System.getProperty("sweep.points", "");
    if (only.isBlank()) {
      // run spread across the migration first, so that a partial run still samples all of it
      List<Integer> order =
          List.of(10, 18, 7, 4, 14, 20, 2, 16, 12, 1, 6, 8, 9, 11, 13, 15, 17, 19, 3, 5);
      return order.stream().map(n -> all.get(n - 1));
    }
    Set<Integer> wanted =
        Arrays.stream(only.split(","))
            .map(String::trim)
            .map(Integer::valueOf)
            .collect(java.util.stream.Collectors.toSet());
    return all.stream().filter(p -> wanted.contains(p.n()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("points")
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void givenWorkerKilledAtThePoint_whenANewWorkerTakesOver_itShouldEndAsUncrashedOnce(KillPoint p)
      throws Exception {
    long started = System.nanoTime();
    String outcome = "FAILED";
    String killedAt = "not killed";
    ScheduledExecutorService delayed = Executors.newSingleThreadScheduledExecutor();
    try (ProcessRig rig = ProcessRig.create("kill-sweep-" + p.n(), 2)) {
      ObjectStore store = rig.run.sandbox().store();
      MigratedCluster.Before before = MigratedCluster.capture(rig.run.sandbox());
      Map<String, Integer> revisionsBefore = new TreeMap<>();
      for (String ns : INJECTED) {
        revisionsBefore.putAll(MigrationUnderApiFaultsTest.deploymentRevisions(store, ns));
      }
      Map<String, Set<String>> duplicatesBefore =
          MigrationUnderApiFaultsTest.duplicateEntries(store);
      Seen seen = new Seen(store);
      rig.startServer();
      CliProcess worker = rig.startWorker();
      CountDownLatch fired = new CountDownLatch(1);
      String[] at = new String[1];
      if (p.trigger() != null) {
        CliProcess target = worker;
        Runnable unsubscribe =
            store.subscribe(
                e -> {
                  seen.update(e);
                  if (fired.getCount() > 0 && p.trigger().test(seen, e)) {
                    at[0] = describe(e) + " (step " + seen.step + ")";
                    if (p.delayMs() == 0) {
                      target.killNow();
                    } else {
                      delayed.schedule(target::killNow, p.delayMs(), TimeUnit.MILLISECONDS);
                    }
                    fired.countDown();
                  }
                });
        rig.closeAfter(unsubscribe);
      }
      CliProcess start = rig.start("start", "--wait", "--auto-approve", "--concurrency", "1");
      if (p.trigger() == null) {
        worker.awaitLine(p.logLine(), Duration.ofMinutes(8));
        worker.killNow();
        at[0] = "worker log line";
        fired.countDown();
      }
      Awaitility.await("the kill point or the migration's end")
          .atMost(Duration.ofMinutes(8))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> fired.getCount() == 0 || !start.alive());
      assertThat(fired.getCount()).as("the kill point reached before the migration ended").isZero();
      CliProcess killed = worker;
      // a delayed kill is under way: kill9 below would otherwise come first
      Awaitility.await("the delayed kill")
          .atMost(Duration.ofMillis(p.delayMs()).plusSeconds(30))
          .until(() -> !killed.alive());
      worker.kill9();
      killedAt = at[0];
      System.out.printf("WorkerKillSweepTest %s: killed at %s%n", p, killedAt);
      rig.startWorker();

      int exit = start.awaitExit(Duration.ofMinutes(8));
      assertThat(exit).as(start.output()).isZero();
      assertThat(start.output()).contains("migration: SUCCESS");
      MigrationResult result =
          rig.client()
              .newUntypedWorkflowStub(rig.workflowId())
              .getResult(10, TimeUnit.SECONDS, MigrationResult.class);
      assertThat(rig.run.sandbox().awaitSettled(Duration.ofMinutes(2))).isTrue();

      // the cluster as an uncrashed run leaves it
      MigratedCluster.assertMigrated(rig.run.sandbox(), before, result);
      assertThat(
              CrashResumeTest.outsideTheMigrationsReach(
                  rig.before().diff(ClusterSnapshot.take(store)), INJECTED))
          .isEmpty();

      // nothing applied twice
      assertThat(rig.recorder.maxMeshCaRoots()).as("Mesh CA roots at most").isEqualTo(1);
      String restartedAt = MigrationContext.restartedAt(result.migrationId());
      for (String ns : INJECTED) {
        assertThat(rig.recorder.deploymentsNotRestartedOnce(ns, restartedAt)).as(ns).isEmpty();
        MigratedCluster.replicaSets(store, ns)
            .forEach(
                (d, n) ->
                    assertThat(n)
                        .as("ReplicaSets of %s", d)
                        .isEqualTo(before.replicaSets().get(d) + 1));
        MigrationUnderApiFaultsTest.deploymentRevisions(store, ns)
            .forEach(
                (d, rev) ->
                    assertThat(rev).as("revision of %s", d).isEqualTo(revisionsBefore.get(d) + 1));
      }
      assertThat(rig.recorder.restarts())
          .allSatisfy((workload, times) -> assertThat(times).as(workload).isEqualTo(1));
      assertThat(rig.recorder.backupRewrites()).isEmpty();
      assertThat(rig.recorder.backups()).isNotEmpty().isEqualTo(CrashResumeTest.backupsNow(store));
      MigrationUnderApiFaultsTest.duplicateEntries(store)
          .forEach(
              (object, entries) ->
                  assertThat(entries)
                      .as("entries twice in %s", object)
                      .isSubsetOf(duplicatesBefore.getOrDefault(object, Set.of())));
      outcome = "SUCCESS";
    } catch (Throwable t) {
      outcome = "FAILED: " + firstLine(t);
      throw t;
    } finally {
      delayed.shutdownNow();
      long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
      record(
          String.format(
              "%s | point %s | killed at %s | %s | %d s",
              Instant.now(), p, killedAt, outcome, seconds));
    }
  }

  /** What the sweep has seen of the migration so far, updated from every store event. */
  static final class Seen {
    volatile String step = "";
    private String previousStep = "";
    private final List<String> relabelled = new ArrayList<>();
    private final Map<String, Integer> restarts = new TreeMap<>();
    private final Map<String, Integer> deployments = new TreeMap<>();
    private final Map<String, AtomicInteger> writes = new TreeMap<>();

    Seen(ObjectStore store) {
      for (String ns : INJECTED) {
        deployments.put(ns, store.list(ResourceRegistry.DEPLOYMENTS, ns).size());
      }
    }

    synchronized void update(WatchEvent e) {
      if (isState(e)) {
        previousStep = step;
        step = e.object().path("data").path("step").asText("");
      }
      if (relabelledNow(e)) {
        relabelled.add(e.name());
      }
      if (restartedNow(e)) {
        restarts.merge(e.namespace(), 1, Integer::sum);
      }
      if (isProductWrite(e)) {
        writes.computeIfAbsent(step, k -> new AtomicInteger()).incrementAndGet();
      }
    }

    boolean isState(WatchEvent e) {
      return e.resource().equals(ResourceRegistry.CONFIGMAPS)
          && "istio-system".equals(e.namespace())
          && STATE.equals(e.name());
    }

    /** The state write that opens {@code id} (the first with that step). */
    synchronized boolean opens(WatchEvent e, String id) {
      return isState(e) && id.equals(step) && !id.equals(previousStep);
    }

    boolean becomes(WatchEvent e, String key, String value) {
      return value.equals(e.object().path("data").path(key).asText())
          && (e.oldObject() == null
              || !value.equals(e.oldObject().path("data").path(key).asText()));
    }

    /** The position of the namespace this event relabels (1 = first), or 0. */
    synchronized int relabel(WatchEvent e) {
      return relabelledNow(e) ? relabelled.indexOf(e.name()) + 1 : 0;
    }

    /**
     * Whether this event is the {@code k}th Deployment restart ({@code -1}: the last) in the {@code
     * wave}th relabelled namespace.
     */
    synchronized boolean restart(WatchEvent e, int wave, int k) {
      if (!restartedNow(e) || relabelled.size() < wave) {
        return false;
      }
      String ns = relabelled.get(wave - 1);
      if (!ns.equals(e.namespace())) {
        return false;
      }
      int last = deployments.getOrDefault(ns, 0);
      return restarts.getOrDefault(ns, 0) == (k == -1 ? last : k);
    }

    /** Whether this event is the {@code k}th change in step {@code id} outside the bookkeeping. */
    synchronized boolean nthWriteIn(WatchEvent e, String id, int k) {
      return id.equals(step)
          && isProductWrite(e)
          && writes.getOrDefault(id, new AtomicInteger()).get() == k;
    }

    private static boolean relabelledNow(WatchEvent e) {
      return e.resource().equals(ResourceRegistry.NAMESPACES)
          && e.type().equals("MODIFIED")
          && INJECTED.contains(e.name())
          && "asm-managed".equals(label(e.object()))
          && !"asm-managed".equals(label(e.oldObject()));
    }

    private static String label(JsonNode ns) {
      return ns == null
          ? null
          : ns.path("metadata").path("labels").path("istio.io/rev").asText(null);
    }

    private static boolean restartedNow(WatchEvent e) {
      return e.resource().equals(ResourceRegistry.DEPLOYMENTS)
          && e.type().equals("MODIFIED")
          && !Objects.equals(restartedAt(e.object()), restartedAt(e.oldObject()))
          && restartedAt(e.object()) != null;
    }

    private static String restartedAt(JsonNode d) {
      return d == null
          ? null
          : d.path("spec")
              .path("template")
              .path("metadata")
              .path("annotations")
              .path(ClusterRecorder.RESTARTED_AT)
              .asText(null);
    }

    /**
     * A change other than the sandbox's own churn (pods, ReplicaSets, endpoints, events, leases;
     * status-only changes) and the state ConfigMap: in practice a write by the product.
     */
    private boolean isProductWrite(WatchEvent e) {
      String resource = e.resource().plural();
      if (Set.of("pods", "replicasets", "endpoints", "endpointslices", "events", "leases")
              .contains(resource)
          || isState(e)) {
        return false;
      }
      return e.oldObject() == null
          || !withoutStatus(e.object()).equals(withoutStatus(e.oldObject()));
    }

    private static JsonNode withoutStatus(ObjectNode o) {
      ObjectNode c = o.deepCopy();
      c.remove("status");
      if (c.path("metadata") instanceof ObjectNode m) {
        m.remove(List.of("resourceVersion", "generation", "managedFields"));
      }
      return c;
    }
  }

  private static boolean isControlPlaneRevision(WatchEvent e) {
    return e.resource().kind().equals("ControlPlaneRevision") && e.type().equals("ADDED");
  }

  private static boolean meshCaRootAppended(WatchEvent e) {
    return e.resource().equals(ResourceRegistry.SECRETS)
        && "istio-system".equals(e.namespace())
        && "istio-ca-secret".equals(e.name())
        && !e.type().equals("DELETED")
        && ClusterRecorder.meshCaRootCount(e.object()) > 0
        && (e.oldObject() == null || ClusterRecorder.meshCaRootCount(e.oldObject()) == 0);
  }

  private static String describe(WatchEvent e) {
    return e.type()
        + " "
        + e.resource().plural()
        + " "
        + (e.namespace() == null ? "" : e.namespace() + "/")
        + e.name();
  }

  private static String firstLine(Throwable t) {
    String m = String.valueOf(t.getMessage()).strip();
    int nl = m.indexOf('\n');
    return t.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
  }

  private static synchronized void record(String line) {
    try {
      Files.createDirectories(RESULTS.getParent());
      Files.writeString(RESULTS, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      System.err.println("cannot record " + line + ": " + e);
    }
  }
}
