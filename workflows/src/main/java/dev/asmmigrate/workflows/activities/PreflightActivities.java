package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.PreflightReport;
import io.temporal.activity.ActivityInterface;
import java.util.List;

/** Step {@code preflight}: reads the cluster, changes nothing. */
@ActivityInterface
public interface PreflightActivities {

  /**
   * @param namespaces namespaces to migrate (empty: every injected one)
   * @param canary namespaces migrated first (each must be one of those migrated; empty: none;
   *     absent from requests recorded before it existed)
   * @param fleetProject the fleet (GKE Hub) project, where the caller's Google permissions for
   *     fleet-registration are checked; null: the cluster's project (and in requests recorded
   *     before it existed)
   */
  record PreflightRequest(
      MigrationContext context, List<String> namespaces, List<String> canary, String fleetProject) {
    public PreflightRequest {
      canary = canary == null ? List.of() : List.copyOf(canary);
    }

    public PreflightRequest(
        MigrationContext context, List<String> namespaces, List<String> canary) {
      this(context, namespaces, canary, null);
    }

    public PreflightRequest(MigrationContext context, List<String> namespaces) {
      this(context, namespaces, List.of(), null);
    }
  }

  /**
   * Detects the add-on version(s), the GKE version, the injected namespaces, permissions
   * (Kubernetes RBAC, and Google IAM for the Google-side steps) and an existing migration state.
   * Read-only, so naturally idempotent.
   *
   * @throws io.temporal.failure.ApplicationFailure UNSUPPORTED_VERSION,
   *     UNSUPPORTED_CLUSTER_VERSION, ADDON_NOT_AVAILABLE, PERMISSION_DENIED, NOT_FOUND (an unknown
   *     namespace or canary), STATE_CONFLICT
   */
  PreflightReport preflight(PreflightRequest request);
}
