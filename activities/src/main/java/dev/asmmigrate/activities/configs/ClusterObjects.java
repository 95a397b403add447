package dev.asmmigrate.activities.configs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.kube.GenericResources;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads and writes objects of any served type as Jackson 2 trees (the form config-check and the
 * converter work on), through fabric8's generic resources.
 */
final class ClusterObjects {
  static final ObjectMapper MAPPER = new ObjectMapper();

  /** A served type, as its REST path names it. */
  record Type(String group, String version, String kind, String plural, boolean namespaced) {
    String apiVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }

    ResourceDefinitionContext context() {
      return new ResourceDefinitionContext.Builder()
          .withGroup(group)
          .withVersion(version)
          .withKind(kind)
          .withPlural(plural)
          .withNamespaced(namespaced)
          .build();
    }

    String describe() {
      return plural + (group.isEmpty() ? "" : "." + group);
    }
  }

  private final KubernetesClient client;

  ClusterObjects(KubernetesClient client) {
    this.client = client;
  }

  MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      operation(Type type) {
    return client.genericKubernetesResources(type.context());
  }

  /**
   * Every object of {@code type} in all namespaces; none when the type is not served (its CRD is
   * not installed: nothing of that kind can exist).
   */
  List<ObjectNode> listAll(Type type) {
    List<ObjectNode> out = new ArrayList<>();
    for (GenericKubernetesResource item : GenericResources.list(client, type.context(), null)) {
      ObjectNode tree = tree(item);
      // Lists leave out each item's apiVersion and kind; config-check matches on them.
      tree.put("apiVersion", type.apiVersion());
      tree.put("kind", type.kind());
      out.add(tree);
    }
    return out;
  }

  /** The object, or empty when it (or its type) does not exist. */
  Optional<ObjectNode> get(Type type, String namespace, String name) {
    return Optional.ofNullable(
            GenericResources.get(
                client, type.context(), type.namespaced() ? namespace : null, name))
        .map(ClusterObjects::tree);
  }

  static ObjectNode tree(Object fabric8Object) {
    try {
      JsonNode node = MAPPER.readTree(Serialization.asJson(fabric8Object));
      return (ObjectNode) node;
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static GenericKubernetesResource resource(ObjectNode tree) {
    try {
      return Serialization.unmarshal(
          MAPPER.writeValueAsString(tree), GenericKubernetesResource.class);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
