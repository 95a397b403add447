package dev.asmmigrate.activities.meshca;

import static dev.asmmigrate.activities.meshca.MeshCaObjects.CITADEL;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.CITADEL_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESHCA_SECRET_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESH_CONFIG_14_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.PILOT_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.awaitRollouts;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.requireConfigMap;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.requireDeployment;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.secret;

import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.activities.plan.PlannedChange;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * Step {@code configure-mesh-ca} on add-on 1.4: reads the objects it changes, backs them up, and
 * applies {@link MeshCa14Changes#desired} (re-reading on a conflict); then waits for istio-pilot
 * and istio-citadel to roll out.
 */
record MeshCa14(MeshCaActivitiesImpl.Settings settings) {
  void configure(StepChanges changes, String trustDomain) {
    DesiredChange.reconcile(
        changes,
        () -> {
          MeshCa14Changes.Observed o = observe(changes.client());
          changes.backupTree(MESHCA_SECRET_KEY, o.meshCaSecret());
          changes.backupTree(MESH_CONFIG_14_KEY, o.meshConfig());
          changes.backupTree(PILOT_KEY, o.pilot());
          changes.backupTree(CITADEL_KEY, o.citadel());
          return MeshCa14Changes.desired(o, trustDomain);
        });
    awaitRollouts(changes.client(), List.of(PILOT, CITADEL), settings);
  }

  /** What {@link #configure} will change, read only. */
  List<PlannedChange> plan(KubernetesClient client, String trustDomain) {
    return DesiredChange.planned(MeshCa14Changes.desired(observe(client), trustDomain));
  }

  /** Reads the step's objects; a missing add-on object fails it before it changes anything. */
  static MeshCa14Changes.Observed observe(KubernetesClient client) {
    var pilot = requireDeployment(client, PILOT_KEY);
    var citadel = requireDeployment(client, CITADEL_KEY);
    var meshConfig = requireConfigMap(client, MESH_CONFIG_14_KEY);
    return new MeshCa14Changes.Observed(
        secret(client, MESHCA_SECRET_KEY), meshConfig, pilot, citadel);
  }
}
