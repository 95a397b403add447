package dev.asmmigrate.workflows.activities;

import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.temporal.activity.ActivityInterface;
import java.time.Duration;

/** Step {@code configure-mesh-ca}: the add-on's control plane learns to trust the Mesh CA. */
@ActivityInterface
public interface MeshCaActivities {

  record MeshCaRequest(MigrationContext context, AddonVersion version) {}

  record RootDistributionRequest(
      MigrationContext context, AddonVersion version, Duration timeout) {}

  /**
   * 1.4: Secret meshca-root, trust domain alias in ConfigMap istio, patched pilot and Citadel. 1.6:
   * alias in ConfigMap istio-istio-1611, IstioOperator pilot hub/tag, the Mesh CA root appended
   * once to istio-ca-secret, istiod patched and restarted. Every object is backed up first; running
   * it twice leaves what running it once leaves (the root is appended once).
   *
   * @throws io.temporal.failure.ApplicationFailure TRUST_DOMAIN_UNKNOWN
   */
  StepResult configureMeshCa(MeshCaRequest request);

  /**
   * Waits, heartbeating, until every namespace's root bundle (1.4: Secret istio.default; 1.6:
   * ConfigMap istio-ca-root-cert) holds the Mesh CA root, then (1.6) triggers proxies to fetch it.
   * Namespaces with no injected pods and no bundle are reported, not waited for.
   *
   * @throws io.temporal.failure.ApplicationFailure ROOT_DISTRIBUTION_TIMEOUT naming the namespaces
   */
  void awaitRootDistribution(RootDistributionRequest request);

  /** Undo: restores every object from its backup and deletes what the step created. */
  void restoreMeshCa(MeshCaRequest request);
}
