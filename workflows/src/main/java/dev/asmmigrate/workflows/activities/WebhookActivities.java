package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.activity.ActivityInterface;

/** Step {@code replace-webhook}. */
@ActivityInterface
public interface WebhookActivities {

  record WebhookRequest(MigrationContext context) {}

  /**
   * Empties the webhooks of MutatingWebhookConfiguration istio-sidecar-injector, then creates the
   * revision tag {@code default} (MutatingWebhookConfiguration istio-revision-tag-default) for the
   * managed revision, in that order so that no two webhooks ever match one namespace. Idempotent.
   */
  StepResult replaceWebhook(WebhookRequest request);

  /** Undo: deletes the tag webhook, then restores istio-sidecar-injector from its backup. */
  void restoreWebhook(WebhookRequest request);
}
