package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.activity.ActivityInterface;
import java.time.Duration;

/** Step {@code replace-gateway}. */
@ActivityInterface
public interface GatewayActivities {

  record GatewayRequest(MigrationContext context, Duration timeout) {}

  /**
   * Removes injection labels from istio-system, creates ServiceAccount, Role, RoleBinding and
   * Deployment {@code asm-ingressgateway} (injected by the managed revision), waits until it is
   * available, sets HPA istio-ingressgateway minReplicas to 1, then scales Deployment
   * istio-ingressgateway to 0. The LoadBalancer Service keeps its IP and selects the new pods.
   * Everything is backed up first; idempotent.
   */
  StepResult replaceGateway(GatewayRequest request);

  /**
   * Undo: scales the old gateway back to its recorded replicas and waits until it is available,
   * restores the HPA and istio-system's labels, then deletes the four new objects.
   */
  void restoreGateway(GatewayRequest request);
}
