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
 */
public record PreflightReport(
    List<AddonVersion> addonVersions,
    String masterVersion,
    List<NamespacePlan> namespaces,
    String existingMigrationId,
    MigrationState existingState,
    List<String> warnings) {
  public PreflightReport {
    addonVersions = List.copyOf(addonVersions);
    namespaces = List.copyOf(namespaces);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }

  public boolean has(AddonVersion v) {
    return addonVersions.contains(v);
  }
}
