package dev.asmmigrate.config.convert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.asmmigrate.workflows.model.IstioNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the authentication-policy converter looks at, already read from the cluster.
 *
 * @param policies {@code authentication.istio.io/v1alpha1} Policy and MeshPolicy objects; other
 *     objects in the list are ignored
 * @param services the Services of the namespaces the policies live in (their {@code spec.selector}
 *     and {@code spec.ports} are used)
 * @param workloads Pods, or objects with a pod template (Deployment, StatefulSet, DaemonSet,
 *     ReplicaSet, Job), used only to resolve a Service's named {@code targetPort} to a number
 * @param rootNamespace the mesh root namespace ({@code meshConfig.rootNamespace}); blank means the
 *     default, {@code istio-system}
 */
public record ConversionInput(
    List<ObjectNode> policies,
    List<ObjectNode> services,
    List<ObjectNode> workloads,
    String rootNamespace) {

  /** Istio's default for {@code meshConfig.rootNamespace}. */
  public static final String DEFAULT_ROOT_NAMESPACE = IstioNames.ISTIO_SYSTEM;

  private static final Set<String> WORKLOAD_KINDS =
      Set.of("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job");

  public ConversionInput {
    policies = List.copyOf(policies);
    services = List.copyOf(services);
    workloads = List.copyOf(workloads);
    rootNamespace =
        rootNamespace == null || rootNamespace.isBlank()
            ? DEFAULT_ROOT_NAMESPACE
            : rootNamespace.trim();
  }

  /** Policies and Services only, no workloads (named target ports cannot be resolved). */
  public static ConversionInput of(
      List<ObjectNode> policies, List<ObjectNode> services, String rootNamespace) {
    return new ConversionInput(policies, services, List.of(), rootNamespace);
  }

  /**
   * Sorts a mixed list of objects (as read from a cluster or from manifests) into an input: alpha
   * policies, Services, workloads; the root namespace comes from the {@code mesh} document of
   * ConfigMap {@code istio-system/istio} when present, else the default.
   */
  public static ConversionInput fromObjects(List<ObjectNode> objects) {
    List<ObjectNode> policies = new ArrayList<>();
    List<ObjectNode> services = new ArrayList<>();
    List<ObjectNode> workloads = new ArrayList<>();
    String rootNamespace = null;
    for (ObjectNode object : objects) {
      String kind = object.path("kind").asText();
      String apiVersion = object.path("apiVersion").asText();
      if (isAlphaPolicy(object)) {
        policies.add(object);
      } else if (kind.equals("Service") && apiVersion.equals("v1")) {
        services.add(object);
      } else if (WORKLOAD_KINDS.contains(kind)) {
        workloads.add(object);
      } else if (kind.equals("ConfigMap")
          && apiVersion.equals("v1")
          && object.path("metadata").path("name").asText().equals("istio")
          && object.path("metadata").path("namespace").asText().equals(DEFAULT_ROOT_NAMESPACE)) {
        rootNamespace = rootNamespaceFromMeshConfig(object.path("data").path("mesh").asText(""));
      }
    }
    return new ConversionInput(policies, services, workloads, rootNamespace);
  }

  /**
   * The {@code rootNamespace} of a mesh config YAML document (the {@code mesh} key of the {@code
   * istio} ConfigMap), or the default when it is not set.
   *
   * @throws IllegalArgumentException when the document is not valid YAML
   */
  public static String rootNamespaceFromMeshConfig(String meshYaml) {
    Objects.requireNonNull(meshYaml, "meshYaml");
    if (meshYaml.isBlank()) {
      return DEFAULT_ROOT_NAMESPACE;
    }
    JsonNode mesh;
    try {
      mesh = new YAMLMapper().readTree(meshYaml);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("mesh config is not valid YAML: " + e.getMessage(), e);
    }
    String root = mesh == null ? "" : mesh.path("rootNamespace").asText("");
    return root.isBlank() ? DEFAULT_ROOT_NAMESPACE : root.trim();
  }

  /** True for {@code authentication.istio.io/v1alpha1} Policy and MeshPolicy objects. */
  public static boolean isAlphaPolicy(JsonNode object) {
    String kind = object.path("kind").asText();
    return object.path("apiVersion").asText().equals("authentication.istio.io/v1alpha1")
        && (kind.equals("Policy") || kind.equals("MeshPolicy"));
  }
}
