package dev.asmmigrate.activities.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Objects of kinds a CustomResourceDefinition serves, where the CRD may not be installed: the
 * IstioOperator exists only where the 1.6 add-on brought it, Mixer's kinds only where the add-on
 * 1.4 left them. A type the API server does not serve means "nothing of that kind there", never a
 * failure ({@code kubectl} says {@code the server doesn't have a resource type}; Google's
 * migrate-addon aborts its cleanup there, asm-migrate does not).
 *
 * <p>fabric8 reports a type it does not serve in two ways: {@code genericKubernetesResources(
 * apiVersion, kind)} finds the resource by discovery and throws "Could not find the metadata for
 * the resource" when discovery has no such kind; an operation built from a {@link
 * ResourceDefinitionContext} skips discovery, and the API server answers 404 to the list (a get of
 * a name answers null for a missing object and a missing type alike).
 */
public final class GenericResources {
  private GenericResources() {}

  /** Whether {@code e} says the type is not served (discovery has no such kind, or a 404). */
  public static boolean typeNotServed(KubernetesClientException e) {
    return e.getCode() == 404
        || String.valueOf(e.getMessage()).contains("Could not find the metadata");
  }

  /**
   * The generic operation on {@code apiVersion}/{@code kind}, found by discovery; empty when the
   * API server does not serve that kind.
   */
  public static Optional<
          MixedOperation<
              GenericKubernetesResource,
              GenericKubernetesResourceList,
              Resource<GenericKubernetesResource>>>
      served(KubernetesClient client, String apiVersion, String kind) {
    try {
      return Optional.of(client.genericKubernetesResources(apiVersion, kind));
    } catch (KubernetesClientException e) {
      if (typeNotServed(e)) {
        return Optional.empty();
      }
      throw Failures.kubernetes("discover " + apiVersion + " " + kind, e);
    }
  }

  /**
   * The objects of {@code apiVersion}/{@code kind} in {@code namespace} (null: cluster-scoped or
   * all namespaces) with every label of {@code labels}; none when the kind is not served.
   */
  public static List<GenericKubernetesResource> list(
      KubernetesClient client,
      String apiVersion,
      String kind,
      String namespace,
      Map<String, String> labels) {
    var op = served(client, apiVersion, kind);
    if (op.isEmpty()) {
      return List.of();
    }
    return list(
        namespace == null ? op.get() : op.get().inNamespace(namespace),
        labels,
        "list " + kind + (namespace == null ? "" : " in " + namespace));
  }

  /** The objects a context's type has; none when the API server answers 404 (not served). */
  public static List<GenericKubernetesResource> list(
      KubernetesClient client, ResourceDefinitionContext context, String namespace) {
    var op = client.genericKubernetesResources(context);
    return list(
        namespace == null
            ? (context.isNamespaceScoped() ? op.inAnyNamespace() : op)
            : op.inNamespace(namespace),
        Map.of(),
        "list " + context.getPlural() + (namespace == null ? "" : " in " + namespace));
  }

  private static List<GenericKubernetesResource> list(
      FilterWatchListDeletable<
              GenericKubernetesResource,
              GenericKubernetesResourceList,
              Resource<GenericKubernetesResource>>
          op,
      Map<String, String> labels,
      String what) {
    try {
      var filtered = labels.isEmpty() ? op : op.withLabels(labels);
      return filtered.list().getItems();
    } catch (KubernetesClientException e) {
      if (typeNotServed(e)) {
        return List.of();
      }
      throw Failures.kubernetes(what, e);
    }
  }

  /**
   * The object, or null when it does not exist or its kind is not served.
   *
   * @param namespace null for a cluster-scoped kind
   */
  public static GenericKubernetesResource get(
      KubernetesClient client, String apiVersion, String kind, String namespace, String name) {
    var op = served(client, apiVersion, kind);
    if (op.isEmpty()) {
      return null;
    }
    return get(scoped(op.get(), namespace), name, kind);
  }

  /** The object of a context's type, or null when it or its type does not exist. */
  public static GenericKubernetesResource get(
      KubernetesClient client, ResourceDefinitionContext context, String namespace, String name) {
    return get(
        scoped(client.genericKubernetesResources(context), namespace), name, context.getKind());
  }

  private static GenericKubernetesResource get(
      NonNamespaceOperation<
              GenericKubernetesResource,
              GenericKubernetesResourceList,
              Resource<GenericKubernetesResource>>
          op,
      String name,
      String kind) {
    try {
      return op.withName(name).get();
    } catch (KubernetesClientException e) {
      if (typeNotServed(e)) {
        return null;
      }
      throw Failures.kubernetes("get " + kind + " " + name, e);
    }
  }

  private static NonNamespaceOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      scoped(
          MixedOperation<
                  GenericKubernetesResource,
                  GenericKubernetesResourceList,
                  Resource<GenericKubernetesResource>>
              op,
          String namespace) {
    return namespace == null ? op : op.inNamespace(namespace);
  }
}
