package dev.asmmigrate.sandbox.istio;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import java.util.Optional;

/**
 * Reads of the store that the simulated webhooks and the traffic probe share (they simulate things
 * that are not API clients; the control-plane controllers read through the API instead).
 */
final class ClusterState {
  static final String CPR_GROUP = "mesh.cloud.google.com";
  static final String CPR_VERSION = "v1beta1";
  static final String CPR_PLURAL = "controlplanerevisions";

  private ClusterState() {}

  /** Whether the Deployment exists and reports available replicas. */
  static boolean deploymentAvailable(ObjectStore store, String namespace, String name) {
    return store
        .get(ResourceRegistry.DEPLOYMENTS, namespace, name)
        .map(ClusterState::hasAvailableReplicas)
        .orElse(false);
  }

  static boolean hasAvailableReplicas(JsonNode deployment) {
    return deployment.path("status").path("availableReplicas").asInt(0) > 0;
  }

  static Optional<ResourceType> controlPlaneRevisions(ObjectStore store) {
    return store.registry().find(CPR_GROUP, CPR_VERSION, CPR_PLURAL);
  }

  /** Whether ControlPlaneRevision {@code istio-system/<rev>} reports ProvisioningFinished=True. */
  static boolean controlPlaneRevisionReady(ObjectStore store, String revision) {
    return controlPlaneRevisions(store)
        .flatMap(t -> store.get(t, ControlPlane.SYSTEM_NAMESPACE, revision))
        .map(ClusterState::provisioned)
        .orElse(false);
  }

  static boolean provisioned(JsonNode cpr) {
    for (JsonNode c : cpr.path("status").path("conditions")) {
      if (c.path("type").asText().equals("ProvisioningFinished")) {
        return c.path("status").asText().equals("True");
      }
    }
    return false;
  }
}
