package dev.asmmigrate.workflows.model.fleet;

import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.Timeouts;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import java.util.List;

/**
 * The per-cluster options of {@code start} that a fleet applies to each of its clusters.
 *
 * @param channel release channel: regular, rapid or stable
 * @param canary namespaces migrated first in each cluster (each must exist there, as for {@code
 *     start})
 * @param concurrency namespaces migrated at once in each cluster
 * @param continueOnNamespaceFailure roll back a failing namespace alone and go on
 * @param restartStatefulSetsAndDaemonSets also restart StatefulSets and DaemonSets
 * @param timeouts bounds of each migration's waits
 */
public record MigrationOptions(
    String channel,
    List<String> canary,
    int concurrency,
    boolean continueOnNamespaceFailure,
    boolean restartStatefulSetsAndDaemonSets,
    Timeouts timeouts,
    java.time.Instant notBefore,
    String overrideReason) {

  /** Options without an earliest start or an override of the windows. */
  public MigrationOptions(
      String channel,
      List<String> canary,
      int concurrency,
      boolean continueOnNamespaceFailure,
      boolean restartStatefulSetsAndDaemonSets,
      Timeouts timeouts) {
    this(
        channel,
        canary,
        concurrency,
        continueOnNamespaceFailure,
        restartStatefulSetsAndDaemonSets,
        timeouts,
        null,
        null);
  }

  /**
   * The same options with every cluster's earliest start and an override of their windows ({@code
   * fleet start --not-before}, {@code --override-window --reason}).
   */
  public MigrationOptions withWindowRun(java.time.Instant notBefore, String overrideReason) {
    return new MigrationOptions(
        channel,
        canary,
        concurrency,
        continueOnNamespaceFailure,
        restartStatefulSetsAndDaemonSets,
        timeouts,
        notBefore,
        overrideReason);
  }

  public MigrationOptions {
    channel = channel == null ? "regular" : channel;
    canary = canary == null ? List.of() : List.copyOf(canary);
    concurrency = concurrency <= 0 ? 1 : concurrency;
    timeouts = timeouts == null ? Timeouts.defaults() : timeouts;
  }

  public static MigrationOptions defaults() {
    return new MigrationOptions("regular", List.of(), 1, false, false, null);
  }

  /**
   * The single-cluster request for one of the fleet's clusters: the same input a {@code start} of
   * that cluster gives its {@code MigrationWorkflow}.
   *
   * @param autoApprove whether the cluster passes its point of no return without waiting
   * @param failAt a step at which to inject a failure (rehearsals), or null
   */
  public MigrationRequest requestFor(FleetCluster c, boolean autoApprove, String failAt) {
    return new MigrationRequest(
        c.cluster(),
        c.connection(),
        c.fleetProject(),
        channel,
        List.of(),
        canary,
        concurrency,
        autoApprove,
        continueOnNamespaceFailure,
        restartStatefulSetsAndDaemonSets,
        null,
        failAt,
        timeouts,
        new WindowPolicy(c.windows(), notBefore, overrideReason));
  }
}
