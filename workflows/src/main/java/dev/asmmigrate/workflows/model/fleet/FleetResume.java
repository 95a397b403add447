package dev.asmmigrate.workflows.model.fleet;

import java.util.List;

/**
 * How an operator resumes a halted fleet ({@code fleet resume --retry CLUSTER --skip CLUSTER}): the
 * new run keeps the halted run's outcomes, migrates again the clusters to retry, marks those to
 * skip {@link ClusterState#SKIPPED}, and goes on with the clusters that never started.
 *
 * @param previous each cluster's outcome in the halted run
 * @param retry names of failed clusters to migrate again
 * @param skip names of clusters to leave out
 * @param by who resumed
 */
public record FleetResume(
    List<ClusterOutcome> previous, List<String> retry, List<String> skip, String by) {

  public FleetResume {
    previous = previous == null ? List.of() : List.copyOf(previous);
    retry = retry == null ? List.of() : List.copyOf(retry);
    skip = skip == null ? List.of() : List.copyOf(skip);
  }
}
