package dev.asmmigrate.activities.plan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.config.Finding;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PodToRecreate;
import dev.asmmigrate.workflows.model.StepModel;
import java.util.List;

/**
 * What {@code plan} found: pre-flight, config-check, the converted policies, and per step the
 * changes the migration will make.
 *
 * @param cluster the GKE cluster
 * @param revision the managed control plane revision the migration targets
 * @param masterVersion the GKE master version, or null when it could not be read or is refused
 * @param addonVersions the add-on versions detected (empty when detection refused the cluster)
 * @param namespaces the namespaces the workload step migrates, in order
 * @param preflight pre-flight findings: refusals (blocking) and warnings (informational)
 * @param findings config-check findings, with their rewrites
 * @param converted the security.istio.io/v1beta1 objects migrate-configs will create
 * @param steps every step in order, with its changes; empty when pre-flight refused the cluster
 * @param state the migration's own state ConfigMap writes, listed apart from the steps
 * @param podsToRecreate injected pods no restart moves to the new proxy (bare pods, Jobs' pods),
 *     with what to do about each
 * @param remainingNamespaces the injected namespaces migrate-remaining-workloads would take (those
 *     not in {@code namespaces}), in order
 * @param stepModels pre-flight's models of the disturbing steps (the plan calendar's estimates)
 */
public record MigrationPlan(
    ClusterRef cluster,
    String revision,
    String masterVersion,
    List<AddonVersion> addonVersions,
    List<NamespacePlan> namespaces,
    List<ConfigFinding> preflight,
    List<Finding> findings,
    List<ObjectNode> converted,
    List<StepPlan> steps,
    List<PlannedChange> state,
    List<PodToRecreate> podsToRecreate,
    List<NamespacePlan> remainingNamespaces,
    List<StepModel> stepModels) {

  /**
   * One step's changes.
   *
   * @param step the step id
   * @param title what the step does, as its declaration ({@code Step}) says
   * @param skipped why the step changes nothing on this cluster, or null
   * @param failure why the step would fail on this cluster as it is, or null (blocking)
   * @param changes the changes, in the order the step makes them
   */
  public record StepPlan(
      String step, String title, String skipped, String failure, List<PlannedChange> changes) {
    public StepPlan {
      changes = List.copyOf(changes);
    }
  }

  public MigrationPlan {
    addonVersions = List.copyOf(addonVersions);
    namespaces = List.copyOf(namespaces);
    preflight = List.copyOf(preflight);
    findings = List.copyOf(findings);
    converted = List.copyOf(converted);
    steps = List.copyOf(steps);
    state = List.copyOf(state);
    podsToRecreate = List.copyOf(podsToRecreate);
    remainingNamespaces = List.copyOf(remainingNamespaces);
    stepModels = stepModels == null ? List.of() : List.copyOf(stepModels);
  }

  /** Blocking pre-flight and config-check findings. */
  public long blocking() {
    return preflight.stream().filter(ConfigFinding::blocking).count()
        + findings.stream().filter(f -> f.severity().blocks()).count();
  }

  /** Steps that would fail on the cluster as it is. */
  public List<StepPlan> failingSteps() {
    return steps.stream().filter(s -> s.failure() != null).toList();
  }

  /** Whether the migration would run through: no blocking finding, no step that would fail. */
  public boolean canMigrate() {
    return blocking() == 0 && failingSteps().isEmpty();
  }

  /** Every change of every step, in order, then the state writes. */
  public List<PlannedChange> allChanges() {
    List<PlannedChange> all = new java.util.ArrayList<>();
    steps.forEach(s -> all.addAll(s.changes()));
    all.addAll(state);
    return all;
  }
}
