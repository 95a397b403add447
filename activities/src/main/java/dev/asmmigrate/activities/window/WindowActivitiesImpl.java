package dev.asmmigrate.activities.window;

import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.GetClusterRequest;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.activities.WindowActivities;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.WindowCalendar;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a cluster's GKE maintenance policy through the ClusterManager API (v1beta1 GetCluster, the
 * client every GKE activity uses) and gives it as windows ({@link GkeMaintenancePolicy}).
 */
public final class WindowActivitiesImpl implements WindowActivities {
  private static final Logger log = LoggerFactory.getLogger(WindowActivitiesImpl.class);
  private static final LocalDate FALLBACK_ANCHOR = LocalDate.of(2020, 1, 1);

  private final GoogleClients google;

  public WindowActivitiesImpl(GoogleClients google) {
    this.google = google;
  }

  @Override
  public MaintenanceWindows clusterMaintenanceWindows(ClusterRef cluster, Connection connection) {
    String name = cluster.resourceName();
    Cluster c =
        GoogleClients.call(
            "get GKE cluster " + name,
            () ->
                google
                    .clusterManager(connection)
                    .getCluster(GetClusterRequest.newBuilder().setName(name).build()));
    MaintenanceWindows windows;
    try {
      windows = GkeMaintenancePolicy.windows(c.getMaintenancePolicy(), anchorDay(c));
      WindowCalendar.of(windows, Instant.now());
    } catch (IllegalArgumentException e) { // InvalidWindowsException is one
      throw Failures.permanent(
          FailureType.INVALID_INPUT,
          "the GKE maintenance policy of cluster "
              + cluster
              + " cannot be used as maintenance windows: "
              + e.getMessage()
              + " (change it with `gcloud container clusters update "
              + cluster.cluster()
              + " --maintenance-window-start ...` or drop fromCluster)");
    }
    log.info(
        "cluster {}: GKE maintenance policy gives {} window(s) and {} exclusion(s)",
        cluster,
        windows.windows().size(),
        windows.exclusions().size());
    return windows;
  }

  /** The cluster's creation day: a daily window's anchor, stable for the cluster. */
  private static LocalDate anchorDay(Cluster c) {
    try {
      return c.getCreateTime().isBlank()
          ? FALLBACK_ANCHOR
          : LocalDate.ofInstant(Instant.parse(c.getCreateTime()), ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return FALLBACK_ANCHOR;
    }
  }
}
