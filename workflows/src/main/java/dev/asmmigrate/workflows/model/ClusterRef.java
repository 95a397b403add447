package dev.asmmigrate.workflows.model;

/** A GKE cluster, as GKE names it. */
public record ClusterRef(String project, String location, String cluster) {

  /** The workflow ID of this cluster's migration: one migration per cluster at a time. */
  public String workflowId() {
    return "asm-migrate/" + project + "/" + location + "/" + cluster;
  }

  /** {@code projects/<p>/locations/<l>/clusters/<c>}. */
  public String resourceName() {
    return "projects/" + project + "/locations/" + location + "/clusters/" + cluster;
  }

  @Override
  public String toString() {
    return project + "/" + location + "/" + cluster;
  }
}
