package dev.asmmigrate.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.sandbox.Kubectl;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler and the simulated kubelets against a running sandbox. */
class SchedulerAndKubeletTest {
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final Duration READY_DELAY = Duration.ofMillis(300);
  private static WorkloadTestSandbox t;

  @BeforeAll
  static void start() {
    t = WorkloadTestSandbox.start(READY_DELAY);
  }

  @AfterAll
  static void stop() {
    if (t != null) {
      t.close();
    }
  }

  @Test
  void podsAreSpreadOverTheNodesAndRunWithTheStatusesAKubeletReports() {
    t.namespace("run");
    try (WorkloadWatch<Pod> watch = new WorkloadWatch<>(t.client.pods().inNamespace("run"))) {
      for (int i = 0; i < 6; i++) {
        t.client.resource(meshPod("run", "app-" + i)).create();
      }
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(t.client.pods().inNamespace("run").list().getItems())
                      .hasSize(6)
                      .allSatisfy(p -> assertThat(WorkloadSupport.isReady(p)).isTrue()));

      List<Pod> pods = t.client.pods().inNamespace("run").list().getItems();
      Map<String, String> nodeIps =
          t.client.nodes().list().getItems().stream()
              .collect(
                  Collectors.toMap(
                      n -> n.getMetadata().getName(), SchedulerAndKubeletTest::internalIp));
      assertThat(pods.stream().map(p -> p.getSpec().getNodeName()).collect(Collectors.toSet()))
          .as("round robin over the nodes")
          .hasSize(nodeIps.size());
      Set<String> ips = new HashSet<>();
      for (Pod p : pods) {
        assertThat(p.getStatus().getPhase()).isEqualTo("Running");
        assertThat(p.getStatus().getHostIP()).isEqualTo(nodeIps.get(p.getSpec().getNodeName()));
        assertThat(p.getStatus().getPodIP()).matches("10\\.(8|9|10|11)\\.\\d+\\.\\d+");
        assertThat(ips.add(p.getStatus().getPodIP())).as("pod IPs are unique").isTrue();
        assertThat(p.getStatus().getPodIPs())
            .singleElement()
            .satisfies(ip -> assertThat(ip.getIp()).isEqualTo(p.getStatus().getPodIP()));
        assertThat(p.getStatus().getStartTime()).isNotNull();
        assertThat(p.getStatus().getQosClass()).isEqualTo("Burstable");
        assertThat(p.getStatus().getConditions())
            .extracting(PodCondition::getType, PodCondition::getStatus)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple("Initialized", "True"),
                org.assertj.core.groups.Tuple.tuple("Ready", "True"),
                org.assertj.core.groups.Tuple.tuple("ContainersReady", "True"),
                org.assertj.core.groups.Tuple.tuple("PodScheduled", "True"));
        assertThat(p.getStatus().getInitContainerStatuses())
            .singleElement()
            .satisfies(
                cs -> {
                  assertThat(cs.getName()).isEqualTo("istio-init");
                  assertThat(cs.getState().getTerminated().getReason()).isEqualTo("Completed");
                  assertThat(cs.getState().getTerminated().getExitCode()).isZero();
                  assertThat(cs.getReady()).isTrue();
                });
        assertThat(p.getStatus().getContainerStatuses())
            .extracting(ContainerStatus::getName)
            .containsExactly("istio-proxy", "server");
        for (ContainerStatus cs : p.getStatus().getContainerStatuses()) {
          String image =
              cs.getName().equals("server")
                  ? "gcr.io/google-samples/microservices-demo/frontend:v0.2.0"
                  : "gke.gcr.io/istio/proxyv2:1.4.10-gke.8";
          assertThat(cs.getImage()).isEqualTo(image);
          assertThat(cs.getImageID())
              .startsWith(image.substring(0, image.lastIndexOf(':')) + "@sha256:");
          assertThat(cs.getContainerID()).startsWith("containerd://");
          assertThat(cs.getReady()).isTrue();
          assertThat(cs.getStarted()).isTrue();
          assertThat(cs.getRestartCount()).isZero();
          assertThat(cs.getState().getRunning().getStartedAt()).isNotNull();
        }
      }
      // Pending, then Running but not yet Ready, then Ready
      assertThat(watch.versions())
          .anySatisfy(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Pending"));
      assertThat(watch.versions())
          .anySatisfy(
              p -> {
                assertThat(p.getStatus().getPhase()).isEqualTo("Running");
                assertThat(condition(p, "Ready").getStatus()).isEqualTo("False");
                assertThat(condition(p, "Ready").getReason()).isEqualTo("ContainersNotReady");
                assertThat(condition(p, "Ready").getMessage())
                    .isEqualTo("containers with unready status: [server istio-proxy]");
              });
    }
  }

  @Test
  void theSchedulerBindsEachPodOnceAndTheBindingSetsPodScheduled() throws Exception {
    t.namespace("bind");
    t.client.resource(simplePod("bind", "once")).create();
    await()
        .atMost(WAIT)
        .until(
            () -> t.client.pods().inNamespace("bind").withName("once").get(),
            WorkloadSupport::isReady);
    Pod pod = t.client.pods().inNamespace("bind").withName("once").get();
    assertThat(condition(pod, "PodScheduled").getStatus()).isEqualTo("True");
    var creates =
        t.sandbox.apiServer().requestLog().entries().stream()
            .filter(e -> "bind".equals(e.namespace()) && e.verb().equals("create"))
            .map(e -> e.resource() + "/" + e.subresource() + " " + e.code())
            .toList();
    assertThat(creates).containsExactlyInAnyOrder("pods/ 201", "pods/binding 201");
    // as the registry: a bound pod is not bound again
    var http = t.client.getHttpClient();
    String url =
        t.client.getConfiguration().getMasterUrl().replaceAll("/$", "")
            + "/api/v1/namespaces/bind/pods/once/binding";
    String body =
        "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"once\"},"
            + "\"target\":{\"kind\":\"Node\",\"name\":\"elsewhere\"}}";
    var response =
        http.sendAsync(
                http.newHttpRequestBuilder().uri(url).post("application/json", body).build(),
                String.class)
            .get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(response.code()).isEqualTo(409);
    assertThat(response.body()).contains("is already assigned to node");
    assertThat(t.client.pods().inNamespace("bind").withName("once").get().getSpec().getNodeName())
        .isEqualTo(pod.getSpec().getNodeName());
  }

  /**
   * With watch events lagging behind the ready delay, the kubelet's ready timer fires while the
   * shared cache still holds the pod as it was before the kubelet's Running write. A real kubelet
   * keeps the status it last sent and never works from an older view; this one waits for its
   * write's event, so no status write of its conflicts, and the pods still get Ready and go.
   */
  @Test
  void theKubeletDoesNotWriteFromACacheOlderThanItsOwnLastWrite() {
    t.namespace("lag");
    t.sandbox.faults().watchLag = READY_DELAY.multipliedBy(2);
    try {
      for (int i = 0; i < 4; i++) {
        t.client.resource(simplePod("lag", "p" + i)).create();
      }
      await()
          .atMost(WAIT)
          .until(
              () -> t.client.pods().inNamespace("lag").list().getItems(),
              pods -> pods.size() == 4 && pods.stream().allMatch(WorkloadSupport::isReady));
      t.client.pods().inNamespace("lag").withGracePeriod(1).delete();
      await()
          .atMost(WAIT)
          .until(() -> t.client.pods().inNamespace("lag").list().getItems().isEmpty());
    } finally {
      t.sandbox.faults().watchLag = Duration.ZERO;
    }
    var statusWrites =
        t.sandbox.apiServer().requestLog().entries().stream()
            .filter(e -> "lag".equals(e.namespace()) && "status".equals(e.subresource()))
            .toList();
    assertThat(statusWrites).isNotEmpty();
    assertThat(statusWrites)
        .as("the kubelet's pod status writes")
        .allSatisfy(e -> assertThat(e.code()).isEqualTo(200));
  }

  @Test
  void containersBecomeReadyOnlyAfterThePodReadyDelay() {
    t.namespace("delay");
    try (WorkloadWatch<Pod> watch = new WorkloadWatch<>(t.client.pods().inNamespace("delay"))) {
      t.client.resource(meshPod("delay", "slow")).create();
      // wait on the watch itself: a GET may report Ready before the watch delivers that version
      await()
          .atMost(WAIT)
          .until(() -> watch.versions().stream().anyMatch(WorkloadSupport::isReady));
      long running = -1;
      long ready = -1;
      List<Pod> versions = watch.versions();
      for (int i = 0; i < versions.size(); i++) {
        Pod p = versions.get(i);
        if (running < 0 && "Running".equals(p.getStatus().getPhase())) {
          running = i;
        }
        if (ready < 0 && WorkloadSupport.isReady(p)) {
          ready = i;
        }
      }
      assertThat(running).isGreaterThanOrEqualTo(0);
      assertThat(ready).isGreaterThan(running);
    }
  }

  @Test
  void qosClassFollowsRequestsAndLimits() {
    t.namespace("qos");
    Pod guaranteed = simplePod("qos", "guaranteed");
    guaranteed
        .getSpec()
        .getContainers()
        .get(0)
        .setResources(
            new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                .withLimits(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("64Mi")))
                .build());
    Pod bestEffort = simplePod("qos", "best-effort");
    t.client.resource(guaranteed).create();
    t.client.resource(bestEffort).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(
                      t.client
                          .pods()
                          .inNamespace("qos")
                          .withName("guaranteed")
                          .get()
                          .getStatus()
                          .getQosClass())
                  .isEqualTo("Guaranteed");
              assertThat(
                      t.client
                          .pods()
                          .inNamespace("qos")
                          .withName("best-effort")
                          .get()
                          .getStatus()
                          .getQosClass())
                  .isEqualTo("BestEffort");
            });
  }

  @Test
  void aPodWaitsForANodeItFits() {
    t.namespace("fit");
    Pod pinned = simplePod("fit", "pinned");
    pinned
        .getSpec()
        .setAffinity(
            new io.fabric8.kubernetes.api.model.AffinityBuilder()
                .withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm()
                .addNewMatchField()
                .withKey("metadata.name")
                .withOperator("In")
                .withValues("sandbox-node-1")
                .endMatchField()
                .endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity()
                .build());
    Pod nowhere = simplePod("fit", "nowhere");
    nowhere.getSpec().setNodeSelector(Map.of("cloud.google.com/gke-nodepool", "no-such-pool"));
    t.client.resource(pinned).create();
    t.client.resource(nowhere).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Pod p = t.client.pods().inNamespace("fit").withName("pinned").get();
              assertThat(p.getSpec().getNodeName()).isEqualTo("sandbox-node-1");
              assertThat(WorkloadSupport.isReady(p)).isTrue();
              Pod n = t.client.pods().inNamespace("fit").withName("nowhere").get();
              assertThat(n.getSpec().getNodeName()).isNull();
              assertThat(n.getStatus().getPhase()).isEqualTo("Pending");
              assertThat(condition(n, "PodScheduled").getStatus()).isEqualTo("False");
              assertThat(condition(n, "PodScheduled").getReason()).isEqualTo("Unschedulable");
            });

    // a node joins the pool the pod asks for: the pod is scheduled there
    Node node1 = t.client.nodes().withName("sandbox-node-2").get();
    try {
      editNode(
          "sandbox-node-2",
          n -> {
            n.getMetadata().getLabels().put("cloud.google.com/gke-nodepool", "no-such-pool");
            return n;
          });
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Pod n = t.client.pods().inNamespace("fit").withName("nowhere").get();
                assertThat(n.getSpec().getNodeName()).isEqualTo("sandbox-node-2");
                assertThat(WorkloadSupport.isReady(n)).isTrue();
              });
    } finally {
      editNode(
          "sandbox-node-2",
          n -> {
            n.getMetadata().getLabels().putAll(node1.getMetadata().getLabels());
            return n;
          });
    }
  }

  @Test
  void podsInACrashLoopNamespaceCrashLoopAndNeverBecomeReady(@TempDir Path dir) throws Exception {
    t.namespace("crash");
    t.sandbox.faults().crashLoopNamespaces.add("crash");
    t.client.resource(meshPod("crash", "broken")).create();

    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Pod p = t.client.pods().inNamespace("crash").withName("broken").get();
              assertThat(p.getStatus().getPhase()).isEqualTo("Running");
              ContainerStatus server = container(p, "server");
              assertThat(server.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
              assertThat(server.getLastState().getTerminated().getExitCode()).isEqualTo(1);
              assertThat(server.getRestartCount()).isGreaterThanOrEqualTo(2);
              assertThat(server.getReady()).isFalse();
              assertThat(container(p, "istio-proxy").getReady()).isTrue();
              assertThat(condition(p, "Ready").getStatus()).isEqualTo("False");
            });
    Kubectl kubectl = new Kubectl(t.sandbox.writeKubeconfig(dir.resolve("kubeconfig")));
    String line =
        kubectl.run("-n", "crash", "get", "pod", "broken", "--no-headers").assertOk().stdout();
    assertThat(line).matches("broken\\s+1/2\\s+CrashLoopBackOff\\s+\\d+\\s+.*\\s*");
  }

  @Test
  void aDeletedPodStopsItsContainersAndIsGoneAfterAShortGrace() {
    t.namespace("delete");
    Pod spec = meshPod("delete", "leaving");
    spec.getSpec().setTerminationGracePeriodSeconds(30L);
    t.client.resource(spec).create();
    await()
        .atMost(WAIT)
        .until(
            () ->
                WorkloadSupport.isReady(
                    t.client.pods().inNamespace("delete").withName("leaving").get()));

    try (WorkloadWatch<Pod> watch = new WorkloadWatch<>(t.client.pods().inNamespace("delete"))) {
      long start = System.nanoTime();
      t.client.pods().inNamespace("delete").withName("leaving").delete();
      await()
          .atMost(WAIT)
          .until(() -> t.client.pods().inNamespace("delete").withName("leaving").get() == null);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took)
          .as("much shorter than the 30 s grace period")
          .isLessThan(Duration.ofSeconds(20));
      assertThat(watch.versions())
          .anySatisfy(
              p -> {
                assertThat(p.getMetadata().getDeletionTimestamp()).isNotNull();
                assertThat(p.getStatus().getContainerStatuses())
                    .allSatisfy(
                        cs -> {
                          assertThat(cs.getState().getTerminated()).isNotNull();
                          assertThat(cs.getReady()).isFalse();
                        });
                assertThat(condition(p, "Ready").getStatus()).isEqualTo("False");
              });
    }
  }

  @Test
  void podsThatMustNotRestartCompleteAndAnImageChangeRestartsAContainer() {
    t.namespace("finish");
    Pod job = simplePod("finish", "once");
    job.getSpec().setRestartPolicy("Never");
    t.client.resource(job).create();
    t.client.resource(simplePod("finish", "server")).create();

    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Pod p = t.client.pods().inNamespace("finish").withName("once").get();
              assertThat(p.getStatus().getPhase()).isEqualTo("Succeeded");
              ContainerStatus cs = p.getStatus().getContainerStatuses().get(0);
              assertThat(cs.getState().getTerminated().getExitCode()).isZero();
              assertThat(cs.getState().getTerminated().getReason()).isEqualTo("Completed");
              assertThat(condition(p, "Ready").getReason()).isEqualTo("PodCompleted");
            });

    await()
        .atMost(WAIT)
        .until(
            () ->
                WorkloadSupport.isReady(
                    t.client.pods().inNamespace("finish").withName("server").get()));
    for (int attempt = 1; ; attempt++) {
      try {
        t.client
            .pods()
            .inNamespace("finish")
            .withName("server")
            .edit(
                p -> {
                  p.getSpec().getContainers().get(0).setImage("nginx:1.22");
                  return p;
                });
        break;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Pod p = t.client.pods().inNamespace("finish").withName("server").get();
              ContainerStatus cs = p.getStatus().getContainerStatuses().get(0);
              assertThat(cs.getImage()).isEqualTo("nginx:1.22");
              assertThat(cs.getRestartCount()).isEqualTo(1);
              assertThat(cs.getReady()).isTrue();
            });
  }

  // ---------------------------------------------------------------------------------------------

  /** A pod as Istio's injector leaves it: an init container, the app and the proxy. */
  private static Pod meshPod(String ns, String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .addNewInitContainer()
        .withName("istio-init")
        .withImage("gke.gcr.io/istio/proxyv2:1.4.10-gke.8")
        .endInitContainer()
        .addNewContainer()
        .withName("server")
        .withImage("gcr.io/google-samples/microservices-demo/frontend:v0.2.0")
        .withNewResources()
        .addToRequests("cpu", new Quantity("100m"))
        .endResources()
        .endContainer()
        .addNewContainer()
        .withName("istio-proxy")
        .withImage("gke.gcr.io/istio/proxyv2:1.4.10-gke.8")
        .endContainer()
        .withTerminationGracePeriodSeconds(5L)
        .endSpec()
        .build();
  }

  private static Pod simplePod(String ns, String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("main")
        .withImage("nginx:1.21")
        .endContainer()
        .endSpec()
        .build();
  }

  private static ContainerStatus container(Pod p, String name) {
    return p.getStatus().getContainerStatuses().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static PodCondition condition(Pod p, String type) {
    return WorkloadSupport.condition(p, type)
        .orElseThrow(() -> new AssertionError("no " + type + " condition"));
  }

  private static String internalIp(Node n) {
    return n.getStatus().getAddresses().stream()
        .filter(a -> a.getType().equals("InternalIP"))
        .map(NodeAddress::getAddress)
        .findFirst()
        .orElseThrow();
  }

  private static void editNode(String name, UnaryOperator<Node> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        t.client.nodes().withName(name).edit(change);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }
}
