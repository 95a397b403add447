package dev.asmmigrate.cli;

import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.preflight.PreflightActivitiesImpl;
import dev.asmmigrate.activities.workloads.ClusterWatches;
import dev.asmmigrate.cli.BenchResult.Figure;
import dev.asmmigrate.workflows.activities.PreflightActivities.PreflightRequest;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationContext;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code asm-migrate bench worker}: serves a sandbox in a child JVM ({@code asm-migrate sandbox}),
 * fills it through the API, then in this JVM runs pre-flight (timed) and starts the worker's shared
 * cluster-wide watches, measuring the heap they hold after a full GC against the same JVM's heap
 * before them.
 */
final class BenchWorkerRun {
  static final int PODS_TARGET = 10_000;
  private static final int CREATORS = 4;

  record Size(int namespaces, int deployments, int replicas, Duration podReadyDelay) {
    int pods() {
      return namespaces * deployments * replicas;
    }
  }

  private final Size size;
  private final PrintWriter progress;
  private final long started = System.nanoTime();

  BenchWorkerRun(Size size, PrintWriter progress) {
    this.size = size;
    this.progress = progress;
  }

  BenchWorkerCommand.Result run() throws Exception {
    Path dir = Files.createTempDirectory("asm-migrate-bench-worker");
    Path kubeconfig = dir.resolve("sandbox.kubeconfig");
    Process child = serve(kubeconfig);
    CompletableFuture<String> google = new CompletableFuture<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> follow(child, google, ready), "bench-sandbox-output");
    reader.setDaemon(true);
    reader.start();
    try (KubeClients clients = new KubeClients();
        GoogleClients googleClients = new GoogleClients()) {
      ready.get(5, TimeUnit.MINUTES);
      Connection connection =
          new Connection(kubeconfig.toString(), "sandbox", google.get(1, TimeUnit.SECONDS));
      KubernetesClient client = clients.client(connection);
      double fill = fill(client);

      MigrationContext ctx =
          new MigrationContext(
              UUID.randomUUID().toString(),
              new ClusterRef("sandbox-project", "us-central1-c", "sandbox-cluster"),
              connection,
              BenchRun.REVISION,
              null);
      PreflightActivitiesImpl preflight =
          new PreflightActivitiesImpl(clients, new BackupStores(clients), googleClients);
      long t = System.nanoTime();
      int surveyed = preflight.preflight(new PreflightRequest(ctx, List.of())).namespaces().size();
      double first = seconds(t);
      t = System.nanoTime();
      preflight.preflight(new PreflightRequest(ctx, List.of()));
      double again = seconds(t);
      say("pre-flight: " + fmt(first) + " s, again " + fmt(again) + " s");

      long before = heapAfterGc();
      t = System.nanoTime();
      long held;
      try (AutoCloseable watches = ClusterWatches.startListed(client, Duration.ofMinutes(10))) {
        double listed = seconds(t);
        held = heapAfterGc() - before;
        say("shared watches listed in " + fmt(listed) + " s; they hold " + mib(held) + " MiB");
      }
      return result(fill, first, again, surveyed, held);
    } finally {
      child.destroy();
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
  }

  private BenchWorkerCommand.Result result(
      double fill, double preflight, double again, int surveyed, long held) {
    double perPodKiB = held / 1024.0 / size.pods();
    double at10k = mib(held) * PODS_TARGET / size.pods();
    boolean measuredAt10k = size.pods() >= PODS_TARGET;
    List<Figure> figures = new ArrayList<>();
    figures.add(Figure.of("sandboxFill", fill, "s", "namespaces created until every pod is Ready"));
    figures.add(
        Figure.of("pods", size.pods(), "count", "pods of the bench's namespaces, all Ready"));
    figures.add(
        new Figure(
            "preflightNamespaces",
            surveyed,
            "count",
            "injected namespaces pre-flight planned",
            null,
            null));
    figures.add(
        new Figure(
            "preflight",
            preflight,
            "s",
            "pre-flight's activity, first run in this JVM (GKE, add-on, namespaces, permissions)",
            "< 10 s at 200 namespaces",
            size.namespaces() >= 200 ? preflight < 10 : null));
    figures.add(Figure.of("preflightAgain", again, "s", "pre-flight's activity, run again"));
    figures.add(
        new Figure(
            "workerCaches",
            mib(held),
            "MiB",
            "heap after full GC with the shared watches listed, minus the heap before them",
            measuredAt10k ? "<= 512 MB with 10,000 pods" : null,
            measuredAt10k ? mib(held) * 1024 * 1024 <= 512e6 : null));
    figures.add(
        new Figure(
            "workerCachesPerPod",
            perPodKiB,
            "KiB",
            "workerCaches / pods (their Deployments and ReplicaSets included)",
            null,
            null));
    figures.add(
        new Figure(
            "workerCachesAt10000Pods",
            at10k,
            "MiB",
            measuredAt10k
                ? "workerCaches scaled to 10,000 pods"
                : "workerCaches extrapolated linearly to 10,000 pods",
            "<= 512 MB",
            at10k * 1024 * 1024 <= 512e6));
    List<String> notes =
        List.of(
            "the sandbox runs in a child JVM: this JVM's heap holds the worker's clients and"
                + " caches, not the cluster",
            "heap: MemoryMXBean heap used after two System.gc() calls");
    return new BenchWorkerCommand.Result(size, figures, notes);
  }

  // --- the sandbox ---------------------------------------------------------------------------

  private Process serve(Path kubeconfig) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        List.of(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "sandbox",
            "--kubeconfig",
            kubeconfig.toString(),
            "--pod-ready-delay",
            size.podReadyDelay().toMillis() + "ms");
    say("serving a sandbox in a child JVM");
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** Reads the child's output: its Google endpoint, then its first settling. */
  private void follow(
      Process child, CompletableFuture<String> google, CompletableFuture<Void> ready) {
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("google apis:")) {
          google.complete(line.substring("google apis:".length()).trim().split(" ")[0]);
        } else if (line.startsWith("ready:") || line.startsWith("warning:")) {
          ready.complete(null);
        }
      }
    } catch (IOException e) {
      ready.completeExceptionally(e);
    }
    ready.completeExceptionally(
        new UserError(ExitCodes.UNEXPECTED, "the sandbox's JVM ended before it was ready"));
  }

  /** Creates the namespaces, a few at a time, and waits until every pod of them is Ready. */
  private double fill(KubernetesClient client) throws Exception {
    long t = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(CREATORS);
    try {
      List<Future<?>> created = new ArrayList<>();
      for (int i = 1; i <= size.namespaces(); i++) {
        String ns = "bench-" + i;
        created.add(
            pool.submit(
                () -> BenchRun.addNamespace(client, ns, size.deployments(), size.replicas())));
      }
      for (Future<?> f : created) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    say(size.namespaces() + " namespaces created");
    Duration bound = Duration.ofMinutes(5).plusMillis(100L * size.pods());
    long deadline = System.nanoTime() + bound.toNanos();
    while (true) {
      long ready =
          client.pods().inAnyNamespace().list().getItems().stream()
              .filter(p -> p.getMetadata().getNamespace().startsWith("bench-"))
              .filter(BenchWorkerRun::ready)
              .count();
      say(ready + "/" + size.pods() + " pods Ready");
      if (ready >= size.pods()) {
        return seconds(t);
      }
      if (System.nanoTime() > deadline) {
        throw new UserError(
            ExitCodes.UNEXPECTED,
            "the sandbox had " + ready + " of " + size.pods() + " pods Ready after " + bound);
      }
      Thread.sleep(10_000);
    }
  }

  private static boolean ready(Pod p) {
    List<ContainerStatus> statuses =
        p.getStatus() == null ? null : p.getStatus().getContainerStatuses();
    return statuses != null
        && !statuses.isEmpty()
        && statuses.stream().allMatch(s -> Boolean.TRUE.equals(s.getReady()));
  }

  // --- helpers --------------------------------------------------------------------------------

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 2; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }

  private void say(String line) {
    progress.println("bench worker [" + fmt(seconds(started)) + " s]: " + line);
    progress.flush();
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static String fmt(double s) {
    return String.format(Locale.ROOT, "%.1f", s);
  }
}
