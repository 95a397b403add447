package dev.asmmigrate.sandbox.controllers;

import dev.asmmigrate.sandbox.SandboxContext;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The StatefulSet controller (k8s.io/kubernetes pkg/controller/statefulset), as a client of the
 * sandbox's API.
 *
 * <p>Pods are named {@code <set>-<ordinal>} and carry {@code statefulset.kubernetes.io/pod-name},
 * {@code apps.kubernetes.io/pod-index} and {@code controller-revision-hash} (the name of their
 * ControllerRevision), a controller reference, {@code hostname} and {@code subdomain}. With {@code
 * OrderedReady} (the default) ordinal {@code n} is created only once {@code 0..n-1} are Running and
 * Ready, and scale-down removes the highest ordinal first, one at a time; {@code Parallel} does
 * both at once. {@code RollingUpdate} deletes the highest ordinal not at the update revision (at or
 * above {@code partition}), one at a time, waiting for each replacement to be Ready; {@code
 * OnDelete} only recreates pods someone deleted. Status is what {@code kubectl rollout status
 * sts/x} reads: it reports done only when {@code observedGeneration} is current, every replica is
 * Ready and at the update revision.
 */
public final class StatefulSetController extends SetControllerSupport {
  static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
  static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
  static final String REVISION_LABEL = "controller-revision-hash";
  static final String HASH_LABEL = "controller.kubernetes.io/hash";
  private static final Pattern MEMBER = Pattern.compile("^(.*)-([0-9]+)$");
  private static final Duration RESYNC = Duration.ofSeconds(30);

  private final SetHistory history;
  private SharedIndexInformer<StatefulSet> sets;

  public StatefulSetController(SandboxContext ctx) {
    super(ctx, "statefulset-controller");
    this.history = new SetHistory(client);
  }

  @Override
  protected void onStart() {
    sets = inform(StatefulSet.class, RESYNC, s -> queue.add(SetPods.key(s)));
    inform(Pod.class, RESYNC, this::podChanged);
  }

  private void podChanged(Pod pod) {
    enqueueOwnerOrAdopters(
        pod, "StatefulSet", sets, s -> s.getSpec() == null ? null : s.getSpec().getSelector());
  }

  /** The mutable tally of one sync, as the real controller keeps it while it acts. */
  private static final class Tally {
    int replicas;
    int ready;
    int available;
    int current;
    int updated;
  }

  @Override
  protected void reconcile(String key) {
    String ns = SetPods.namespaceOf(key);
    StatefulSet set =
        client.apps().statefulSets().inNamespace(ns).withName(SetPods.nameOf(key)).get();
    if (set == null || set.getSpec() == null) {
      return;
    }
    StatefulSetSpec spec = set.getSpec();
    StatefulSetStatus old = set.getStatus() == null ? new StatefulSetStatus() : set.getStatus();
    List<Pod> pods = claimPods(set);
    SetHistory.Revisions revisions =
        history.sync(
            set,
            spec.getSelector(),
            spec.getTemplate(),
            old.getCollisionCount(),
            HASH_LABEL,
            old.getCurrentRevision());
    String currentName = revisions.current().getMetadata().getName();
    String updateName = revisions.update().getMetadata().getName();
    int minReady = spec.getMinReadySeconds() == null ? 0 : spec.getMinReadySeconds();
    Instant now = clock.instant();

    Tally tally = new Tally();
    Duration recheck = null;
    for (Pod pod : pods) {
      tally.replicas++;
      if (SetPods.isRunningAndReady(pod)) {
        tally.ready++;
        Optional<Duration> left = SetPods.untilAvailable(pod, minReady, now);
        if (left.isPresent() && left.get().isZero()) {
          tally.available++;
        } else if (left.isPresent()) {
          recheck = recheck == null || left.get().compareTo(recheck) < 0 ? left.get() : recheck;
        }
      }
      if (!SetPods.isTerminating(pod)) {
        String revision = revisionOf(pod);
        if (currentName.equals(revision)) {
          tally.current++;
        }
        if (updateName.equals(revision)) {
          tally.updated++;
        }
      }
    }

    if (!SetPods.isTerminating(set)) {
      PodTemplateSpec currentTemplate =
          revisions.current() == revisions.update()
              ? spec.getTemplate()
              : history.templateOf(revisions.current());
      manage(set, pods, currentTemplate, currentName, updateName, tally);
    }

    StatefulSetStatus status = new StatefulSetStatus();
    status.setObservedGeneration(set.getMetadata().getGeneration());
    status.setReplicas(tally.replicas);
    status.setReadyReplicas(omitZero(tally.ready));
    status.setAvailableReplicas(tally.available);
    status.setCurrentReplicas(omitZero(tally.current));
    status.setUpdatedReplicas(omitZero(tally.updated));
    status.setCurrentRevision(currentName);
    status.setUpdateRevision(updateName);
    status.setCollisionCount(omitZero(revisions.collisionCount()));
    status.setConditions(old.getConditions());
    // completeRollingUpdate: once every replica is Ready at the update revision, it is current
    if (isRollingUpdate(spec) && tally.updated == tally.replicas && tally.ready == tally.replicas) {
      status.setCurrentReplicas(omitZero(tally.updated));
      status.setCurrentRevision(updateName);
    }
    if (!sameJson(status, set.getStatus())) {
      set.setStatus(status);
      client.apps().statefulSets().inNamespace(ns).resource(set).updateStatus();
    }

    Set<String> live = new HashSet<>();
    pods.forEach(p -> live.add(revisionOf(p)));
    live.add(status.getCurrentRevision());
    history.truncate(revisions, live, spec.getRevisionHistoryLimit());
    if (recheck != null) {
      queue.addAfter(key, recheck.plusMillis(50));
    }
  }

  /** The pods to create and delete this round (StatefulSetControl.updateStatefulSet). */
  private void manage(
      StatefulSet set,
      List<Pod> pods,
      PodTemplateSpec currentTemplate,
      String currentName,
      String updateName,
      Tally tally) {
    StatefulSetSpec spec = set.getSpec();
    String ns = set.getMetadata().getNamespace();
    int replicaCount = spec.getReplicas() == null ? 1 : spec.getReplicas();
    boolean monotonic = !"Parallel".equals(spec.getPodManagementPolicy());
    Pod[] replicas = new Pod[replicaCount];
    List<Pod> condemned = new ArrayList<>();
    for (Pod pod : pods) {
      int ord = ordinal(pod);
      if (ord >= 0 && ord < replicaCount) {
        replicas[ord] = pod;
      } else if (ord >= replicaCount) {
        condemned.add(pod);
      }
    }
    condemned.sort(Comparator.comparingInt(StatefulSetController::ordinal));
    Pod firstUnhealthy = null;
    for (Pod p : replicas) {
      if (p != null && !isHealthy(p) && firstUnhealthy == null) {
        firstUnhealthy = p;
      }
    }
    for (Pod p : condemned) {
      if (!isHealthy(p) && firstUnhealthy == null) {
        firstUnhealthy = p;
      }
    }
    int partition = 0;
    if (spec.getUpdateStrategy() != null
        && spec.getUpdateStrategy().getRollingUpdate() != null
        && spec.getUpdateStrategy().getRollingUpdate().getPartition() != null) {
      partition = spec.getUpdateStrategy().getRollingUpdate().getPartition();
    }

    for (int i = 0; i < replicaCount; i++) {
      Pod pod = replicas[i];
      if (pod != null && "Failed".equals(SetPods.phase(pod)) && !SetPods.isTerminating(pod)) {
        // delete and recreate failed pods
        deletePod(pod, 0L);
        String revision = revisionOf(pod);
        tally.current -= currentName.equals(revision) ? 1 : 0;
        tally.updated -= updateName.equals(revision) ? 1 : 0;
        tally.replicas--;
        return; // the replacement is created once the failed pod is gone
      }
      if (pod == null) {
        boolean fromCurrent = isRollingUpdate(spec) && i < partition;
        Pod created =
            createPod(
                set,
                fromCurrent ? currentTemplate : spec.getTemplate(),
                fromCurrent ? currentName : updateName,
                i);
        replicas[i] = created;
        String revision = fromCurrent ? currentName : updateName;
        tally.replicas++;
        tally.current += currentName.equals(revision) ? 1 : 0;
        tally.updated += updateName.equals(revision) ? 1 : 0;
        if (monotonic) {
          return;
        }
        continue;
      }
      if (SetPods.isTerminating(pod) && monotonic) {
        return;
      }
      if (!SetPods.isRunningAndReady(pod) && monotonic) {
        return;
      }
      ensureIdentity(set, pod, i);
    }

    for (int target = condemned.size() - 1; target >= 0; target--) {
      Pod pod = condemned.get(target);
      if (SetPods.isTerminating(pod)) {
        if (monotonic) {
          return;
        }
        continue;
      }
      if (!SetPods.isRunningAndReady(pod) && monotonic && pod != firstUnhealthy) {
        return;
      }
      deletePod(pod, null);
      String revision = revisionOf(pod);
      tally.current -= currentName.equals(revision) ? 1 : 0;
      tally.updated -= updateName.equals(revision) ? 1 : 0;
      if (monotonic) {
        return;
      }
    }

    if (!isRollingUpdate(spec)) {
      return; // OnDelete: pods are updated when someone deletes them
    }
    for (int target = replicaCount - 1; target >= partition; target--) {
      Pod pod = replicas[target];
      if (pod == null) {
        return;
      }
      if (!updateName.equals(revisionOf(pod)) && !SetPods.isTerminating(pod)) {
        deletePod(pod, null);
        tally.current -= currentName.equals(revisionOf(pod)) ? 1 : 0;
        return;
      }
      if (!isHealthy(pod)) {
        return;
      }
    }
  }

  private Pod createPod(StatefulSet set, PodTemplateSpec template, String revision, int ordinal) {
    Pod pod = SetPods.fromTemplate(template, set, client.getKubernetesSerialization());
    String name = set.getMetadata().getName() + "-" + ordinal;
    pod.getMetadata().setName(name);
    Map<String, String> labels = pod.getMetadata().getLabels();
    labels.put(POD_NAME_LABEL, name);
    labels.put(POD_INDEX_LABEL, Integer.toString(ordinal));
    labels.put(REVISION_LABEL, revision);
    pod.getSpec().setHostname(name);
    String service = set.getSpec().getServiceName();
    if (service != null && !service.isEmpty()) {
      pod.getSpec().setSubdomain(service);
    }
    List<PersistentVolumeClaim> claims = set.getSpec().getVolumeClaimTemplates();
    if (claims != null && !claims.isEmpty()) {
      Map<String, Volume> volumes = new LinkedHashMap<>();
      if (pod.getSpec().getVolumes() != null) {
        pod.getSpec().getVolumes().forEach(v -> volumes.put(v.getName(), v));
      }
      for (PersistentVolumeClaim claim : claims) {
        String claimName = claim.getMetadata().getName();
        volumes.put(
            claimName,
            new VolumeBuilder()
                .withName(claimName)
                .withNewPersistentVolumeClaim(claimName + "-" + name, false)
                .build());
      }
      pod.getSpec().setVolumes(new ArrayList<>(volumes.values()));
    }
    return client.pods().inNamespace(set.getMetadata().getNamespace()).resource(pod).create();
  }

  /** Restores the identity labels of a pod that lost them (identityMatches). */
  private void ensureIdentity(StatefulSet set, Pod pod, int ordinal) {
    Map<String, String> labels = SetPods.labels(pod);
    String name = pod.getMetadata().getName();
    if (name.equals(labels.get(POD_NAME_LABEL))
        && Integer.toString(ordinal).equals(labels.get(POD_INDEX_LABEL))) {
      return;
    }
    try {
      client
          .pods()
          .inNamespace(set.getMetadata().getNamespace())
          .withName(name)
          .edit(
              p -> {
                Map<String, String> l =
                    p.getMetadata().getLabels() == null
                        ? new LinkedHashMap<>()
                        : new LinkedHashMap<>(p.getMetadata().getLabels());
                l.put(POD_NAME_LABEL, name);
                l.put(POD_INDEX_LABEL, Integer.toString(ordinal));
                p.getMetadata().setLabels(l);
                return p;
              });
    } catch (KubernetesClientException e) {
      if (!isNotFound(e)) {
        throw e;
      }
    }
  }

  /**
   * The set's pods: those it controls whose names are {@code <set>-<ordinal>}, after adopting
   * matching orphans and releasing controlled pods its selector no longer matches.
   */
  private List<Pod> claimPods(StatefulSet set) {
    List<Pod> out = claimPods(set, set.getSpec().getSelector(), p -> isMemberOf(set, p));
    out.sort(Comparator.comparingInt(StatefulSetController::ordinal));
    return out;
  }

  static boolean isMemberOf(StatefulSet set, Pod pod) {
    Matcher m = MEMBER.matcher(pod.getMetadata().getName());
    return m.matches() && m.group(1).equals(set.getMetadata().getName());
  }

  static int ordinal(Pod pod) {
    Matcher m = MEMBER.matcher(pod.getMetadata().getName());
    if (!m.matches()) {
      return -1;
    }
    try {
      return Integer.parseInt(m.group(2));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String revisionOf(Pod pod) {
    return SetPods.labels(pod).getOrDefault(REVISION_LABEL, "");
  }

  private static boolean isHealthy(Pod pod) {
    return SetPods.isRunningAndReady(pod) && !SetPods.isTerminating(pod);
  }

  private static boolean isRollingUpdate(StatefulSetSpec spec) {
    return spec.getUpdateStrategy() == null
        || spec.getUpdateStrategy().getType() == null
        || "RollingUpdate".equals(spec.getUpdateStrategy().getType());
  }

  private static Integer omitZero(int n) {
    return n == 0 ? null : n;
  }
}
