package dev.asmmigrate.sandbox.istio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What each control plane's injector adds to a pod, after Istio's templates: the 1.4 add-on's
 * {@code istio-sidecar-injector} template, the 1.6 add-on's and managed ASM's {@code sidecar}
 * template, and ASM's {@code gateway} template (for pods that carry their own {@code istio-proxy}
 * container with {@code image: auto}). Enough of each for fidelity: containers, ports, probes,
 * volumes, the status annotation and labels; not every environment variable of the real ones.
 */
final class InjectionTemplates {
  static final String STATUS_ANNOTATION = "sidecar.istio.io/status";
  static final String TEMPLATES_ANNOTATION = "inject.istio.io/templates";
  static final String PROXY = "istio-proxy";
  static final String INIT = "istio-init";
  static final String CANONICAL_NAME = "service.istio.io/canonical-name";
  static final String CANONICAL_REVISION = "service.istio.io/canonical-revision";

  private InjectionTemplates() {}

  /**
   * What a template renders from besides the pod.
   *
   * @param plane the control plane injecting
   * @param image its proxy image
   * @param jwtPolicy {@code third-party-jwt} or {@code first-party-jwt}
   * @param settings the simulated cluster (project, location, name)
   */
  record Values(ControlPlane plane, String image, String jwtPolicy, SandboxSettings settings) {}

  /** Injects a sidecar (and its init container) into {@code pod}. */
  static void injectSidecar(ObjectNode pod, Values values) {
    ControlPlane plane = values.plane();
    String image = values.image();
    PodFacts facts = PodFacts.of(pod);
    ObjectNode spec = Json.with(pod, "spec");
    ArrayNode inits = spec.withArray("initContainers");
    ArrayNode containers = spec.withArray("containers");
    ArrayNode volumes = spec.withArray("volumes");
    inits.add(initContainer(image, plane));
    List<String> volumeNames;
    if (plane.kind() == ControlPlane.Kind.ADDON_14) {
      containers.add(proxy14(image, facts));
      volumes.add(emptyDir("istio-envoy", true));
      ObjectNode certs = Json.object().put("name", "istio-certs");
      certs.putObject("secret").put("optional", true).put("secretName", "istio.default");
      volumes.add(certs);
      volumeNames = List.of("istio-envoy", "istio-certs");
    } else {
      containers.add(proxyModern(values, facts, false));
      volumeNames = addModernVolumes(volumes, values);
      Json.with(spec, "securityContext").put("fsGroup", 1337);
    }
    ObjectNode meta = Json.with(pod, "metadata");
    ObjectNode annotations = Json.with(meta, "annotations");
    annotations.put(STATUS_ANNOTATION, status(plane, List.of(INIT), List.of(PROXY), volumeNames));
    ObjectNode labels = Json.with(meta, "labels");
    labels.put("security.istio.io/tlsMode", "istio");
    if (plane.kind() != ControlPlane.Kind.ADDON_14) {
      labels.put(ControlPlane.REV_LABEL, plane.revision());
      labels.put(CANONICAL_NAME, facts.canonicalName());
      labels.put(CANONICAL_REVISION, facts.canonicalRevision());
      annotations.put("prometheus.io/path", "/stats/prometheus");
      annotations.put("prometheus.io/port", "15020");
      annotations.put("prometheus.io/scrape", "true");
    }
    if (plane.kind() == ControlPlane.Kind.MANAGED && !facts.appContainers().isEmpty()) {
      annotations.put("kubectl.kubernetes.io/default-container", facts.appContainers().get(0));
      annotations.put("kubectl.kubernetes.io/default-logs-container", facts.appContainers().get(0));
    }
  }

  /**
   * The {@code gateway} template: resolves {@code image: auto} of the pod's own {@code istio-proxy}
   * container and merges the template's args, env, ports, probe and volumes under what the pod
   * already sets (the pod wins, as Istio's strategic merge of templates does). No init container: a
   * gateway intercepts nothing.
   */
  static void injectGateway(ObjectNode pod, Values values) {
    ControlPlane plane = values.plane();
    PodFacts facts = PodFacts.of(pod);
    ObjectNode spec = Json.with(pod, "spec");
    ObjectNode own = null;
    for (JsonNode c : spec.path("containers")) {
      if (PROXY.equals(c.path("name").asText()) && c instanceof ObjectNode o) {
        own = o;
      }
    }
    ObjectNode template = proxyModern(values, facts, true);
    if (own == null) {
      spec.withArray("containers").add(template);
    } else {
      mergeContainer(own, template);
    }
    ArrayNode volumes = spec.withArray("volumes");
    List<String> volumeNames = addModernVolumes(volumes, values);
    ObjectNode meta = Json.with(pod, "metadata");
    ObjectNode annotations = Json.with(meta, "annotations");
    annotations.put(STATUS_ANNOTATION, status(plane, List.of(), List.of(PROXY), volumeNames));
    annotations.put("prometheus.io/path", "/stats/prometheus");
    annotations.put("prometheus.io/port", "15020");
    annotations.put("prometheus.io/scrape", "true");
    ObjectNode labels = Json.with(meta, "labels");
    labels.put(ControlPlane.REV_LABEL, plane.revision());
    labels.put(CANONICAL_NAME, facts.canonicalName());
    labels.put(CANONICAL_REVISION, facts.canonicalRevision());
    labels.put("security.istio.io/tlsMode", "istio");
  }

  // ---------------------------------------------------------------------------------------------

  private static ObjectNode initContainer(String image, ControlPlane plane) {
    ObjectNode c = Json.object();
    c.put("name", INIT);
    c.put("image", image);
    c.put("imagePullPolicy", "IfNotPresent");
    String excluded = plane.kind() == ControlPlane.Kind.ADDON_14 ? "15020" : "15090,15021,15020";
    ArrayNode args = plane.kind() == ControlPlane.Kind.ADDON_14 ? c.putArray("command") : null;
    if (args != null) {
      args.add("istio-iptables");
    } else {
      args = c.putArray("args");
      args.add("istio-iptables");
    }
    for (String a :
        List.of(
            "-p",
            "15001",
            "-z",
            "15006",
            "-u",
            "1337",
            "-m",
            "REDIRECT",
            "-i",
            "*",
            "-x",
            "",
            "-b",
            "*",
            "-d",
            excluded)) {
      args.add(a);
    }
    resources(c, "10m", "10Mi", "100m", "50Mi");
    ObjectNode sc = c.putObject("securityContext");
    sc.put("allowPrivilegeEscalation", false);
    ObjectNode caps = sc.putObject("capabilities");
    caps.putArray("add").add("NET_ADMIN").add("NET_RAW");
    caps.putArray("drop").add("ALL");
    sc.put("privileged", false);
    sc.put("readOnlyRootFilesystem", false);
    sc.put("runAsGroup", 0);
    sc.put("runAsNonRoot", false);
    sc.put("runAsUser", 0);
    return c;
  }

  private static ObjectNode proxy14(String image, PodFacts facts) {
    ObjectNode c = Json.object();
    c.put("name", PROXY);
    c.put("image", image);
    c.put("imagePullPolicy", "IfNotPresent");
    ArrayNode args = c.putArray("args");
    for (String a :
        List.of(
            "proxy",
            "sidecar",
            "--domain",
            "$(POD_NAMESPACE).svc.cluster.local",
            "--configPath",
            "/etc/istio/proxy",
            "--binaryPath",
            "/usr/local/bin/envoy",
            "--serviceCluster",
            facts.serviceCluster(),
            "--drainDuration",
            "45s",
            "--parentShutdownDuration",
            "1m0s",
            "--discoveryAddress",
            "istio-pilot.istio-system:15010",
            "--zipkinAddress",
            "zipkin.istio-system:9411",
            "--proxyLogLevel=warning",
            "--proxyComponentLogLevel=misc:error",
            "--connectTimeout",
            "10s",
            "--proxyAdminPort",
            "15000",
            "--concurrency",
            "2",
            "--controlPlaneAuthPolicy",
            "NONE",
            "--dnsRefreshRate",
            "300s",
            "--statusPort",
            "15020")) {
      args.add(a);
    }
    if (!facts.ports().isEmpty()) {
      args.add("--applicationPorts").add(String.join(",", facts.ports()));
    }
    args.add("--trust-domain=cluster.local");
    ArrayNode env = c.putArray("env");
    fieldEnv(env, "POD_NAME", "metadata.name");
    env(env, "ISTIO_META_POD_PORTS", facts.portsJson());
    env(env, "ISTIO_META_CLUSTER_ID", "Kubernetes");
    fieldEnv(env, "POD_NAMESPACE", "metadata.namespace");
    fieldEnv(env, "INSTANCE_IP", "status.podIP");
    fieldEnv(env, "SERVICE_ACCOUNT", "spec.serviceAccountName");
    fieldEnv(env, "HOST_IP", "status.hostIP");
    env(env, "SDS_ENABLED", "false");
    env(env, "ISTIO_META_INTERCEPTION_MODE", "REDIRECT");
    env(env, "ISTIO_META_INCLUDE_INBOUND_PORTS", String.join(",", facts.ports()));
    env(env, "ISTIO_METAJSON_LABELS", Json.write(facts.labels()));
    env(env, "ISTIO_META_WORKLOAD_NAME", facts.workloadName());
    env(env, "ISTIO_META_OWNER", facts.owner());
    env(env, "ISTIO_META_MESH_ID", "cluster.local");
    c.putArray("ports").add(promPort());
    readiness(c, 15020);
    resources(c, "100m", "128Mi", "2000m", "1024Mi");
    proxySecurityContext(c);
    ArrayNode mounts = c.putArray("volumeMounts");
    mounts.addObject().put("mountPath", "/etc/istio/proxy").put("name", "istio-envoy");
    mounts
        .addObject()
        .put("mountPath", "/etc/certs/")
        .put("name", "istio-certs")
        .put("readOnly", true);
    return c;
  }

  private static ObjectNode proxyModern(Values values, PodFacts facts, boolean gateway) {
    ControlPlane plane = values.plane();
    String image = values.image();
    SandboxSettings s = values.settings();
    boolean thirdParty = values.jwtPolicy().equals("third-party-jwt");
    boolean managed = plane.kind() == ControlPlane.Kind.MANAGED;
    String trustDomain = managed ? s.project() + ".svc.id.goog" : "cluster.local";
    ObjectNode c = Json.object();
    c.put("name", PROXY);
    c.put("image", image);
    c.put("imagePullPolicy", "IfNotPresent");
    ArrayNode args = c.putArray("args");
    args.add("proxy").add(gateway ? "router" : "sidecar");
    args.add("--domain").add("$(POD_NAMESPACE).svc.cluster.local");
    if (!gateway && !managed) {
      args.add("--serviceCluster").add(facts.serviceCluster());
    }
    args.add("--proxyLogLevel=warning").add("--proxyComponentLogLevel=misc:error");
    if (gateway) {
      args.add("--log_output_level=default:info");
    } else if (!managed) {
      args.add("--trust-domain=" + trustDomain).add("--concurrency").add("2");
    } else {
      args.add("--log_output_level=default:info").add("--concurrency").add("2");
    }
    ArrayNode env = c.putArray("env");
    env(env, "JWT_POLICY", values.jwtPolicy());
    env(env, "PILOT_CERT_PROVIDER", managed ? "system" : "istiod");
    env(
        env,
        "CA_ADDR",
        managed ? "meshca.googleapis.com:443" : "istiod-istio-1611.istio-system.svc:15012");
    fieldEnv(env, "POD_NAME", "metadata.name");
    fieldEnv(env, "POD_NAMESPACE", "metadata.namespace");
    fieldEnv(env, "INSTANCE_IP", "status.podIP");
    fieldEnv(env, "SERVICE_ACCOUNT", "spec.serviceAccountName");
    fieldEnv(env, "HOST_IP", "status.hostIP");
    env(env, "CANONICAL_SERVICE", facts.canonicalName());
    env(env, "CANONICAL_REVISION", facts.canonicalRevision());
    env(env, "PROXY_CONFIG", "{}");
    env(env, "ISTIO_META_POD_PORTS", facts.portsJson());
    env(env, "ISTIO_META_APP_CONTAINERS", String.join(",", facts.appContainers()));
    env(
        env,
        "ISTIO_META_CLUSTER_ID",
        managed ? "cn-" + s.project() + "-" + s.location() + "-" + s.cluster() : "Kubernetes");
    env(env, "ISTIO_META_INTERCEPTION_MODE", "REDIRECT");
    env(env, "ISTIO_META_WORKLOAD_NAME", facts.workloadName());
    env(env, "ISTIO_META_OWNER", facts.owner());
    env(env, "ISTIO_META_MESH_ID", managed ? "proj-" + s.project() : "cluster.local");
    env(env, "TRUST_DOMAIN", trustDomain);
    if (managed) {
      env(env, "CA_PROVIDER", "GoogleCA");
      env(env, "XDS_ADDR", "meshconfig.googleapis.com:443");
      env(env, "GCP_METADATA", s.project() + "||" + s.cluster() + "|" + s.location());
    }
    c.putArray("ports").add(promPort());
    readiness(c, 15021);
    resources(c, "100m", "128Mi", "2000m", "1024Mi");
    proxySecurityContext(c);
    ArrayNode mounts = c.putArray("volumeMounts");
    mounts.addObject().put("mountPath", "/var/run/secrets/istio").put("name", "istiod-ca-cert");
    mounts.addObject().put("mountPath", "/var/lib/istio/data").put("name", "istio-data");
    mounts.addObject().put("mountPath", "/etc/istio/proxy").put("name", "istio-envoy");
    if (thirdParty) {
      mounts.addObject().put("mountPath", "/var/run/secrets/tokens").put("name", "istio-token");
    }
    mounts.addObject().put("mountPath", "/etc/istio/pod").put("name", "istio-podinfo");
    return c;
  }

  private static List<String> addModernVolumes(ArrayNode volumes, Values values) {
    ControlPlane plane = values.plane();
    SandboxSettings s = values.settings();
    List<String> names = new ArrayList<>();
    List<ObjectNode> add = new ArrayList<>();
    add.add(emptyDir("istio-envoy", true));
    add.add(emptyDir("istio-data", false));
    ObjectNode podinfo = Json.object().put("name", "istio-podinfo");
    ArrayNode items = podinfo.putObject("downwardAPI").putArray("items");
    items
        .addObject()
        .put("path", "labels")
        .putObject("fieldRef")
        .put("fieldPath", "metadata.labels");
    items
        .addObject()
        .put("path", "annotations")
        .putObject("fieldRef")
        .put("fieldPath", "metadata.annotations");
    add.add(podinfo);
    ObjectNode token = Json.object().put("name", "istio-token");
    ObjectNode sat =
        token
            .putObject("projected")
            .putArray("sources")
            .addObject()
            .putObject("serviceAccountToken");
    sat.put(
        "audience",
        plane.kind() == ControlPlane.Kind.MANAGED ? s.project() + ".svc.id.goog" : "istio-ca");
    sat.put("expirationSeconds", 43200);
    sat.put("path", "istio-token");
    if (values.jwtPolicy().equals("third-party-jwt")) {
      add.add(token);
    }
    ObjectNode ca = Json.object().put("name", "istiod-ca-cert");
    ca.putObject("configMap").put("name", "istio-ca-root-cert");
    add.add(ca);
    for (ObjectNode v : add) {
      String name = v.path("name").asText();
      names.add(name);
      boolean present = false;
      for (JsonNode existing : volumes) {
        present |= name.equals(existing.path("name").asText());
      }
      if (!present) {
        volumes.add(v);
      }
    }
    return names;
  }

  /** The pod's container wins; lists keyed by name are merged with the pod's entries first. */
  private static void mergeContainer(ObjectNode own, ObjectNode template) {
    if (own.path("image").asText("auto").equals("auto")) {
      own.set("image", template.get("image"));
    }
    for (String list : List.of("env", "ports", "volumeMounts")) {
      String key = list.equals("ports") ? "containerPort" : "name";
      ArrayNode merged = Json.array();
      own.path(list).forEach(merged::add);
      for (JsonNode t : template.path(list)) {
        boolean present = false;
        for (JsonNode o : own.path(list)) {
          present |= t.path(key).equals(o.path(key));
        }
        if (!present) {
          merged.add(t);
        }
      }
      own.set(list, merged);
    }
    for (Map.Entry<String, JsonNode> e : iterable(template)) {
      if (!own.has(e.getKey())) {
        own.set(e.getKey(), e.getValue());
      }
    }
  }

  private static Iterable<Map.Entry<String, JsonNode>> iterable(ObjectNode o) {
    return o::fields;
  }

  static String status(
      ControlPlane plane, List<String> inits, List<String> containers, List<String> volumes) {
    ObjectNode s = Json.object();
    // the real injector puts the hash of its template here; the sandbox hashes what identifies it
    s.put(
        "version",
        Pem.fingerprint(
            (plane.kind() + "/" + plane.revision())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    ArrayNode i = s.putArray("initContainers");
    inits.forEach(i::add);
    if (inits.isEmpty()) {
      s.putNull("initContainers");
    }
    ArrayNode c = s.putArray("containers");
    containers.forEach(c::add);
    ArrayNode v = s.putArray("volumes");
    volumes.forEach(v::add);
    s.putNull("imagePullSecrets");
    s.put("revision", plane.revision());
    return Json.write(s);
  }

  private static ObjectNode emptyDir(String name, boolean memory) {
    ObjectNode v = Json.object().put("name", name);
    ObjectNode e = v.putObject("emptyDir");
    if (memory) {
      e.put("medium", "Memory");
    }
    return v;
  }

  private static ObjectNode promPort() {
    return Json.object()
        .put("containerPort", 15090)
        .put("name", "http-envoy-prom")
        .put("protocol", "TCP");
  }

  private static void readiness(ObjectNode c, int port) {
    ObjectNode p = c.putObject("readinessProbe");
    p.putObject("httpGet").put("path", "/healthz/ready").put("port", port).put("scheme", "HTTP");
    p.put("initialDelaySeconds", 1);
    p.put("periodSeconds", 2);
    p.put("failureThreshold", 30);
    p.put("successThreshold", 1);
    p.put("timeoutSeconds", 3);
  }

  private static void resources(
      ObjectNode c, String cpu, String mem, String maxCpu, String maxMem) {
    ObjectNode r = c.putObject("resources");
    r.putObject("limits").put("cpu", maxCpu).put("memory", maxMem);
    r.putObject("requests").put("cpu", cpu).put("memory", mem);
  }

  private static void proxySecurityContext(ObjectNode c) {
    ObjectNode sc = c.putObject("securityContext");
    sc.put("allowPrivilegeEscalation", false);
    sc.putObject("capabilities").putArray("drop").add("ALL");
    sc.put("privileged", false);
    sc.put("readOnlyRootFilesystem", true);
    sc.put("runAsGroup", 1337);
    sc.put("runAsNonRoot", true);
    sc.put("runAsUser", 1337);
  }

  private static void env(ArrayNode env, String name, String value) {
    env.addObject().put("name", name).put("value", value);
  }

  private static void fieldEnv(ArrayNode env, String name, String fieldPath) {
    env.addObject()
        .put("name", name)
        .putObject("valueFrom")
        .putObject("fieldRef")
        .put("apiVersion", "v1")
        .put("fieldPath", fieldPath);
  }

  /** What the templates read from the pod. */
  record PodFacts(
      String namespace,
      ObjectNode labels,
      List<String> appContainers,
      List<String> ports,
      String portsJson,
      String workloadName,
      String owner,
      String canonicalName,
      String canonicalRevision) {

    String serviceCluster() {
      String app = labels.path("app").asText("");
      return (app.isEmpty() ? "istio-proxy" : app) + "." + namespace;
    }

    static PodFacts of(ObjectNode pod) {
      JsonNode meta = pod.path("metadata");
      String ns = meta.path("namespace").asText("default");
      ObjectNode labels =
          meta.path("labels").isObject()
              ? ((ObjectNode) meta.get("labels")).deepCopy()
              : Json.object();
      List<String> apps = new ArrayList<>();
      List<String> ports = new ArrayList<>();
      ArrayNode portList = Json.array();
      for (JsonNode c : pod.path("spec").path("containers")) {
        if (PROXY.equals(c.path("name").asText())) {
          continue;
        }
        apps.add(c.path("name").asText());
        for (JsonNode p : c.path("ports")) {
          ports.add(p.path("containerPort").asText());
          portList.add(p);
        }
      }
      String workload = workloadName(meta);
      String ownerRef =
          "kubernetes://apis/v1/namespaces/" + ns + "/pods/" + meta.path("name").asText();
      JsonNode ref = meta.path("ownerReferences").path(0);
      if (!ref.isMissingNode()) {
        String kind = ref.path("kind").asText();
        String name = ref.path("name").asText();
        if (kind.equals("ReplicaSet")) {
          kind = "Deployment";
          name = workload;
        }
        ownerRef =
            "kubernetes://apis/apps/v1/namespaces/" + ns + "/" + kind.toLowerCase() + "s/" + name;
      }
      String canonicalName =
          first(labels, CANONICAL_NAME, "app.kubernetes.io/name", "app").orElse(workload);
      String canonicalRevision =
          first(labels, CANONICAL_REVISION, "app.kubernetes.io/version", "version")
              .orElse("latest");
      return new PodFacts(
          ns,
          labels,
          apps,
          ports,
          Json.write(portList),
          workload,
          ownerRef,
          canonicalName,
          canonicalRevision);
    }

    private static java.util.Optional<String> first(ObjectNode labels, String... keys) {
      for (String k : keys) {
        String v = labels.path(k).asText("");
        if (!v.isEmpty()) {
          return java.util.Optional.of(v);
        }
      }
      return java.util.Optional.empty();
    }

    /** The workload a pod belongs to, as Istio derives it (a ReplicaSet's Deployment). */
    private static String workloadName(JsonNode meta) {
      JsonNode ref = meta.path("ownerReferences").path(0);
      if (!ref.isMissingNode()) {
        String name = ref.path("name").asText();
        if (ref.path("kind").asText().equals("ReplicaSet") && name.lastIndexOf('-') > 0) {
          return name.substring(0, name.lastIndexOf('-'));
        }
        return name;
      }
      String generate = meta.path("generateName").asText("");
      if (!generate.isEmpty()) {
        return generate.replaceAll("-+$", "");
      }
      return meta.path("name").asText();
    }
  }
}
