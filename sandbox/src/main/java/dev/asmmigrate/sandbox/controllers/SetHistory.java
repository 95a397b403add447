package dev.asmmigrate.sandbox.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * ControllerRevisions, the history StatefulSets and DaemonSets keep of their pod templates
 * (k8s.io/kubernetes pkg/controller/history): one revision per distinct template, named {@code
 * <owner>-<hash>}, its data the patch {@code {"spec":{"template":{..., "$patch":"replace"}}}}, its
 * {@code revision} number raised again when an older template comes back (a roll-back), hash
 * collisions resolved by the owner's {@code status.collisionCount}.
 */
final class SetHistory {
  private static final String SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  private final KubernetesClient client;
  private final KubernetesSerialization serialization;

  /**
   * The revisions of one owner after a sync.
   *
   * @param current the revision named by the owner's status (the update revision if none)
   * @param update the revision of the owner's current template
   * @param collisionCount the collision count to write back to the owner's status
   * @param all every revision the owner controls, oldest first, including the two above
   */
  record Revisions(
      ControllerRevision current,
      ControllerRevision update,
      int collisionCount,
      List<ControllerRevision> all) {}

  SetHistory(KubernetesClient client) {
    this.client = client;
    this.serialization = client.getKubernetesSerialization();
  }

  /**
   * Finds or records the revision of {@code template}, as the StatefulSet and DaemonSet controllers
   * do at the start of every sync.
   *
   * @param hashLabel the label carrying the hash on the revision: {@code
   *     controller.kubernetes.io/hash} for StatefulSets, {@code controller-revision-hash} for
   *     DaemonSets
   * @param currentName the owner's {@code status.currentRevision}, or null
   */
  Revisions sync(
      HasMetadata owner,
      LabelSelector selector,
      PodTemplateSpec template,
      Integer collisionCount,
      String hashLabel,
      String currentName) {
    String ns = owner.getMetadata().getNamespace();
    List<ControllerRevision> revisions = claim(owner, selector);
    revisions.sort(
        Comparator.comparing(
                (ControllerRevision r) -> r.getRevision() == null ? 0L : r.getRevision())
            .thenComparing(r -> r.getMetadata().getName()));
    int collisions = collisionCount == null ? 0 : collisionCount;
    Map<String, Object> data = patchOf(template);
    long highest = 0;
    for (ControllerRevision r : revisions) {
      highest = Math.max(highest, r.getRevision() == null ? 0 : r.getRevision());
    }
    final long next = highest + 1;

    List<ControllerRevision> equal = new ArrayList<>();
    for (ControllerRevision r : revisions) {
      if (sameData(r.getData(), data)) {
        equal.add(r);
      }
    }
    ControllerRevision update;
    if (!equal.isEmpty() && equal.get(equal.size() - 1) == revisions.get(revisions.size() - 1)) {
      update = revisions.get(revisions.size() - 1);
    } else if (!equal.isEmpty()) {
      ControllerRevision old = equal.get(equal.size() - 1);
      update =
          client
              .apps()
              .controllerRevisions()
              .inNamespace(ns)
              .withName(old.getMetadata().getName())
              .edit(
                  r -> {
                    r.setRevision(next);
                    return r;
                  });
      revisions.remove(old);
      revisions.add(update);
    } else {
      update = null;
      while (update == null) {
        String hash = hash(data, collisions);
        ControllerRevision revision = new ControllerRevision();
        ObjectMeta meta = new ObjectMeta();
        meta.setName(owner.getMetadata().getName() + "-" + hash);
        meta.setNamespace(ns);
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
          labels.putAll(template.getMetadata().getLabels());
        }
        labels.put(hashLabel, hash);
        meta.setLabels(labels);
        meta.setOwnerReferences(new ArrayList<>(List.of(SetPods.controllerRef(owner))));
        revision.setMetadata(meta);
        revision.setData(data);
        revision.setRevision(next);
        try {
          update = client.apps().controllerRevisions().inNamespace(ns).resource(revision).create();
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e;
          }
          ControllerRevision existing =
              client.apps().controllerRevisions().inNamespace(ns).withName(meta.getName()).get();
          if (existing != null
              && SetPods.isControlledBy(existing, owner)
              && sameData(existing.getData(), data)) {
            update = existing;
          } else if (existing != null) {
            collisions++;
          }
        }
      }
      revisions.add(update);
    }
    ControllerRevision current = update;
    if (currentName != null) {
      for (ControllerRevision r : revisions) {
        if (currentName.equals(r.getMetadata().getName())) {
          current = r;
        }
      }
    }
    return new Revisions(current, update, collisions, revisions);
  }

  /**
   * Deletes the oldest revisions beyond {@code limit} that no pod and neither the current nor the
   * update revision uses.
   */
  void truncate(Revisions revisions, Set<String> live, Integer limit) {
    int keep = limit == null ? 10 : Math.max(limit, 0);
    List<ControllerRevision> dead = new ArrayList<>();
    for (ControllerRevision r : revisions.all()) {
      String name = r.getMetadata().getName();
      if (!live.contains(name)
          && !name.equals(revisions.current().getMetadata().getName())
          && !name.equals(revisions.update().getMetadata().getName())) {
        dead.add(r);
      }
    }
    for (int i = 0; i < dead.size() - keep; i++) {
      ControllerRevision r = dead.get(i);
      try {
        client
            .apps()
            .controllerRevisions()
            .inNamespace(r.getMetadata().getNamespace())
            .withName(r.getMetadata().getName())
            .delete();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
  }

  /** The pod template a revision recorded. */
  PodTemplateSpec templateOf(ControllerRevision revision) {
    JsonNode data = tree(revision.getData());
    JsonNode template = data.path("spec").path("template");
    ObjectNode copy = template.isObject() ? ((ObjectNode) template).deepCopy() : Json.object();
    copy.remove("$patch");
    return serialization.unmarshal(Json.write(copy), PodTemplateSpec.class);
  }

  /** The revision's hash label, e.g. the value DaemonSet pods carry as controller-revision-hash. */
  static String hashOf(ControllerRevision revision, String hashLabel) {
    Map<String, String> labels = SetPods.labels(revision);
    String hash = labels.get(hashLabel);
    if (hash != null) {
      return hash;
    }
    String name = revision.getMetadata().getName();
    return name.substring(name.lastIndexOf('-') + 1);
  }

  private List<ControllerRevision> claim(HasMetadata owner, LabelSelector selector) {
    String ns = owner.getMetadata().getNamespace();
    List<ControllerRevision> out = new ArrayList<>();
    for (ControllerRevision r :
        client.apps().controllerRevisions().inNamespace(ns).list().getItems()) {
      if (SetPods.isControlledBy(r, owner)) {
        out.add(r);
      } else if (SetPods.controllerOf(r).isEmpty()
          && !SetPods.isTerminating(owner)
          && !SetPods.isTerminating(r)
          && SetPods.selects(selector, SetPods.labels(r))) {
        try {
          out.add(
              client
                  .apps()
                  .controllerRevisions()
                  .inNamespace(ns)
                  .withName(r.getMetadata().getName())
                  .edit(
                      x -> {
                        List<io.fabric8.kubernetes.api.model.OwnerReference> refs =
                            x.getMetadata().getOwnerReferences() == null
                                ? new ArrayList<>()
                                : new ArrayList<>(x.getMetadata().getOwnerReferences());
                        refs.add(SetPods.controllerRef(owner));
                        x.getMetadata().setOwnerReferences(refs);
                        return x;
                      }));
        } catch (KubernetesClientException e) {
          if (e.getCode() != 404) {
            throw e;
          }
        }
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> patchOf(PodTemplateSpec template) {
    Map<String, Object> t = new LinkedHashMap<>(serialization.convertValue(template, Map.class));
    t.put("$patch", "replace");
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("template", t);
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("spec", spec);
    return data;
  }

  private boolean sameData(Object stored, Map<String, Object> data) {
    return stored != null && tree(stored).equals(tree(data));
  }

  /** Any JSON-able value as a Jackson 2 tree, through its JSON text (so numbers compare equal). */
  private JsonNode tree(Object value) {
    if (value == null) {
      return Json.object();
    }
    return Json.parse(serialization.asJson(value));
  }

  /**
   * FNV-1 32-bit over the canonical (key-sorted) JSON of the data and the collision count, rendered
   * with the real controllers' safe alphabet (rand.SafeEncodeString of the decimal hash).
   */
  String hash(Map<String, Object> data, int collisionCount) {
    String canonical = Json.write(canonical(tree(data)));
    int h = 0x811c9dc5;
    for (byte b : canonical.getBytes(StandardCharsets.UTF_8)) {
      h *= 0x01000193;
      h ^= (b & 0xff);
    }
    if (collisionCount > 0) {
      for (byte b : Integer.toString(collisionCount).getBytes(StandardCharsets.UTF_8)) {
        h *= 0x01000193;
        h ^= (b & 0xff);
      }
    }
    String decimal = Long.toString(Integer.toUnsignedLong(h));
    StringBuilder sb = new StringBuilder();
    for (char c : decimal.toCharArray()) {
      sb.append(SAFE_ALPHABET.charAt(c % SAFE_ALPHABET.length()));
    }
    return sb.toString();
  }

  private static JsonNode canonical(JsonNode node) {
    if (node.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        sorted.put(e.getKey(), canonical(e.getValue()));
      }
      ObjectNode out = Json.object();
      sorted.forEach(out::set);
      return out;
    }
    if (node.isArray()) {
      var out = Json.array();
      node.forEach(n -> out.add(canonical(n)));
      return out;
    }
    return node;
  }
}
