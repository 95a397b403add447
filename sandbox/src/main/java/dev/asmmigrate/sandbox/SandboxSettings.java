package dev.asmmigrate.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a sandbox is built: which cluster it simulates and how fast its simulated world moves.
 *
 * @param base the add-on install to start from
 * @param apps sample applications to install on top (e.g. {@code online-boutique})
 * @param fixtureDirs directories of YAML manifests applied after the base and the apps
 * @param port Kubernetes API port on 127.0.0.1 (0 picks a free one)
 * @param googlePort fake Google APIs port on 127.0.0.1 (0 picks a free one)
 * @param podReadyDelay how long a started container takes to become Ready
 * @param project GCP project id of the simulated cluster
 * @param location GKE location (zone or region)
 * @param cluster GKE cluster name
 * @param masterVersion GKE master version reported by the fake ClusterManager
 * @param controlPlaneProvisionDelay how long a ControlPlaneRevision takes to provision
 * @param rootDistributionDelay how long Citadel/istiod take to distribute a new root (the builder's
 *     default is short, for tests; {@code ./asm-migrate sandbox} serves a real 1.4 cluster's minute
 *     unless told otherwise)
 * @param trafficTarget the Service the traffic probe sends requests to, {@code namespace/name}
 * @param nodes how many simulated nodes (DaemonSets put a pod on each)
 * @param proxyRootPickupDelay how long after its namespace's root bundle changes an add-on proxy
 *     trusts the new roots (zero: at once); configure-mesh-ca must hold at least this long
 * @param secure serve the Kubernetes API as a GKE cluster's endpoint: HTTPS with a cluster CA,
 *     bearer tokens required, a token endpoint that issues them to the sandbox's service account
 *     key, and the endpoint and CA in the fake ClusterManager's GetCluster (default off: plain
 *     HTTP, no authentication)
 */
public record SandboxSettings(
    Base base,
    List<String> apps,
    List<Path> fixtureDirs,
    int port,
    int googlePort,
    Duration podReadyDelay,
    String project,
    String location,
    String cluster,
    String masterVersion,
    Duration controlPlaneProvisionDelay,
    Duration rootDistributionDelay,
    String trafficTarget,
    int nodes,
    Duration proxyRootPickupDelay,
    boolean secure) {

  /** The add-on installs the sandbox can start from. */
  public enum Base {
    ADDON_1_4("addon-1.4"),
    ADDON_1_6("addon-1.6"),
    NONE("none");

    private final String id;

    Base(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    public static Base fromId(String id) {
      for (Base b : values()) {
        if (b.id.equals(id)) {
          return b;
        }
      }
      throw new IllegalArgumentException(
          "unknown base '" + id + "': expected addon-1.4, addon-1.6 or none");
    }
  }

  public SandboxSettings {
    apps = List.copyOf(apps);
    fixtureDirs = List.copyOf(fixtureDirs);
    proxyRootPickupDelay = proxyRootPickupDelay == null ? Duration.ZERO : proxyRootPickupDelay;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults: the add-on 1.4 cluster of the seed, without an app, quick pods. */
  public static final class Builder {
    private Base base = Base.ADDON_1_4;
    private List<String> apps = List.of();
    private List<Path> fixtureDirs = List.of();
    private int port;
    private int googlePort;
    private Duration podReadyDelay = Duration.ofSeconds(2);
    private String project = "sandbox-project";
    private String location = "us-central1-c";
    private String cluster = "sandbox-cluster";
    private String masterVersion = "1.19.8-gke.1600";
    private Duration controlPlaneProvisionDelay = Duration.ofSeconds(3);
    private Duration rootDistributionDelay = Duration.ofSeconds(2);
    private String trafficTarget = "online-boutique/frontend";
    private int nodes = 3;
    private Duration proxyRootPickupDelay = Duration.ZERO;
    private boolean secure;

    public Builder base(Base v) {
      base = v;
      return this;
    }

    public Builder apps(List<String> v) {
      apps = v;
      return this;
    }

    public Builder app(String v) {
      apps = List.of(v);
      return this;
    }

    public Builder fixtureDirs(List<Path> v) {
      fixtureDirs = v;
      return this;
    }

    public Builder port(int v) {
      port = v;
      return this;
    }

    public Builder googlePort(int v) {
      googlePort = v;
      return this;
    }

    public Builder podReadyDelay(Duration v) {
      podReadyDelay = v;
      return this;
    }

    public Builder project(String v) {
      project = v;
      return this;
    }

    public Builder location(String v) {
      location = v;
      return this;
    }

    public Builder cluster(String v) {
      cluster = v;
      return this;
    }

    public Builder masterVersion(String v) {
      masterVersion = v;
      return this;
    }

    public Builder controlPlaneProvisionDelay(Duration v) {
      controlPlaneProvisionDelay = v;
      return this;
    }

    public Builder rootDistributionDelay(Duration v) {
      rootDistributionDelay = v;
      return this;
    }

    public Builder trafficTarget(String v) {
      trafficTarget = v;
      return this;
    }

    public Builder nodes(int v) {
      nodes = v;
      return this;
    }

    public Builder proxyRootPickupDelay(Duration v) {
      proxyRootPickupDelay = v;
      return this;
    }

    public Builder secure(boolean v) {
      secure = v;
      return this;
    }

    public SandboxSettings build() {
      return new SandboxSettings(
          base,
          apps,
          fixtureDirs,
          port,
          googlePort,
          podReadyDelay,
          project,
          location,
          cluster,
          masterVersion,
          controlPlaneProvisionDelay,
          rootDistributionDelay,
          trafficTarget,
          nodes,
          proxyRootPickupDelay,
          secure);
    }
  }
}
