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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Fake GKE Hub v1 and GKE ClusterManager gRPC services on 127.0.0.1, plaintext, answering from the
 * sandbox's cluster metadata ({@link GkeClusterState}).
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
 *       GetOperation. The Istio add-on ({@code addonsConfig.istioConfig}) exists in v1beta1 only.
 * </ul>
 *
 * <p>Knobs, read on every call ({@link Faults}): {@code googleApiFault = "permission-denied"} makes
 * every call answer PERMISSION_DENIED naming the IAM permission it needs; {@code "not-found"} makes
 * the cluster and the memberships look absent (NOT_FOUND); {@code googleOperationDelay} keeps
 * operations running that long. Unknown projects, locations and resources answer NOT_FOUND,
 * malformed names INVALID_ARGUMENT, as the real APIs do. {@link #calls()} logs every call.
 */
public final class FakeGoogleApis implements AutoCloseable {
  private final SandboxSettings settings;
  private final Faults faults;
  private final Clock clock = Clock.systemUTC();
  private final Object lock = new Object();
  private final GkeClusterState cluster;
  private final Rpc rpc;
  private ScheduledExecutorService scheduler;
  private Server server;
  private Fleet fleet;
  private int port;

  public FakeGoogleApis(SandboxSettings settings, Faults faults) {
    this.settings = settings;
    this.faults = faults;
    this.cluster = new GkeClusterState(settings, clock.instant());
    this.rpc = new Rpc(faults, lock, clock);
  }

  /** Starts serving and returns the bound port ({@code settings.googlePort()}, or a free one). */
  public synchronized int start() {
    if (server != null) {
      return port;
    }
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sandbox-google-apis");
              t.setDaemon(true);
              return t;
            });
    cluster.setListenerExecutor(scheduler);
    HubOperations hubOperations =
        new HubOperations(rpc, lock, scheduler, () -> faults.googleOperationDelay);
    fleet = new Fleet(cluster, rpc, hubOperations);
    Clusters clusters =
        new Clusters(cluster, rpc, lock, scheduler, () -> faults.googleOperationDelay);
    Server built =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), settings.googlePort()))
            .addService(new GkeHubV1Service(rpc, fleet))
            .addService(GkeHubV1BetaService.definition(rpc, fleet))
            .addService(hubOperations.service())
            .addService(ClusterManagerService.v1(rpc, clusters))
            .addService(ClusterManagerService.v1beta1(rpc, clusters))
            .build();
    try {
      built.start();
    } catch (IOException e) {
      scheduler.shutdownNow();
      throw new UncheckedIOException(
          "fake Google APIs cannot listen on 127.0.0.1:" + settings.googlePort(), e);
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

  /** The GKE cluster's metadata and add-on state. */
  public GkeClusterState cluster() {
    return cluster;
  }

  /** The fleet (and cluster) project's number, which GKE Hub uses in membership keys. */
  public long projectNumber() {
    return cluster.projectNumber();
  }

  /**
   * Registers, in the sandbox's fleet, a READY membership of a GKE cluster the sandbox does not
   * simulate ({@code //container.googleapis.com/projects/P/locations/L/clusters/C}): another
   * cluster of the fleet, for tests of what the product must leave alone.
   */
  public String addOtherMembership(String id, String resourceLink) {
    synchronized (lock) {
      if (fleet == null) {
        throw new IllegalStateException("the fake Google APIs are not started");
      }
      return fleet.addOtherMembership(id, resourceLink).getName();
    }
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
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }
}
