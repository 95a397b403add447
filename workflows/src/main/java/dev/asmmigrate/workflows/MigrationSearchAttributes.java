package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.ClusterRef;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import java.util.List;

/**
 * The search attributes by which the Temporal UI and {@code asm-migrate list} find migrations. Both
 * are keywords and must be registered on the Temporal namespace: a start that names an unregistered
 * one is refused, and an upsert of one fails every workflow task (cause BAD_SEARCH_ATTRIBUTES)
 * until it is registered, so the workflow upserts only when its start carried both, which proves
 * they are registered.
 */
public final class MigrationSearchAttributes {
  /** {@code project/location/cluster}. */
  public static final SearchAttributeKey<String> CLUSTER =
      SearchAttributeKey.forKeyword("AsmCluster");

  /**
   * The workflow's phase (RUNNING, WAITING_FOR_RECHECK, WAITING_FOR_APPROVAL, PAUSED,
   * ROLLING_BACK), and once it ended its final state (SUCCESS, ROLLED_BACK, ...).
   */
  public static final SearchAttributeKey<String> PHASE = SearchAttributeKey.forKeyword("AsmPhase");

  public static final List<SearchAttributeKey<String>> ALL = List.of(CLUSTER, PHASE);

  /**
   * The fleet's name, on a fleet's workflow and on each cluster migration it starts, so that the
   * Temporal UI lists a fleet's clusters ({@code AsmFleet = "prod"}). A migration started alone has
   * none; a fleet sets it on its children only when its own start carried it.
   */
  public static final SearchAttributeKey<String> FLEET = SearchAttributeKey.forKeyword("AsmFleet");

  /** Every attribute a worker registers on the namespace. */
  public static final List<SearchAttributeKey<String>> REGISTERED = List.of(CLUSTER, PHASE, FLEET);

  private MigrationSearchAttributes() {}

  /**
   * Every value AsmPhase takes: the phases of a running workflow, then the final states (FAILED: an
   * error after the point of no return).
   */
  public static List<String> phases() {
    List<String> phases =
        new java.util.ArrayList<>(
            List.of(
                Progress.RUNNING,
                Progress.WAITING_FOR_RECHECK,
                Progress.WAITING_FOR_APPROVAL,
                Progress.PAUSED,
                Progress.ROLLING_BACK));
    for (dev.asmmigrate.workflows.model.MigrationState s :
        dev.asmmigrate.workflows.model.MigrationState.values()) {
      phases.add(s.name());
    }
    phases.add("FAILED");
    return List.copyOf(phases);
  }

  /** The attributes a migration starts with. */
  public static SearchAttributes initial(ClusterRef cluster) {
    return SearchAttributes.newBuilder()
        .set(CLUSTER, cluster.toString())
        .set(PHASE, "RUNNING")
        .build();
  }
}
