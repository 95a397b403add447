package dev.asmmigrate.activities.preflight;

import dev.asmmigrate.activities.inventory.InventoryReads;
import dev.asmmigrate.activities.inventory.MeshInventory;
import dev.asmmigrate.activities.meshca.MeshCaActivitiesImpl;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepModel;
import dev.asmmigrate.workflows.model.window.Estimates;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Pre-flight's model of the disturbing steps other than the workload phase's ({@link StepModel}),
 * from the add-on's control plane and gateway as the cluster runs them (their Deployments' {@link
 * MeshInventory#deploymentRollout rollouts}: replicas, strategy, readiness probe, the time their
 * pods took to become Ready) and the Mesh CA step's configured holds: what the maintenance windows
 * estimate these steps at before the run has measured them.
 *
 * <ul>
 *   <li>{@code migrate-configs}: writes only, nothing restarts: {@link #WRITES}.
 *   <li>{@code configure-mesh-ca}, per add-on version, one after the other: the rolling restart of
 *       the control plane Deployments it restarts (1.4: istio-pilot and istio-citadel, one after
 *       the other; 1.6: istiod-istio-1611), a poll of the root's distribution, then the configured
 *       hold (1.4: the proxies' pickup; 1.6: the root fetch trigger's).
 *   <li>{@code replace-gateway}: the new gateway Deployment, as many replicas as the add-on's
 *       istio-ingressgateway, started at once and Ready as its pods were seen to be, then the
 *       LoadBalancer Service's switch and the old gateway's scale-down: writes ({@link #WRITES}).
 * </ul>
 *
 * A step whose Deployments are not found gets no model (the windows use the runbook's bound).
 */
final class StepModels {
  /** Some API writes, nothing restarted: what a step that only writes objects takes. */
  static final Duration WRITES = Duration.ofSeconds(2);

  private StepModels() {}

  static List<StepModel> of(
      KubernetesClient client, List<AddonVersion> versions, MeshCaActivitiesImpl.Settings ca) {
    String ns = IstioNames.ISTIO_SYSTEM;
    Namespace namespace =
        InventoryReads.call("get namespace " + ns, () -> client.namespaces().withName(ns).get());
    // istio-system's Deployments and pods only: two requests, whatever the cluster's size
    MeshInventory istio =
        namespace == null
            ? null
            : new MeshInventory(
                List.of(namespace),
                InventoryReads.call(
                    "list pods in " + ns, () -> client.pods().inNamespace(ns).list().getItems()),
                List.of(),
                InventoryReads.call(
                    "list deployments in " + ns,
                    () -> client.apps().deployments().inNamespace(ns).list().getItems()),
                List.of(),
                List.of(),
                List.of());
    return istio == null ? List.of(writes()) : of(istio, versions, ca);
  }

  /** The models, from an inventory that holds istio-system's Deployments and pods. */
  static List<StepModel> of(
      MeshInventory istio, List<AddonVersion> versions, MeshCaActivitiesImpl.Settings ca) {
    List<StepModel> out = new ArrayList<>();
    out.add(writes());
    StepModel meshCa = meshCa(istio, versions, ca);
    if (meshCa != null) {
      out.add(meshCa);
    }
    Duration gateway = istio.deploymentStart(IstioNames.ISTIO_SYSTEM, IstioNames.INGRESS_GATEWAY);
    if (gateway != null) {
      out.add(
          new StepModel(
              Step.REPLACE_GATEWAY.id(),
              gateway.plus(WRITES),
              "new gateway of "
                  + istio.replicas(IstioNames.ISTIO_SYSTEM, IstioNames.INGRESS_GATEWAY)
                  + " replica(s) Ready ~"
                  + Estimates.text(gateway)
                  + ", LoadBalancer switch ~"
                  + Estimates.text(WRITES)));
    }
    return out;
  }

  private static StepModel writes() {
    return new StepModel(
        Step.MIGRATE_CONFIGS.id(),
        WRITES,
        "writes only, nothing restarts ~" + Estimates.text(WRITES));
  }

  private static StepModel meshCa(
      MeshInventory istio, List<AddonVersion> versions, MeshCaActivitiesImpl.Settings ca) {
    Duration total = Duration.ZERO;
    List<String> parts = new ArrayList<>();
    for (AddonVersion v : versions) {
      List<String> restarted =
          v == AddonVersion.V1_4
              ? List.of(IstioNames.PILOT_14, IstioNames.CITADEL_14)
              : List.of(IstioNames.ISTIOD_16);
      for (String name : restarted) {
        Duration d = istio.deploymentRollout(IstioNames.ISTIO_SYSTEM, name);
        if (d == null) {
          return null;
        }
        total = total.plus(d);
        parts.add(name + " rollout ~" + Estimates.text(d));
      }
      Duration hold = v == AddonVersion.V1_4 ? ca.proxyPickup() : ca.triggerHold();
      total = total.plus(ca.pollInterval()).plus(hold);
      parts.add(
          "root distribution ~"
              + Estimates.text(ca.pollInterval())
              + ", hold "
              + Estimates.text(hold));
    }
    return new StepModel(Step.CONFIGURE_MESH_CA.id(), total, String.join(", ", parts));
  }
}
