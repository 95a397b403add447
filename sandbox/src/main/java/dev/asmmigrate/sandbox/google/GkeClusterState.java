package dev.asmmigrate.sandbox.google;

import com.google.container.v1beta1.AddonsConfig;
import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.HorizontalPodAutoscaling;
import com.google.container.v1beta1.HttpLoadBalancing;
import com.google.container.v1beta1.IstioConfig;
import com.google.container.v1beta1.MaintenancePolicy;
import com.google.container.v1beta1.NetworkPolicyConfig;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.asmmigrate.sandbox.SandboxSettings;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The GKE metadata of the simulated cluster, as the fake ClusterManager reports it: identity,
 * master version, status and add-ons, the Istio add-on included.
 *
 * <p>The Istio add-on is enabled for the {@code addon-1.4} and {@code addon-1.6} bases and disabled
 * for {@code none}. The GKE v1 API has no field for it; it is reported (and changed) through {@code
 * google.container.v1beta1}, as {@code addonsConfig.istioConfig.disabled}, like {@code gcloud beta
 * container clusters update --update-addons=Istio=DISABLED} does.
 *
 * <p>Thread-safe. Listeners run on an executor of the fake Google APIs, after the change.
 */
public final class GkeClusterState {
  private final String project;
  private final long projectNumber;
  private final String location;
  private final String name;
  private final int nodeCount;
  private final String id;
  private final Instant createTime;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile Executor listenerExecutor = Runnable::run;

  private volatile String endpoint;
  private volatile String clusterCaCertificate;
  private String masterVersion;
  private AddonsConfig addons;
  private boolean reconciling;
  private MaintenancePolicy maintenancePolicy = MaintenancePolicy.getDefaultInstance();

  /** The cluster the settings describe, created at {@code createTime}. */
  @SuppressWarnings("deprecation") // istio_config is deprecated in the API, and what we simulate
  public GkeClusterState(SandboxSettings settings, Instant createTime) {
    this.project = settings.project();
    this.projectNumber = projectNumberOf(settings.project());
    this.location = settings.location();
    this.name = settings.cluster();
    this.nodeCount = settings.nodes();
    this.masterVersion = settings.masterVersion();
    this.createTime = createTime;
    this.id =
        UUID.nameUUIDFromBytes(resourceName().getBytes(StandardCharsets.UTF_8))
            .toString()
            .replace("-", "");
    boolean addon = settings.base() != SandboxSettings.Base.NONE;
    this.addons =
        AddonsConfig.newBuilder()
            .setHttpLoadBalancing(HttpLoadBalancing.newBuilder().setDisabled(false))
            .setHorizontalPodAutoscaling(HorizontalPodAutoscaling.newBuilder().setDisabled(false))
            .setNetworkPolicyConfig(NetworkPolicyConfig.newBuilder().setDisabled(true))
            .setIstioConfig(istio(!addon))
            .build();
  }

  /**
   * The project number the fake reports for a project id: stable for a given id, 12 digits, like a
   * real one. GKE Hub returns membership keys with it ({@code projects/<number>/...}).
   */
  public static long projectNumberOf(String projectId) {
    UUID uuid = UUID.nameUUIDFromBytes(projectId.getBytes(StandardCharsets.UTF_8));
    return 100_000_000_000L + Math.floorMod(uuid.getMostSignificantBits(), 900_000_000_000L);
  }

  public String project() {
    return project;
  }

  public long projectNumber() {
    return projectNumber;
  }

  public String location() {
    return location;
  }

  /** The cluster's short name. */
  public String clusterName() {
    return name;
  }

  /** {@code projects/<project>/locations/<location>/clusters/<cluster>}. */
  public String resourceName() {
    return "projects/" + project + "/locations/" + location + "/clusters/" + name;
  }

  /** The fleet resource link, {@code //container.googleapis.com/projects/.../clusters/<c>}. */
  public String resourceLink() {
    return "//container.googleapis.com/" + resourceName();
  }

  /** The cluster's OIDC issuer, which fleet Workload Identity trusts. */
  public String issuer() {
    return "https://container.googleapis.com/v1/" + resourceName();
  }

  /** {@code <project>.svc.id.goog}. */
  public String workloadIdentityPool() {
    return project + ".svc.id.goog";
  }

  public int nodeCount() {
    return nodeCount;
  }

  /** GKE's cluster id (hex). */
  public String id() {
    return id;
  }

  public Instant createTime() {
    return createTime;
  }

  /**
   * Sets what GetCluster reports as the cluster's {@code endpoint} ({@code host:port} of its HTTPS
   * API) and {@code masterAuth.clusterCaCertificate} (base64 of the CA's PEM, as GKE sends it); the
   * sandbox sets them once its secure API server listens. Null: neither is reported.
   */
  public void setEndpoint(String endpoint, String clusterCaCertificate) {
    this.endpoint = endpoint;
    this.clusterCaCertificate = clusterCaCertificate;
  }

  /** The API endpoint GetCluster reports, or null. */
  public String endpoint() {
    return endpoint;
  }

  /** The base64 CA certificate GetCluster reports, or null. */
  public String clusterCaCertificate() {
    return clusterCaCertificate;
  }

  public synchronized String masterVersion() {
    return masterVersion;
  }

  /** Changes the reported master version, e.g. to rehearse an unsupported one. */
  public void setMasterVersion(String version) {
    synchronized (this) {
      masterVersion = version;
    }
    fireChanged();
  }

  /** Whether the Istio add-on is enabled (the migration disables it as its last GKE change). */
  @SuppressWarnings("deprecation")
  public synchronized boolean istioAddonEnabled() {
    return !addons.getIstioConfig().getDisabled();
  }

  /** Enables or disables the Istio add-on directly, without an operation (tests, fixtures). */
  @SuppressWarnings("deprecation")
  public void setIstioAddonEnabled(boolean enabled) {
    synchronized (this) {
      addons =
          addons.toBuilder()
              .setIstioConfig(addons.getIstioConfig().toBuilder().setDisabled(!enabled))
              .build();
    }
    fireChanged();
  }

  /** The add-ons in their v1beta1 form (the only one with {@code istio_config}). */
  public synchronized AddonsConfig addonsConfig() {
    return addons;
  }

  /**
   * The cluster's GKE maintenance policy, as GetCluster reports it ({@code maintenancePolicy}: a
   * recurring or a daily window, and maintenance exclusions); none (the default instance) when
   * never set.
   */
  public synchronized MaintenancePolicy maintenancePolicy() {
    return maintenancePolicy;
  }

  /**
   * Sets the maintenance policy GetCluster reports, as {@code gcloud container clusters update
   * --maintenance-window-*} would; null clears it.
   */
  public void setMaintenancePolicy(MaintenancePolicy policy) {
    synchronized (this) {
      maintenancePolicy = policy == null ? MaintenancePolicy.getDefaultInstance() : policy;
    }
    fireChanged();
  }

  /** {@code RECONCILING} while an update operation runs, {@code RUNNING} otherwise. */
  public synchronized Cluster.Status status() {
    return reconciling ? Cluster.Status.RECONCILING : Cluster.Status.RUNNING;
  }

  /** Runs {@code listener} (on the fake's executor) after every change of this state. */
  public void addListener(Runnable listener) {
    listeners.add(listener);
  }

  void setListenerExecutor(Executor executor) {
    listenerExecutor = executor;
  }

  synchronized void setReconciling(boolean value) {
    reconciling = value;
  }

  /**
   * Applies an add-ons update as GKE does: every add-on set in {@code desired} replaces the current
   * one, add-ons it leaves unset keep their configuration.
   */
  void applyAddons(AddonsConfig desired) {
    synchronized (this) {
      AddonsConfig.Builder next = addons.toBuilder();
      for (Map.Entry<FieldDescriptor, Object> field : desired.getAllFields().entrySet()) {
        next.setField(field.getKey(), field.getValue());
      }
      addons = next.build();
    }
    fireChanged();
  }

  private void fireChanged() {
    for (Runnable listener : listeners) {
      try {
        listenerExecutor.execute(listener);
      } catch (RejectedExecutionException e) {
        return; // the fake is closed: nobody listens any more
      }
    }
  }

  @SuppressWarnings("deprecation")
  private static IstioConfig istio(boolean disabled) {
    return IstioConfig.newBuilder()
        .setDisabled(disabled)
        .setAuth(IstioConfig.IstioAuthMode.AUTH_NONE)
        .build();
  }
}
