package dev.asmmigrate.config.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.config.Finding;
import dev.asmmigrate.config.convert.ConversionInput;
import dev.asmmigrate.config.convert.ConversionResult;
import dev.asmmigrate.config.convert.PolicyConverter;
import dev.asmmigrate.workflows.model.IstioNames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * config-check (SPEC.md §2 step 3): the configurations the managed control plane does not accept,
 * found on parsed objects. Pure: reads only its input (the objects as read from the cluster or from
 * manifests), never mutates it, and returns the same findings for the same objects in any order.
 *
 * <p>Rules, each with its id:
 *
 * <ul>
 *   <li>{@value #RULE_ENVOY_FILTER} (blocking): an EnvoyFilter not labelled {@code
 *       operator.istio.io/component=Pilot} (the add-on's own), other than the migration's own
 *       {@code istio-system/trigger-root-cert};
 *   <li>{@value #RULE_PLUGIN_CA} (informational): Secret {@code istio-system/cacerts};
 *   <li>{@value PolicyConverter#RULE_UNCONVERTIBLE} (blocking) and {@value
 *       PolicyConverter#RULE_BECOMES_MESH_WIDE} (informational): the policy converter's findings;
 *   <li>{@value #RULE_RBAC_ALPHA} (blocking): any {@code rbac.istio.io/v1alpha1} object;
 *   <li>{@value #RULE_VIRTUAL_SERVICE} (blocking): VirtualService fields removed after 1.4, with
 *       the exact rewrite when there is one;
 *   <li>{@value #RULE_MIXER} (blocking): Mixer handler, rule, instance or attributemanifest that is
 *       not one of the add-on's defaults ({@link MixerDefaults}: by the digest of its spec, of any
 *       add-on version; attributemanifests by their fixed names);
 *   <li>{@value #RULE_GATEWAY} (blocking): a Deployment in {@code istio-system} that looks like a
 *       gateway but is neither {@code istio-ingressgateway} nor the migration's {@code
 *       asm-ingressgateway}.
 * </ul>
 */
public final class ConfigCheck {
  public static final String RULE_ENVOY_FILTER = "envoyfilter-unsupported";
  public static final String RULE_PLUGIN_CA = "plugin-ca-cacerts";
  public static final String RULE_RBAC_ALPHA = "rbac-v1alpha1";
  public static final String RULE_VIRTUAL_SERVICE = "virtualservice-removed-field";
  public static final String RULE_MIXER = "mixer-custom-config";
  public static final String RULE_GATEWAY = "custom-gateway";

  public static final String SYSTEM_NAMESPACE = IstioNames.ISTIO_SYSTEM;

  /** The EnvoyFilter the Mesh CA step of 1.6 applies and deletes: the migration's own. */
  public static final String TRIGGER_ROOT_CERT = "trigger-root-cert";

  /** The gateway Deployments the migration knows: the add-on's and the one it creates. */
  public static final Set<String> KNOWN_GATEWAYS =
      Set.of("istio-ingressgateway", "asm-ingressgateway");

  static final String OPERATOR_COMPONENT_LABEL = "operator.istio.io/component";
  static final String RBAC_API_VERSION = "rbac.istio.io/v1alpha1";

  private static final Comparator<JsonNode> BY_OBJECT =
      Comparator.comparing((JsonNode o) -> o.path("kind").asText())
          .thenComparing(o -> o.path("metadata").path("namespace").asText())
          .thenComparing(o -> o.path("metadata").path("name").asText());

  private ConfigCheck() {}

  /** Every rule over {@code objects}. */
  public static ConfigCheckResult check(List<? extends JsonNode> objects) {
    List<JsonNode> sorted = new ArrayList<>(objects);
    sorted.sort(BY_OBJECT);
    ConversionResult conversion = PolicyConverter.convert(conversionInput(objects));
    List<Finding> findings = new ArrayList<>();
    findings.addAll(envoyFilters(sorted));
    findings.addAll(pluginCa(sorted));
    findings.addAll(conversion.findings());
    findings.addAll(rbacAlpha(sorted));
    findings.addAll(virtualServices(sorted));
    findings.addAll(mixer(sorted));
    findings.addAll(gateways(sorted));
    return new ConfigCheckResult(findings, conversion);
  }

  /**
   * The converter's input: alpha policies, Services and workloads among {@code objects}; the root
   * namespace from the mesh config of ConfigMap {@code istio-system/istio}, else (a 1.6-only
   * cluster) of {@code istio-system/istio-istio-1611}.
   *
   * @throws IllegalArgumentException when that mesh config is not valid YAML
   */
  public static ConversionInput conversionInput(List<? extends JsonNode> objects) {
    List<ObjectNode> nodes = new ArrayList<>();
    for (JsonNode o : objects) {
      if (o instanceof ObjectNode n) {
        nodes.add(n);
      }
    }
    ConversionInput input = ConversionInput.fromObjects(nodes);
    if (find(objects, "v1", "ConfigMap", SYSTEM_NAMESPACE, "istio").isEmpty()) {
      Optional<JsonNode> mesh16 =
          find(objects, "v1", "ConfigMap", SYSTEM_NAMESPACE, "istio-istio-1611");
      if (mesh16.isPresent()) {
        String root =
            ConversionInput.rootNamespaceFromMeshConfig(
                mesh16.get().path("data").path("mesh").asText(""));
        input = new ConversionInput(input.policies(), input.services(), input.workloads(), root);
      }
    }
    return input;
  }

  static List<Finding> envoyFilters(List<? extends JsonNode> objects) {
    List<Finding> out = new ArrayList<>();
    for (JsonNode o : objects) {
      if (!o.path("kind").asText().equals("EnvoyFilter")
          || !o.path("apiVersion").asText().startsWith("networking.istio.io/")) {
        continue;
      }
      JsonNode metadata = o.path("metadata");
      String namespace = metadata.path("namespace").asText();
      String name = metadata.path("name").asText();
      if (metadata.path("labels").path(OPERATOR_COMPONENT_LABEL).asText().equals("Pilot")) {
        continue;
      }
      if (namespace.equals(SYSTEM_NAMESPACE) && name.equals(TRIGGER_ROOT_CERT)) {
        continue;
      }
      out.add(
          Finding.blocking(
              RULE_ENVOY_FILTER,
              "EnvoyFilter",
              namespace,
              name,
              "EnvoyFilter "
                  + namespace
                  + "/"
                  + name
                  + " is not the add-on's own (no label "
                  + OPERATOR_COMPONENT_LABEL
                  + "=Pilot), and the managed control plane does not support user EnvoyFilters:"
                  + " remove it, or replace it with a supported API, then re-check."));
    }
    return out;
  }

  static List<Finding> pluginCa(List<? extends JsonNode> objects) {
    return find(objects, "v1", "Secret", SYSTEM_NAMESPACE, "cacerts")
        .map(
            s ->
                List.of(
                    Finding.informational(
                        RULE_PLUGIN_CA,
                        "Secret",
                        SYSTEM_NAMESPACE,
                        "cacerts",
                        "Secret istio-system/cacerts holds a plug-in CA. Managed ASM issues"
                            + " workload certificates from Mesh CA instead; the plug-in CA is not"
                            + " migrated, and the add-on clean-up backs the Secret up and deletes"
                            + " it. Nothing to do unless something outside the mesh trusts"
                            + " that CA.")))
        .orElse(List.of());
  }

  static List<Finding> rbacAlpha(List<? extends JsonNode> objects) {
    List<Finding> out = new ArrayList<>();
    for (JsonNode o : objects) {
      if (!o.path("apiVersion").asText().equals(RBAC_API_VERSION)) {
        continue;
      }
      String kind = o.path("kind").asText();
      JsonNode metadata = o.path("metadata");
      String namespace =
          kind.equals("ClusterRbacConfig") ? "" : metadata.path("namespace").asText("");
      String name = metadata.path("name").asText();
      String ref = namespace.isEmpty() ? kind + " " + name : kind + " " + namespace + "/" + name;
      out.add(
          Finding.blocking(
              RULE_RBAC_ALPHA,
              kind,
              namespace,
              name,
              ref
                  + " uses rbac.istio.io/v1alpha1, which the managed control plane does not"
                  + " serve: express it as a security.istio.io/v1beta1 AuthorizationPolicy,"
                  + " apply that, delete this object, then re-check."));
    }
    return out;
  }

  static List<Finding> virtualServices(List<? extends JsonNode> objects) {
    List<Finding> out = new ArrayList<>();
    for (JsonNode o : objects) {
      if (!o.path("kind").asText().equals("VirtualService")
          || !o.path("apiVersion").asText().startsWith("networking.istio.io/")
          || !(o instanceof ObjectNode vs)) {
        continue;
      }
      VirtualServiceRewrite.Result result = VirtualServiceRewrite.rewrite(vs);
      if (!result.found()) {
        continue;
      }
      String namespace = o.path("metadata").path("namespace").asText();
      String name = o.path("metadata").path("name").asText();
      StringBuilder message =
          new StringBuilder("VirtualService ")
              .append(namespace)
              .append('/')
              .append(name)
              .append(" uses fields removed after Istio 1.4: ")
              .append(String.join("; ", result.problems()))
              .append('.');
      if (result.rewritten() != null) {
        message.append(" Apply the rewritten VirtualService offered with this finding.");
      } else {
        message
            .append(" No exact rewrite: ")
            .append(String.join("; ", result.inexact()))
            .append(". Edit it by hand.");
      }
      Finding finding =
          Finding.blocking(
              RULE_VIRTUAL_SERVICE, "VirtualService", namespace, name, message.toString());
      out.add(result.rewritten() == null ? finding : finding.withRewrite(result.rewritten()));
    }
    return out;
  }

  static List<Finding> mixer(List<? extends JsonNode> objects) {
    MixerDefaults defaults = MixerDefaults.get();
    List<Finding> out = new ArrayList<>();
    for (JsonNode o : objects) {
      if (!MixerDefaults.isMixerObject(o) || defaults.isDefault(o)) {
        continue;
      }
      String kind = o.path("kind").asText();
      String namespace = o.path("metadata").path("namespace").asText();
      String name = o.path("metadata").path("name").asText();
      String what =
          kind.equals("attributemanifest")
              ? " is not one of the add-on's attributemanifests ("
                  + String.join(", ", new java.util.TreeSet<>(MixerDefaults.ATTRIBUTE_MANIFESTS))
                  + " in "
                  + MixerDefaults.NAMESPACE
                  + ")"
              : !namespace.equals(MixerDefaults.NAMESPACE)
                  ? " is outside "
                      + MixerDefaults.NAMESPACE
                      + ", where the add-on installs its Mixer defaults"
                  : " has a spec (sha256 "
                      + MixerDefaults.specDigest(o.path("spec")).substring(0, 12)
                      + ") that is none of the add-on's default Mixer objects, of any add-on"
                      + " version";
      out.add(
          Finding.blocking(
              RULE_MIXER,
              kind,
              namespace,
              name,
              "Mixer "
                  + kind
                  + " "
                  + namespace
                  + "/"
                  + name
                  + what
                  + ". Managed ASM has no Mixer: move what it does to telemetry v2 (or an"
                  + " external authorization / Wasm extension) by hand, delete it, then"
                  + " re-check."));
    }
    return out;
  }

  static List<Finding> gateways(List<? extends JsonNode> objects) {
    List<Finding> out = new ArrayList<>();
    for (JsonNode o : objects) {
      JsonNode metadata = o.path("metadata");
      if (!o.path("kind").asText().equals("Deployment")
          || !metadata.path("namespace").asText().equals(SYSTEM_NAMESPACE)
          || KNOWN_GATEWAYS.contains(metadata.path("name").asText())) {
        continue;
      }
      Optional<String> why = gatewayEvidence(o);
      if (why.isEmpty()) {
        continue;
      }
      String name = metadata.path("name").asText();
      out.add(
          Finding.blocking(
              RULE_GATEWAY,
              "Deployment",
              SYSTEM_NAMESPACE,
              name,
              "Deployment istio-system/"
                  + name
                  + " looks like an Istio gateway ("
                  + why.get()
                  + ") but is not the add-on's istio-ingressgateway, which is the only gateway"
                  + " the migration replaces: migrate it by hand (an ASM gateway with injection"
                  + " template 'gateway'), then re-check."));
    }
    return out;
  }

  /** Why a Deployment looks like a gateway, if it does. */
  static Optional<String> gatewayEvidence(JsonNode deployment) {
    JsonNode template = deployment.path("spec").path("template");
    JsonNode labels = template.path("metadata").path("labels");
    boolean proxy = false;
    for (JsonNode container : template.path("spec").path("containers")) {
      for (JsonNode arg : container.path("args")) {
        if (arg.asText().equals("router")) {
          return Optional.of(
              "container " + container.path("name").asText() + " runs the proxy as a router");
        }
      }
      String image = container.path("image").asText();
      proxy |=
          container.path("name").asText().equals(IstioNames.PROXY_CONTAINER)
              || repository(image).endsWith("/proxyv2");
    }
    boolean gatewayLabels =
        labels.path("istio").asText().contains("gateway")
            || labels.path("app").asText().contains("gateway")
            || template
                .path("metadata")
                .path("annotations")
                .path("inject.istio.io/templates")
                .asText()
                .equals("gateway");
    if (proxy && gatewayLabels) {
      return Optional.of("an Istio proxy container with gateway labels");
    }
    return Optional.empty();
  }

  /** The repository of an image reference: without tag or digest. */
  static String repository(String image) {
    String ref = image;
    int at = ref.indexOf('@');
    if (at >= 0) {
      ref = ref.substring(0, at);
    }
    int slash = ref.lastIndexOf('/');
    int colon = ref.lastIndexOf(':');
    return colon > slash ? ref.substring(0, colon) : ref;
  }

  private static Optional<JsonNode> find(
      List<? extends JsonNode> objects, String apiVersion, String kind, String ns, String name) {
    for (JsonNode o : objects) {
      JsonNode metadata = o.path("metadata");
      if (o.path("apiVersion").asText().equals(apiVersion)
          && o.path("kind").asText().equals(kind)
          && metadata.path("namespace").asText().equals(ns)
          && metadata.path("name").asText().equals(name)) {
        return Optional.of(o);
      }
    }
    return Optional.empty();
  }
}
