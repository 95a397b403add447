package dev.asmmigrate.activities.meshca;

import static dev.asmmigrate.activities.meshca.MeshCaObjects.CA_SECRET_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ENVOY_FILTERS;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ISTIOD;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ISTIOD_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ISTIO_OPERATORS;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.MESH_CONFIG_16_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.NS;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.OPERATOR;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.OPERATOR_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.TRIGGER;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.TRIGGER_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.awaitRollouts;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.notFound;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.read;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.require;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.requireConfigMap;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.requireDeployment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.kube.GenericResources;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.MigrationContext;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * Step {@code configure-mesh-ca} on add-on 1.6: reads the objects it changes, backs them up, and
 * applies {@link MeshCa16Changes#configure} (re-reading on a conflict); then waits for istiod to
 * roll out. The trigger filter is {@link RootDistribution}'s, once every namespace has the root.
 */
record MeshCa16(MeshCaActivitiesImpl.Settings settings) {
  void configure(StepChanges changes, String trustDomain, MigrationContext ctx) {
    String restartToken = MigrationContext.restartedAt(ctx.migrationId());
    DesiredChange.reconcile(
        changes,
        () -> {
          MeshCa16Changes.Observed o = observe(changes.client());
          changes.backupTree(MESH_CONFIG_16_KEY, o.meshConfig());
          changes.backupTree(OPERATOR_KEY, o.operator());
          changes.backupTree(CA_SECRET_KEY, o.caSecret());
          changes.backupTree(ISTIOD_KEY, o.istiod());
          return MeshCa16Changes.configure(o, trustDomain, restartToken);
        });
    awaitRollouts(changes.client(), List.of(ISTIOD), settings);
  }

  /** What {@link #configure} and the root-distribution wait will change, read only. */
  List<PlannedChange> plan(KubernetesClient client, String trustDomain, String migrationId) {
    return DesiredChange.planned(
        MeshCa16Changes.desired(
            observe(client),
            trustDomain,
            MigrationContext.restartedAt(migrationId),
            settings.triggerHold()));
  }

  /** Reads the step's objects; a missing add-on object fails it before it changes anything. */
  static MeshCa16Changes.Observed observe(KubernetesClient client) {
    ObjectNode istiod = requireDeployment(client, ISTIOD_KEY);
    ObjectNode meshConfig = requireConfigMap(client, MESH_CONFIG_16_KEY);
    ObjectNode caSecret =
        require(
            CA_SECRET_KEY,
            () -> client.secrets().inNamespace(NS).withName(CA_SECRET_KEY.name()).get(),
            "the add-on");
    // none when the type is not served: a 1.4 cluster has no IstioOperator CRD
    ObjectNode operator =
        read(OPERATOR_KEY, () -> GenericResources.get(client, ISTIO_OPERATORS, NS, OPERATOR));
    if (operator == null) {
      throw notFound(OPERATOR_KEY, "add-on 1.6");
    }
    return new MeshCa16Changes.Observed(meshConfig, operator, caSecret, istiod, trigger(client));
  }

  /** EnvoyFilter trigger-root-cert, or null when absent. */
  static ObjectNode trigger(KubernetesClient client) {
    return read(TRIGGER_KEY, () -> GenericResources.get(client, ENVOY_FILTERS, NS, TRIGGER));
  }
}
