package dev.asmmigrate.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What an object's round trip through a real API server's Go types does to its JSON, in one table:
 * a real server decodes every request into typed structs, stores them as protobuf and encodes them
 * back, so
 *
 * <ul>
 *   <li>a list or map field tagged {@code omitempty} that is empty (or null) is <em>omitted</em>: a
 *       MutatingWebhookConfiguration whose {@code webhooks} was patched to {@code []} reads back
 *       without {@code webhooks}, a pod without env has no {@code env}, an object whose labels were
 *       all removed has no {@code labels};
 *   <li>a list field <em>not</em> tagged {@code omitempty} that is empty or absent reads back as
 *       {@code null}: a ClusterRole or Role without rules has {@code "rules": null} (protobuf keeps
 *       no difference between an empty and a nil slice, and {@code json:"rules"} writes nil as
 *       null);
 *   <li>resource quantities read back in canonical form ({@link Quantities}).
 * </ul>
 *
 * Empty <em>objects</em> are untouched: a struct or pointer to a struct is never omitted by {@code
 * omitempty}, so {@code emptyDir: {}}, {@code resources: {}}, {@code securityContext: {}} and
 * {@code namespaceSelector: {}} survive as a real server keeps them.
 *
 * <p>Covered: every kind's metadata maps and lists; mutating and validating webhook configurations;
 * Roles, ClusterRoles and their bindings; pod specs of Pods, Deployments, ReplicaSets,
 * StatefulSets, DaemonSets, Jobs and CronJobs (with their templates' metadata); the quantities of
 * those pod specs, of StatefulSets' claim templates, PersistentVolumeClaims, LimitRanges,
 * ResourceQuotas and Nodes. Other kinds' fields pass through as written.
 */
public final class StoredForm {
  private enum Action {
    /** {@code json:",omitempty"} on a slice or map: empty or null is left out. */
    OMIT_EMPTY,
    /** {@code json:"x"} on a slice: empty, null or absent reads back as null. */
    NULL_WHEN_EMPTY,
    /** A {@code resource.Quantity}, or a map of them ({@code *}): canonical text. */
    QUANTITY
  }

  private record Rule(Set<String> kinds, String path, Action action) {
    boolean appliesTo(String kind) {
      return kinds.isEmpty() || kinds.contains(kind);
    }
  }

  private static final Set<String> EVERY_KIND = Set.of();
  private static final Set<String> WEBHOOK_CONFIGURATIONS =
      Set.of(
          "admissionregistration.k8s.io/mutatingwebhookconfigurations",
          "admissionregistration.k8s.io/validatingwebhookconfigurations");
  private static final Set<String> ROLES =
      Set.of("rbac.authorization.k8s.io/clusterroles", "rbac.authorization.k8s.io/roles");
  private static final Set<String> BINDINGS =
      Set.of(
          "rbac.authorization.k8s.io/clusterrolebindings",
          "rbac.authorization.k8s.io/rolebindings");

  private static final List<Rule> RULES = rules();

  private StoredForm() {}

  private static List<Rule> rules() {
    List<Rule> r = new ArrayList<>();
    for (String f : List.of("labels", "annotations", "finalizers", "ownerReferences")) {
      r.add(new Rule(EVERY_KIND, "metadata." + f, Action.OMIT_EMPTY));
    }
    // admissionregistration/v1 webhooks, their rules and label selectors
    r.add(new Rule(WEBHOOK_CONFIGURATIONS, "webhooks", Action.OMIT_EMPTY));
    r.add(new Rule(WEBHOOK_CONFIGURATIONS, "webhooks[].rules", Action.OMIT_EMPTY));
    for (String f : List.of("operations", "apiGroups", "apiVersions", "resources")) {
      r.add(new Rule(WEBHOOK_CONFIGURATIONS, "webhooks[].rules[]." + f, Action.OMIT_EMPTY));
    }
    for (String selector : List.of("namespaceSelector", "objectSelector")) {
      for (String f : List.of("matchLabels", "matchExpressions")) {
        r.add(
            new Rule(
                WEBHOOK_CONFIGURATIONS, "webhooks[]." + selector + "." + f, Action.OMIT_EMPTY));
      }
    }
    // rbac/v1: PolicyRule.verbs and Role.rules carry no omitempty
    r.add(new Rule(ROLES, "rules", Action.NULL_WHEN_EMPTY));
    for (String f : List.of("apiGroups", "resources", "resourceNames", "nonResourceURLs")) {
      r.add(new Rule(ROLES, "rules[]." + f, Action.OMIT_EMPTY));
    }
    r.add(new Rule(BINDINGS, "subjects", Action.OMIT_EMPTY));
    // core/v1 PodSpec wherever a pod or pod template is
    podSpec(r, Set.of("/pods"), "spec");
    Set<String> templated =
        Set.of(
            "apps/deployments",
            "apps/replicasets",
            "apps/statefulsets",
            "apps/daemonsets",
            "batch/jobs");
    podTemplate(r, templated, "spec.template");
    podTemplate(r, Set.of("batch/cronjobs"), "spec.jobTemplate.spec.template");
    r.add(
        new Rule(
            Set.of("apps/statefulsets"),
            "spec.volumeClaimTemplates[].spec.resources.requests.*",
            Action.QUANTITY));
    // other quantities
    Set<String> claims = Set.of("/persistentvolumeclaims");
    r.add(new Rule(claims, "spec.resources.requests.*", Action.QUANTITY));
    r.add(new Rule(claims, "spec.resources.limits.*", Action.QUANTITY));
    r.add(new Rule(claims, "status.capacity.*", Action.QUANTITY));
    for (String f : List.of("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")) {
      r.add(new Rule(Set.of("/limitranges"), "spec.limits[]." + f + ".*", Action.QUANTITY));
    }
    Set<String> quotas = Set.of("/resourcequotas");
    for (String f : List.of("spec.hard", "status.hard", "status.used")) {
      r.add(new Rule(quotas, f + ".*", Action.QUANTITY));
    }
    for (String f : List.of("status.capacity", "status.allocatable")) {
      r.add(new Rule(Set.of("/nodes"), f + ".*", Action.QUANTITY));
    }
    return List.copyOf(r);
  }

  private static void podTemplate(List<Rule> r, Set<String> kinds, String template) {
    r.add(new Rule(kinds, template + ".metadata.labels", Action.OMIT_EMPTY));
    r.add(new Rule(kinds, template + ".metadata.annotations", Action.OMIT_EMPTY));
    podSpec(r, kinds, template + ".spec");
  }

  private static void podSpec(List<Rule> r, Set<String> kinds, String spec) {
    for (String f :
        List.of(
            "volumes",
            "initContainers",
            "imagePullSecrets",
            "tolerations",
            "hostAliases",
            "nodeSelector",
            "topologySpreadConstraints",
            "readinessGates")) {
      r.add(new Rule(kinds, spec + "." + f, Action.OMIT_EMPTY));
    }
    r.add(new Rule(kinds, spec + ".overhead.*", Action.QUANTITY));
    r.add(new Rule(kinds, spec + ".volumes[].emptyDir.sizeLimit", Action.QUANTITY));
    for (String list : List.of("containers", "initContainers")) {
      String c = spec + "." + list + "[].";
      for (String f :
          List.of("command", "args", "ports", "envFrom", "env", "volumeMounts", "volumeDevices")) {
        r.add(new Rule(kinds, c + f, Action.OMIT_EMPTY));
      }
      for (String f : List.of("limits", "requests")) {
        r.add(new Rule(kinds, c + "resources." + f + ".*", Action.QUANTITY));
        r.add(new Rule(kinds, c + "resources." + f, Action.OMIT_EMPTY));
      }
    }
  }

  /**
   * Brings an object into the form a real server would store and return it in, in place.
   *
   * @throws ApiException 400 when a quantity cannot be parsed, as the server's decoding refuses it
   */
  public static void apply(ResourceType type, ObjectNode object) {
    String kind = type.group() + "/" + type.plural();
    for (Rule rule : RULES) {
      if (rule.appliesTo(kind)) {
        walk(object, rule.path().split("\\."), 0, rule.action(), type);
      }
    }
  }

  private static void walk(JsonNode node, String[] path, int at, Action action, ResourceType type) {
    if (!(node instanceof ObjectNode object)) {
      return;
    }
    String segment = path[at];
    boolean each = segment.endsWith("[]");
    String field = each ? segment.substring(0, segment.length() - 2) : segment;
    boolean last = at == path.length - 1;
    if (field.equals("*")) {
      List<String> names = new ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        if (last) {
          act(object, name, action, type);
        } else {
          walk(object.get(name), path, at + 1, action, type);
        }
      }
      return;
    }
    if (last && !each) {
      act(object, field, action, type);
      return;
    }
    JsonNode child = object.get(field);
    if (each) {
      if (child instanceof ArrayNode items) {
        for (JsonNode item : items) {
          walk(item, path, at + 1, action, type);
        }
      }
    } else {
      walk(child, path, at + 1, action, type);
    }
  }

  private static void act(ObjectNode parent, String field, Action action, ResourceType type) {
    JsonNode value = parent.get(field);
    boolean empty = value == null || value.isNull() || (value.isContainerNode() && value.isEmpty());
    switch (action) {
      case OMIT_EMPTY -> {
        if (value != null && empty) {
          parent.remove(field);
        }
      }
      case NULL_WHEN_EMPTY -> {
        if (empty) {
          parent.putNull(field);
        }
      }
      case QUANTITY -> {
        if (value == null || value.isNull()) {
          return;
        }
        String text =
            value.isFloatingPointNumber()
                ? value.decimalValue().toPlainString()
                : value.isNumber() || value.isTextual() ? value.asText() : null;
        try {
          if (text == null) {
            throw new IllegalArgumentException("a quantity must be a string or a number");
          }
          parent.put(field, Quantities.canonical(text));
        } catch (IllegalArgumentException e) {
          throw ApiException.badRequest(
              type.kind()
                  + " in version \""
                  + type.version()
                  + "\" cannot be handled as a "
                  + type.kind()
                  + ": "
                  + e.getMessage());
        }
      }
    }
  }
}
