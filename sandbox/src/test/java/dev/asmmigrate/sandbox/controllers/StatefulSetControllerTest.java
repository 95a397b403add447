package dev.asmmigrate.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** The StatefulSet controller against a running sandbox, driven with a fabric8 client. */
// each test in its own namespace: the methods run at once (see junit-platform.properties)
@Execution(ExecutionMode.CONCURRENT)
class StatefulSetControllerTest extends ControllerSandboxTest {

  @BeforeAll
  static void serve() {
    serve("statefulset-test", settings());
  }

  @Override
  String namespacePrefix() {
    return "sts";
  }

  @Test
  void orderedReady_createsEachOrdinalOnlyAfterItsPredecessorIsRunningAndReady() {
    try (SetEventLog log = new SetEventLog().watch(client.pods().inNamespace(ns))) {
      StatefulSet created =
          client.apps().statefulSets().inNamespace(ns).resource(sts("web", 3)).create();

      StatefulSet done = awaitRolledOut("web");

      List<Pod> pods = pods("web");
      assertThat(pods)
          .extracting(p -> p.getMetadata().getName())
          .containsExactly("web-0", "web-1", "web-2");
      for (Pod p : pods) {
        assertThat(p.getMetadata().getLabels())
            .containsEntry("statefulset.kubernetes.io/pod-name", p.getMetadata().getName())
            .containsEntry("controller-revision-hash", done.getStatus().getUpdateRevision())
            .containsEntry("app", "web");
        assertThat(p.getMetadata().getOwnerReferences())
            .singleElement()
            .satisfies(
                r -> {
                  assertThat(r.getKind()).isEqualTo("StatefulSet");
                  assertThat(r.getUid()).isEqualTo(created.getMetadata().getUid());
                  assertThat(r.getController()).isTrue();
                });
        assertThat(p.getSpec().getHostname()).isEqualTo(p.getMetadata().getName());
        assertThat(p.getSpec().getSubdomain()).isEqualTo("web");
      }
      assertThat(done.getStatus().getReplicas()).isEqualTo(3);
      assertThat(done.getStatus().getReadyReplicas()).isEqualTo(3);
      assertThat(done.getStatus().getCurrentReplicas()).isEqualTo(3);
      assertThat(done.getStatus().getUpdatedReplicas()).isEqualTo(3);
      assertThat(done.getStatus().getAvailableReplicas()).isEqualTo(3);
      assertThat(done.getStatus().getCurrentRevision())
          .isEqualTo(done.getStatus().getUpdateRevision());

      ControllerRevision revision =
          client
              .apps()
              .controllerRevisions()
              .inNamespace(ns)
              .withName(done.getStatus().getUpdateRevision())
              .get();
      assertThat(revision).isNotNull();
      assertThat(revision.getRevision()).isEqualTo(1L);
      assertThat(revision.getMetadata().getOwnerReferences().get(0).getUid())
          .isEqualTo(created.getMetadata().getUid());

      // replay: when web-N is created, web-(N-1) is Running and Ready
      Map<String, Pod> state = new HashMap<>();
      List<String> creations = new ArrayList<>();
      for (SetEventLog.Event e : log.events()) {
        Pod pod = (Pod) e.object();
        if (e.type().equals("ADDED")) {
          int ord = StatefulSetController.ordinal(pod);
          creations.add(pod.getMetadata().getName());
          if (ord > 0) {
            Pod predecessor = state.get("web-" + (ord - 1));
            assertThat(predecessor)
                .as("web-%d exists when web-%d is created", ord - 1, ord)
                .isNotNull();
            assertThat(SetPods.isRunningAndReady(predecessor))
                .as("web-%d is Running and Ready when web-%d is created", ord - 1, ord)
                .isTrue();
          }
        }
        state.put(pod.getMetadata().getName(), pod);
      }
      assertThat(creations).containsExactly("web-0", "web-1", "web-2");
    }
  }

  @Test
  void rollingRestart_replacesPodsFromTheHighestOrdinal_oneAtATime_andStatusSaysDoneOnlyAtTheEnd() {
    client.apps().statefulSets().inNamespace(ns).resource(sts("db", 3)).create();
    StatefulSet before = awaitRolledOut("db");
    List<Pod> seed = pods("db");
    Map<String, String> oldUids = uids(seed);
    String oldRevision = before.getStatus().getUpdateRevision();

    try (SetEventLog log =
        new SetEventLog()
            .watch(client.pods().inNamespace(ns))
            .watch(client.apps().statefulSets().inNamespace(ns))) {
      restart("db");
      StatefulSet after = awaitRolledOut("db");
      String newRevision = after.getStatus().getUpdateRevision();
      assertThat(newRevision).isNotEqualTo(oldRevision);
      assertThat(after.getStatus().getCurrentRevision()).isEqualTo(newRevision);

      List<Pod> pods = pods("db");
      assertThat(pods).hasSize(3);
      for (Pod p : pods) {
        assertThat(p.getMetadata().getUid()).isNotEqualTo(oldUids.get(p.getMetadata().getName()));
        assertThat(p.getMetadata().getLabels())
            .containsEntry("controller-revision-hash", newRevision);
        assertThat(p.getMetadata().getAnnotations())
            .containsKey("kubectl.kubernetes.io/restartedAt");
        assertThat(SetPods.isRunningAndReady(p)).isTrue();
      }

      // replay the history in the store's order
      Map<String, Pod> state = new HashMap<>();
      seed.forEach(p -> state.put(p.getMetadata().getName(), p));
      List<String> replaced = new ArrayList<>();
      long allNewAndReadyAt = -1;
      long firstDoneAt = -1;
      for (SetEventLog.Event e : log.events()) {
        if (e.object() instanceof Pod pod) {
          String name = pod.getMetadata().getName();
          Pod previous = state.get(name);
          if (e.type().equals("DELETED")) {
            state.put(name, null);
          } else {
            state.put(name, pod);
          }
          if (previous != null && !SetPods.isTerminating(previous) && SetPods.isTerminating(pod)
              || e.type().equals("DELETED")
                  && previous != null
                  && !SetPods.isTerminating(previous)) {
            replaced.add(name);
          }
          long unhealthy =
              state.values().stream()
                  .filter(
                      p -> p == null || SetPods.isTerminating(p) || !SetPods.isRunningAndReady(p))
                  .count();
          assertThat(unhealthy)
              .as("pods down at once, after event %s %s", e.type(), name)
              .isLessThanOrEqualTo(1);
          boolean allNew =
              state.values().stream()
                  .allMatch(
                      p ->
                          p != null
                              && !SetPods.isTerminating(p)
                              && SetPods.isRunningAndReady(p)
                              && newRevision.equals(
                                  p.getMetadata().getLabels().get("controller-revision-hash")));
          if (allNew && allNewAndReadyAt < 0) {
            allNewAndReadyAt = e.resourceVersion();
          }
        } else if (e.object() instanceof StatefulSet s
            && rolloutDone(s)
            && firstDoneAt < 0
            && newRevision.equals(s.getStatus().getUpdateRevision())) {
          firstDoneAt = e.resourceVersion();
        }
      }
      assertThat(replaced).containsExactly("db-2", "db-1", "db-0");
      assertThat(allNewAndReadyAt).isPositive();
      assertThat(firstDoneAt)
          .as("kubectl rollout status would return only after every pod is new and Ready")
          .isGreaterThan(allNewAndReadyAt);
    }
  }

  @Test
  void partition_updatesOnlyTheOrdinalsAtOrAboveIt() {
    StatefulSet s = sts("part", 3);
    s.getSpec()
        .setUpdateStrategy(
            new io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategyBuilder()
                .withType("RollingUpdate")
                .withNewRollingUpdate()
                .withPartition(2)
                .endRollingUpdate()
                .build());
    client.apps().statefulSets().inNamespace(ns).resource(s).create();
    StatefulSet before = awaitRolledOut("part");
    restart("part");

    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              StatefulSet cur = client.apps().statefulSets().inNamespace(ns).withName("part").get();
              return rolloutDone(cur)
                  && !cur.getStatus()
                      .getUpdateRevision()
                      .equals(before.getStatus().getUpdateRevision());
            });
    StatefulSet after = client.apps().statefulSets().inNamespace(ns).withName("part").get();
    Map<String, String> revisions =
        pods("part").stream()
            .collect(
                Collectors.toMap(
                    p -> p.getMetadata().getName(),
                    p -> p.getMetadata().getLabels().get("controller-revision-hash")));
    assertThat(revisions)
        .containsEntry("part-0", before.getStatus().getUpdateRevision())
        .containsEntry("part-1", before.getStatus().getUpdateRevision())
        .containsEntry("part-2", after.getStatus().getUpdateRevision());
    assertThat(after.getStatus().getUpdatedReplicas()).isEqualTo(1);
    assertThat(after.getStatus().getCurrentRevision())
        .isEqualTo(before.getStatus().getUpdateRevision());
  }

  @Test
  void scaleDown_removesTheHighestOrdinalsFirst_andParallelCreatesWithoutWaiting() {
    StatefulSet s = sts("par", 4);
    s.getSpec().setPodManagementPolicy("Parallel");
    try (SetEventLog log = new SetEventLog().watch(client.pods().inNamespace(ns))) {
      client.apps().statefulSets().inNamespace(ns).resource(s).create();
      awaitRolledOut("par");
      // Parallel: all four were created before any became Ready
      long firstReady =
          log.events().stream()
              .filter(e -> SetPods.isReady((Pod) e.object()))
              .mapToLong(SetEventLog.Event::resourceVersion)
              .min()
              .orElseThrow();
      assertThat(
              log.events().stream()
                  .filter(e -> e.type().equals("ADDED") && e.resourceVersion() < firstReady)
                  .count())
          .isEqualTo(4);
    }
    try (SetEventLog log = new SetEventLog().watch(client.pods().inNamespace(ns))) {
      client.apps().statefulSets().inNamespace(ns).withName("par").scale(2);
      await()
          .atMost(TIMEOUT)
          .until(
              () ->
                  client.pods().inNamespace(ns).withLabel("app", "par").list().getItems().size()
                          == 2
                      && rolloutDone(
                          client.apps().statefulSets().inNamespace(ns).withName("par").get()));
      assertThat(pods("par"))
          .extracting(p -> p.getMetadata().getName())
          .containsExactly("par-0", "par-1");
      List<String> deleted =
          log.events().stream()
              .filter(e -> e.type().equals("DELETED"))
              .map(SetEventLog.Event::name)
              .toList();
      assertThat(deleted).containsExactlyInAnyOrder("par-2", "par-3");
    }
  }

  @Test
  void onDelete_keepsOldPodsUntilSomeoneDeletesThem() {
    StatefulSet s = sts("manual", 2);
    s.getSpec()
        .setUpdateStrategy(
            new io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategyBuilder()
                .withType("OnDelete")
                .build());
    client.apps().statefulSets().inNamespace(ns).resource(s).create();
    awaitReady("manual", 2);
    String oldRevision =
        client
            .apps()
            .statefulSets()
            .inNamespace(ns)
            .withName("manual")
            .get()
            .getStatus()
            .getUpdateRevision();
    restart("manual");
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              StatefulSet cur =
                  client.apps().statefulSets().inNamespace(ns).withName("manual").get();
              return cur.getStatus()
                  .getObservedGeneration()
                  .equals(cur.getMetadata().getGeneration());
            });
    String newRevision =
        client
            .apps()
            .statefulSets()
            .inNamespace(ns)
            .withName("manual")
            .get()
            .getStatus()
            .getUpdateRevision();
    assertThat(newRevision).isNotEqualTo(oldRevision);
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(
            () ->
                pods("manual").stream()
                    .allMatch(
                        p ->
                            oldRevision.equals(
                                p.getMetadata().getLabels().get("controller-revision-hash"))));

    client.pods().inNamespace(ns).withName("manual-1").delete();
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              Pod p = client.pods().inNamespace(ns).withName("manual-1").get();
              return p != null
                  && !SetPods.isTerminating(p)
                  && newRevision.equals(p.getMetadata().getLabels().get("controller-revision-hash"))
                  && SetPods.isRunningAndReady(p);
            });
    assertThat(client.pods().inNamespace(ns).withName("manual-0").get().getMetadata().getLabels())
        .containsEntry("controller-revision-hash", oldRevision);
    StatefulSet cur = client.apps().statefulSets().inNamespace(ns).withName("manual").get();
    assertThat(cur.getStatus().getUpdatedReplicas()).isEqualTo(1);
    assertThat(cur.getStatus().getCurrentReplicas()).isEqualTo(1);
  }

  // ---------------------------------------------------------------------------------------------

  private StatefulSet sts(String name, int replicas) {
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withServiceName(name)
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage("registry.example/" + name + ":1")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private void restart(String name) {
    client
        .apps()
        .statefulSets()
        .inNamespace(ns)
        .withName(name)
        .edit(
            s -> {
              s.getSpec()
                  .getTemplate()
                  .getMetadata()
                  .setAnnotations(
                      Map.of(
                          "kubectl.kubernetes.io/restartedAt", java.time.Instant.now().toString()));
              return s;
            });
  }

  /** kubectl's StatefulSetStatusViewer: whether {@code kubectl rollout status} would return. */
  static boolean rolloutDone(StatefulSet s) {
    if (s == null || s.getStatus() == null) {
      return false;
    }
    var st = s.getStatus();
    if (st.getObservedGeneration() == null
        || st.getObservedGeneration() == 0
        || s.getMetadata().getGeneration() > st.getObservedGeneration()) {
      return false;
    }
    int replicas = s.getSpec().getReplicas();
    if (zero(st.getReadyReplicas()) < replicas) {
      return false;
    }
    var ru = s.getSpec().getUpdateStrategy().getRollingUpdate();
    if (ru != null) {
      int partition = ru.getPartition() == null ? 0 : ru.getPartition();
      return zero(st.getUpdatedReplicas()) >= replicas - partition;
    }
    return st.getUpdateRevision().equals(st.getCurrentRevision());
  }

  private StatefulSet awaitRolledOut(String name) {
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                rolloutDone(client.apps().statefulSets().inNamespace(ns).withName(name).get())
                    && client
                        .apps()
                        .statefulSets()
                        .inNamespace(ns)
                        .withName(name)
                        .get()
                        .getStatus()
                        .getUpdateRevision()
                        .equals(
                            client
                                .apps()
                                .statefulSets()
                                .inNamespace(ns)
                                .withName(name)
                                .get()
                                .getStatus()
                                .getCurrentRevision()));
    return client.apps().statefulSets().inNamespace(ns).withName(name).get();
  }

  private void awaitReady(String name, int replicas) {
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                zero(
                        client
                                    .apps()
                                    .statefulSets()
                                    .inNamespace(ns)
                                    .withName(name)
                                    .get()
                                    .getStatus()
                                == null
                            ? null
                            : client
                                .apps()
                                .statefulSets()
                                .inNamespace(ns)
                                .withName(name)
                                .get()
                                .getStatus()
                                .getReadyReplicas())
                    == replicas);
  }

  private List<Pod> pods(String set) {
    return client.pods().inNamespace(ns).withLabel("app", set).list().getItems().stream()
        .filter(p -> !SetPods.isTerminating(p))
        .sorted(java.util.Comparator.comparing(p -> p.getMetadata().getName()))
        .toList();
  }

  private static Map<String, String> uids(List<Pod> pods) {
    return pods.stream()
        .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p.getMetadata().getUid()));
  }

  private static int zero(Integer n) {
    return n == null ? 0 : n;
  }
}
