package dev.asmmigrate.activities.meshca;

import static dev.asmmigrate.activities.meshca.MeshCaObjects.BUNDLE_CONFIGMAP_16;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.BUNDLE_SECRET_14;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.ROOT_CERT_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.TRIGGER_KEY;
import static dev.asmmigrate.activities.meshca.MeshCaObjects.decode;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.inventory.MeshInventory;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.activities.kube.Waits.Check;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.workflows.activities.MeshCaActivities;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wait of step {@code configure-mesh-ca} until every namespace's root bundle holds the Mesh CA
 * root, then the proxies' pickup of it (1.4: a hold for the kubelet's volume refresh; 1.6:
 * EnvoyFilter trigger-root-cert).
 */
record RootDistribution(
    KubeClients clients, BackupStores backups, MeshCaActivitiesImpl.Settings settings) {
  private static final Logger log = LoggerFactory.getLogger(MeshCaActivitiesImpl.class);

  void awaitRootDistribution(MeshCaActivities.RootDistributionRequest request) {
    MigrationContext ctx = request.context();
    KubernetesClient client = clients.client(ctx.connection());
    boolean v14 = request.version() == AddonVersion.V1_4;
    String bundle =
        v14
            ? "Secret " + BUNDLE_SECRET_14 + " " + ROOT_CERT_KEY
            : "ConfigMap " + BUNDLE_CONFIGMAP_16 + " " + ROOT_CERT_KEY;
    List<String> skipped = new ArrayList<>();
    Waits.until(
        "Mesh CA root in every namespace's " + bundle,
        request.timeout(),
        settings.pollInterval(),
        () -> distribution(client, v14, skipped),
        FailureType.ROOT_DISTRIBUTION_TIMEOUT);
    if (!skipped.isEmpty()) {
      log.warn(
          "configure-mesh-ca {}: namespaces without {} and without injected pods were not waited"
              + " for: {}",
          request.version().display(),
          bundle,
          skipped);
    }
    if (v14) {
      Waits.hold(
          "add-on 1.4 proxies reading the refreshed root bundle",
          settings.proxyPickup(),
          settings.pollInterval());
    } else {
      triggerRootCertFetch(ctx, client);
    }
  }

  /** One look at every namespace's bundle. */
  private Check distribution(KubernetesClient client, boolean v14, List<String> skippedOut) {
    Map<String, String> bundles = new HashMap<>();
    if (v14) {
      for (Secret s :
          client
              .secrets()
              .inAnyNamespace()
              .withField("metadata.name", BUNDLE_SECRET_14)
              .list()
              .getItems()) {
        String value = s.getData() == null ? null : s.getData().get(ROOT_CERT_KEY);
        bundles.put(s.getMetadata().getNamespace(), value == null ? "" : decode(value));
      }
    } else {
      for (ConfigMap cm :
          client
              .configMaps()
              .inAnyNamespace()
              .withField("metadata.name", BUNDLE_CONFIGMAP_16)
              .list()
              .getItems()) {
        String value = cm.getData() == null ? null : cm.getData().get(ROOT_CERT_KEY);
        bundles.put(cm.getMetadata().getNamespace(), value == null ? "" : value);
      }
    }
    Map<String, String> waiting = new TreeMap<>();
    List<String> skipped = new ArrayList<>();
    int done = 0;
    int total = 0;
    for (Namespace ns : client.namespaces().list().getItems()) {
      if (ns.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      String name = ns.getMetadata().getName();
      String have = bundles.get(name);
      if (have == null) {
        int injected = injectedPods(client, name);
        if (injected == 0) {
          skipped.add(name);
          continue;
        }
        total++;
        waiting.put(name, "no bundle yet, " + injected + " injected pods");
      } else {
        total++;
        if (MeshCaRoot.in(have)) {
          done++;
        } else {
          waiting.put(name, "bundle without the Mesh CA root");
        }
      }
    }
    skippedOut.clear();
    skippedOut.addAll(skipped);
    String progress =
        done
            + "/"
            + total
            + " namespaces have it"
            + (waiting.isEmpty() ? "" : "; waiting for " + waiting)
            + (skipped.isEmpty() ? "" : "; skipped (no bundle, no injected pods): " + skipped);
    return waiting.isEmpty() ? Check.done(progress) : Check.waiting(progress);
  }

  private static int injectedPods(KubernetesClient client, String namespace) {
    int n = 0;
    for (Pod p : client.pods().inNamespace(namespace).list().getItems()) {
      if (MeshInventory.carriesSidecar(p)
          && !"Succeeded".equals(p.getStatus() == null ? null : p.getStatus().getPhase())) {
        n++;
      }
    }
    return n;
  }

  /**
   * 1.6 proxies fetch roots over SDS only when they need a secret: EnvoyFilter trigger-root-cert
   * makes each ask for a new one ({@link MeshCa16Changes#trigger}). It is backed up as absent
   * first, so that an undo after a crash here deletes it, created, held briefly, and deleted; one
   * an earlier attempt left is held, then put back as before the migration (absent: deleted).
   */
  private void triggerRootCertFetch(MigrationContext ctx, KubernetesClient client) {
    StepChanges changes = MeshCaObjects.session(clients, backups, ctx);
    ObjectNode current = MeshCa16.trigger(client);
    changes.backupTree(TRIGGER_KEY, current);
    List<DesiredChange> trigger = MeshCa16Changes.trigger(current, settings.triggerHold());
    trigger.stream()
        .filter(c -> c.planned().verb().equals("create"))
        .forEach(c -> c.apply(changes));
    Waits.hold(
        "add-on 1.6 proxies fetching the new roots (" + TRIGGER_KEY + ")",
        settings.triggerHold(),
        settings.pollInterval());
    if (trigger.isEmpty()) {
      changes.restore(TRIGGER_KEY);
    }
    trigger.stream()
        .filter(c -> c.planned().verb().equals("delete"))
        .forEach(c -> c.apply(changes));
  }
}
