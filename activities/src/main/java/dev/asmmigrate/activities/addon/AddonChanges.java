package dev.asmmigrate.activities.addon;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.container.v1beta1.AddonsConfig;
import com.google.container.v1beta1.ClusterUpdate;
import com.google.container.v1beta1.IstioConfig;
import com.google.container.v1beta1.UpdateClusterRequest;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.config.check.MixerDefaults;
import dev.asmmigrate.workflows.model.KeptObject;
import dev.asmmigrate.workflows.model.Step;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What steps {@code disable-addon} and {@code cleanup} change, computed from what they read and
 * nothing else (no client): the GKE cluster update turning the add-on off, and the deletion of the
 * proven add-on objects ({@link #cleanup}). {@code plan} lists these changes, the activities apply
 * them.
 */
final class AddonChanges {
  static final String DISABLE = Step.DISABLE_ADDON.id();
  static final String CLEANUP = Step.CLEANUP.id();
  static final String NS = AddonObjects.NS;

  private AddonChanges() {}

  /** The add-on's cluster update: as {@code plan} shows it, and the request sent. */
  record Disable(PlannedChange planned, UpdateClusterRequest request) {}

  /**
   * The update disabling the Istio add-on of cluster {@code name} (its other settings kept), or
   * none when GKE reports it disabled already.
   */
  @SuppressWarnings("deprecation") // istio_config: deprecated by GKE, and what is being disabled
  static Optional<Disable> disable(String name, IstioConfig istio) {
    if (istio.getDisabled()) {
      return Optional.empty();
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.putObject("update")
        .putObject("desiredAddonsConfig")
        .putObject("istioConfig")
        .put("disabled", true);
    return Optional.of(
        new Disable(
            PlannedChange.call(
                DISABLE,
                "container.googleapis.com/v1beta1",
                "UpdateCluster",
                name,
                body,
                "--update-addons=Istio=DISABLED, after an operator's approval (irreversible)"),
            UpdateClusterRequest.newBuilder()
                .setName(name)
                .setUpdate(
                    ClusterUpdate.newBuilder()
                        .setDesiredAddonsConfig(
                            AddonsConfig.newBuilder()
                                .setIstioConfig(istio.toBuilder().setDisabled(true))))
                .build()));
  }

  /**
   * What cleanup reads, as Jackson trees.
   *
   * @param mixer the Mixer objects labelled {@code k8s-app=istio} in istio-system, by kind
   * @param securityJobs the Jobs labelled {@code k8s-app=istio,app=security} in istio-system
   * @param live every object of the fixed list that exists, and the objects above, by key
   */
  record Observed(
      Map<String, List<ObjectNode>> mixer,
      List<ObjectNode> securityJobs,
      Map<ObjectKey, ObjectNode> live) {

    /** As if {@code deleted} were gone (objects earlier steps delete, for {@code plan}). */
    Observed without(Set<ObjectKey> deleted) {
      Map<ObjectKey, ObjectNode> left = new HashMap<>(live);
      left.keySet().removeIf(k -> deleted.stream().anyMatch(d -> sameObject(d, k)));
      return new Observed(mixer, securityJobs, left);
    }
  }

  /**
   * What cleanup deletes (in order, those that exist) and what it keeps, with the reason and the
   * command that deletes it by hand.
   *
   * @param selected every object cleanup targets, present or not
   */
  record Cleanup(List<ObjectKey> selected, List<DesiredChange> deletes, List<KeptObject> kept) {}

  /**
   * The proven add-on objects: the fixed list ({@link AddonObjects#fixed}), then, among the Mixer
   * objects and Jobs labelled {@code k8s-app=istio} in istio-system, the add-on's Mixer defaults by
   * digest ({@link MixerDefaults}, the check config-check makes) and its security post-install Jobs
   * by name. Every other labelled object is kept. Each selected object that exists is backed up,
   * then deleted.
   */
  static Cleanup cleanup(Observed o) {
    Set<ObjectKey> keys = new LinkedHashSet<>(AddonObjects.fixed());
    List<KeptObject> kept = new ArrayList<>();
    MixerDefaults defaults = MixerDefaults.get();
    String mixer = MixerDefaults.API_VERSION;
    for (String kind : MixerDefaults.KINDS) {
      List<ObjectNode> sorted = new ArrayList<>(o.mixer().getOrDefault(kind, List.of()));
      sorted.sort(Comparator.comparing(AddonChanges::name));
      for (ObjectNode item : sorted) {
        ObjectKey key = new ObjectKey(mixer, kind, NS, name(item));
        if (keys.contains(key)) {
          continue; // a fixed name of the add-on
        }
        if (defaults.isDefault(item)) {
          keys.add(key);
        } else {
          kept.add(
              kept(
                  key,
                  kind.equals("attributemanifest")
                      ? "labelled k8s-app=istio, but not one of the add-on's attributemanifests"
                          + " (istioproxy, kubernetes)"
                      : "labelled k8s-app=istio, but its spec (sha256 "
                          + MixerDefaults.specDigest(item.path("spec")).substring(0, 12)
                          + ") is none of the add-on's default Mixer objects of any add-on"
                          + " version: custom Mixer configuration, or an add-on default that was"
                          + " edited"));
        }
      }
    }
    List<String> jobs = o.securityJobs().stream().map(AddonChanges::name).sorted().toList();
    for (String job : jobs) {
      ObjectKey key = new ObjectKey("batch/v1", "Job", NS, job);
      if (job.startsWith(AddonObjects.POST_INSTALL_JOB_PREFIX)) {
        keys.add(key);
      } else {
        kept.add(
            kept(
                key,
                "labelled k8s-app=istio,app=security, but not named "
                    + AddonObjects.POST_INSTALL_JOB_PREFIX
                    + "<version> as the add-on's security post-install Jobs are"));
      }
    }
    List<DesiredChange> deletes = new ArrayList<>();
    for (ObjectKey key : keys) {
      if (o.live().containsKey(key)) {
        deletes.add(
            DesiredChange.of(
                PlannedChange.delete(CLEANUP, key, "backed up, then deleted"), "deleted " + key));
      }
    }
    return new Cleanup(new ArrayList<>(keys), deletes, kept);
  }

  private static String name(ObjectNode object) {
    return object.path("metadata").path("name").asText();
  }

  private static KeptObject kept(ObjectKey key, String reason) {
    return new KeptObject(
        key.apiVersion(),
        key.kind(),
        key.namespace(),
        key.name(),
        reason,
        AddonObjects.deleteCommand(key));
  }

  static boolean sameObject(ObjectKey a, ObjectKey b) {
    return a.kind().equals(b.kind())
        && Objects.equals(a.namespace(), b.namespace())
        && a.name().equals(b.name());
  }
}
