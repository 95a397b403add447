package dev.asmmigrate.sandbox;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.google.FakeGoogleApis;
import dev.asmmigrate.sandbox.google.GkeClusterState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Several simulated GKE clusters served from one process: each a {@link Sandbox} with its own
 * Kubernetes API port, store, controllers, traffic probe, request log and faults, all sharing one
 * fake Google ({@link FakeGoogleApis}) that knows every cluster (ClusterManager answers for each;
 * GKE Hub keeps one fleet per fleet project, so concurrent migrations of two clusters meet on the
 * same {@code servicemesh} feature, as they do at Google) and one timer pool. The clusters start in
 * parallel, so their simulated waits overlap.
 *
 * <pre>{@code
 * try (SandboxFleet fleet = SandboxFleet.start(SandboxFleet.Settings.of(3, base))) {
 *   fleet.writeKubeconfig(Path.of("fleet.kubeconfig")); // contexts cluster-1..3
 * }
 * }</pre>
 */
public final class SandboxFleet implements AutoCloseable {
  private final Settings settings;
  private final Faults googleFaults = new Faults();
  private final FakeGoogleApis google;
  private final ScheduledExecutorService timers = Sandbox.timerPool();
  private final List<Sandbox> sandboxes = new ArrayList<>();

  /**
   * One cluster of the fleet.
   *
   * @param settings the cluster (its project, location and name must be unique in the fleet)
   * @param labels the cluster's labels (e.g. {@code wave: canary})
   * @param registered whether the cluster is already a member of the fleet project's GKE Hub (with
   *     {@code labels} on its membership, id = the cluster's name), as if registered before the
   *     sandbox started; otherwise the migration's fleet-registration step registers it
   */
  public record Member(SandboxSettings settings, Map<String, String> labels, boolean registered) {
    public Member {
      labels = Map.copyOf(labels);
    }

    public String name() {
      return settings.cluster();
    }
  }

  /**
   * A fleet.
   *
   * @param members the clusters, in order
   * @param fleetProject the GKE Hub project pre-registered clusters are members of
   * @param googlePort the shared fake Google APIs' port (0 picks a free one)
   */
  public record Settings(List<Member> members, String fleetProject, int googlePort) {
    public Settings {
      members = List.copyOf(members);
      if (members.isEmpty()) {
        throw new IllegalArgumentException("a fleet needs at least one cluster");
      }
      Set<String> names = new HashSet<>();
      for (Member m : members) {
        if (!names.add(m.name())) {
          throw new IllegalArgumentException(
              "cluster name '" + m.name() + "' is used twice: each cluster needs its own");
        }
      }
    }

    /**
     * {@code n} clusters made from {@code template}: named {@code cluster-1..n}, in the template's
     * project (also the fleet project), in locations {@code us-central1-a, -b, -c, -f} in turn, the
     * first labelled {@code wave: canary}, the others {@code wave: rest}, not registered.
     */
    public static Settings of(int n, SandboxSettings template) {
      if (n < 1) {
        throw new IllegalArgumentException("--clusters must be at least 1, got " + n);
      }
      List<Member> members = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        members.add(
            new Member(
                copy(template)
                    .cluster("cluster-" + i)
                    .location("us-central1-" + "abcf".charAt((i - 1) % 4))
                    .port(0)
                    .build(),
                Map.of("wave", i == 1 ? "canary" : "rest"),
                false));
      }
      return new Settings(members, template.project(), template.googlePort());
    }
  }

  /** A builder holding every setting of {@code s}, to change a few. */
  public static SandboxSettings.Builder copy(SandboxSettings s) {
    return SandboxSettings.builder()
        .base(s.base())
        .apps(s.apps())
        .fixtureDirs(s.fixtureDirs())
        .port(s.port())
        .googlePort(s.googlePort())
        .podReadyDelay(s.podReadyDelay())
        .project(s.project())
        .location(s.location())
        .cluster(s.cluster())
        .masterVersion(s.masterVersion())
        .controlPlaneProvisionDelay(s.controlPlaneProvisionDelay())
        .rootDistributionDelay(s.rootDistributionDelay())
        .trafficTarget(s.trafficTarget())
        .nodes(s.nodes())
        .proxyRootPickupDelay(s.proxyRootPickupDelay())
        .secure(s.secure());
  }

  private SandboxFleet(Settings settings) {
    this.settings = settings;
    this.google = new FakeGoogleApis(googleFaults, settings.googlePort());
  }

  /**
   * Starts the shared fake Google APIs, then every cluster in parallel; returns once each has its
   * add-on's injectors up (as {@link Sandbox#start}). If one cannot start, the others are closed
   * and its failure is thrown.
   */
  public static SandboxFleet start(Settings settings) {
    SandboxFleet fleet = new SandboxFleet(settings);
    try {
      fleet.boot();
      return fleet;
    } catch (RuntimeException e) {
      fleet.close();
      throw e;
    }
  }

  private void boot() {
    google.start();
    Sandbox.Shared shared = new Sandbox.Shared(google, timers);
    ExecutorService starters = Executors.newFixedThreadPool(settings.members().size());
    try {
      List<Future<Sandbox>> started = new ArrayList<>();
      for (Member m : settings.members()) {
        started.add(starters.submit(() -> Sandbox.start(m.settings(), shared)));
      }
      RuntimeException failure = null;
      for (Future<Sandbox> f : started) {
        try {
          sandboxes.add(f.get());
        } catch (ExecutionException e) {
          if (failure == null) {
            failure =
                e.getCause() instanceof RuntimeException r
                    ? r
                    : new IllegalStateException(e.getCause());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while the fleet started", e);
        }
      }
      if (failure != null) {
        throw failure;
      }
    } finally {
      starters.shutdown();
    }
    for (int i = 0; i < sandboxes.size(); i++) {
      Member m = settings.members().get(i);
      if (m.registered()) {
        google.registerMembership(
            settings.fleetProject(), m.name(), sandboxes.get(i).gkeCluster(), m.labels());
      }
    }
  }

  public Settings settings() {
    return settings;
  }

  /** The clusters' sandboxes, in the settings' order. */
  public List<Sandbox> sandboxes() {
    return List.copyOf(sandboxes);
  }

  /** The sandbox of the cluster named {@code name}. */
  public Sandbox sandbox(String name) {
    return sandboxes.stream()
        .filter(s -> s.settings().cluster().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no cluster named " + name));
  }

  /** The GKE cluster {@code name}, as the shared fake ClusterManager reports it. */
  public GkeClusterState gkeCluster(String name) {
    return sandbox(name).gkeCluster();
  }

  /** The shared fake Google APIs. */
  public FakeGoogleApis googleApis() {
    return google;
  }

  /** {@code 127.0.0.1:<port>} of the shared fake Google APIs, plaintext gRPC. */
  public String googleEndpoint() {
    return google.endpoint();
  }

  /** The faults of the shared fake Google APIs (each cluster's own faults are its sandbox's). */
  public Faults googleFaults() {
    return googleFaults;
  }

  /** Waits until every cluster has settled ({@link Sandbox#awaitSettled}). */
  public boolean awaitSettled(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Sandbox s : sandboxes) {
      if (!s.awaitSettled(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Writes an owner-only kubeconfig with one context per cluster, named as the cluster, pointing at
   * its API; the first cluster's context is the current one.
   */
  public Path writeKubeconfig(Path file) throws IOException {
    ObjectNode config = Json.object().put("apiVersion", "v1").put("kind", "Config");
    ArrayNode clusters = config.putArray("clusters");
    ArrayNode users = config.putArray("users");
    ArrayNode contexts = config.putArray("contexts");
    ObjectNode user = users.addObject().put("name", "sandbox-admin");
    user.putObject("user").put("token", "sandbox-admin-token");
    for (Sandbox s : sandboxes) {
      String name = s.settings().cluster();
      ObjectNode cluster = clusters.addObject().put("name", name);
      cluster.putObject("cluster").put("server", s.kubernetesUrl());
      ObjectNode context = contexts.addObject().put("name", name);
      context
          .putObject("context")
          .put("cluster", name)
          .put("user", "sandbox-admin")
          .put("namespace", "default");
    }
    config.put("current-context", sandboxes.get(0).settings().cluster());
    return Sandbox.writeOwnerOnly(file, Json.toYaml(config));
  }

  @Override
  public void close() {
    for (Sandbox s : sandboxes) {
      try {
        s.close();
      } catch (RuntimeException ignored) {
        // keep closing the rest
      }
    }
    google.close();
    timers.shutdownNow();
  }
}
