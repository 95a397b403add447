package dev.asmmigrate.activities.workloads;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.BackupContent;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The reads, keys, trees and time arithmetic the workload activities share. */
final class WorkloadObjects {
  private WorkloadObjects() {}

  static Namespace namespace(KubernetesClient client, String name) {
    Namespace ns = call("get namespace " + name, () -> client.namespaces().withName(name).get());
    if (ns == null) {
      throw Failures.permanent(FailureType.NOT_FOUND, "namespace " + name + " does not exist");
    }
    return ns;
  }

  static ObjectKey key(HasMetadata o, String namespace) {
    return new ObjectKey(o.getApiVersion(), o.getKind(), namespace, o.getMetadata().getName());
  }

  static Map<String, String> labels(HasMetadata o) {
    return o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
  }

  static ObjectNode tree(Object fabric8Object) {
    try {
      return (ObjectNode) BackupContent.MAPPER.readTree(Serialization.asJson(fabric8Object));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot read " + fabric8Object.getClass().getSimpleName(), e);
    }
  }

  static String json(ObjectNode node) {
    try {
      return BackupContent.MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static <T extends HasMetadata> List<T> byName(List<T> objects) {
    List<T> copy = new ArrayList<>(objects);
    copy.sort(Comparator.comparing(o -> o.getMetadata().getName()));
    return copy;
  }

  static Duration shorter(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  static Duration remaining(Instant deadline) {
    Duration left = Duration.between(Instant.now(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** Runs an API call, turning its failure into a permanent or transient one. */
  static <T> T call(String what, Supplier<T> body) {
    try {
      return body.get();
    } catch (KubernetesClientException e) {
      throw Failures.kubernetes(what, e);
    }
  }
}
