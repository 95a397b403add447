package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.activity.ActivityInterface;

/** Steps {@code disable-addon} and {@code cleanup}: the irreversible end, after approval. */
@ActivityInterface
public interface AddonActivities {

  record AddonRequest(MigrationContext context) {}

  /** Disables the Istio add-on through the GKE ClusterManager API. Idempotent. */
  StepResult disableAddon(AddonRequest request);

  /**
   * Backs up, then deletes, the add-on's objects; verifies istio-system then runs only
   * asm-ingressgateway. Refuses (STATE_CONFLICT) unless the state ConfigMap says SUCCESS.
   */
  StepResult cleanup(AddonRequest request);
}
