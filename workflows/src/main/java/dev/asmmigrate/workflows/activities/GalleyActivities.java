package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.activity.ActivityInterface;

/** Step {@code disable-galley-webhook} (add-on 1.4). */
@ActivityInterface
public interface GalleyActivities {

  record GalleyRequest(MigrationContext context) {}

  /**
   * Narrows ClusterRole {@code istio-galley-istio-system}'s validatingwebhookconfigurations rule
   * from {@code *} to {@code get}, so Galley stops re-creating its webhook, then deletes
   * ValidatingWebhookConfiguration {@code istio-galley}. Both are backed up first. Idempotent.
   */
  StepResult disableGalleyWebhook(GalleyRequest request);

  /** Undo: restores the ClusterRole and re-creates the webhook configuration from their backups. */
  void restoreGalleyWebhook(GalleyRequest request);
}
