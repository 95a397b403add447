package dev.asmmigrate.sandbox.google;

import com.google.container.v1beta1.AddonsConfig;
import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.ClusterUpdate;
import com.google.container.v1beta1.ListClustersResponse;
import com.google.container.v1beta1.MasterAuth;
import com.google.container.v1beta1.Operation;
import com.google.container.v1beta1.WorkloadIdentityConfig;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GKE ClusterManager behaviour for the sandbox's clusters (one per simulated cluster, {@link
 * GkeClusterRegistry}), in v1beta1 terms (the v1 service converts). Every method runs under the
 * fake's lock. Add-on updates are GKE operations: {@code DONE} at once, or {@code RUNNING} (the
 * cluster {@code RECONCILING}, other updates refused with FAILED_PRECONDITION, per cluster) until
 * {@link dev.asmmigrate.sandbox.Faults#googleOperationDelay} has passed.
 */
@SuppressWarnings("deprecation") // zone and node fields are deprecated but still reported by GKE
final class Clusters {
  private static final Pattern CLUSTER =
      Pattern.compile("projects/([^/]+)/locations/([^/]+)/clusters/([^/]+)");
  private static final Pattern PARENT = Pattern.compile("projects/([^/]+)/locations/([^/]+)");
  private static final Pattern OPERATION =
      Pattern.compile("projects/([^/]+)/locations/([^/]+)/operations/([^/]+)");
  private static final Pattern ZONE = Pattern.compile("[a-z]+-[a-z]+[0-9]+-[a-z]");
  private static final int MAX_OPERATIONS = 10_000;

  private final GkeClusterRegistry registry;
  private final Rpc rpc;
  private final Object lock;
  private final ScheduledExecutorService scheduler;
  private final Supplier<Duration> delay;
  private final Map<String, ClusterOperation> operations = Rpc.bounded(MAX_OPERATIONS);
  private final Map<String, String> running = new java.util.HashMap<>();

  /** An operation and the cluster it changes. */
  private record ClusterOperation(GkeClusterState cluster, Operation operation) {}

  Clusters(
      GkeClusterRegistry registry,
      Rpc rpc,
      Object lock,
      ScheduledExecutorService scheduler,
      Supplier<Duration> delay) {
    this.registry = registry;
    this.rpc = rpc;
    this.lock = lock;
    this.scheduler = scheduler;
    this.delay = delay;
  }

  /** The resource a request names, for the request log; never fails. */
  static String describe(String name, String projectId, String zone, String id, String kind) {
    if (!name.isEmpty()) {
      return name;
    }
    return "projects/" + projectId + "/locations/" + zone + "/" + kind + "/" + id;
  }

  Cluster getCluster(String name, String projectId, String zone, String clusterId) {
    return render(resolve(name, projectId, zone, clusterId));
  }

  ListClustersResponse listClusters(String parent, String projectId, String zone) {
    String project;
    String location;
    if (!parent.isEmpty()) {
      Matcher m = PARENT.matcher(parent);
      if (!m.matches()) {
        throw Rpc.invalid(
            "Invalid parent '" + parent + "': expected projects/{project}/locations/{location}.");
      }
      project = m.group(1);
      location = m.group(2);
    } else if (!projectId.isEmpty() && !zone.isEmpty()) {
      project = projectId;
      location = zone;
    } else {
      throw Rpc.invalid("parent is required.");
    }
    if (!registry.isProject(project)) {
      throw Rpc.notFound("Not found: projects/" + project + ".");
    }
    ListClustersResponse.Builder response = ListClustersResponse.newBuilder();
    for (GkeClusterState cluster :
        registry.inProject(project).stream()
            .sorted(java.util.Comparator.comparing(GkeClusterState::clusterName))
            .toList()) {
      if (!rpc.notFoundFault() && ("-".equals(location) || location.equals(cluster.location()))) {
        response.addClusters(render(cluster));
      }
    }
    return response.build();
  }

  Operation setAddons(
      String name, String projectId, String zone, String clusterId, AddonsConfig desired) {
    GkeClusterState cluster = resolve(name, projectId, zone, clusterId);
    if (desired.equals(AddonsConfig.getDefaultInstance())) {
      throw Rpc.invalid("addons_config is required.");
    }
    return startUpdate(cluster, () -> cluster.applyAddons(desired));
  }

  Operation update(
      String name, String projectId, String zone, String clusterId, ClusterUpdate update) {
    GkeClusterState cluster = resolve(name, projectId, zone, clusterId);
    if (update.equals(ClusterUpdate.getDefaultInstance())) {
      throw Rpc.invalid("update must name a change.");
    }
    if (!update.toBuilder()
        .clearDesiredAddonsConfig()
        .build()
        .equals(ClusterUpdate.getDefaultInstance())) {
      throw Rpc.unimplemented(
          "The sandbox's ClusterManager applies only update.desired_addons_config.");
    }
    AddonsConfig desired = update.getDesiredAddonsConfig();
    return startUpdate(cluster, () -> cluster.applyAddons(desired));
  }

  Operation getOperation(String name, String projectId, String zone, String operationId) {
    Ref ref;
    if (!name.isEmpty()) {
      ref = Ref.parse(name, OPERATION, "operation");
    } else if (!projectId.isEmpty() && !zone.isEmpty() && !operationId.isEmpty()) {
      ref = new Ref(projectId, zone, operationId);
    } else {
      throw Rpc.invalid("name is required.");
    }
    ClusterOperation op = operations.get(ref.id());
    if (op == null
        || !GkeClusterRegistry.inProject(op.cluster(), ref.project())
        || !ref.location().equals(op.cluster().location())) {
      throw ref.notFound("operations");
    }
    return op.operation();
  }

  /** The cluster as GetCluster returns it (v1beta1, with the Istio add-on). */
  Cluster render(GkeClusterState cluster) {
    String version = cluster.masterVersion();
    Cluster.Builder rendered = Cluster.newBuilder();
    if (cluster.endpoint() != null) {
      rendered
          .setEndpoint(cluster.endpoint())
          .setMasterAuth(
              MasterAuth.newBuilder().setClusterCaCertificate(cluster.clusterCaCertificate()));
    }
    return rendered
        .setName(cluster.clusterName())
        .setLocation(cluster.location())
        .setZone(cluster.location())
        .setId(cluster.id())
        .setSelfLink(selfLink(cluster, "clusters/" + cluster.clusterName()))
        .setCreateTime(cluster.createTime().toString())
        .setInitialClusterVersion(version)
        .setCurrentMasterVersion(version)
        .setCurrentNodeVersion(version)
        .setCurrentNodeCount(cluster.nodeCount())
        .setStatus(cluster.status())
        .setAddonsConfig(cluster.addonsConfig())
        .setMaintenancePolicy(cluster.maintenancePolicy())
        .setWorkloadIdentityConfig(
            WorkloadIdentityConfig.newBuilder().setWorkloadPool(cluster.workloadIdentityPool()))
        .build();
  }

  private Operation startUpdate(GkeClusterState cluster, Runnable effect) {
    String key = cluster.resourceName();
    if (running.containsKey(key)) {
      throw Rpc.failedPrecondition(
          "Cluster is running incompatible operation "
              + running.get(key)
              + ". Please wait and try again once it is done.");
    }
    Instant start = rpc.now();
    String id =
        "operation-" + start.toEpochMilli() + "-" + UUID.randomUUID().toString().substring(0, 8);
    Operation.Builder op =
        Operation.newBuilder()
            .setName(id)
            .setZone(cluster.location())
            .setLocation(cluster.location())
            .setOperationType(Operation.Type.UPDATE_CLUSTER)
            .setSelfLink(selfLink(cluster, "operations/" + id))
            .setTargetLink(selfLink(cluster, "clusters/" + cluster.clusterName()))
            .setStartTime(start.toString());
    Duration wait = delay.get();
    if (wait == null || wait.isZero() || wait.isNegative()) {
      effect.run();
      Operation done = op.setStatus(Operation.Status.DONE).setEndTime(rpc.now().toString()).build();
      operations.put(id, new ClusterOperation(cluster, done));
      return done;
    }
    Operation pending = op.setStatus(Operation.Status.RUNNING).build();
    operations.put(id, new ClusterOperation(cluster, pending));
    running.put(key, id);
    cluster.setReconciling(true);
    Runnable finish =
        () -> {
          synchronized (lock) {
            effect.run();
            running.remove(key);
            cluster.setReconciling(false);
            operations.put(
                id,
                new ClusterOperation(
                    cluster,
                    pending.toBuilder()
                        .setStatus(Operation.Status.DONE)
                        .setEndTime(rpc.now().toString())
                        .build()));
          }
        };
    try {
      scheduler.schedule(finish, wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      finish.run();
    }
    return pending;
  }

  private GkeClusterState resolve(String name, String projectId, String zone, String clusterId) {
    Ref ref;
    if (!name.isEmpty()) {
      ref = Ref.parse(name, CLUSTER, "cluster");
    } else if (!projectId.isEmpty() || !zone.isEmpty() || !clusterId.isEmpty()) {
      if (projectId.isEmpty() || zone.isEmpty() || clusterId.isEmpty()) {
        throw Rpc.invalid("project_id, zone and cluster_id are all required when name is not set.");
      }
      ref = new Ref(projectId, zone, clusterId);
    } else {
      throw Rpc.invalid("name is required.");
    }
    var cluster = registry.find(ref.project(), ref.location(), ref.id());
    if (rpc.notFoundFault() || cluster.isEmpty()) {
      throw ref.notFound("clusters");
    }
    return cluster.get();
  }

  /**
   * A resource of the project's location, named {@code projects/P/locations/L/<kind>s/ID} or by the
   * legacy fields project_id, zone and the resource's own.
   */
  private record Ref(String project, String location, String id) {
    static Ref parse(String name, Pattern pattern, String kind) {
      Matcher m = pattern.matcher(name);
      if (!m.matches()) {
        throw Rpc.invalid(
            "Invalid "
                + kind
                + " name '"
                + name
                + "': expected projects/{project}/locations/{location}/"
                + kind
                + "s/{"
                + kind
                + "}.");
      }
      return new Ref(m.group(1), m.group(2), m.group(3));
    }

    StatusRuntimeException notFound(String collection) {
      return Rpc.notFound(
          "Not found: projects/"
              + project
              + "/locations/"
              + location
              + "/"
              + collection
              + "/"
              + id
              + ".");
    }
  }

  private static String selfLink(GkeClusterState cluster, String tail) {
    String kind = ZONE.matcher(cluster.location()).matches() ? "zones" : "locations";
    return "https://container.googleapis.com/v1/projects/"
        + cluster.project()
        + "/"
        + kind
        + "/"
        + cluster.location()
        + "/"
        + tail;
  }
}
