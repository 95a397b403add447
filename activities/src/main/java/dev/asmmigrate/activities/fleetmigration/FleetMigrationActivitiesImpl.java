package dev.asmmigrate.activities.fleetmigration;

import com.google.cloud.gkehub.v1.ListMembershipsRequest;
import com.google.cloud.gkehub.v1.Membership;
import com.google.cloud.gkehub.v1.MembershipState;
import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.GetClusterRequest;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.activities.workloads.SoakPods;
import dev.asmmigrate.workflows.activities.FleetMigrationActivities;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import dev.asmmigrate.workflows.model.fleet.SoakCheck;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a fleet's workflow asks of the world besides its clusters' own migrations: the fleet's
 * clusters that run the Istio add-on (GKE Hub memberships, ClusterManager v1beta1), a migrated
 * cluster's soak check (its pods, through the Kubernetes API), and the migrations of its clusters
 * as Temporal knows them (through the worker's {@link WorkflowClient}, which {@link #boundTo} gives
 * it once the worker has one).
 */
public final class FleetMigrationActivitiesImpl implements FleetMigrationActivities {
  private static final Logger log = LoggerFactory.getLogger(FleetMigrationActivitiesImpl.class);

  /** {@code //container.googleapis.com/projects/P/(locations|zones)/L/clusters/C}. */
  static final Pattern GKE_LINK =
      Pattern.compile(
          "//container\\.googleapis\\.com/projects/([^/]+)/(?:locations|zones)/([^/]+)"
              + "/clusters/([^/]+)");

  /** How long one wait for a migration's result lasts before the activity heartbeats again. */
  static final Duration RESULT_POLL = Duration.ofSeconds(5);

  private final KubeClients clients;
  private final GoogleClients google;
  private final WorkflowClient temporal;

  /** Without a Temporal client: discovery and soak checks only, until {@link #boundTo}. */
  public FleetMigrationActivitiesImpl(KubeClients clients, GoogleClients google) {
    this(clients, google, null);
  }

  public FleetMigrationActivitiesImpl(
      KubeClients clients, GoogleClients google, WorkflowClient temporal) {
    this.clients = clients;
    this.google = google;
    this.temporal = temporal;
  }

  /**
   * The same activities with the worker's client, for {@link #awaitMigration}/{@link
   * #findMigration}.
   */
  public FleetMigrationActivitiesImpl boundTo(WorkflowClient client) {
    return new FleetMigrationActivitiesImpl(clients, google, client);
  }

  // --- discovery ---------------------------------------------------------------------------------

  @Override
  public List<FleetCluster> discoverClusters(String fleetProject, Connection connection) {
    if (fleetProject == null || fleetProject.isBlank()) {
      throw Failures.permanent(FailureType.INVALID_INPUT, "fromFleet names no project");
    }
    String parent = "projects/" + fleetProject + "/locations/-";
    List<Membership> memberships = listMemberships(connection, fleetProject, parent);
    List<FleetCluster> found = new ArrayList<>();
    for (Membership m :
        memberships.stream().sorted(Comparator.comparing(Membership::getName)).toList()) {
      if (m.getState().getCode() == MembershipState.Code.DELETING) {
        log.info("fleet {}: membership {} is being deleted; left out", fleetProject, m.getName());
        continue;
      }
      String link = m.getEndpoint().getGkeCluster().getResourceLink();
      Matcher lm = GKE_LINK.matcher(link);
      if (link.isEmpty() || !lm.matches()) {
        log.info(
            "fleet {}: membership {} is not a GKE cluster{}; left out",
            fleetProject,
            m.getName(),
            link.isEmpty() ? "" : " (" + link + ")");
        continue;
      }
      ClusterRef cluster = new ClusterRef(lm.group(1), lm.group(2), lm.group(3));
      Waits.heartbeat("fleet " + fleetProject + ": reading GKE cluster " + cluster);
      Optional<Cluster> gke = getCluster(connection, cluster);
      if (gke.isEmpty()) {
        log.info(
            "fleet {}: the GKE cluster {} of membership {} is gone; left out",
            fleetProject,
            cluster,
            m.getName());
        continue;
      }
      if (!istioAddonEnabled(gke.get())) {
        log.info(
            "fleet {}: cluster {} (membership {}) does not run the Istio add-on; left out",
            fleetProject,
            cluster,
            m.getName());
        continue;
      }
      found.add(new FleetCluster(cluster, connection, m.getLabelsMap(), fleetProject, null));
    }
    log.info(
        "fleet {}: {} of {} memberships are GKE clusters running the Istio add-on: {}",
        fleetProject,
        found.size(),
        memberships.size(),
        found.stream().map(FleetCluster::cluster).toList());
    return found;
  }

  private List<Membership> listMemberships(
      Connection connection, String fleetProject, String parent) {
    var hub = google.gkeHub(connection);
    List<Membership> all = new ArrayList<>();
    String page = "";
    do {
      String token = page;
      var response =
          call(
              "list the fleet memberships of " + parent,
              "gkehub.memberships.list",
              "fleet project " + fleetProject,
              () ->
                  hub.listMembershipsCallable()
                      .call(
                          ListMembershipsRequest.newBuilder()
                              .setParent(parent)
                              .setPageToken(token)
                              .build()));
      all.addAll(response.getResourcesList());
      page = response.getNextPageToken();
      Waits.heartbeat("listed " + all.size() + " memberships of " + parent);
    } while (!page.isEmpty());
    return all;
  }

  /** The cluster as ClusterManager v1beta1 has it; empty when GKE no longer has it. */
  private Optional<Cluster> getCluster(Connection connection, ClusterRef cluster) {
    String name = cluster.resourceName();
    try {
      return Optional.of(
          google
              .clusterManager(connection)
              .getCluster(GetClusterRequest.newBuilder().setName(name).build()));
    } catch (RuntimeException e) {
      if (GoogleClients.isNotFound(e)) {
        return Optional.empty();
      }
      throw classify("get GKE cluster " + name, "container.clusters.get", null, e);
    }
  }

  @SuppressWarnings("deprecation") // istio_config is deprecated by GKE, and what the add-on is
  static boolean istioAddonEnabled(Cluster cluster) {
    return cluster.getAddonsConfig().hasIstioConfig()
        && !cluster.getAddonsConfig().getIstioConfig().getDisabled();
  }

  private static <T> T call(
      String what, String permission, String notFound, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw classify(what, permission, notFound, e);
    }
  }

  /**
   * PERMISSION_DENIED names the permission; NOT_FOUND of {@code notFound} (when given) says which;
   * the rest as {@link GoogleClients#classify}.
   */
  private static RuntimeException classify(
      String what, String permission, String notFound, RuntimeException e) {
    var code = GoogleClients.code(e);
    if (code == com.google.api.gax.rpc.StatusCode.Code.PERMISSION_DENIED
        || code == com.google.api.gax.rpc.StatusCode.Code.UNAUTHENTICATED) {
      return Failures.permanent(
          FailureType.PERMISSION_DENIED,
          what + ": permission denied (needs " + permission + "): " + e.getMessage());
    }
    if (code == com.google.api.gax.rpc.StatusCode.Code.NOT_FOUND && notFound != null) {
      return Failures.permanent(
          FailureType.NOT_FOUND, what + ": " + notFound + " not found: " + e.getMessage());
    }
    return GoogleClients.classify(what, e);
  }

  // --- soak --------------------------------------------------------------------------------------

  @Override
  public SoakCheck soakCheck(
      ClusterRef cluster,
      Connection connection,
      String revision,
      List<String> namespaces,
      long sinceEpochMillis) {
    KubernetesClient client = clients.client(connection);
    Instant since = Instant.ofEpochMilli(sinceEpochMillis);
    int pods = 0;
    List<String> problems = new ArrayList<>();
    for (String ns : namespaces) {
      List<Pod> items;
      try {
        items = client.pods().inNamespace(ns).list().getItems();
      } catch (KubernetesClientException e) {
        // unreachable or 5xx: transient, retried; 403: permanent
        throw Failures.kubernetes("list pods in " + ns + " of " + cluster, e);
      }
      for (Pod pod :
          items.stream().sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList()) {
        if (!SoakPods.judged(pod)) {
          continue;
        }
        pods++;
        problems.addAll(SoakPods.problems(pod, revision, since));
      }
      Waits.heartbeat("soak check of " + cluster + ": " + ns + " read");
    }
    if (!problems.isEmpty()) {
      log.warn("soak check of {}: {} problem(s): {}", cluster, problems.size(), problems);
    }
    return new SoakCheck(cluster, System.currentTimeMillis(), pods, problems);
  }

  // --- migrations --------------------------------------------------------------------------------

  @Override
  public MigrationResult awaitMigration(String workflowId) {
    WorkflowStub stub =
        client().newUntypedWorkflowStub(workflowId, Optional.empty(), Optional.empty());
    while (true) {
      try {
        return stub.getResult(RESULT_POLL.toMillis(), TimeUnit.MILLISECONDS, MigrationResult.class);
      } catch (TimeoutException stillRunning) {
        Waits.heartbeat("waiting for migration " + workflowId);
      } catch (WorkflowNotFoundException e) {
        throw Failures.permanent(
            FailureType.NOT_FOUND, "no migration " + workflowId + " ran: nothing to wait for");
      } catch (WorkflowFailedException e) {
        throw Failures.permanent(
            FailureType.STATE_CONFLICT,
            "migration "
                + workflowId
                + " closed without a result ("
                + closeStatus(e.getWorkflowCloseEventType())
                + "): "
                + rootMessage(e));
      }
    }
  }

  @Override
  public ExistingMigration findMigration(String workflowId) {
    WorkflowClient client = client();
    var request =
        DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
            .build();
    WorkflowExecutionStatus status;
    try {
      status =
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .describeWorkflowExecution(request)
              .getWorkflowExecutionInfo()
              .getStatus();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return new ExistingMigration(false, null);
      }
      throw e;
    }
    return switch (status) {
      case WORKFLOW_EXECUTION_STATUS_RUNNING -> new ExistingMigration(true, null);
      case WORKFLOW_EXECUTION_STATUS_COMPLETED -> {
        WorkflowStub stub =
            client.newUntypedWorkflowStub(workflowId, Optional.empty(), Optional.empty());
        try {
          yield new ExistingMigration(
              false,
              stub.getResult(RESULT_POLL.toMillis(), TimeUnit.MILLISECONDS, MigrationResult.class));
        } catch (TimeoutException raced) {
          // a new run started between the two calls: it runs
          yield new ExistingMigration(true, null);
        } catch (WorkflowFailedException closedAnotherWay) {
          yield new ExistingMigration(false, null);
        }
      }
      // terminated, timed out, failed, cancelled: closed without a result
      default -> new ExistingMigration(false, null);
    };
  }

  private WorkflowClient client() {
    if (temporal == null) {
      throw new IllegalStateException(
          "FleetMigrationActivitiesImpl has no Temporal client: register boundTo(client)");
    }
    return temporal;
  }

  private static String closeStatus(io.temporal.api.enums.v1.EventType type) {
    return switch (type) {
      case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> "terminated";
      case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> "timed out";
      case EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED -> "cancelled";
      case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> "failed";
      default -> type.name();
    };
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage();
  }
}
