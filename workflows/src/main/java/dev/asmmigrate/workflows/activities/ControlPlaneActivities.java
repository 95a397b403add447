package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.activity.ActivityInterface;
import java.time.Duration;

/** Step {@code control-plane}: the managed control plane's ControlPlaneRevision. */
@ActivityInterface
public interface ControlPlaneActivities {

  record ControlPlaneRequest(MigrationContext context, String channel) {}

  record AwaitControlPlaneRequest(MigrationContext context, Duration timeout) {}

  /**
   * Applies ControlPlaneRevision {@code <revision>} in istio-system ({@code type: managed_service,
   * channel}). Backs up the absence (or the existing object) first; applying twice changes nothing.
   */
  StepResult applyControlPlaneRevision(ControlPlaneRequest request);

  /**
   * Waits, heartbeating, until the revision reports {@code ProvisioningFinished=True}.
   *
   * @throws io.temporal.failure.ApplicationFailure CONTROL_PLANE_NOT_PROVISIONED after the timeout,
   *     with the revision's last condition in the message
   */
  void awaitControlPlane(AwaitControlPlaneRequest request);

  /**
   * Undo of {@link #applyControlPlaneRevision}: deletes the revision if this migration created it.
   */
  void removeControlPlaneRevision(ControlPlaneRequest request);
}
