package dev.asmmigrate.sandbox.google;

import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.SandboxSettings;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Fake GKE Hub v1 and GKE ClusterManager gRPC services on 127.0.0.1, plaintext, answering from the
 * metadata of the sandbox's clusters ({@link GkeClusterState}, one per simulated cluster, in a
 * {@link GkeClusterRegistry}): a single-cluster sandbox registers its one cluster, a fleet sandbox
 * registers each of its clusters in one shared fake, whose GKE Hub keeps one fleet (memberships,
 * one {@code servicemesh} feature) per fleet project, as Google does.
 *
 * <p>Served on one port:
 *
 * <ul>
 *   <li>{@code google.cloud.gkehub.v1.GkeHub}: memberships (list, get, create, delete) and features
 *       (list, get, create, update, delete);
 *   <li>{@code google.cloud.gkehub.v1beta.GkeHub}: the same features, in the version whose protos
 *       have the servicemesh membership spec ({@code mesh.management = MANAGEMENT_AUTOMATIC});
 *   <li>{@code google.longrunning.Operations/GetOperation}, which the GKE Hub clients poll;
 *   <li>{@code google.container.v1.ClusterManager} and {@code google.container.v1beta1
 *       .ClusterManager}: GetCluster, ListClusters, SetAddonsConfig, UpdateCluster (add-ons),
 *       GetOperation. The Istio add-on ({@code addonsConfig.istioConfig}) exists in v1beta1 only;
 *   <li>{@code google.cloud.resourcemanager.v3.Projects/TestIamPermissions}: which permissions the
 *       caller holds on a project ({@link #iam()}).
 * </ul>
 *
 * <p>Knobs, read on every call ({@link Faults}): {@code googleApiFault = "permission-denied"} makes
 * every call answer PERMISSION_DENIED naming the IAM permission it needs; {@code "not-found"} makes
 * the cluster and the memberships look absent (NOT_FOUND); {@code googleOperationDelay} keeps
 * operations running that long. Unknown projects, locations and resources answer NOT_FOUND,
 * malformed names INVALID_ARGUMENT, as the real APIs do. {@link #calls()} logs every call.
 */
public final class FakeGoogleApis implements AutoCloseable {
  private final int requestedPort;
  private final Faults faults;
  private final Clock clock = Clock.systemUTC();
  private final Object lock = new Object();
  private final GkeClusterRegistry clusters = new GkeClusterRegistry();
  private final IamGrants grants = new IamGrants();
  private final Rpc rpc;
  private final Fleet fleet;
  private final HubOperations hubOperations;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "sandbox-google-apis");
            t.setDaemon(true);
            return t;
          });
  private Server server;
  private int port;

  /** The fake of a single-cluster sandbox: the settings' cluster, on its Google port. */
  public FakeGoogleApis(SandboxSettings settings, Faults faults) {
    this(faults, settings.googlePort());
    register(settings);
  }

  /** A fake that knows no cluster yet ({@link #register}), on {@code port} (0: a free one). */
  public FakeGoogleApis(Faults faults, int port) {
    this.requestedPort = port;
    this.faults = faults;
    this.rpc = new Rpc(faults, lock, clock, grants);
    this.hubOperations = new HubOperations(rpc, lock, scheduler, () -> faults.googleOperationDelay);
    this.fleet = new Fleet(clusters, rpc, hubOperations);
  }

  /**
   * Adds the cluster {@code settings} describe (project, location, name, base, master version):
   * ClusterManager answers for it from now on.
   *
   * @throws IllegalArgumentException if a cluster of that project, location and name is known
   */
  public GkeClusterState register(SandboxSettings settings) {
    GkeClusterState cluster = new GkeClusterState(settings, clock.instant());
    cluster.setListenerExecutor(scheduler);
    clusters.register(cluster);
    synchronized (lock) {
      fleet.addFleetProject(cluster.project());
    }
    return cluster;
  }

  /**
   * Registers {@code cluster} in the fleet of {@code fleetProject} as membership {@code id}, READY
   * at once, with {@code labels}: a cluster registered before the sandbox started.
   */
  public void registerMembership(
      String fleetProject, String id, GkeClusterState cluster, Map<String, String> labels) {
    synchronized (lock) {
      fleet.register(fleetProject, id, cluster, labels);
    }
  }

  /** Starts serving and returns the bound port ({@code settings.googlePort()}, or a free one). */
  public synchronized int start() {
    if (server != null) {
      return port;
    }
    Clusters clusterManager =
        new Clusters(clusters, rpc, lock, scheduler, () -> faults.googleOperationDelay);
    Server built =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort))
            .addService(new GkeHubV1Service(rpc, fleet))
            .addService(GkeHubV1BetaService.definition(rpc, fleet))
            .addService(hubOperations.service())
            .addService(ClusterManagerService.v1(rpc, clusterManager))
            .addService(ClusterManagerService.v1beta1(rpc, clusterManager))
            .addService(ResourceManagerService.definition(rpc, grants))
            .build();
    try {
      built.start();
    } catch (IOException e) {
      scheduler.shutdownNow();
      throw new UncheckedIOException(
          "fake Google APIs cannot listen on 127.0.0.1:" + requestedPort, e);
    }
    server = built;
    port = built.getPort();
    return port;
  }

  /** The bound port (0 before {@link #start()}). */
  public synchronized int port() {
    return port;
  }

  /** {@code 127.0.0.1:<port>}, the target for a plaintext gRPC channel. */
  public String endpoint() {
    return "127.0.0.1:" + port();
  }

  /** The first GKE cluster's metadata and add-on state (a single-cluster sandbox's only one). */
  public GkeClusterState cluster() {
    return clusters.first().orElseThrow(() -> new IllegalStateException("no cluster registered"));
  }

  /** Every GKE cluster the fake knows. */
  public GkeClusterRegistry clusters() {
    return clusters;
  }

  /** The first cluster's project's number, which GKE Hub uses in membership keys. */
  public long projectNumber() {
    return cluster().projectNumber();
  }

  /**
   * Registers, in the sandbox's fleet, a READY membership of a GKE cluster the sandbox does not
   * simulate ({@code //container.googleapis.com/projects/P/locations/L/clusters/C}): another
   * cluster of the fleet, for tests of what the product must leave alone.
   */
  public String addOtherMembership(String id, String resourceLink) {
    synchronized (lock) {
      return fleet.addOtherMembership(cluster().project(), id, resourceLink).getName();
    }
  }

  /**
   * The caller's IAM permissions, per project: all by default; a permission taken away makes the
   * calls that need it answer PERMISSION_DENIED and TestIamPermissions leave it out.
   */
  public IamGrants iam() {
    return grants;
  }

  /** Every call answered so far, oldest first (the last 100,000). */
  public List<GoogleCall> calls() {
    return rpc.calls();
  }

  public void clearCalls() {
    rpc.clearCalls();
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.shutdownNow();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    scheduler.shutdownNow();
  }
}
