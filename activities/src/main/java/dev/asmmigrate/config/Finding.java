package dev.asmmigrate.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;

/**
 * One result of inspecting the cluster's configuration: which rule fired, on which object, how much
 * it matters and what the operator should do about it.
 *
 * @param ruleId stable identifier of the rule, e.g. {@code alpha-policy-unconvertible}
 * @param severity whether the finding blocks the migration
 * @param kind kind of the object the finding is about, e.g. {@code Policy}
 * @param namespace namespace of that object; empty for cluster-scoped objects
 * @param name name of that object
 * @param message what is wrong and what to do about it
 * @param rewritten the object rewritten so that the finding no longer applies, when an exact
 *     rewrite exists; {@code null} otherwise
 */
public record Finding(
    String ruleId,
    Severity severity,
    String kind,
    String namespace,
    String name,
    String message,
    ObjectNode rewritten) {

  public Finding {
    Objects.requireNonNull(ruleId, "ruleId");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(message, "message");
    namespace = namespace == null ? "" : namespace;
  }

  /** A blocking finding without a rewrite. */
  public static Finding blocking(
      String ruleId, String kind, String namespace, String name, String message) {
    return new Finding(ruleId, Severity.BLOCKING, kind, namespace, name, message, null);
  }

  /** An informational finding without a rewrite. */
  public static Finding informational(
      String ruleId, String kind, String namespace, String name, String message) {
    return new Finding(ruleId, Severity.INFORMATIONAL, kind, namespace, name, message, null);
  }

  /** The same finding, offering {@code object} as its exact rewrite. */
  public Finding withRewrite(ObjectNode object) {
    return new Finding(ruleId, severity, kind, namespace, name, message, object);
  }

  /** The rewritten object, if this finding offers one. */
  public Optional<ObjectNode> rewrite() {
    return Optional.ofNullable(rewritten);
  }

  /** {@code Kind namespace/name}, or {@code Kind name} for cluster-scoped objects. */
  public String objectRef() {
    return namespace.isEmpty() ? kind + " " + name : kind + " " + namespace + "/" + name;
  }
}
