package dev.asmmigrate.workflows.model;

import java.util.List;

/**
 * What pre-flight found, read-only.
 *
 * @param addonVersions the add-on versions running (1.4, 1.6 or both)
 * @param masterVersion GKE master version
 * @param namespaces injected namespaces, in the order they will migrate
 * @param existingMigrationId the ID in an existing state ConfigMap, to resume with the same backups
 * @param existingState the state in that ConfigMap, or null
 * @param warnings informational findings (single-replica deployments, PDBs allowing no disruption,
 *     pods no controller owns)
 * @param podsToRecreate injected pods in any injected namespace that no restart moves to the new
 *     proxy (bare pods, Jobs' pods), with what to do about each; empty in histories from before
 */
public record PreflightReport(
    List<AddonVersion> addonVersions,
    String masterVersion,
    List<NamespacePlan> namespaces,
    String existingMigrationId,
    MigrationState existingState,
    List<String> warnings,
    List<PodToRecreate> podsToRecreate,
    List<StepModel> stepModels) {
  public PreflightReport {
    addonVersions = List.copyOf(addonVersions);
    namespaces = List.copyOf(namespaces);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    podsToRecreate = podsToRecreate == null ? List.of() : List.copyOf(podsToRecreate);
    stepModels = stepModels == null ? List.of() : List.copyOf(stepModels);
  }

  /** A report without step models. */
  public PreflightReport(
      List<AddonVersion> addonVersions,
      String masterVersion,
      List<NamespacePlan> namespaces,
      String existingMigrationId,
      MigrationState existingState,
      List<String> warnings,
      List<PodToRecreate> podsToRecreate) {
    this(
        addonVersions,
        masterVersion,
        namespaces,
        existingMigrationId,
        existingState,
        warnings,
        podsToRecreate,
        List.of());
  }

  /** Pre-flight's model of step {@code s}, or null when it has none. */
  public StepModel stepModel(Step s) {
    return stepModels.stream().filter(m -> m.step().equals(s.id())).findFirst().orElse(null);
  }

  /** A report without pods to recreate. */
  public PreflightReport(
      List<AddonVersion> addonVersions,
      String masterVersion,
      List<NamespacePlan> namespaces,
      String existingMigrationId,
      MigrationState existingState,
      List<String> warnings) {
    this(
        addonVersions,
        masterVersion,
        namespaces,
        existingMigrationId,
        existingState,
        warnings,
        List.of());
  }

  public boolean has(AddonVersion v) {
    return addonVersions.contains(v);
  }
}
