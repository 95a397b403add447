package dev.asmmigrate.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The DaemonSet controller against a running sandbox of three nodes, driven with fabric8. */
class DaemonSetControllerTest extends ControllerSandboxTest {
  private static final Set<String> NODES =
      Set.of("sandbox-node-0", "sandbox-node-1", "sandbox-node-2");

  @BeforeAll
  static void serve() {
    serve("daemonset-test", settings().nodes(3));
    await().atMost(TIMEOUT).until(() -> client.nodes().list().getItems().size() == 3);
  }

  @Override
  String namespacePrefix() {
    return "ds";
  }

  @Test
  void daemonSet_runsOnePodOnEveryReadyNode() {
    DaemonSet created = client.apps().daemonSets().inNamespace(ns).resource(ds("agent")).create();

    DaemonSet done = awaitRolledOut("agent");

    List<Pod> pods = pods("agent");
    assertThat(pods).hasSize(3);
    assertThat(pods)
        .extracting(p -> p.getSpec().getNodeName())
        .containsExactlyInAnyOrderElementsOf(NODES);
    ControllerRevision revision =
        client.apps().controllerRevisions().inNamespace(ns).list().getItems().stream()
            .filter(r -> SetPods.isControlledBy(r, created))
            .findFirst()
            .orElseThrow();
    String hash = revision.getMetadata().getLabels().get("controller-revision-hash");
    assertThat(revision.getMetadata().getName()).isEqualTo("agent-" + hash);
    for (Pod p : pods) {
      assertThat(p.getMetadata().getName()).matches("agent-[a-z0-9]{5}");
      assertThat(p.getMetadata().getLabels())
          .containsEntry("controller-revision-hash", hash)
          .containsEntry("pod-template-generation", "1")
          .containsEntry("app", "agent");
      assertThat(p.getMetadata().getOwnerReferences())
          .singleElement()
          .satisfies(r -> assertThat(r.getUid()).isEqualTo(created.getMetadata().getUid()));
      assertThat(p.getSpec().getTolerations())
          .anySatisfy(t -> assertThat(t.getKey()).isEqualTo("node.kubernetes.io/not-ready"));
      assertThat(DaemonSetController.nodeOf(p)).isEqualTo(p.getSpec().getNodeName());
    }
    var st = done.getStatus();
    assertThat(st.getDesiredNumberScheduled()).isEqualTo(3);
    assertThat(st.getCurrentNumberScheduled()).isEqualTo(3);
    assertThat(st.getNumberReady()).isEqualTo(3);
    assertThat(st.getNumberAvailable()).isEqualTo(3);
    assertThat(st.getUpdatedNumberScheduled()).isEqualTo(3);
    assertThat(st.getNumberMisscheduled()).isZero();
    assertThat(st.getNumberUnavailable()).isNull();
    assertThat(st.getObservedGeneration()).isEqualTo(done.getMetadata().getGeneration());
  }

  @Test
  void rollingRestart_replacesOneNodeAtATime_andStatusSaysDoneOnlyAtTheEnd() {
    client.apps().daemonSets().inNamespace(ns).resource(ds("log")).create();
    awaitRolledOut("log");
    List<Pod> seed = pods("log");

    try (SetEventLog log =
        new SetEventLog()
            .watch(client.pods().inNamespace(ns))
            .watch(client.apps().daemonSets().inNamespace(ns))) {
      restart("log");
      DaemonSet after = awaitRolledOut("log");
      String generation = DaemonSetController.templateGeneration(after);
      assertThat(generation).isEqualTo("2");
      List<Pod> pods = pods("log");
      assertThat(pods)
          .extracting(p -> p.getSpec().getNodeName())
          .containsExactlyInAnyOrderElementsOf(NODES);
      Set<String> oldUids =
          seed.stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
      for (Pod p : pods) {
        assertThat(oldUids).doesNotContain(p.getMetadata().getUid());
        assertThat(p.getMetadata().getLabels())
            .containsEntry("pod-template-generation", generation);
        assertThat(p.getMetadata().getAnnotations())
            .containsKey("kubectl.kubernetes.io/restartedAt");
      }
      String newHash = pods.get(0).getMetadata().getLabels().get("controller-revision-hash");
      assertThat(seed.get(0).getMetadata().getLabels().get("controller-revision-hash"))
          .isNotEqualTo(newHash);

      Replay replay = replay(seed, log.events(), newHash);
      assertThat(replay.maxNodesWithoutAvailablePod).as("maxUnavailable 1").isEqualTo(1);
      assertThat(replay.maxPodsOnANode).as("no surge").isEqualTo(1);
      assertThat(replay.allNewAt).isPositive();
      assertThat(replay.firstDoneAt).isGreaterThan(replay.allNewAt);
    }
  }

  @Test
  void maxSurge_startsTheNewPodBesideTheOldOne_soNoNodeIsEverWithoutAReadyPod() {
    DaemonSet d = ds("surge");
    d.getSpec()
        .getUpdateStrategy()
        .setRollingUpdate(
            new io.fabric8.kubernetes.api.model.apps.RollingUpdateDaemonSetBuilder()
                .withMaxSurge(new IntOrString(1))
                .withMaxUnavailable(new IntOrString(0))
                .build());
    client.apps().daemonSets().inNamespace(ns).resource(d).create();
    awaitRolledOut("surge");
    List<Pod> seed = pods("surge");

    try (SetEventLog log =
        new SetEventLog()
            .watch(client.pods().inNamespace(ns))
            .watch(client.apps().daemonSets().inNamespace(ns))) {
      restart("surge");
      awaitRolledOut("surge");
      List<Pod> pods = pods("surge");
      assertThat(pods).hasSize(3);
      String newHash = pods.get(0).getMetadata().getLabels().get("controller-revision-hash");
      Replay replay = replay(seed, log.events(), newHash);
      assertThat(replay.maxNodesWithoutAvailablePod).isZero();
      assertThat(replay.maxPodsOnANode).as("the new pod ran beside the old one").isEqualTo(2);
      assertThat(replay.firstDoneAt).isGreaterThan(replay.allNewAt);
    }
  }

  @Test
  void nodeSelectorAndNotReadyNodes_areLeftWithoutPods() {
    Node node2 = client.nodes().withName("sandbox-node-2").get();
    setReady(node2, "False");
    try {
      client.apps().daemonSets().inNamespace(ns).resource(ds("all")).create();
      DaemonSet selective = ds("one");
      selective
          .getSpec()
          .getTemplate()
          .getSpec()
          .setNodeSelector(Map.of("kubernetes.io/hostname", "sandbox-node-1"));
      client.apps().daemonSets().inNamespace(ns).resource(selective).create();

      DaemonSet all = awaitRolledOut("all");
      DaemonSet one = awaitRolledOut("one");
      assertThat(all.getStatus().getDesiredNumberScheduled()).isEqualTo(2);
      assertThat(pods("all"))
          .extracting(p -> p.getSpec().getNodeName())
          .containsExactlyInAnyOrder("sandbox-node-0", "sandbox-node-1");
      assertThat(one.getStatus().getDesiredNumberScheduled()).isEqualTo(1);
      assertThat(pods("one"))
          .extracting(p -> p.getSpec().getNodeName())
          .containsExactly("sandbox-node-1");
    } finally {
      setReady(client.nodes().withName("sandbox-node-2").get(), "True");
    }
    // back to Ready: the node gets its pod
    await().atMost(TIMEOUT).until(() -> pods("all").size() == 3);
    assertThat(awaitRolledOut("all").getStatus().getDesiredNumberScheduled()).isEqualTo(3);
  }

  // ---------------------------------------------------------------------------------------------

  /** What happened on the nodes during an update, replayed in the store's order. */
  static final class Replay {
    int maxNodesWithoutAvailablePod;
    int maxPodsOnANode;
    long allNewAt = -1;
    long firstDoneAt = -1;
  }

  private Replay replay(List<Pod> seed, List<SetEventLog.Event> events, String newHash) {
    Replay r = new Replay();
    Map<String, Pod> pods = new HashMap<>();
    seed.forEach(p -> pods.put(p.getMetadata().getName(), p));
    for (SetEventLog.Event e : events) {
      if (e.object() instanceof Pod pod) {
        if (e.type().equals("DELETED")) {
          pods.remove(pod.getMetadata().getName());
        } else {
          pods.put(pod.getMetadata().getName(), pod);
        }
        int without = 0;
        for (String node : NODES) {
          List<Pod> on =
              pods.values().stream().filter(p -> node.equals(p.getSpec().getNodeName())).toList();
          r.maxPodsOnANode = Math.max(r.maxPodsOnANode, on.size());
          if (on.stream().noneMatch(p -> !SetPods.isTerminating(p) && SetPods.isReady(p))) {
            without++;
          }
        }
        r.maxNodesWithoutAvailablePod = Math.max(r.maxNodesWithoutAvailablePod, without);
        boolean allNew =
            pods.size() == 3
                && pods.values().stream()
                    .allMatch(
                        p ->
                            !SetPods.isTerminating(p)
                                && SetPods.isReady(p)
                                && newHash.equals(
                                    p.getMetadata().getLabels().get("controller-revision-hash")));
        if (allNew && r.allNewAt < 0) {
          r.allNewAt = e.resourceVersion();
        }
      } else if (e.object() instanceof DaemonSet d
          && rolloutDone(d)
          && r.firstDoneAt < 0
          && d.getMetadata().getGeneration() > 1) {
        r.firstDoneAt = e.resourceVersion();
      }
    }
    return r;
  }

  private DaemonSet ds(String name) {
    return new DaemonSetBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewUpdateStrategy()
        .withType("RollingUpdate")
        .endUpdateStrategy()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("agent")
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
        .daemonSets()
        .inNamespace(ns)
        .withName(name)
        .edit(
            d -> {
              d.getSpec()
                  .getTemplate()
                  .getMetadata()
                  .setAnnotations(
                      Map.of("kubectl.kubernetes.io/restartedAt", Instant.now().toString()));
              return d;
            });
  }

  private static void setReady(Node node, String value) {
    List<NodeCondition> conditions = new ArrayList<>();
    for (NodeCondition c : node.getStatus().getConditions()) {
      if (c.getType().equals("Ready")) {
        c.setStatus(value);
        c.setReason(value.equals("True") ? "KubeletReady" : "KubeletNotReady");
      }
      conditions.add(c);
    }
    node.getStatus().setConditions(conditions);
    client.nodes().resource(node).updateStatus();
  }

  /** kubectl's DaemonSetStatusViewer: whether {@code kubectl rollout status ds/x} would return. */
  static boolean rolloutDone(DaemonSet d) {
    if (d == null || d.getStatus() == null || d.getStatus().getObservedGeneration() == null) {
      return false;
    }
    var st = d.getStatus();
    if (d.getMetadata().getGeneration() > st.getObservedGeneration()) {
      return false;
    }
    int desired = zero(st.getDesiredNumberScheduled());
    return zero(st.getUpdatedNumberScheduled()) >= desired
        && zero(st.getNumberAvailable()) >= desired;
  }

  private DaemonSet awaitRolledOut(String name) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              DaemonSet d = client.apps().daemonSets().inNamespace(ns).withName(name).get();
              return rolloutDone(d)
                  && zero(d.getStatus().getDesiredNumberScheduled()) > 0
                  && pods(name).size() == d.getStatus().getDesiredNumberScheduled()
                  && client.pods().inNamespace(ns).withLabel("app", name).list().getItems().size()
                      == d.getStatus().getDesiredNumberScheduled();
            });
    return client.apps().daemonSets().inNamespace(ns).withName(name).get();
  }

  private List<Pod> pods(String name) {
    return client.pods().inNamespace(ns).withLabel("app", name).list().getItems().stream()
        .filter(p -> !SetPods.isTerminating(p))
        .sorted(java.util.Comparator.comparing(p -> p.getSpec().getNodeName()))
        .toList();
  }

  private static int zero(Integer n) {
    return n == null ? 0 : n;
  }
}
