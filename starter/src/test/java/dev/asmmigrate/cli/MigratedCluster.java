package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.addon.AddonObjects;
import dev.asmmigrate.activities.backup.BackupContent;
import dev.asmmigrate.activities.backup.ClusterBackupStore;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.meshca.MeshCaRoot;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.sandbox.istio.ControlPlane;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationState;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A sandbox cluster before its migration, read from the store, and the checks, object by object,
 * that it ended migrated to managed ASM as SPEC.md §2 says (steps 7 to 12). Shared by the
 * end-to-end tests, with and without API faults.
 */
final class MigratedCluster {
  static final String REVISION = "asm-managed";
  static final String SYSTEM = "istio-system";
  static final String GATEWAY_SERVICE = "istio-ingressgateway";
  static final String NEW_GATEWAY = "asm-ingressgateway";
  static final String STATE = "asm-addon-migration-state";
  static final String ASM_PROXY = "gcr.io/gke-release/asm/proxyv2:";
  static final String PROXY = "istio-proxy";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What the cluster was before.
   *
   * @param injectedNamespaces namespaces on an add-on (istio-injection=enabled or
   *     istio.io/rev=istio-1611), with the labels they had
   * @param appImages per {@code namespace/app} label, the non-proxy container images of its pods
   * @param replicaSets per {@code namespace/deployment} of the injected namespaces, its ReplicaSets
   * @param gatewayReplicas the add-on gateway Deployment's replicas
   * @param gatewayIp the LoadBalancer IP of Service istio-ingressgateway
   * @param cleanupList the add-on objects on the cleanup list that existed, and their content
   */
  record Before(
      Map<String, Map<String, String>> injectedNamespaces,
      Map<String, Set<String>> appImages,
      Map<String, Integer> replicaSets,
      int gatewayReplicas,
      String gatewayIp,
      Map<ObjectKey, ObjectNode> cleanupList) {}

  private MigratedCluster() {}

  static Before capture(Sandbox sandbox) {
    ObjectStore store = sandbox.store();
    Map<String, Map<String, String>> injected = new TreeMap<>();
    for (ObjectNode ns : store.list(ResourceRegistry.NAMESPACES, null)) {
      String name = ns.path("metadata").path("name").asText();
      Map<String, String> labels = labels(ns);
      if (!name.equals(SYSTEM)
          && ("enabled".equals(labels.get("istio-injection"))
              || "istio-1611".equals(labels.get("istio.io/rev")))) {
        injected.put(name, labels);
      }
    }
    Map<String, Set<String>> images = new TreeMap<>();
    Map<String, Integer> replicaSets = new TreeMap<>();
    for (String ns : injected.keySet()) {
      images.putAll(appImages(store, ns));
      replicaSets.putAll(replicaSets(store, ns));
    }
    ObjectNode gateway = store.require(ResourceRegistry.DEPLOYMENTS, SYSTEM, GATEWAY_SERVICE);
    Map<ObjectKey, ObjectNode> cleanup = new java.util.LinkedHashMap<>();
    for (ObjectKey key : AddonObjects.fixed()) {
      find(store, key).ifPresent(o -> cleanup.put(key, o.deepCopy()));
    }
    return new Before(
        injected,
        images,
        replicaSets,
        gateway.path("spec").path("replicas").asInt(1),
        loadBalancerIp(store),
        cleanup);
  }

  /** Every check of the migrated cluster; the sandbox must have settled. */
  static void assertMigrated(Sandbox sandbox, Before before, MigrationResult result) {
    ObjectStore store = sandbox.store();
    assertThat(result.state()).as(String.valueOf(result)).isEqualTo(MigrationState.SUCCESS);
    assertThat(before.injectedNamespaces()).isNotEmpty();
    assertThat(before.cleanupList())
        .as("add-on objects on the cleanup list")
        .hasSizeGreaterThan(40);

    // the state ConfigMap
    assertThat(
            store
                .require(ResourceRegistry.CONFIGMAPS, SYSTEM, STATE)
                .path("data")
                .path("migrationStatus")
                .asText())
        .isEqualTo("SUCCESS");

    // namespace labels: the managed revision, no istio-injection
    for (String ns : before.injectedNamespaces().keySet()) {
      assertThat(labels(store.require(ResourceRegistry.NAMESPACES, null, ns)))
          .as("labels of namespace %s", ns)
          .containsEntry("istio.io/rev", REVISION)
          .doesNotContainKey("istio-injection");
    }
    assertThat(labels(store.require(ResourceRegistry.NAMESPACES, null, SYSTEM)))
        .as("istio-system has no injection label")
        .doesNotContainEntry("istio-injection", "enabled")
        .doesNotContainEntry("istio.io/rev", "istio-1611");

    // injection webhooks: the managed revision and its default tag; the add-on's emptied or gone
    Set<String> webhooks = names(store.list(ResourceRegistry.MUTATING_WEBHOOKS, null));
    assertThat(webhooks)
        .contains("istiod-" + REVISION, "istio-revision-tag-default")
        .doesNotContain("istio-sidecar-injector-istio-1611");
    assertThat(
            labels(
                store.require(
                    ResourceRegistry.MUTATING_WEBHOOKS, null, "istio-revision-tag-default")))
        .containsEntry("istio.io/rev", REVISION)
        .containsEntry("istio.io/tag", "default");
    store
        .get(ResourceRegistry.MUTATING_WEBHOOKS, null, "istio-sidecar-injector")
        .ifPresent(
            mwc ->
                assertThat(mwc.path("webhooks"))
                    .as("the add-on 1.4 injector's webhooks")
                    .isEmpty());
    assertThat(store.get(ResourceRegistry.VALIDATING_WEBHOOKS, null, "istio-galley")).isEmpty();

    // the gateway: asm-ingressgateway and its RBAC, behind the same Service and IP; the old gone
    ObjectNode gateway = store.require(ResourceRegistry.DEPLOYMENTS, SYSTEM, NEW_GATEWAY);
    assertThat(gateway.path("spec").path("replicas").asInt())
        .isEqualTo(Math.max(1, before.gatewayReplicas()));
    assertThat(gateway.path("status").path("availableReplicas").asInt())
        .isEqualTo(gateway.path("spec").path("replicas").asInt());
    assertThat(
            gateway
                .path("spec")
                .path("template")
                .path("metadata")
                .path("labels")
                .path("istio.io/rev")
                .asText())
        .isEqualTo(REVISION);
    assertThat(store.get(ResourceRegistry.SERVICEACCOUNTS, SYSTEM, NEW_GATEWAY)).isPresent();
    assertThat(store.get(ResourceRegistry.ROLES, SYSTEM, NEW_GATEWAY)).isPresent();
    assertThat(store.get(ResourceRegistry.ROLEBINDINGS, SYSTEM, NEW_GATEWAY)).isPresent();
    ObjectNode service = store.require(ResourceRegistry.SERVICES, SYSTEM, GATEWAY_SERVICE);
    assertThat(service.path("spec").path("type").asText()).isEqualTo("LoadBalancer");
    assertThat(JSON.convertValue(service.path("spec").path("selector"), Map.class))
        .isEqualTo(Map.of("app", "istio-ingressgateway", "istio", "ingressgateway"));
    assertThat(loadBalancerIp(store)).isNotBlank().isEqualTo(before.gatewayIp());
    assertThat(store.get(ResourceRegistry.DEPLOYMENTS, SYSTEM, GATEWAY_SERVICE))
        .as("the add-on gateway Deployment")
        .isEmpty();
    assertThat(store.get(ResourceRegistry.HPAS, SYSTEM, GATEWAY_SERVICE))
        .as("the add-on gateway's HPA (on the cleanup list)")
        .isEmpty();
    List<String> systemPods = new ArrayList<>();
    for (ObjectNode pod : store.list(ResourceRegistry.PODS, SYSTEM)) {
      if (!pod.path("status").path("phase").asText().equals("Succeeded")) {
        systemPods.add(pod.path("metadata").path("name").asText());
        assertThat(proxyImage(pod)).as(name(pod)).startsWith(ASM_PROXY);
        assertThat(ready(pod)).as(name(pod)).isTrue();
      }
    }
    assertThat(systemPods)
        .as("istio-system runs only asm-ingressgateway")
        .hasSize(gateway.path("spec").path("replicas").asInt())
        .allMatch(n -> n.startsWith(NEW_GATEWAY + "-"));

    // every injected pod: the managed proxy of the revision, Ready, the app's images unchanged
    for (String ns : before.injectedNamespaces().keySet()) {
      List<ObjectNode> pods = livePods(store, ns);
      assertThat(pods).as("pods of %s", ns).isNotEmpty();
      for (ObjectNode pod : pods) {
        assertThat(proxyImage(pod)).as("proxy of %s", name(pod)).startsWith(ASM_PROXY);
        assertThat(injectedBy(pod)).as("revision that injected %s", name(pod)).isEqualTo(REVISION);
        assertThat(ready(pod)).as("%s Ready, all containers", name(pod)).isTrue();
      }
      assertThat(appImages(store, ns))
          .as("app images in %s", ns)
          .isEqualTo(
              before.appImages().entrySet().stream()
                  .filter(e -> e.getKey().startsWith(ns + "/"))
                  .collect(
                      java.util.stream.Collectors.toMap(
                          Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new)));
    }

    // every add-on object on the cleanup list is gone, and found by label: Mixer objects, jobs
    for (ObjectKey key : before.cleanupList().keySet()) {
      assertThat(find(store, key)).as("%s after cleanup", key).isEmpty();
    }
    for (ResourceType t : store.registry().all()) {
      if (t.group().equals("config.istio.io")) {
        assertThat(store.list(t, SYSTEM, o -> "istio".equals(labels(o).get("k8s-app"))))
            .as("add-on Mixer %s", t.plural())
            .isEmpty();
      }
    }
    assertThat(
            store.list(
                ResourceRegistry.JOBS,
                SYSTEM,
                o ->
                    "istio".equals(labels(o).get("k8s-app"))
                        && "security".equals(labels(o).get("app"))))
        .isEmpty();

    // the backups: one per changed or deleted object, each with its content's hash
    Map<String, ObjectNode> backups = backups(store);
    for (ObjectKey key : before.cleanupList().keySet()) {
      assertThat(backups).as("backup of %s", key).containsKey(id(key));
    }
    for (String ns : before.injectedNamespaces().keySet()) {
      ObjectNode backup = backups.get(id(new ObjectKey("v1", "Namespace", null, ns)));
      assertThat(backup).as("backup of namespace %s", ns).isNotNull();
      assertThat(labels(backup)).isEqualTo(before.injectedNamespaces().get(ns));
    }

    // the backups hold the objects as they were before the migration: taken once, before the
    // first change, never overwritten by a later step or a retry
    for (Map.Entry<ObjectKey, ObjectNode> e : before.cleanupList().entrySet()) {
      ObjectNode backup = backups.get(id(e.getKey()));
      for (String field : List.of("spec", "data", "rules", "webhooks", "subjects", "roleRef")) {
        assertThat(backup.path(field))
            .as("%s of the backup of %s", field, e.getKey())
            .isEqualTo(e.getValue().path(field));
      }
    }

    // the Mesh CA root is in the root bundles, once
    assertMeshCaRootOnce(store);

    // the traffic probe through the gateway: no request failed
    JsonNode traffic = sandbox.trafficProbe().report();
    assertThat(traffic.path("sent").asLong()).as(traffic.toString()).isPositive();
    assertThat(traffic.path("failed").asLong()).as(traffic.toString()).isZero();
  }

  /**
   * After the migration, the default revision tag sends new pods to the managed revision as
   * istioctl's four webhooks promise: namespaces labelled {@code istio.io/rev=default} or {@code
   * istio-injection=enabled}, and a pod labelled {@code sidecar.istio.io/inject=true} in an
   * unlabelled namespace, get the revision's ASM proxy; a namespace labelled {@code
   * istio-injection=disabled} gets none. Creates four namespaces and four pods through the API (run
   * it after the checks that count the migration's requests).
   */
  static void assertDefaultTagInjects(Sandbox sandbox) {
    KubernetesClient client = sandbox.client("test");
    Map<String, Map<String, String>> namespaces =
        Map.of(
            "tag-default", Map.of("istio.io/rev", "default"),
            "tag-injection-enabled", Map.of("istio-injection", "enabled"),
            "tag-injection-disabled", Map.of("istio-injection", "disabled"),
            "tag-unlabelled", Map.of());
    for (var ns : namespaces.entrySet()) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(ns.getKey())
                  .withLabels(ns.getValue())
                  .endMetadata()
                  .build())
          .create();
    }
    String asmProxy = ControlPlane.MANAGED_PROXIES.get(REVISION);
    assertThat(newPodProxy(client, "tag-default", Map.of())).isEqualTo(asmProxy);
    assertThat(newPodProxy(client, "tag-injection-enabled", Map.of())).isEqualTo(asmProxy);
    assertThat(newPodProxy(client, "tag-unlabelled", Map.of("sidecar.istio.io/inject", "true")))
        .isEqualTo(asmProxy);
    assertThat(newPodProxy(client, "tag-injection-disabled", Map.of()))
        .isEqualTo("<no " + PROXY + ">");
  }

  private static String newPodProxy(
      KubernetesClient client, String namespace, Map<String, String> labels) {
    Pod pod =
        client
            .pods()
            .inNamespace(namespace)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("web")
                    .withLabels(labels)
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("web")
                    .withImage("nginx")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    return proxyImage(JSON.valueToTree(pod));
  }

  /**
   * Every root bundle that has the Mesh CA root (1.4: Secrets istio.default; 1.6: ConfigMaps
   * istio-ca-root-cert) has it once, and the migration's Secret meshca-root holds just that root.
   */
  static void assertMeshCaRootOnce(ObjectStore store) {
    int bundles = 0;
    for (ObjectNode s : store.list(ResourceRegistry.SECRETS, null)) {
      if (name(s).equals("istio.default")) {
        String pem = decode(s.path("data").path("root-cert.pem").asText(""));
        if (MeshCaRoot.in(pem)) {
          bundles++;
          assertThat(MeshCaRoot.occurrences(pem))
              .as("Mesh CA roots in %s", s.path("metadata"))
              .isOne();
        }
      }
    }
    for (ObjectNode cm : store.list(ResourceRegistry.CONFIGMAPS, null)) {
      if (name(cm).equals("istio-ca-root-cert")) {
        String pem = cm.path("data").path("root-cert.pem").asText("");
        if (MeshCaRoot.in(pem)) {
          bundles++;
          assertThat(MeshCaRoot.occurrences(pem))
              .as("Mesh CA roots in %s", cm.path("metadata"))
              .isOne();
        }
      }
    }
    assertThat(bundles).as("root bundles with the Mesh CA root").isPositive();
    store
        .get(ResourceRegistry.SECRETS, SYSTEM, "meshca-root")
        .ifPresent(
            s ->
                assertThat(decode(s.path("data").path("meshca-root.pem").asText()))
                    .isEqualTo(MeshCaRoot.PEM));
  }

  static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }

  /**
   * The backups in asm-migrate-system by {@code apiVersion/kind/namespace/name}, each checked
   * against its SHA-256 annotation; the value is the backed-up object (null when absent).
   */
  static Map<String, ObjectNode> backups(ObjectStore store) {
    Map<String, ObjectNode> out = new TreeMap<>();
    List<ObjectNode> secrets = store.list(ResourceRegistry.SECRETS, ClusterBackupStore.NAMESPACE);
    List<ObjectNode> all = new ArrayList<>(secrets);
    all.addAll(store.list(ResourceRegistry.CONFIGMAPS, ClusterBackupStore.NAMESPACE));
    for (ObjectNode b : all) {
      JsonNode ann = b.path("metadata").path("annotations");
      if (!ann.has(ClusterBackupStore.ANN_SHA256)) {
        continue; // not a backup (kube-root-ca.crt, a service account token)
      }
      String content =
          secrets.contains(b)
              ? new String(
                  Base64.getDecoder()
                      .decode(b.path("data").path(ClusterBackupStore.CONTENT_KEY).asText()),
                  StandardCharsets.UTF_8)
              : b.path("data").path(ClusterBackupStore.CONTENT_KEY).asText();
      assertThat(ann.path(ClusterBackupStore.ANN_SHA256).asText())
          .as("sha256 of backup %s", name(b))
          .hasSize(64)
          .isEqualTo(BackupContent.sha256(content));
      String key =
          ann.path(ClusterBackupStore.ANN_API_VERSION).asText()
              + "/"
              + ann.path(ClusterBackupStore.ANN_KIND).asText()
              + "/"
              + ann.path(ClusterBackupStore.ANN_NAMESPACE).asText("")
              + "/"
              + ann.path(ClusterBackupStore.ANN_NAME).asText();
      try {
        JsonNode object = JSON.readTree(content);
        out.put(key, object instanceof ObjectNode o ? o : null);
      } catch (java.io.IOException e) {
        throw new AssertionError("backup " + name(b) + " is not JSON", e);
      }
    }
    return out;
  }

  static String id(ObjectKey key) {
    return key.apiVersion()
        + "/"
        + key.kind()
        + "/"
        + (key.namespace() == null ? "" : key.namespace())
        + "/"
        + key.name();
  }

  static Optional<ObjectNode> find(ObjectStore store, ObjectKey key) {
    return store
        .registry()
        .forKind(key.apiVersion(), key.kind())
        .flatMap(t -> store.get(t, key.namespace(), key.name()));
  }

  static Map<String, Integer> replicaSets(ObjectStore store, String ns) {
    Map<String, Integer> out = new TreeMap<>();
    for (ObjectNode d : store.list(ResourceRegistry.DEPLOYMENTS, ns)) {
      out.put(ns + "/" + name(d), 0);
    }
    for (ObjectNode rs : store.list(ResourceRegistry.REPLICASETS, ns)) {
      for (JsonNode ref : rs.path("metadata").path("ownerReferences")) {
        if (ref.path("kind").asText().equals("Deployment")) {
          out.merge(ns + "/" + ref.path("name").asText(), 1, Integer::sum);
        }
      }
    }
    return out;
  }

  static Map<String, Set<String>> appImages(ObjectStore store, String ns) {
    Map<String, Set<String>> out = new TreeMap<>();
    for (ObjectNode pod : livePods(store, ns)) {
      String app = ns + "/" + labels(pod).getOrDefault("app", name(pod));
      Set<String> images = out.computeIfAbsent(app, k -> new TreeSet<>());
      for (JsonNode c : pod.path("spec").path("containers")) {
        if (!c.path("name").asText().equals(PROXY)) {
          images.add(c.path("name").asText() + "=" + c.path("image").asText());
        }
      }
    }
    return out;
  }

  static List<ObjectNode> livePods(ObjectStore store, String ns) {
    return store.list(ResourceRegistry.PODS, ns).stream()
        .filter(p -> !p.path("metadata").has("deletionTimestamp"))
        .filter(p -> !p.path("status").path("phase").asText().equals("Succeeded"))
        .toList();
  }

  static String proxyImage(JsonNode pod) {
    for (JsonNode c : pod.path("spec").path("containers")) {
      if (c.path("name").asText().equals(PROXY)) {
        return c.path("image").asText();
      }
    }
    return "<no " + PROXY + ">";
  }

  static String injectedBy(JsonNode pod) {
    String status =
        pod.path("metadata").path("annotations").path("sidecar.istio.io/status").asText("");
    try {
      String rev = status.isEmpty() ? "" : JSON.readTree(status).path("revision").asText("");
      return rev.isEmpty() ? labels(pod).get("istio.io/rev") : rev;
    } catch (java.io.IOException e) {
      return labels(pod).get("istio.io/rev");
    }
  }

  static boolean ready(JsonNode pod) {
    int containers = pod.path("spec").path("containers").size();
    int ready = 0;
    for (JsonNode cs : pod.path("status").path("containerStatuses")) {
      ready += cs.path("ready").asBoolean() ? 1 : 0;
    }
    return pod.path("status").path("phase").asText().equals("Running") && ready == containers;
  }

  static String loadBalancerIp(ObjectStore store) {
    return store
        .require(ResourceRegistry.SERVICES, SYSTEM, GATEWAY_SERVICE)
        .path("status")
        .path("loadBalancer")
        .path("ingress")
        .path(0)
        .path("ip")
        .asText("");
  }

  static Map<String, String> labels(JsonNode o) {
    Map<String, String> out = new TreeMap<>();
    o.path("metadata")
        .path("labels")
        .properties()
        .forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  static Set<String> names(List<ObjectNode> objects) {
    Set<String> out = new TreeSet<>();
    objects.forEach(o -> out.add(name(o)));
    return out;
  }

  static String name(JsonNode o) {
    return o.path("metadata").path("name").asText();
  }
}
