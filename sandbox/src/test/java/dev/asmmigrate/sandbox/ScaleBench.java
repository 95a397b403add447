package dev.asmmigrate.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures how the sandbox holds a cluster's size, not a test: how long N namespaces of three
 * Deployments (4 pods, as {@code demo --namespaces N} builds them) beside the add-on 1.4 and Online
 * Boutique take to be Ready, and how long one namespace's rollout ({@code kubectl rollout restart}
 * of its Deployments, then {@code rollout status}) takes alone and with C namespaces rolling out at
 * once.
 *
 * <pre>
 * mvn -B -o -q -pl sandbox dependency:build-classpath -Dmdep.outputFile=cp.txt \
 *   -Dmdep.includeScope=test
 * java -XX:TieredStopAtLevel=1 -cp "$(cat cp.txt):sandbox/target/classes:sandbox/target/test-classes" \
 *   dev.asmmigrate.sandbox.ScaleBench N [C1,C2,...] [podReadyDelayMillis]
 * </pre>
 *
 * (defaults 200, 4,16 and 300 ms, demo's). {@code -XX:TieredStopAtLevel=1} is what {@code
 * ./asm-migrate sandbox}, {@code demo} and {@code bench} run with (BENCHMARKS.md, run 6). {@code
 * -Dbench.requests=true} prints the API requests per namespace of each rollout, {@code
 * -Dbench.trace=NS} the store's events in a namespace. The figures are printed; nothing is asserted
 * (performance is measured, not tested). {@link #createNamespaces}, {@link #restartNamespace} and
 * {@link #awaitRolledOut} are the pieces a bench command reuses.
 */
public final class ScaleBench {
  private static final List<String> APPS = List.of("web", "api", "worker");

  private ScaleBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    List<Integer> concurrencies = new ArrayList<>();
    for (String c : (args.length > 1 ? args[1] : "4,16").split(",")) {
      concurrencies.add(Integer.parseInt(c.trim()));
    }
    Duration podReadyDelay = Duration.ofMillis(args.length > 2 ? Long.parseLong(args[2]) : 300);
    long t0 = System.nanoTime();
    try (Sandbox sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .app("online-boutique")
                .podReadyDelay(podReadyDelay)
                .build())) {
      KubernetesClient client = sandbox.client("bench");
      double started = seconds(t0);
      long t1 = System.nanoTime();
      long cpu = cpuNanos();
      createNamespaces(client, n);
      double created = seconds(t1);
      boolean settled = sandbox.awaitSettled(Duration.ofMinutes(15));
      double ready = seconds(t1);
      double cpuReady = (cpuNanos() - cpu) / 1e9;
      int pods = sandbox.store().list(ResourceRegistry.PODS, null).size();
      System.out.printf(
          Locale.ROOT,
          "N=%d: sandbox started in %.1f s; namespaces created in %.1f s; %d pods %s %.1f s after"
              + " the first creation (%.1f CPU-s)%n",
          n,
          started,
          created,
          pods,
          settled ? "Ready" : "NOT settled",
          ready,
          cpuReady);
      if (!settled || n == 0) {
        return;
      }
      long idleCpu = cpuNanos();
      Thread.sleep(5_000);
      System.out.printf(
          Locale.ROOT,
          "idle: %.2f CPU-s per second while nothing changes%n",
          (cpuNanos() - idleCpu) / 1e9 / 5);
      int next = 1;
      String trace = System.getProperty("bench.trace");
      if (trace != null) {
        long t = System.nanoTime();
        sandbox
            .store()
            .subscribe(
                e -> {
                  if (trace.equals(e.namespace())) {
                    JsonNode st = e.object().path("status");
                    System.out.printf(
                        Locale.ROOT,
                        "%7.3f %-8s %-12s %-28s %s%n",
                        seconds(t),
                        e.type(),
                        e.resource().kind(),
                        e.name(),
                        e.resource().kind().equals("Pod")
                            ? st.path("phase").asText()
                                + " ready="
                                + st.path("conditions")
                                    .toString()
                                    .contains("\"Ready\",\"status\":\"True\"")
                                + (e.object().path("metadata").has("deletionTimestamp")
                                    ? " terminating"
                                    : "")
                            : st.toString().length() > 160
                                ? st.toString().substring(0, 160)
                                : st.toString());
                  }
                });
      }
      double alone = rollouts(sandbox, client, List.of("demo-" + next++));
      System.out.printf(Locale.ROOT, "C=1: one namespace rolls out in %.2f s%n", alone);
      for (int c : concurrencies) {
        List<String> namespaces = new ArrayList<>();
        for (int i = 0; i < c && next <= n; i++) {
          namespaces.add("demo-" + next++);
        }
        double each = rollouts(sandbox, client, namespaces);
        System.out.printf(
            Locale.ROOT,
            "C=%d: each namespace rolls out in %.2f s on average, %.2fx one alone%n",
            namespaces.size(),
            each,
            each / alone);
        // one alone again, between the concurrent runs: the baseline under the same load
        if (next <= n) {
          alone = rollouts(sandbox, client, List.of("demo-" + next++));
          System.out.printf(Locale.ROOT, "C=1: one namespace rolls out in %.2f s%n", alone);
        }
      }
    }
  }

  /** Rolls the namespaces out at once; the mean seconds from each one's restart to its status. */
  static double rollouts(Sandbox sandbox, KubernetesClient client, List<String> namespaces)
      throws Exception {
    long cpu = cpuNanos();
    long wall = System.nanoTime();
    int logged = sandbox.apiServer().requestLog().entries().size();
    java.util.Map<String, Long> threadCpu = threadCpu();
    try {
      return rolloutsTimed(sandbox, client, namespaces);
    } finally {
      if (Boolean.getBoolean("bench.requests")) {
        var entries = sandbox.apiServer().requestLog().entries();
        java.util.TreeMap<String, Integer> counts = new java.util.TreeMap<>();
        for (var e : entries.subList(Math.min(logged, entries.size()), entries.size())) {
          if (namespaces.size() == 1 && Boolean.getBoolean("bench.sequence")) {
            System.out.printf(
                Locale.ROOT,
                "    %s %s %s %s/%s %s%n",
                e.time(),
                e.userAgent(),
                e.verb(),
                e.resource(),
                e.subresource(),
                e.name());
          }
          counts.merge(
              e.userAgent().replace(Sandbox.USER_AGENT_PREFIX, "")
                  + " "
                  + e.verb()
                  + " "
                  + e.resource()
                  + (e.subresource() == null || e.subresource().isEmpty()
                      ? ""
                      : "/" + e.subresource()),
              1,
              Integer::sum);
        }
        counts.forEach(
            (k, v) ->
                System.out.printf(
                    Locale.ROOT,
                    "    %6.1f per namespace: %s%n",
                    v / (double) namespaces.size(),
                    k));
      }
      if (Boolean.getBoolean("bench.threads")) {
        // CPU by thread group; what no Java thread accounts for is the JVM's (GC, JIT)
        java.util.Map<String, Long> after = threadCpu();
        java.util.Map<String, Long> byGroup = new java.util.TreeMap<>();
        long threads = 0;
        for (var e : after.entrySet()) {
          long d = e.getValue() - threadCpu.getOrDefault(e.getKey(), 0L);
          threads += d;
          byGroup.merge(e.getKey().replaceAll("[0-9]+", "#").replaceAll("@.*", ""), d, Long::sum);
        }
        byGroup.put("(JVM: GC, JIT)", cpuNanos() - cpu - threads);
        byGroup.entrySet().stream()
            .filter(e -> e.getValue() > 20_000_000L)
            .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
            .forEach(
                e ->
                    System.out.printf(
                        Locale.ROOT, "    %6.2f CPU-s: %s%n", e.getValue() / 1e9, e.getKey()));
      }
      System.out.printf(
          Locale.ROOT,
          "  (%d namespaces: %.2f s wall, %.2f CPU-s, %.3f CPU-s per namespace)%n",
          namespaces.size(),
          seconds(wall),
          (cpuNanos() - cpu) / 1e9,
          (cpuNanos() - cpu) / 1e9 / namespaces.size());
    }
  }

  /** Each live thread's CPU time, by name and id. */
  private static java.util.Map<String, Long> threadCpu() {
    var mx = java.lang.management.ManagementFactory.getThreadMXBean();
    java.util.Map<String, Long> out = new java.util.HashMap<>();
    for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (info != null) {
        long t = mx.getThreadCpuTime(info.getThreadId());
        if (t >= 0) {
          out.put(info.getThreadName() + "@" + info.getThreadId(), t);
        }
      }
    }
    return out;
  }

  /** This process's CPU time. */
  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double rolloutsTimed(
      Sandbox sandbox, KubernetesClient client, List<String> namespaces) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(namespaces.size());
    try {
      List<Future<Double>> each = new ArrayList<>();
      for (String ns : namespaces) {
        each.add(
            pool.submit(
                () -> {
                  long t = System.nanoTime();
                  restartNamespace(client, ns);
                  if (!awaitRolledOut(sandbox, ns, Duration.ofMinutes(5))) {
                    throw new IllegalStateException(ns + " did not roll out within 5 minutes");
                  }
                  return seconds(t);
                }));
      }
      double sum = 0;
      for (Future<Double> f : each) {
        sum += f.get();
      }
      return sum / namespaces.size();
    } finally {
      pool.shutdownNow();
    }
  }

  /** Namespaces {@code demo-1..n}, injected, each with three Deployments of 2, 1 and 1 pods. */
  public static void createNamespaces(KubernetesClient client, int n) {
    for (int i = 1; i <= n; i++) {
      String ns = "demo-" + i;
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(ns)
                  .withLabels(Map.of("istio-injection", "enabled"))
                  .endMetadata()
                  .build())
          .create();
      for (String app : APPS) {
        client
            .apps()
            .deployments()
            .inNamespace(ns)
            .resource(
                new DeploymentBuilder()
                    .withNewMetadata()
                    .withName(app)
                    .endMetadata()
                    .withNewSpec()
                    .withReplicas(app.equals("web") ? 2 : 1)
                    .withNewSelector()
                    .addToMatchLabels("app", app)
                    .endSelector()
                    .withNewTemplate()
                    .withNewMetadata()
                    .addToLabels("app", app)
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName(app)
                    .withImage("gcr.io/google-samples/hello-app:1.0")
                    .addNewPort()
                    .withContainerPort(8080)
                    .endPort()
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();
      }
    }
  }

  /** {@code kubectl rollout restart deployment -n NS}: a new restartedAt on each template. */
  public static void restartNamespace(KubernetesClient client, String ns) {
    String now = Instant.now().toString();
    for (var d : client.apps().deployments().inNamespace(ns).list().getItems()) {
      client
          .apps()
          .deployments()
          .inNamespace(ns)
          .withName(d.getMetadata().getName())
          .edit(
              x -> {
                var meta = x.getSpec().getTemplate().getMetadata();
                Map<String, String> annotations =
                    meta.getAnnotations() == null
                        ? new java.util.LinkedHashMap<>()
                        : meta.getAnnotations();
                annotations.put("kubectl.kubernetes.io/restartedAt", now);
                meta.setAnnotations(annotations);
                return x;
              });
    }
  }

  /**
   * Waits until every Deployment of the namespace is rolled out as {@code kubectl rollout status}
   * says it: observed, every replica updated and available, no old replica left.
   */
  public static boolean awaitRolledOut(Sandbox sandbox, String ns, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      boolean done = true;
      for (JsonNode d : sandbox.store().list(ResourceRegistry.DEPLOYMENTS, ns)) {
        done &= rolledOut(d);
      }
      if (done) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  private static boolean rolledOut(JsonNode d) {
    JsonNode status = d.path("status");
    int replicas = d.path("spec").path("replicas").asInt(1);
    return status.path("observedGeneration").asLong()
            >= d.path("metadata").path("generation").asLong()
        && status.path("updatedReplicas").asInt() == replicas
        && status.path("replicas").asInt() == replicas
        && status.path("availableReplicas").asInt() == replicas;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
