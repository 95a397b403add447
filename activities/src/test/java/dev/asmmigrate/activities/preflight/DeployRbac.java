package dev.asmmigrate.activities.preflight;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The worker's RBAC as {@code deploy/*.yaml} grants it: the rules of every ClusterRole bound to the
 * worker's ServiceAccount by a ClusterRoleBinding (cluster-wide) and of every Role bound by a
 * RoleBinding (in the Role's namespace), evaluated as Kubernetes' RBAC authorizer does.
 */
final class DeployRbac {
  /** One rule: its verbs, groups, resources (with subresources), names, and namespace scope. */
  record Rule(
      String role,
      String namespace,
      List<String> verbs,
      List<String> groups,
      List<String> resources,
      List<String> names) {

    boolean allows(String verb, String group, String resource, String ns, String name) {
      if (namespace != null && !namespace.equals(ns)) {
        return false;
      }
      if (!names.isEmpty() && (name == null || name.isEmpty() || !names.contains(name))) {
        return false; // resourceNames never match list, watch, create or deletecollection
      }
      return (verbs.contains("*") || verbs.contains(verb))
          && (groups.contains("*") || groups.contains(group))
          && (resources.contains("*") || resources.contains(resource));
    }
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  final String serviceAccount;
  final String serviceAccountNamespace;
  final List<Rule> rules;

  private DeployRbac(String serviceAccount, String serviceAccountNamespace, List<Rule> rules) {
    this.serviceAccount = serviceAccount;
    this.serviceAccountNamespace = serviceAccountNamespace;
    this.rules = rules;
  }

  static DeployRbac load(Path dir) {
    List<JsonNode> docs = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (var parser = YAML.getFactory().createParser(f.toFile())) {
          YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    JsonNode sa =
        docs.stream()
            .filter(d -> d.path("kind").asText().equals("ServiceAccount"))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no ServiceAccount in " + dir));
    String saName = sa.path("metadata").path("name").asText();
    String saNs = sa.path("metadata").path("namespace").asText();
    List<Rule> rules = new ArrayList<>();
    for (JsonNode binding : docs) {
      String kind = binding.path("kind").asText();
      if (!kind.equals("ClusterRoleBinding") && !kind.equals("RoleBinding")) {
        continue;
      }
      boolean boundToWorker = false;
      for (JsonNode s : binding.path("subjects")) {
        boundToWorker |=
            s.path("kind").asText().equals("ServiceAccount")
                && s.path("name").asText().equals(saName)
                && s.path("namespace").asText().equals(saNs);
      }
      if (!boundToWorker) {
        continue;
      }
      String bindingNs =
          kind.equals("RoleBinding") ? binding.path("metadata").path("namespace").asText() : null;
      String roleKind = binding.path("roleRef").path("kind").asText();
      String roleName = binding.path("roleRef").path("name").asText();
      JsonNode role =
          docs.stream()
              .filter(d -> d.path("kind").asText().equals(roleKind))
              .filter(d -> d.path("metadata").path("name").asText().equals(roleName))
              .filter(
                  d ->
                      roleKind.equals("ClusterRole")
                          || d.path("metadata").path("namespace").asText().equals(bindingNs))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("no " + roleKind + " " + roleName));
      for (JsonNode r : role.path("rules")) {
        rules.add(
            new Rule(
                roleKind + " " + roleName,
                bindingNs,
                strings(r.path("verbs")),
                strings(r.path("apiGroups")),
                strings(r.path("resources")),
                strings(r.path("resourceNames"))));
      }
    }
    return new DeployRbac(saName, saNs, rules);
  }

  boolean allows(String verb, String group, String resource, String namespace, String name) {
    return rules.stream().anyMatch(r -> r.allows(verb, group, resource, namespace, name));
  }

  /** Every (verb, group, resource, namespace, name) the rules name, one per combination. */
  Set<RequiredPermissions.Permission> grants() {
    Set<RequiredPermissions.Permission> out = new LinkedHashSet<>();
    for (Rule r : rules) {
      for (String verb : r.verbs()) {
        for (String group : r.groups()) {
          for (String resource : r.resources()) {
            if (r.names().isEmpty()) {
              out.add(
                  new RequiredPermissions.Permission(verb, group, resource, r.namespace(), null));
            } else {
              for (String name : r.names()) {
                out.add(
                    new RequiredPermissions.Permission(verb, group, resource, r.namespace(), name));
              }
            }
          }
        }
      }
    }
    return out;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
