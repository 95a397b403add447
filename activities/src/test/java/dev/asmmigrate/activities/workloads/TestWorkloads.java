package dev.asmmigrate.activities.workloads;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds test workloads in a sandbox and reads back what the workload activities did. */
final class TestWorkloads {
  private TestWorkloads() {}

  /** Applies ControlPlaneRevision {@code revision} and waits until it reports provisioned. */
  static void provisionManagedControlPlane(SandboxHarness h, String revision) {
    KubernetesClient client = h.sandbox.client("test");
    client
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("mesh.cloud.google.com/v1beta1")
                .withKind("ControlPlaneRevision")
                .withNewMetadata()
                .withName(revision)
                .withNamespace("istio-system")
                .endMetadata()
                .addToAdditionalProperties(
                    "spec", Map.of("type", "managed_service", "channel", "regular"))
                .build())
        .create();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                h.sandbox
                    .store()
                    .get(ResourceRegistry.MUTATING_WEBHOOKS, null, "istiod-" + revision)
                    .isPresent());
  }

  static void createInjectedNamespace(SandboxHarness h, String name) {
    h.sandbox
        .client("test")
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("istio-injection", "enabled")
                .endMetadata()
                .build())
        .create();
  }

  static void createDeployment(
      SandboxHarness h, String ns, String name, Map<String, String> nodeSelector) {
    h.sandbox
        .client("test")
        .apps()
        .deployments()
        .inNamespace(ns)
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector()
                .addToMatchLabels("app", name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", name)
                .endMetadata()
                .withNewSpec()
                .withNodeSelector(nodeSelector.isEmpty() ? null : nodeSelector)
                .addNewContainer()
                .withName("app")
                .withImage("gcr.io/google-samples/microservices-demo/frontend:v0.3.4")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  static void createStatefulSet(SandboxHarness h, String ns, String name) {
    h.sandbox
        .client("test")
        .apps()
        .statefulSets()
        .inNamespace(ns)
        .resource(
            new StatefulSetBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
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
                .withName("redis")
                .withImage("redis:alpine")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  static void createBarePod(SandboxHarness h, String ns, String name) {
    h.sandbox
        .client("test")
        .pods()
        .inNamespace(ns)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .addToLabels("app", name)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("shell")
                .withImage("busybox:1.36")
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  static Map<String, String> labels(SandboxHarness h, String namespace) {
    JsonNode labels =
        h.sandbox
            .store()
            .require(ResourceRegistry.NAMESPACES, null, namespace)
            .path("metadata")
            .path("labels");
    Map<String, String> out = new TreeMap<>();
    labels.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  /** How many ReplicaSets each Deployment of the namespace owns. */
  static Map<String, Integer> replicaSetsPerDeployment(SandboxHarness h, String ns) {
    Map<String, Integer> out = new HashMap<>();
    for (ObjectNode rs : h.sandbox.store().list(ResourceRegistry.REPLICASETS, ns)) {
      for (JsonNode owner : rs.path("metadata").path("ownerReferences")) {
        if (owner.path("kind").asText().equals("Deployment")) {
          out.merge(owner.path("name").asText(), 1, Integer::sum);
        }
      }
    }
    return out;
  }

  static String templateAnnotation(SandboxHarness h, String ns, String deployment, String key) {
    return h.sandbox
        .store()
        .require(ResourceRegistry.DEPLOYMENTS, ns, deployment)
        .path("spec")
        .path("template")
        .path("metadata")
        .path("annotations")
        .path(key)
        .asText(null);
  }

  /** Pods not being deleted. */
  static List<ObjectNode> livePods(SandboxHarness h, String ns) {
    return h.sandbox.store().list(ResourceRegistry.PODS, ns).stream()
        .filter(p -> !p.path("metadata").has("deletionTimestamp"))
        .toList();
  }

  static long readyPods(SandboxHarness h, String ns) {
    return livePods(h, ns).stream()
        .filter(
            p -> {
              for (JsonNode c : p.path("status").path("conditions")) {
                if (c.path("type").asText().equals("Ready")) {
                  return c.path("status").asText().equals("True");
                }
              }
              return false;
            })
        .count();
  }

  static String name(JsonNode pod) {
    return pod.path("metadata").path("name").asText();
  }

  static String proxyImage(JsonNode pod) {
    for (JsonNode c : pod.path("spec").path("containers")) {
      if (c.path("name").asText().equals("istio-proxy")) {
        return c.path("image").asText();
      }
    }
    return null;
  }

  static String readyContainers(JsonNode pod) {
    int ready = 0;
    for (JsonNode cs : pod.path("status").path("containerStatuses")) {
      ready += cs.path("ready").asBoolean() ? 1 : 0;
    }
    return ready + "/" + pod.path("spec").path("containers").size();
  }

  static int restarts(JsonNode pod) {
    int restarts = 0;
    for (JsonNode cs : pod.path("status").path("containerStatuses")) {
      restarts += cs.path("restartCount").asInt();
    }
    return restarts;
  }
}
