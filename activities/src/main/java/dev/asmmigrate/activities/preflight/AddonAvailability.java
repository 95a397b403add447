package dev.asmmigrate.activities.preflight;

import static dev.asmmigrate.activities.preflight.PreflightReads.ISTIO_SYSTEM;
import static dev.asmmigrate.activities.preflight.PreflightReads.call;
import static dev.asmmigrate.activities.preflight.PreflightReads.named;
import static dev.asmmigrate.activities.preflight.PreflightReads.replicas;
import static dev.asmmigrate.activities.preflight.VersionDetection.ISTIOD_16;

import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Whether the add-on's control plane serves: each of its Deployments has an available replica. */
final class AddonAvailability {
  static final String INGRESS_GATEWAY = "istio-ingressgateway";

  /** The add-on 1.4 control plane: Pilot, Citadel, the injector, Galley and the ingress gateway. */
  static final List<String> CONTROL_PLANE_14 =
      List.of(
          "istio-pilot",
          "istio-citadel",
          "istio-sidecar-injector",
          "istio-galley",
          INGRESS_GATEWAY);

  /** The add-on 1.6 control plane: istiod and the ingress gateway. */
  static final List<String> CONTROL_PLANE_16 = List.of(ISTIOD_16, INGRESS_GATEWAY);

  private AddonAvailability() {}

  /**
   * Refuses a cluster whose add-on control plane is not serving: each of its Deployments must exist
   * and have an available replica. A cluster still coming up is refused too (nothing is changed;
   * start again once it is up): a migration on a control plane that does not run would fail later,
   * after changes, and roll back.
   *
   * @param resuming whether an earlier run of this migration is resumed: its replace-gateway step
   *     scales the add-on's gateway to 0, so the gateway is not required then
   */
  static void checkControlPlaneAvailable(
      KubernetesClient client, List<AddonVersion> versions, boolean resuming) {
    List<Deployment> deployments =
        call(
            "list deployments in " + ISTIO_SYSTEM,
            () -> client.apps().deployments().inNamespace(ISTIO_SYSTEM).list().getItems());
    List<String> problems = new ArrayList<>();
    for (AddonVersion v : versions) {
      List<String> notReady = new ArrayList<>();
      for (String name : v == AddonVersion.V1_4 ? CONTROL_PLANE_14 : CONTROL_PLANE_16) {
        if (resuming && INGRESS_GATEWAY.equals(name)) {
          continue;
        }
        Optional<Deployment> d = named(deployments, name);
        if (d.isEmpty()) {
          notReady.add(name + " missing");
          continue;
        }
        int available =
            d.get().getStatus() == null || d.get().getStatus().getAvailableReplicas() == null
                ? 0
                : d.get().getStatus().getAvailableReplicas();
        if (available < 1) {
          notReady.add(name + " " + available + "/" + replicas(d.get()) + " available");
        }
      }
      if (!notReady.isEmpty()) {
        problems.add(
            "add-on "
                + v.display()
                + " control plane not available: "
                + String.join(", ", notReady));
      }
    }
    if (!problems.isEmpty()) {
      throw Failures.permanent(
          FailureType.ADDON_NOT_AVAILABLE,
          String.join("; ", problems)
              + " (deployments in "
              + ISTIO_SYSTEM
              + "); nothing was changed: start again once they are available");
    }
  }
}
