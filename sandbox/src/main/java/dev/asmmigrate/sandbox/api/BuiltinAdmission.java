package dev.asmmigrate.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Defaulting and validation of built-in kinds, as the real API server does before admission
 * webhooks run: what a client leaves out gets the real defaults, and what the real server rejects
 * (a Deployment whose selector does not match its template, two containers of one name, a changed
 * selector, a pod spec changed beyond its image) is rejected here too, with a 422.
 */
public final class BuiltinAdmission implements AdmissionPlugin {
  private static final String LABEL_VALUE = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
  private final AtomicInteger nextClusterIp = new AtomicInteger(10);
  private final AtomicInteger nextNodePort = new AtomicInteger(30_000);

  @Override
  public void admit(AdmissionRequest r) {
    ObjectNode o = r.object();
    ResourceType t = r.type();
    String name = o.path("metadata").path("name").asText();
    validateLabels(t, name, o);
    String key = t.group() + "/" + t.plural();
    switch (key) {
      case "/namespaces" -> {
        Json.with(o, "metadata", "labels").put("kubernetes.io/metadata.name", name);
        ObjectNode spec = Json.with(o, "spec");
        if (!spec.has("finalizers")) spec.putArray("finalizers").add("kubernetes");
        if (!o.path("metadata").has("deletionTimestamp"))
          Json.with(o, "status").put("phase", "Active");
      }
      case "/pods" -> {
        defaultPodSpec(Json.with(o, "spec"));
        validatePodSpec(t, name, o.path("spec"), "spec");
        if (r.operation() == AdmissionRequest.Operation.CREATE) {
          ObjectNode status = Json.with(o, "status");
          if (!status.has("phase")) status.put("phase", "Pending");
          if (!status.has("qosClass")) status.put("qosClass", "BestEffort");
        } else {
          checkPodSpecUpdate(t, name, r.oldObject().path("spec"), o.path("spec"));
        }
      }
      case "apps/deployments", "apps/replicasets", "apps/statefulsets", "apps/daemonsets" ->
          workload(r, t, name, o);
      case "batch/jobs" -> job(r, t, name, o);
      case "/services" -> service(r, t, name, o);
      case "/secrets" -> secret(t, name, o);
      case "autoscaling/horizontalpodautoscalers" -> {
        ObjectNode spec = Json.with(o, "spec");
        if (!spec.has("minReplicas")) spec.put("minReplicas", 1);
        int min = spec.path("minReplicas").asInt();
        int max = spec.path("maxReplicas").asInt(0);
        if (min < 1)
          throw ApiException.invalid(
              t,
              name,
              "spec.minReplicas: Invalid value: " + min + ": must be greater than or equal to 1");
        if (max < min)
          throw ApiException.invalid(
              t,
              name,
              "spec.maxReplicas: Invalid value: "
                  + max
                  + ": must be greater than or equal to `minReplicas`");
      }
      case "admissionregistration.k8s.io/mutatingwebhookconfigurations",
          "admissionregistration.k8s.io/validatingwebhookconfigurations" ->
          webhooks(t, name, o);
      case "apiextensions.k8s.io/customresourcedefinitions" -> crd(t, name, o);
      case "rbac.authorization.k8s.io/clusterroles", "rbac.authorization.k8s.io/roles" -> {
        int i = 0;
        for (JsonNode rule : o.path("rules")) {
          if (rule.path("verbs").size() == 0) {
            throw ApiException.invalid(
                t,
                name,
                "rules[" + i + "].verbs: Required value: verbs must contain at least one value");
          }
          i++;
        }
      }
      default -> {}
    }
  }

  private void workload(AdmissionRequest r, ResourceType t, String name, ObjectNode o) {
    ObjectNode spec = Json.with(o, "spec");
    if (!t.plural().equals("daemonsets") && !spec.has("replicas")) spec.put("replicas", 1);
    if (!spec.has("revisionHistoryLimit")) spec.put("revisionHistoryLimit", 10);
    switch (t.plural()) {
      case "deployments" -> {
        if (!spec.has("progressDeadlineSeconds")) spec.put("progressDeadlineSeconds", 600);
        ObjectNode strategy = Json.with(spec, "strategy");
        if (!strategy.has("type")) strategy.put("type", "RollingUpdate");
        if ("RollingUpdate".equals(strategy.path("type").asText())) {
          ObjectNode ru = Json.with(strategy, "rollingUpdate");
          if (!ru.has("maxSurge")) ru.put("maxSurge", "25%");
          if (!ru.has("maxUnavailable")) ru.put("maxUnavailable", "25%");
        }
      }
      case "statefulsets" -> {
        if (!spec.has("podManagementPolicy")) spec.put("podManagementPolicy", "OrderedReady");
        ObjectNode strategy = Json.with(spec, "updateStrategy");
        if (!strategy.has("type")) strategy.put("type", "RollingUpdate");
        if ("RollingUpdate".equals(strategy.path("type").asText())) {
          ObjectNode ru = Json.with(strategy, "rollingUpdate");
          if (!ru.has("partition")) ru.put("partition", 0);
        }
      }
      case "daemonsets" -> {
        ObjectNode strategy = Json.with(spec, "updateStrategy");
        if (!strategy.has("type")) strategy.put("type", "RollingUpdate");
        if ("RollingUpdate".equals(strategy.path("type").asText())) {
          ObjectNode ru = Json.with(strategy, "rollingUpdate");
          if (!ru.has("maxUnavailable")) ru.put("maxUnavailable", 1);
          if (!ru.has("maxSurge")) ru.put("maxSurge", 0);
        }
      }
      default -> {}
    }
    if (spec.path("replicas").asInt(0) < 0) {
      throw ApiException.invalid(
          t,
          name,
          "spec.replicas: Invalid value: "
              + spec.path("replicas").asInt()
              + ": must be greater than or equal to 0");
    }
    JsonNode selector = spec.path("selector");
    if (selector.isMissingNode()
        || selector.isNull()
        || (selector.path("matchLabels").isEmpty()
            && selector.path("matchExpressions").isEmpty())) {
      throw ApiException.invalid(t, name, "spec.selector: Required value");
    }
    ObjectNode template = Json.with(spec, "template");
    Map<String, String> templateLabels = Selectors.labels(template);
    if (!Selectors.matches(selector, templateLabels)) {
      throw ApiException.invalid(
          t,
          name,
          "spec.template.metadata.labels: Invalid value: "
              + templateLabels
              + ": `selector` does not match template `labels`");
    }
    defaultPodSpec(Json.with(template, "spec"));
    validatePodSpec(t, name, template.path("spec"), "spec.template.spec");
    if (r.operation() == AdmissionRequest.Operation.UPDATE
        && !Objects.equals(r.oldObject().path("spec").path("selector"), selector)) {
      throw ApiException.invalid(
          t, name, "spec.selector: Invalid value: " + selector + ": field is immutable");
    }
  }

  private void job(AdmissionRequest r, ResourceType t, String name, ObjectNode o) {
    ObjectNode spec = Json.with(o, "spec");
    if (!spec.has("parallelism")) spec.put("parallelism", 1);
    if (!spec.has("completions")) spec.put("completions", 1);
    if (!spec.has("backoffLimit")) spec.put("backoffLimit", 6);
    String uid = o.path("metadata").path("uid").asText();
    if (!spec.has("selector") && !spec.path("manualSelector").asBoolean()) {
      Json.with(spec, "selector", "matchLabels").put("controller-uid", uid);
      ObjectNode labels = Json.with(spec, "template", "metadata", "labels");
      labels.put("controller-uid", uid);
      labels.put("job-name", name);
    }
    ObjectNode podSpec = Json.with(spec, "template", "spec");
    defaultPodSpec(podSpec);
    String restart = podSpec.path("restartPolicy").asText();
    if (!restart.equals("Never") && !restart.equals("OnFailure")) {
      throw ApiException.invalid(
          t,
          name,
          "spec.template.spec.restartPolicy: Unsupported value: \""
              + restart
              + "\": supported values: \"OnFailure\", \"Never\"");
    }
    validatePodSpec(t, name, podSpec, "spec.template.spec");
  }

  private void service(AdmissionRequest r, ResourceType t, String name, ObjectNode o) {
    ObjectNode spec = Json.with(o, "spec");
    if (!spec.has("type")) spec.put("type", "ClusterIP");
    String type = spec.path("type").asText();
    if (!Set.of("ClusterIP", "NodePort", "LoadBalancer", "ExternalName").contains(type)) {
      throw ApiException.invalid(t, name, "spec.type: Unsupported value: \"" + type + "\"");
    }
    if (!spec.has("sessionAffinity")) spec.put("sessionAffinity", "None");
    if (r.operation() == AdmissionRequest.Operation.UPDATE) {
      JsonNode oldIp = r.oldObject().path("spec").path("clusterIP");
      if (!spec.has("clusterIP") || spec.path("clusterIP").asText().isEmpty()) {
        spec.set("clusterIP", oldIp);
      } else if (!spec.path("clusterIP").equals(oldIp)) {
        throw ApiException.invalid(
            t,
            name,
            "spec.clusterIP: Invalid value: " + spec.path("clusterIP") + ": field is immutable");
      }
    }
    if (!type.equals("ExternalName")
        && (!spec.has("clusterIP") || spec.path("clusterIP").asText().isEmpty())) {
      int n = nextClusterIp.getAndIncrement();
      spec.put("clusterIP", "10.12." + (n / 250) + "." + (n % 250 + 2));
    }
    if (spec.has("clusterIP") && !spec.has("clusterIPs")) {
      spec.putArray("clusterIPs").add(spec.path("clusterIP").asText());
    }
    if (!type.equals("ExternalName")
        && spec.path("ports").size() == 0
        && !"None".equals(spec.path("clusterIP").asText())) {
      throw ApiException.invalid(t, name, "spec.ports: Required value");
    }
    Set<String> portNames = new HashSet<>();
    ArrayNode ports = spec.withArray("ports");
    for (JsonNode p : ports) {
      ObjectNode port = (ObjectNode) p;
      if (!port.has("protocol")) port.put("protocol", "TCP");
      if (!port.has("targetPort")) port.set("targetPort", port.get("port"));
      if ((type.equals("NodePort") || type.equals("LoadBalancer")) && !port.has("nodePort")) {
        port.put("nodePort", nextNodePort.getAndIncrement());
      }
      if (ports.size() > 1 && (!port.has("name") || !portNames.add(port.path("name").asText()))) {
        throw ApiException.invalid(
            t, name, "spec.ports: ports must have unique names when there is more than one");
      }
    }
    if (type.equals("LoadBalancer") && !spec.has("externalTrafficPolicy"))
      spec.put("externalTrafficPolicy", "Cluster");
  }

  private void secret(ResourceType t, String name, ObjectNode o) {
    if (!o.has("type")) o.put("type", "Opaque");
    JsonNode stringData = o.remove("stringData");
    if (stringData != null && stringData.isObject()) {
      ObjectNode data = Json.with(o, "data");
      stringData
          .fields()
          .forEachRemaining(
              e ->
                  data.put(
                      e.getKey(),
                      Base64.getEncoder()
                          .encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
    }
    o.path("data")
        .fields()
        .forEachRemaining(
            e -> {
              try {
                Base64.getDecoder().decode(e.getValue().asText());
              } catch (IllegalArgumentException ex) {
                throw ApiException.invalid(
                    t, name, "data[" + e.getKey() + "]: Invalid value: not valid base64");
              }
            });
  }

  private void webhooks(ResourceType t, String name, ObjectNode o) {
    Set<String> names = new HashSet<>();
    int i = 0;
    for (JsonNode w : o.path("webhooks")) {
      ObjectNode hook = (ObjectNode) w;
      String hookName = hook.path("name").asText("");
      if (hookName.isEmpty() || !hookName.contains(".")) {
        throw ApiException.invalid(
            t,
            name,
            "webhooks["
                + i
                + "].name: Invalid value: \""
                + hookName
                + "\": should be a domain with at least three segments separated by dots");
      }
      if (!names.add(hookName)) {
        throw ApiException.invalid(
            t, name, "webhooks[" + i + "].name: Duplicate value: \"" + hookName + "\"");
      }
      if (!hook.path("clientConfig").has("service") && !hook.path("clientConfig").has("url")) {
        throw ApiException.invalid(
            t,
            name,
            "webhooks["
                + i
                + "].clientConfig: Required value: exactly one of url or service is required");
      }
      if (!hook.has("sideEffects")) {
        throw ApiException.invalid(
            t,
            name,
            "webhooks["
                + i
                + "].sideEffects: Required value: must specify one of None, NoneOnDryRun");
      }
      if (!hook.has("admissionReviewVersions")) {
        throw ApiException.invalid(
            t,
            name,
            "webhooks["
                + i
                + "].admissionReviewVersions: Required value: must specify one of v1, v1beta1");
      }
      JsonNode caBundle = hook.path("clientConfig").path("caBundle");
      if (caBundle.isTextual()) {
        try {
          Base64.getDecoder().decode(caBundle.asText()); // []byte in JSON: base64 or refused
        } catch (IllegalArgumentException ex) {
          throw ApiException.badRequest(
              "webhooks[" + i + "].clientConfig.caBundle: illegal base64 data");
        }
      }
      for (JsonNode rule : hook.path("rules")) {
        if (rule.isObject() && !rule.has("scope")) ((ObjectNode) rule).put("scope", "*");
      }
      if (!hook.has("failurePolicy")) hook.put("failurePolicy", "Fail");
      if (!hook.has("matchPolicy")) hook.put("matchPolicy", "Equivalent");
      if (!hook.has("namespaceSelector")) hook.putObject("namespaceSelector");
      if (!hook.has("objectSelector")) hook.putObject("objectSelector");
      if (!hook.has("timeoutSeconds")) hook.put("timeoutSeconds", 10);
      if (t.plural().startsWith("mutating") && !hook.has("reinvocationPolicy"))
        hook.put("reinvocationPolicy", "Never");
      i++;
    }
  }

  private void crd(ResourceType t, String name, ObjectNode o) {
    JsonNode spec = o.path("spec");
    String expected =
        spec.path("names").path("plural").asText() + "." + spec.path("group").asText();
    if (!name.equals(expected)) {
      throw ApiException.invalid(
          t,
          name,
          "metadata.name: Invalid value: \""
              + name
              + "\": must be spec.names.plural+\".\"+spec.group");
    }
    if (spec.path("versions").size() == 0) {
      throw ApiException.invalid(
          t,
          name,
          "spec.versions: Invalid value: must have exactly one version marked as storage version");
    }
    ObjectNode status = Json.with(o, "status");
    status.set("acceptedNames", spec.path("names").deepCopy());
    ArrayNode conditions = status.putArray("conditions");
    for (String type : new String[] {"NamesAccepted", "Established"}) {
      ObjectNode c = conditions.addObject();
      c.put("type", type);
      c.put("status", "True");
      c.put("reason", type.equals("Established") ? "InitialNamesAccepted" : "NoConflicts");
      c.put("lastTransitionTime", Json.timestamp(java.time.Instant.now()));
    }
    ArrayNode stored = status.putArray("storedVersions");
    for (JsonNode v : spec.path("versions")) {
      if (v.path("storage").asBoolean()) stored.add(v.path("name").asText());
    }
  }

  private static void defaultPodSpec(ObjectNode spec) {
    if (!spec.has("restartPolicy")) spec.put("restartPolicy", "Always");
    if (!spec.has("dnsPolicy")) spec.put("dnsPolicy", "ClusterFirst");
    if (!spec.has("schedulerName")) spec.put("schedulerName", "default-scheduler");
    if (!spec.has("terminationGracePeriodSeconds")) spec.put("terminationGracePeriodSeconds", 30);
    if (!spec.has("securityContext")) spec.putObject("securityContext");
    if (!spec.has("serviceAccountName"))
      spec.put("serviceAccountName", spec.path("serviceAccount").asText("default"));
    if (!spec.has("serviceAccount"))
      spec.put("serviceAccount", spec.path("serviceAccountName").asText());
    for (String list : new String[] {"initContainers", "containers"}) {
      for (JsonNode c : spec.path(list)) {
        if (!(c instanceof ObjectNode container)) continue;
        String image = container.path("image").asText("");
        if (!container.has("imagePullPolicy")) {
          boolean latest = !image.contains(":") || image.endsWith(":latest");
          container.put("imagePullPolicy", latest ? "Always" : "IfNotPresent");
        }
        if (!container.has("terminationMessagePath"))
          container.put("terminationMessagePath", "/dev/termination-log");
        if (!container.has("terminationMessagePolicy"))
          container.put("terminationMessagePolicy", "File");
        if (!container.has("resources")) container.putObject("resources");
        for (JsonNode p : container.path("ports")) {
          if (p instanceof ObjectNode port && !port.has("protocol")) port.put("protocol", "TCP");
        }
      }
    }
  }

  private static void validatePodSpec(ResourceType t, String name, JsonNode spec, String path) {
    if (spec.path("containers").size() == 0) {
      throw ApiException.invalid(t, name, path + ".containers: Required value");
    }
    Set<String> names = new HashSet<>();
    for (String list : new String[] {"initContainers", "containers"}) {
      int i = 0;
      for (JsonNode c : spec.path(list)) {
        String cname = c.path("name").asText("");
        if (cname.isEmpty()) {
          throw ApiException.invalid(
              t, name, path + "." + list + "[" + i + "].name: Required value");
        }
        if (!names.add(cname)) {
          throw ApiException.invalid(
              t, name, path + "." + list + "[" + i + "].name: Duplicate value: \"" + cname + "\"");
        }
        if (c.path("image").asText("").isEmpty()) {
          throw ApiException.invalid(
              t, name, path + "." + list + "[" + i + "].image: Required value");
        }
        i++;
      }
    }
    Set<String> volumes = new HashSet<>();
    for (JsonNode v : spec.path("volumes")) {
      if (!volumes.add(v.path("name").asText())) {
        throw ApiException.invalid(
            t, name, path + ".volumes: Duplicate value: \"" + v.path("name").asText() + "\"");
      }
    }
    for (String list : new String[] {"initContainers", "containers"}) {
      for (JsonNode c : spec.path(list)) {
        for (JsonNode m : c.path("volumeMounts")) {
          if (!volumes.contains(m.path("name").asText())) {
            throw ApiException.invalid(
                t,
                name,
                path
                    + "."
                    + list
                    + ".volumeMounts.name: Not found: \""
                    + m.path("name").asText()
                    + "\"");
          }
        }
      }
    }
  }

  /** Pod specs are immutable but for images, activeDeadlineSeconds, tolerations and binding. */
  private static void checkPodSpecUpdate(
      ResourceType t, String name, JsonNode before, JsonNode after) {
    ObjectNode a = strip(before);
    ObjectNode b = strip(after);
    if (!a.equals(b)) {
      throw ApiException.invalid(
          t,
          name,
          "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds`");
    }
  }

  private static ObjectNode strip(JsonNode spec) {
    ObjectNode s = spec.deepCopy();
    for (String f :
        new String[] {
          "activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds", "nodeName"
        }) {
      s.remove(f);
    }
    for (String list : new String[] {"initContainers", "containers"}) {
      for (JsonNode c : s.path(list)) {
        if (c instanceof ObjectNode container) container.remove("image");
      }
    }
    return s;
  }

  private static void validateLabels(ResourceType t, String name, ObjectNode o) {
    o.path("metadata")
        .path("labels")
        .fields()
        .forEachRemaining(
            e -> {
              String v = e.getValue().asText();
              if (v.length() > 63 || !v.matches(LABEL_VALUE)) {
                throw ApiException.invalid(
                    t,
                    name,
                    "metadata.labels: Invalid value: \""
                        + v
                        + "\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
              }
              String k = e.getKey();
              String keyName = k.contains("/") ? k.substring(k.indexOf('/') + 1) : k;
              if (keyName.isEmpty() || keyName.length() > 63 || !keyName.matches(LABEL_VALUE)) {
                throw ApiException.invalid(
                    t,
                    name,
                    "metadata.labels: Invalid value: \""
                        + k
                        + "\": name part must consist of alphanumeric characters, '-', '_' or '.'");
              }
            });
  }
}
