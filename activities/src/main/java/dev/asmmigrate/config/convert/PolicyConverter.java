package dev.asmmigrate.config.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.config.Finding;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * Converts Istio {@code authentication.istio.io/v1alpha1} Policy and MeshPolicy objects to {@code
 * security.istio.io/v1beta1} PeerAuthentication, RequestAuthentication and AuthorizationPolicy
 * objects, with the rules (names, annotation text, order) of the reference converter,
 * istio-ecosystem/security-policy-migrate.
 *
 * <p>Pure: reads only its input, never mutates it, and returns the same result for the same input
 * in any order. A policy that cannot be converted exactly yields blocking findings and no objects.
 */
public final class PolicyConverter {

  /** Annotation on every converted object saying which alpha policy it came from. */
  public static final String ANNOTATION = "security.istio.io/alpha-policy-convert";

  /** Rule id of the blocking finding for a policy that cannot be converted. */
  public static final String RULE_UNCONVERTIBLE = "alpha-policy-unconvertible";

  /**
   * Rule id of the informational finding for a namespace-level Policy in the mesh root namespace:
   * in v1beta1 a selector-less policy there applies to the whole mesh.
   */
  public static final String RULE_BECOMES_MESH_WIDE = "alpha-policy-becomes-mesh-wide";

  static final String BETA_API_VERSION = "security.istio.io/v1beta1";
  static final String PEER_AUTHENTICATION = "PeerAuthentication";
  static final String REQUEST_AUTHENTICATION = "RequestAuthentication";
  static final String AUTHORIZATION_POLICY = "AuthorizationPolicy";

  /** Longest name Kubernetes accepts for a custom resource (a DNS-1123 subdomain). */
  private static final int MAX_NAME_LENGTH = 253;

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private PolicyConverter() {}

  private enum Mode {
    STRICT,
    PERMISSIVE
  }

  /**
   * What one converted policy applies to: a Service's workloads (optionally some ports), a
   * namespace, or the mesh. Each scope becomes one object of every output kind.
   */
  private record Scope(
      String name,
      String namespace,
      String comment,
      Map<String, String> matchLabels,
      List<Integer> ports) {

    boolean hasSelector() {
      return matchLabels != null;
    }
  }

  /** The working state of one policy's conversion. */
  private static final class Conversion {
    final AlphaPolicy policy;
    final List<Scope> scopes = new ArrayList<>();
    final Set<String> targetedServices = new LinkedHashSet<>();
    final List<String> errors = new ArrayList<>();
    final List<ObjectNode> outputs = new ArrayList<>();
    boolean widenedToMesh;

    Conversion(AlphaPolicy policy) {
      this.policy = policy;
    }
  }

  /** Converts every alpha policy of {@code input}. */
  public static ConversionResult convert(ConversionInput input) {
    ServiceIndex services = new ServiceIndex(input.services(), input.workloads());
    List<Conversion> conversions = new ArrayList<>();
    for (AlphaPolicy policy : AlphaPolicy.inConversionOrder(input.policies())) {
      conversions.add(convertOne(policy, services, input.rootNamespace()));
    }
    reportConflicts(conversions);

    List<ObjectNode> converted = new ArrayList<>();
    List<Finding> findings = new ArrayList<>();
    for (Conversion conversion : conversions) {
      AlphaPolicy policy = conversion.policy;
      if (!conversion.errors.isEmpty()) {
        for (String error : conversion.errors) {
          findings.add(
              Finding.blocking(
                  RULE_UNCONVERTIBLE,
                  policy.kind(),
                  policy.namespace(),
                  policy.name(),
                  policy.ref()
                      + " cannot be converted to security.istio.io/v1beta1: "
                      + error
                      + ". Until it is fixed (or converted by hand and deleted), the migration"
                      + " will not start."));
        }
        continue;
      }
      converted.addAll(conversion.outputs);
      if (conversion.widenedToMesh) {
        findings.add(
            Finding.informational(
                RULE_BECOMES_MESH_WIDE,
                policy.kind(),
                policy.namespace(),
                policy.name(),
                policy.ref()
                    + " has no targets and lives in the mesh root namespace "
                    + policy.namespace()
                    + ": its v1beta1 conversion applies to every namespace of the mesh, not"
                    + " only to "
                    + policy.namespace()
                    + ". Check that this is intended before the configs are migrated."));
      }
    }
    return new ConversionResult(converted, findings);
  }

  private static Conversion convertOne(
      AlphaPolicy policy, ServiceIndex services, String rootNamespace) {
    Conversion conversion = new Conversion(policy);
    resolveScopes(conversion, services, rootNamespace);
    Mode mode = peerMode(policy.spec(), conversion.errors);
    checkOrigins(policy.spec(), conversion.errors);
    for (Scope scope : conversion.scopes) {
      if (scope.name().length() > MAX_NAME_LENGTH) {
        conversion.errors.add(
            "the converted name '"
                + scope.name()
                + "' is longer than "
                + MAX_NAME_LENGTH
                + " characters; shorten the policy or target name");
      }
    }
    if (conversion.errors.isEmpty()) {
      buildOutputs(conversion, mode);
    }
    return conversion;
  }

  // ---------------------------------------------------------------------------------------------
  // Targets → scopes

  private static void resolveScopes(
      Conversion conversion, ServiceIndex services, String rootNamespace) {
    AlphaPolicy policy = conversion.policy;
    List<JsonNode> targets = AlphaPolicy.elements(policy.spec(), "targets");
    if (targets.isEmpty()) {
      if (policy.isMeshPolicy()) {
        conversion.scopes.add(
            new Scope(policy.name(), rootNamespace, "mesh level policy", null, List.of()));
      } else {
        conversion.widenedToMesh = policy.namespace().equals(rootNamespace);
        conversion.scopes.add(
            new Scope(
                policy.name(), policy.namespace(), "namespace level policy", null, List.of()));
      }
      return;
    }
    if (policy.isMeshPolicy()) {
      conversion.errors.add(
          "a MeshPolicy cannot have targets; use a Policy in the Service's namespace instead");
      return;
    }
    Set<String> seen = new LinkedHashSet<>();
    for (JsonNode target : targets) {
      String targetName = AlphaPolicy.text(target, "name");
      if (targetName.isEmpty()) {
        conversion.errors.add("a target has no name; name the Service it selects");
        continue;
      }
      if (!seen.add(targetName)) {
        conversion.errors.add(
            "found duplicate target " + targetName + "; list each Service only once");
      }
      conversion.targetedServices.add(policy.namespace() + "/" + targetName);
      resolveTarget(conversion, services, target, targetName).ifPresent(conversion.scopes::add);
    }
  }

  private static Optional<Scope> resolveTarget(
      Conversion conversion, ServiceIndex services, JsonNode target, String targetName) {
    AlphaPolicy policy = conversion.policy;
    String serviceRef = policy.namespace() + "/" + targetName;
    Optional<JsonNode> found = services.service(policy.namespace(), targetName);
    if (found.isEmpty()) {
      conversion.errors.add(
          "target "
              + targetName
              + ": could not find Service "
              + serviceRef
              + "; create the Service or remove the target");
      return Optional.empty();
    }
    JsonNode service = found.get();
    Map<String, String> selector = ServiceIndex.selector(service);
    if (selector.isEmpty()) {
      // An empty selector would make the converted policy apply to the whole namespace.
      conversion.errors.add(
          "target "
              + targetName
              + ": Service "
              + serviceRef
              + " has no spec.selector, so its workloads cannot be selected; convert this"
              + " policy by hand");
      return Optional.empty();
    }
    Set<Integer> ports = new LinkedHashSet<>();
    boolean portsOk = true;
    for (JsonNode portSelector : AlphaPolicy.elements(target, "ports")) {
      ServiceIndex.PortLookup lookup = services.workloadPort(service, portSelector);
      if (lookup.ok()) {
        ports.add(lookup.workloadPort());
      } else {
        portsOk = false;
        conversion.errors.add(
            "target "
                + targetName
                + ": "
                + lookup.error()
                + "; fix the port in the policy or the Service");
      }
    }
    if (!portsOk) {
      return Optional.empty();
    }
    return Optional.of(
        new Scope(
            policy.name() + "-" + targetName,
            policy.namespace(),
            "service " + targetName,
            selector,
            List.copyOf(ports)));
  }

  // ---------------------------------------------------------------------------------------------
  // Peers → mTLS mode

  private static Mode peerMode(JsonNode spec, List<String> errors) {
    List<JsonNode> peers = AlphaPolicy.elements(spec, "peers");
    if (peers.isEmpty()) {
      return Mode.PERMISSIVE;
    }
    for (int i = 0; i < peers.size(); i++) {
      if (peers.get(i).has("jwt")) {
        errors.add(
            "peers["
                + i
                + "] is a JWT peer method, which Istio never supported; remove it (use origins"
                + " for end-user JWT)");
      }
    }
    JsonNode first = peers.get(0);
    if (first.has("jwt")) {
      return Mode.PERMISSIVE;
    }
    if (!first.has("mtls")) {
      errors.add("peers[0] specifies neither mtls nor jwt; set mtls or remove the entry");
      return Mode.PERMISSIVE;
    }
    JsonNode mtls = first.get("mtls");
    if (mtls.isNull()) {
      return Mode.STRICT; // `mtls:` with no value: the alpha API's default mode
    }
    if (!mtls.isObject()) {
      errors.add("peers[0].mtls is not an object; write it as {mode: STRICT|PERMISSIVE}");
      return Mode.PERMISSIVE;
    }
    JsonNode mode = mtls.path("mode");
    if (mode.isMissingNode() || mode.isNull()) {
      return Mode.STRICT;
    }
    String value = mode.asText();
    if (value.equals("STRICT") || (mode.isInt() && mode.asInt() == 0)) {
      return Mode.STRICT;
    }
    if (value.equals("PERMISSIVE") || (mode.isInt() && mode.asInt() == 1)) {
      return Mode.PERMISSIVE;
    }
    errors.add("found unsupported mTLS mode " + value + " in peers[0]; use STRICT or PERMISSIVE");
    return Mode.PERMISSIVE;
  }

  // ---------------------------------------------------------------------------------------------
  // Origins → what cannot be expressed

  private static void checkOrigins(JsonNode spec, List<String> errors) {
    List<JsonNode> origins = AlphaPolicy.elements(spec, "origins");
    boolean anyTriggerRules = false;
    for (int i = 0; i < origins.size(); i++) {
      JsonNode jwt = AlphaPolicy.field(origins.get(i), "jwt");
      if (!jwt.isObject()) {
        // Converted as is, it would add a DENY rule no request can satisfy.
        errors.add("origins[" + i + "] has no jwt; give it a jwt or remove it");
        continue;
      }
      if (AlphaPolicy.text(jwt, "issuer").isEmpty()) {
        errors.add("origins[" + i + "].jwt has no issuer, which v1beta1 requires; set it");
      }
      List<JsonNode> triggerRules = AlphaPolicy.elements(jwt, "triggerRules");
      if (triggerRules.isEmpty()) {
        continue;
      }
      anyTriggerRules = true;
      String issuer = AlphaPolicy.text(jwt, "issuer");
      for (JsonNode rule : triggerRules) {
        checkPathMatchers(rule, "includedPaths", issuer, errors);
        checkPathMatchers(rule, "excludedPaths", issuer, errors);
      }
    }
    if (anyTriggerRules && origins.size() > 1) {
      errors.add(
          "triggerRules are not supported with several JWT issuers ("
              + origins.size()
              + " origins); convert by hand, e.g. one AuthorizationPolicy per issuer");
    }
  }

  private static void checkPathMatchers(
      JsonNode triggerRule, String field, String issuer, List<String> errors) {
    for (JsonNode matcher : AlphaPolicy.elements(triggerRule, field)) {
      String regex = AlphaPolicy.text(matcher, "regex");
      if (!regex.isEmpty()) {
        errors.add(
            "triggerRule regex \""
                + regex
                + "\" in "
                + field
                + " of issuer "
                + issuer
                + " is not supported in beta policy; use exact, prefix or suffix paths");
      } else if (pathPattern(matcher).isEmpty()) {
        errors.add(
            "a path matcher in "
                + field
                + " of issuer "
                + issuer
                + " sets none of exact, prefix, suffix; set one of them");
      }
    }
  }

  /**
   * exact {@code /x} → {@code /x}, prefix {@code /x} → {@code /x*}, suffix {@code x} → {@code *x}.
   */
  private static Optional<String> pathPattern(JsonNode matcher) {
    String exact = AlphaPolicy.text(matcher, "exact");
    if (!exact.isEmpty()) {
      return Optional.of(exact);
    }
    String prefix = AlphaPolicy.text(matcher, "prefix");
    if (!prefix.isEmpty()) {
      return Optional.of(prefix + "*");
    }
    String suffix = AlphaPolicy.text(matcher, "suffix");
    if (!suffix.isEmpty()) {
      return Optional.of("*" + suffix);
    }
    return Optional.empty();
  }

  // ---------------------------------------------------------------------------------------------
  // Conflicts between policies

  private static void reportConflicts(List<Conversion> conversions) {
    Map<String, List<Conversion>> byService = new LinkedHashMap<>();
    Map<String, List<Conversion>> bySelectorlessScope = new LinkedHashMap<>();
    for (Conversion conversion : conversions) {
      for (String service : conversion.targetedServices) {
        byService.computeIfAbsent(service, k -> new ArrayList<>()).add(conversion);
      }
      for (Scope scope : conversion.scopes) {
        if (!scope.hasSelector()) {
          bySelectorlessScope
              .computeIfAbsent(scope.namespace(), k -> new ArrayList<>())
              .add(conversion);
        }
      }
    }
    refuseShared(
        byService,
        (service, others) ->
            "duplicate target: Service "
                + service
                + " is also targeted by "
                + others
                + "; in v1beta1 only one of the converted policies would take effect, so"
                + " merge them into one policy");
    refuseShared(
        bySelectorlessScope,
        (namespace, others) ->
            "it converts to a selector-less (namespace- or mesh-wide) policy in namespace "
                + namespace
                + ", as does "
                + others
                + "; v1beta1 allows one such policy per namespace, so keep only one");

    // Different names can still concatenate to the same output name (a-b + c vs a + b-c).
    Map<String, List<Conversion>> byOutputName = new LinkedHashMap<>();
    for (Conversion conversion : conversions) {
      if (!conversion.errors.isEmpty()) {
        continue;
      }
      for (ObjectNode output : conversion.outputs) {
        JsonNode metadata = output.path("metadata");
        String key =
            output.path("kind").asText()
                + " "
                + metadata.path("namespace").asText()
                + "/"
                + metadata.path("name").asText();
        List<Conversion> claimants = byOutputName.computeIfAbsent(key, k -> new ArrayList<>());
        if (!claimants.contains(conversion)) {
          claimants.add(conversion);
        }
      }
    }
    refuseShared(
        byOutputName,
        (object, others) ->
            "its converted "
                + object
                + " has the same name as one converted from "
                + others
                + "; rename one of the policies");
  }

  /**
   * Refuses every conversion that claims a key (a target, a scope, an output name) another one
   * claims too, with the error {@code error(key, the other policies)}.
   */
  private static void refuseShared(
      Map<String, List<Conversion>> claims, BiFunction<String, String, String> error) {
    claims.forEach(
        (key, claimants) -> {
          if (claimants.size() < 2) {
            return;
          }
          for (Conversion conversion : claimants) {
            conversion.errors.add(error.apply(key, others(claimants, conversion)));
          }
        });
  }

  private static String others(List<Conversion> claimants, Conversion self) {
    return claimants.stream()
        .filter(c -> c != self)
        .map(c -> c.policy.ref())
        .collect(Collectors.joining(", "));
  }

  // ---------------------------------------------------------------------------------------------
  // Output objects

  private static void buildOutputs(Conversion conversion, Mode mode) {
    AlphaPolicy policy = conversion.policy;
    for (Scope scope : conversion.scopes) {
      conversion.outputs.add(peerAuthentication(policy, scope, mode));
    }
    List<JsonNode> origins = AlphaPolicy.elements(policy.spec(), "origins");
    if (origins.isEmpty()) {
      return;
    }
    boolean originIsOptional =
        AlphaPolicy.field(policy.spec(), "originIsOptional").asBoolean(false);
    for (Scope scope : conversion.scopes) {
      conversion.outputs.add(requestAuthentication(policy, scope, origins));
      if (!originIsOptional) {
        conversion.outputs.add(requireJwt(policy, scope, origins));
      }
    }
  }

  private static ObjectNode peerAuthentication(AlphaPolicy policy, Scope scope, Mode mode) {
    ObjectNode object = newObject(PEER_AUTHENTICATION, policy, scope);
    ObjectNode spec = (ObjectNode) object.get("spec");
    if (scope.ports().isEmpty()) {
      spec.putObject("mtls").put("mode", mode.name());
    } else {
      ObjectNode portLevel = spec.putObject("portLevelMtls");
      for (int port : new TreeSet<>(scope.ports())) {
        portLevel.putObject(String.valueOf(port)).put("mode", mode.name());
      }
    }
    return object;
  }

  private static ObjectNode requestAuthentication(
      AlphaPolicy policy, Scope scope, List<JsonNode> origins) {
    ObjectNode object = newObject(REQUEST_AUTHENTICATION, policy, scope);
    ArrayNode rules = ((ObjectNode) object.get("spec")).putArray("jwtRules");
    for (JsonNode origin : origins) {
      JsonNode jwt = AlphaPolicy.field(origin, "jwt");
      if (!jwt.isObject()) {
        continue;
      }
      ObjectNode rule = rules.addObject();
      putText(rule, "issuer", AlphaPolicy.text(jwt, "issuer"));
      putStrings(rule, "audiences", AlphaPolicy.strings(jwt, "audiences"));
      putText(rule, "jwksUri", AlphaPolicy.text(jwt, "jwksUri"));
      putText(rule, "jwks", AlphaPolicy.text(jwt, "jwks"));
      List<String> headers = AlphaPolicy.strings(jwt, "jwtHeaders");
      if (!headers.isEmpty()) {
        ArrayNode fromHeaders = rule.putArray("fromHeaders");
        headers.forEach(header -> fromHeaders.addObject().put("name", header));
      }
      putStrings(rule, "fromParams", AlphaPolicy.strings(jwt, "jwtParams"));
      rule.put("forwardOriginalToken", true);
    }
    return object;
  }

  /**
   * The DENY policy that rejects requests without a valid JWT where the alpha policy required one.
   */
  private static ObjectNode requireJwt(AlphaPolicy policy, Scope scope, List<JsonNode> origins) {
    ObjectNode object = newObject(AUTHORIZATION_POLICY, policy, scope);
    ObjectNode spec = (ObjectNode) object.get("spec");
    spec.put("action", "DENY");
    ArrayNode rules = spec.putArray("rules");
    List<JsonNode> triggerRules =
        origins.size() == 1
            ? AlphaPolicy.elements(AlphaPolicy.field(origins.get(0), "jwt"), "triggerRules")
            : List.of();
    if (triggerRules.isEmpty()) {
      rules.add(denyRule(List.of(), List.of(), scope.ports()));
    } else {
      // Each trigger rule becomes its own authorization rule.
      for (JsonNode trigger : triggerRules) {
        rules.add(
            denyRule(
                paths(AlphaPolicy.elements(trigger, "includedPaths")),
                paths(AlphaPolicy.elements(trigger, "excludedPaths")),
                scope.ports()));
      }
    }
    return object;
  }

  private static List<String> paths(List<JsonNode> matchers) {
    List<String> out = new ArrayList<>();
    for (JsonNode matcher : matchers) {
      // Matchers without a pattern were reported as errors; nothing is built for them.
      pathPattern(matcher).ifPresent(out::add);
    }
    return out;
  }

  private static ObjectNode denyRule(
      List<String> paths, List<String> notPaths, List<Integer> ports) {
    ObjectNode rule = JSON.objectNode();
    rule.putArray("from").addObject().putObject("source").putArray("notRequestPrincipals").add("*");
    if (paths.isEmpty() && notPaths.isEmpty() && ports.isEmpty()) {
      return rule;
    }
    ObjectNode operation = rule.putArray("to").addObject().putObject("operation");
    putStrings(operation, "paths", paths);
    putStrings(operation, "notPaths", notPaths);
    putStrings(operation, "ports", ports.stream().map(String::valueOf).toList());
    return rule;
  }

  private static ObjectNode newObject(String kind, AlphaPolicy policy, Scope scope) {
    ObjectNode object = JSON.objectNode();
    object.put("apiVersion", BETA_API_VERSION);
    object.put("kind", kind);
    ObjectNode metadata = object.putObject("metadata");
    metadata.put("name", scope.name());
    metadata.put("namespace", scope.namespace());
    metadata
        .putObject("annotations")
        .put(
            ANNOTATION,
            "converted from alpha authentication policy "
                + policy.namespace()
                + "/"
                + policy.name()
                + ", "
                + scope.comment());
    ObjectNode spec = object.putObject("spec");
    if (scope.hasSelector()) {
      ObjectNode matchLabels = spec.putObject("selector").putObject("matchLabels");
      scope.matchLabels().forEach(matchLabels::put);
    }
    return object;
  }

  private static void putText(ObjectNode node, String field, String value) {
    if (!value.isEmpty()) {
      node.put(field, value);
    }
  }

  private static void putStrings(ObjectNode node, String field, List<String> values) {
    if (!values.isEmpty()) {
      ArrayNode array = node.putArray(field);
      values.forEach(array::add);
    }
  }
}
