package dev.asmmigrate.sandbox.controllers;

import static org.awaitility.Awaitility.await;

import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A sandbox without the add-on for the workload controllers' tests: quick pods, Ready nodes, and a
 * fabric8 client of its API, as a user of the cluster would have.
 */
final class WorkloadTestSandbox implements AutoCloseable {
  final Sandbox sandbox;
  final KubernetesClient client;

  private WorkloadTestSandbox(Sandbox sandbox) {
    this.sandbox = sandbox;
    this.client = sandbox.client("workload-test");
  }

  static WorkloadTestSandbox start(Duration podReadyDelay) {
    WorkloadTestSandbox t =
        new WorkloadTestSandbox(
            Sandbox.start(
                SandboxSettings.builder()
                    .base(SandboxSettings.Base.NONE)
                    .podReadyDelay(podReadyDelay)
                    .build()));
    t.ensureReadyNodes();
    return t;
  }

  /**
   * Waits for the NodeController's Ready nodes; registers them itself if none appear (a tree
   * without a node controller), leaving alone any node that exists by then.
   */
  private void ensureReadyNodes() {
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .until(this::hasReadyNode);
      return;
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // no node controller: register the nodes as their kubelets would
    }
    for (int i = 0; i < sandbox.settings().nodes(); i++) {
      Node node =
          new NodeBuilder()
              .withNewMetadata()
              .withName("sandbox-node-" + i)
              .addToLabels("kubernetes.io/hostname", "sandbox-node-" + i)
              .endMetadata()
              .build();
      Node created;
      try {
        created = client.nodes().resource(node).create();
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() == 409) {
          continue; // registered meanwhile
        }
        throw e;
      }
      created.setStatus(
          new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
              .addNewCondition()
              .withType("Ready")
              .withStatus("True")
              .withReason("KubeletReady")
              .endCondition()
              .addNewAddress()
              .withType("InternalIP")
              .withAddress("10.128.0." + (i + 2))
              .endAddress()
              .build());
      client.nodes().resource(created).updateStatus();
    }
    await().atMost(Duration.ofSeconds(30)).until(this::hasReadyNode);
  }

  private boolean hasReadyNode() {
    return client.nodes().list().getItems().stream().anyMatch(SchedulerAndKubelet::isSchedulable);
  }

  void namespace(String name) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  /**
   * A Deployment of {@code app=<name>} pods with one {@code server} container serving port 8080.
   */
  static Deployment deployment(String ns, String name, int replicas, String image) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .withMatchLabels(Map.of("app", name))
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(Map.of("app", name))
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("server")
        .withImage(image)
        .withPorts(new ContainerPortBuilder().withName("http").withContainerPort(8080).build())
        .endContainer()
        .withTerminationGracePeriodSeconds(5L)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  static IntOrString intOrString(Object v) {
    return v instanceof Integer i ? new IntOrString(i) : new IntOrString((String) v);
  }

  List<Pod> pods(String ns, String app) {
    return client.pods().inNamespace(ns).withLabel("app", app).list().getItems();
  }

  @Override
  public void close() {
    sandbox.close();
  }
}
