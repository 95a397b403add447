package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.sandbox.api.Selectors;
import dev.asmmigrate.sandbox.api.WatchEvent;
import dev.asmmigrate.sandbox.patch.JsonPatch;
import dev.asmmigrate.sandbox.patch.MergePatch;
import dev.asmmigrate.sandbox.patch.StrategicMergePatch;
import dev.asmmigrate.sandbox.traffic.TrafficProbe;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The Kubernetes REST API over HTTP/1.1 on 127.0.0.1, as kubectl and fabric8 use it: discovery,
 * get/list/watch with label and field selectors, create, update, the three patch types (and
 * server-side apply), delete and deletecollection, the status/scale/eviction subresources,
 * server-side dry runs, Table output, SelfSubjectAccessReviews; plus the sandbox's own endpoints
 * under {@code /sandbox/}: {@code traffic}, {@code requests} and {@code faults}.
 */
public final class ApiServer implements AutoCloseable {
  private final ObjectStore store;
  private final Faults faults;
  private final Supplier<TrafficProbe> probe;
  private final int requestedPort;
  private final RequestLog requestLog = new RequestLog();
  private final Discovery discovery;
  private final TablePrinter tables;
  private final OpenApi openApi;
  private final Set<WatchStream> watches = ConcurrentHashMap.newKeySet();
  private final AtomicInteger faultCounter = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong appliedCounter =
      new java.util.concurrent.atomic.AtomicLong();
  private final String gitVersion;
  private HttpServer server;
  private ExecutorService executor;

  public ApiServer(ObjectStore store, Faults faults, Supplier<TrafficProbe> probe, int port) {
    this(store, faults, probe, port, "v1.19.8-gke.1600");
  }

  public ApiServer(
      ObjectStore store, Faults faults, Supplier<TrafficProbe> probe, int port, String gitVersion) {
    this.store = store;
    this.faults = faults;
    this.probe = probe;
    this.requestedPort = port;
    this.gitVersion = gitVersion.startsWith("v") ? gitVersion : "v" + gitVersion;
    this.discovery = new Discovery(store.registry(), this.gitVersion);
    this.tables = new TablePrinter(store.registry(), this::crdOf);
    this.openApi = new OpenApi(store.registry());
  }

  public void start() {
    try {
      server =
          HttpServer.create(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort), 128);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on 127.0.0.1:" + requestedPort, e);
    }
    AtomicInteger n = new AtomicInteger();
    executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "sandbox-api-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public RequestLog requestLog() {
    return requestLog;
  }

  @Override
  public void close() {
    watches.forEach(WatchStream::close);
    if (server != null) {
      server.stop(0);
    }
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** A parsed resource request. */
  private record Target(ResourceType type, String namespace, String name, String subresource) {}

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      Map<String, String> query = query(ex.getRequestURI().getRawQuery());
      try {
        if (path.startsWith("/sandbox/")) {
          handleSandbox(ex, path, query);
        } else if (!handleDiscovery(ex, path)) {
          handleResource(ex, path, query);
        }
      } catch (ApiException e) {
        sendStatus(ex, e);
      } catch (RuntimeException e) {
        sendStatus(ex, ApiException.internal(e.toString()));
      }
    }
  }

  private boolean handleDiscovery(HttpExchange ex, String path) throws IOException {
    if (!"GET".equals(ex.getRequestMethod())) {
      return false;
    }
    String p =
        path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    switch (p) {
      case "/version" -> send(ex, 200, discovery.version());
      case "/api" -> send(ex, 200, discovery.coreVersions());
      case "/apis" -> send(ex, 200, discovery.groups());
      case "/healthz", "/readyz", "/livez" -> sendText(ex, 200, "ok");
      case "/openapi/v2" ->
          sendStatus(ex, new ApiException(404, "NotFound", "the sandbox serves OpenAPI v3 only"));
      case "/openapi/v3" -> send(ex, 200, openApi.root());
      default -> {
        String[] s = segments(p);
        if (s.length >= 3 && s[0].equals("openapi") && s[1].equals("v3")) {
          String gv = String.join("/", java.util.Arrays.copyOfRange(s, 2, s.length));
          sendOr404(ex, openApi.groupVersion(gv));
        } else if (s.length == 2 && s[0].equals("api")) {
          sendOr404(ex, discovery.resources("", s[1]));
        } else if (s.length == 3 && s[0].equals("apis")) {
          sendOr404(ex, discovery.resources(s[1], s[2]));
        } else if (s.length == 2 && s[0].equals("apis")) {
          Map<String, List<String>> gv = store.registry().groupVersions();
          if (!gv.containsKey(s[1])) {
            throw new ApiException(
                404, "NotFound", "the server could not find the requested resource");
          }
          send(ex, 200, discovery.group(s[1], gv.get(s[1])));
        } else {
          return false;
        }
      }
    }
    return true;
  }

  private void sendOr404(HttpExchange ex, ObjectNode body) throws IOException {
    if (body == null) {
      throw new ApiException(404, "NotFound", "the server could not find the requested resource");
    }
    send(ex, 200, body);
  }

  private Target target(String path) {
    String[] s = segments(path);
    String group;
    String version;
    int i;
    if (s.length >= 2 && s[0].equals("api")) {
      group = "";
      version = s[1];
      i = 2;
    } else if (s.length >= 3 && s[0].equals("apis")) {
      group = s[1];
      version = s[2];
      i = 3;
    } else {
      throw new ApiException(404, "NotFound", "the server could not find the requested resource");
    }
    String[] rest = java.util.Arrays.copyOfRange(s, i, s.length);
    ResourceRegistry registry = store.registry();
    if (rest.length >= 3 && rest[0].equals("namespaces")) {
      Optional<ResourceType> t = registry.find(group, version, rest[2]);
      if (t.isPresent() && t.get().namespaced()) {
        return new Target(
            t.get(), rest[1], rest.length > 3 ? rest[3] : null, rest.length > 4 ? rest[4] : null);
      }
    }
    if (rest.length == 0) {
      throw new ApiException(404, "NotFound", "the server could not find the requested resource");
    }
    ResourceType t =
        registry
            .find(group, version, rest[0])
            .orElseThrow(
                () ->
                    new ApiException(
                        404, "NotFound", "the server could not find the requested resource"));
    return new Target(t, null, rest.length > 1 ? rest[1] : null, rest.length > 2 ? rest[2] : null);
  }

  private void handleResource(HttpExchange ex, String path, Map<String, String> query)
      throws IOException {
    String method = ex.getRequestMethod();
    String contentType =
        Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("");
    if (contentType.contains("cbor")) {
      throw new ApiException(
          415,
          "UnsupportedMediaType",
          "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");
    }
    Target t;
    try {
      t = target(path);
    } catch (ApiException e) {
      log(ex, verbOf(method, null, query), "", path, "", "", "", e.code(), query);
      throw e;
    }
    String verb = verbOf(method, t, query);
    boolean dryRun = "All".equals(query.get("dryRun"));
    String ua = ex.getRequestHeaders().getFirst("User-Agent");
    boolean sandboxClient = ua != null && ua.startsWith(Sandbox.USER_AGENT_PREFIX);
    int code = 200;
    RequestLog.Fault fault = RequestLog.Fault.NONE;
    try {
      if (!sandboxClient) {
        checkDenied(verb, t);
        try {
          fault = injectFault(ex, verb, t, dryRun);
        } catch (ApiException | DroppedConnection injected) {
          fault = RequestLog.Fault.INJECTED;
          throw injected;
        }
      }
      if (fault == RequestLog.Fault.APPLIED) {
        // the write happens, its answer is lost: the client sees only the 500
        DISCARD_RESPONSE.set(Boolean.TRUE);
        try {
          dispatch(ex, t, verb, query, dryRun);
        } catch (ApiException refused) {
          fault = RequestLog.Fault.NONE; // not applied after all: the client gets the real answer
          throw refused;
        } finally {
          DISCARD_RESPONSE.remove();
        }
        throw internalError();
      }
      code = dispatch(ex, t, verb, query, dryRun);
    } catch (ApiException e) {
      code = e.code();
      throw e;
    } catch (DroppedConnection e) {
      code = 0;
    } finally {
      requestLog.add(
          verb,
          t.type().group(),
          t.type().plural(),
          t.subresource() == null ? "" : t.subresource(),
          t.namespace() == null ? "" : t.namespace(),
          t.name() == null ? "" : t.name(),
          code,
          ua,
          dryRun,
          fault);
    }
  }

  private void log(
      HttpExchange ex,
      String verb,
      String group,
      String resource,
      String sub,
      String ns,
      String name,
      int code,
      Map<String, String> query) {
    requestLog.add(
        verb,
        group,
        resource,
        sub,
        ns,
        name,
        code,
        ex.getRequestHeaders().getFirst("User-Agent"),
        "All".equals(query.get("dryRun")),
        RequestLog.Fault.NONE);
  }

  private static String verbOf(String method, Target t, Map<String, String> query) {
    boolean item = t != null && t.name() != null;
    return switch (method) {
      case "GET" -> item ? "get" : isTrue(query.get("watch")) ? "watch" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> item ? "delete" : "deletecollection";
      default -> method.toLowerCase();
    };
  }

  private int dispatch(
      HttpExchange ex, Target t, String verb, Map<String, String> query, boolean dryRun)
      throws IOException {
    ResourceType type = t.type();
    if (type.equals(ResourceRegistry.SELF_SUBJECT_ACCESS_REVIEWS)) {
      if (!verb.equals("create")) {
        throw new ApiException(
            405, "MethodNotAllowed", "only create is allowed on selfsubjectaccessreviews");
      }
      return send(ex, 201, accessReview(readBody(ex)));
    }
    String sub = t.subresource();
    if (sub != null && !Set.of("status", "scale", "eviction", "binding").contains(sub)) {
      throw new ApiException(404, "NotFound", "the server could not find the requested resource");
    }
    if (("status".equals(sub) && !type.statusSubresource())
        || ("scale".equals(sub) && !type.scaleSubresource())) {
      throw new ApiException(404, "NotFound", "the server could not find the requested resource");
    }
    String ns = t.namespace();
    switch (verb) {
      case "get" -> {
        ObjectNode o = store.require(type, ns, t.name());
        if ("scale".equals(sub)) {
          return send(ex, 200, scaleOf(type, o));
        }
        if (wantsTable(ex)) {
          return send(
              ex,
              200,
              tables.table(
                  type,
                  List.of(render(type, o)),
                  o.path("metadata").path("resourceVersion").asText(),
                  includeObject(query)));
        }
        return send(ex, 200, render(type, o));
      }
      case "list" -> {
        Predicate<JsonNode> filter = filter(query);
        ObjectStore.Snapshot snap = store.snapshotAndSubscribe(type, ns, filter, null);
        List<JsonNode> items = new ArrayList<>();
        snap.items().forEach(o -> items.add(render(type, o)));
        if (wantsTable(ex)) {
          return send(
              ex,
              200,
              tables.table(
                  type, items, Long.toString(snap.resourceVersion()), includeObject(query)));
        }
        ObjectNode list = Json.object();
        list.put("kind", type.kind() + "List");
        list.put("apiVersion", type.apiVersion());
        list.putObject("metadata").put("resourceVersion", Long.toString(snap.resourceVersion()));
        ArrayNode arr = list.putArray("items");
        items.forEach(arr::add);
        return send(ex, 200, list);
      }
      case "watch" -> {
        watch(ex, type, ns, query);
        return 200;
      }
      case "create" -> {
        if ("eviction".equals(sub)) {
          return send(ex, 201, evict(ns, t.name(), dryRun));
        }
        if ("binding".equals(sub)) {
          JsonNode binding = readBody(ex);
          String node = binding.path("target").path("name").asText();
          store.mutate(
              type,
              ns,
              t.name(),
              o -> {
                Json.with(o, "spec").put("nodeName", node);
                return o;
              },
              null,
              dryRun);
          return send(ex, 201, statusSuccess());
        }
        if (t.name() != null) {
          throw new ApiException(
              405,
              "MethodNotAllowed",
              "the server does not allow this method on the requested resource");
        }
        ObjectNode body = objectBody(ex);
        checkKind(type, body);
        return send(ex, 201, render(type, store.create(type, ns, convertIn(type, body), dryRun)));
      }
      case "update" -> {
        ObjectNode body = objectBody(ex);
        if ("scale".equals(sub)) {
          return send(
              ex,
              200,
              scaleOf(
                  type,
                  setReplicas(
                      type, ns, t.name(), body.path("spec").path("replicas").asInt(), dryRun)));
        }
        checkKind(type, body);
        return send(
            ex,
            200,
            render(type, store.update(type, ns, t.name(), convertIn(type, body), sub, dryRun)));
      }
      case "patch" -> {
        return patch(ex, t, query, dryRun);
      }
      case "delete" -> {
        JsonNode opts = bodyOrEmpty(ex);
        Long grace =
            query.containsKey("gracePeriodSeconds")
                ? Long.valueOf(query.get("gracePeriodSeconds"))
                : opts.has("gracePeriodSeconds") ? opts.get("gracePeriodSeconds").asLong() : null;
        String propagation =
            query.getOrDefault(
                "propagationPolicy", opts.path("propagationPolicy").asText("Background"));
        boolean bodyDryRun =
            dryRun
                || (opts.path("dryRun").isArray()
                    && opts.path("dryRun").toString().contains("All"));
        return send(
            ex,
            200,
            render(type, store.delete(type, ns, t.name(), grace, propagation, bodyDryRun)));
      }
      case "deletecollection" -> {
        Predicate<JsonNode> filter = filter(query);
        ObjectNode list = Json.object();
        list.put("kind", type.kind() + "List");
        list.put("apiVersion", type.apiVersion());
        ArrayNode arr = list.putArray("items");
        for (ObjectNode o : store.list(type, ns, filter)) {
          try {
            arr.add(
                render(
                    type,
                    store.delete(
                        type,
                        o.path("metadata").path("namespace").asText(null),
                        o.path("metadata").path("name").asText(),
                        null,
                        "Background",
                        dryRun)));
          } catch (ApiException e) {
            if (e.code() != 404) throw e;
          }
        }
        list.putObject("metadata").put("resourceVersion", Long.toString(store.resourceVersion()));
        return send(ex, 200, list);
      }
      default ->
          throw new ApiException(
              405,
              "MethodNotAllowed",
              "the server does not allow this method on the requested resource");
    }
  }

  private int patch(HttpExchange ex, Target t, Map<String, String> query, boolean dryRun)
      throws IOException {
    ResourceType type = t.type();
    String contentType =
        Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type"))
            .orElse("")
            .split(";")[0]
            .trim();
    byte[] raw = ex.getRequestBody().readAllBytes();
    boolean custom = isCustom(type);
    UnaryOperator<ObjectNode> change;
    switch (contentType) {
      case "application/json-patch+json" -> {
        JsonNode patch = Json.parse(raw);
        change = o -> JsonPatch.apply(o, patch);
      }
      case "application/merge-patch+json" -> {
        JsonNode patch = Json.parse(raw);
        change = o -> MergePatch.apply(o, patch);
      }
      case "application/strategic-merge-patch+json" -> {
        if (custom) {
          throw new ApiException(
              415,
              "UnsupportedMediaType",
              "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }
        JsonNode patch = Json.parse(raw);
        change = o -> StrategicMergePatch.apply(o, patch);
      }
      case "application/apply-patch+yaml" -> {
        return serverSideApply(ex, t, raw, custom, dryRun);
      }
      default ->
          throw new ApiException(
              415,
              "UnsupportedMediaType",
              "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                  + (custom ? "" : ", application/strategic-merge-patch+json"));
    }
    if ("scale".equals(t.subresource())) {
      ObjectNode current = store.require(type, t.namespace(), t.name());
      ObjectNode scale = change.apply(scaleOf(type, current));
      return send(
          ex,
          200,
          scaleOf(
              type,
              setReplicas(
                  type,
                  t.namespace(),
                  t.name(),
                  scale.path("spec").path("replicas").asInt(),
                  dryRun)));
    }
    UnaryOperator<ObjectNode> versioned = o -> convertIn(type, change.apply(render(type, o)));
    ObjectNode result =
        store.mutate(type, t.namespace(), t.name(), versioned, t.subresource(), dryRun);
    return send(ex, 200, render(type, result));
  }

  /**
   * Server-side apply, approximated: creates the object when absent, otherwise merges the applied
   * configuration into it (strategically for built-in kinds). Unlike the real field manager, it
   * does not remove fields that an earlier apply set and this one leaves out.
   */
  private int serverSideApply(HttpExchange ex, Target t, byte[] raw, boolean custom, boolean dryRun)
      throws IOException {
    List<JsonNode> docs = Json.readYamlDocuments(new String(raw, StandardCharsets.UTF_8));
    if (docs.size() != 1 || !docs.get(0).isObject()) {
      throw ApiException.badRequest("server-side apply takes exactly one object");
    }
    ObjectNode applied = (ObjectNode) docs.get(0);
    checkKind(t.type(), applied);
    Optional<ObjectNode> existing = store.get(t.type(), t.namespace(), t.name());
    if (existing.isEmpty()) {
      Json.with(applied, "metadata").put("name", t.name());
      return send(
          ex,
          201,
          render(
              t.type(),
              store.create(t.type(), t.namespace(), convertIn(t.type(), applied), dryRun)));
    }
    ObjectNode patch = applied.deepCopy();
    ((ObjectNode) patch.get("metadata")).remove("resourceVersion");
    UnaryOperator<ObjectNode> change =
        o ->
            convertIn(
                t.type(),
                custom
                    ? MergePatch.apply(render(t.type(), o), patch)
                    : StrategicMergePatch.apply(render(t.type(), o), patch));
    return send(
        ex,
        200,
        render(
            t.type(),
            store.mutate(t.type(), t.namespace(), t.name(), change, t.subresource(), dryRun)));
  }

  private void watch(HttpExchange ex, ResourceType type, String ns, Map<String, String> query)
      throws IOException {
    if ("websocket".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Upgrade"))) {
      // Watches are served as chunked HTTP streams only (kubectl and client-go never ask for a
      // WebSocket; fabric8 tries one first). The upgrade is declined the way HTTP lets a server
      // decline it, with an ordinary 200, which fabric8 takes as "no WebSocket here" and falls
      // back to an HTTP watch at once; a 503 would do the same only after the client's request
      // retries (~0.7 s per watch with 3 of them, ~3 s with 5).
      ObjectNode declined = Json.object();
      declined.put("kind", "Status");
      declined.put("apiVersion", "v1");
      declined.putObject("metadata");
      declined.put("status", "Failure");
      declined.put("message", "watches over WebSocket are not served; use an HTTP watch");
      declined.put("reason", "BadRequest");
      send(ex, 200, declined);
      return;
    }
    Predicate<JsonNode> filter = filter(query);
    boolean table = wantsTable(ex);
    boolean includeObject = includeObject(query);
    WatchStream stream =
        new WatchStream(
            store.registry().storageType(type),
            ns,
            filter,
            o ->
                table
                    ? tables.table(
                        type,
                        List.of(render(type, o)),
                        o.path("metadata").path("resourceVersion").asText(),
                        includeObject)
                    : render(type, o));
    String rv = query.get("resourceVersion");
    List<ObjectNode> initial = List.of();
    List<WatchEvent> missed = List.of();
    Runnable unsubscribe;
    if (rv == null || rv.isEmpty() || rv.equals("0")) {
      ObjectStore.Snapshot snap = store.snapshotAndSubscribe(type, ns, filter, stream::offer);
      initial = snap.items();
      unsubscribe = snap.unsubscribe();
    } else {
      long since;
      try {
        since = Long.parseLong(rv);
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid resourceVersion " + rv);
      }
      ObjectStore.Resumed resumed = store.resume(since, stream::offer);
      missed = resumed.missed();
      unsubscribe = resumed.unsubscribe();
    }
    watches.add(stream);
    try {
      long timeout =
          query.containsKey("timeoutSeconds")
              ? Long.parseLong(query.get("timeoutSeconds"))
              : 300 + ThreadLocalRandom.current().nextInt(300);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.getResponseHeaders().set("Transfer-Encoding", "chunked");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      stream.run(out, initial, missed, Duration.ofSeconds(timeout));
    } catch (IOException e) {
      // the client went away
    } finally {
      unsubscribe.run();
      watches.remove(stream);
    }
  }

  private ObjectNode evict(String ns, String podName, boolean dryRun) {
    ObjectNode pod = store.require(ResourceRegistry.PODS, ns, podName);
    Map<String, String> labels = Selectors.labels(pod);
    for (ObjectNode pdb : store.list(ResourceRegistry.PDBS, ns)) {
      if (!Selectors.matches(pdb.path("spec").path("selector"), labels)) {
        continue;
      }
      long allowed = pdb.path("status").path("disruptionsAllowed").asLong(0);
      if (allowed <= 0) {
        throw new ApiException(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.");
      }
      if (!dryRun) {
        store.mutate(
            ResourceRegistry.PDBS,
            ns,
            pdb.path("metadata").path("name").asText(),
            p -> {
              ObjectNode status = Json.with(p, "status");
              status.put("disruptionsAllowed", allowed - 1);
              Json.with(status, "disruptedPods")
                  .put(podName, Json.timestamp(java.time.Instant.now()));
              return p;
            },
            "status",
            false);
      }
    }
    store.delete(ResourceRegistry.PODS, ns, podName, null, "Background", dryRun);
    return statusSuccess();
  }

  private ObjectNode accessReview(JsonNode review) {
    JsonNode attrs = review.path("spec").path("resourceAttributes");
    String verb = attrs.path("verb").asText();
    String group = attrs.path("group").asText("");
    String resource = attrs.path("resource").asText();
    if (!attrs.path("subresource").asText("").isEmpty()) {
      resource = resource + "/" + attrs.path("subresource").asText();
    }
    boolean allowed = !faults.isDenied(verb, group, resource);
    ObjectNode out = review.isObject() ? ((ObjectNode) review).deepCopy() : Json.object();
    out.put("apiVersion", "authorization.k8s.io/v1");
    out.put("kind", "SelfSubjectAccessReview");
    Json.with(out, "metadata").put("creationTimestamp", (String) null);
    ObjectNode status = out.putObject("status");
    status.put("allowed", allowed);
    if (!allowed) {
      status.put(
          "reason", "the sandbox denies " + verb + " " + group + "/" + resource + " to this user");
    }
    return out;
  }

  private void checkDenied(String verb, Target t) {
    String resource = t.type().plural() + (t.subresource() == null ? "" : "/" + t.subresource());
    if (faults.isDenied(verb, t.type().group(), resource)) {
      String where =
          t.namespace() == null
              ? "at the cluster scope"
              : "in the namespace \"" + t.namespace() + "\"";
      throw ApiException.forbidden(
          t.type().groupResource()
              + (t.name() == null ? "" : " \"" + t.name() + "\"")
              + " is forbidden: User \"sandbox-admin\" cannot "
              + verb
              + " resource \""
              + resource
              + "\" in API group \""
              + t.type().group()
              + "\" "
              + where);
    }
  }

  /** Thrown to drop a connection without an answer (a simulated time-out). */
  private static final class DroppedConnection extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  /**
   * Set while a request's handler thread applies a write whose answer is lost: {@link #send}
   * discards what it would write. (Exchange attributes are shared by the whole context.)
   */
  private static final ThreadLocal<Boolean> DISCARD_RESPONSE = new ThreadLocal<>();

  private static final Set<String> WRITES =
      Set.of("create", "update", "patch", "delete", "deletecollection");

  /**
   * Decides whether this request gets a transient fault (see {@link Faults#apiErrorCodes}): throws
   * the fault when it is answered before anything is applied, returns {@link
   * RequestLog.Fault#APPLIED} when the write must be applied and then answered 500, and {@link
   * RequestLog.Fault#NONE} when the request goes through.
   */
  private RequestLog.Fault injectFault(HttpExchange ex, String verb, Target t, boolean dryRun)
      throws IOException {
    Double rate = faults.apiErrorRate.getOrDefault(verb, faults.apiErrorRate.get("*"));
    if (rate == null || rate <= 0 || ThreadLocalRandom.current().nextDouble() >= rate) {
      return RequestLog.Fault.NONE;
    }
    List<Integer> codes = faults.apiErrorCodes.isEmpty() ? List.of(500) : faults.apiErrorCodes;
    boolean conflictable = codes.contains(409) && mayConflict(ex, verb, t);
    List<Integer> applicable = codes.stream().filter(c -> c != 409 || conflictable).toList();
    if (applicable.isEmpty()) {
      return RequestLog.Fault.NONE;
    }
    int code = applicable.get(Math.floorMod(faultCounter.getAndIncrement(), applicable.size()));
    return fail(ex, verb, code, t, dryRun);
  }

  /**
   * Whether a 409 Conflict is what a real API server could answer this request: an update carrying
   * a resourceVersion, or a patch, of an existing object (it then raced another writer). Never a
   * read, a create or a delete.
   */
  private boolean mayConflict(HttpExchange ex, String verb, Target t) throws IOException {
    if (t.name() == null
        || !(verb.equals("update") || verb.equals("patch"))
        || store.get(t.type(), t.namespace(), t.name()).isEmpty()) {
      return false;
    }
    if (verb.equals("patch")) {
      return true;
    }
    byte[] raw;
    try (InputStream in = ex.getRequestBody()) {
      raw = in.readAllBytes();
    }
    ex.setStreams(new java.io.ByteArrayInputStream(raw), null);
    String contentType =
        Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("");
    if (contentType.contains("protobuf") || contentType.contains("yaml")) {
      return false;
    }
    try {
      // an update without a resourceVersion is unconditional and does not conflict
      return !Json.parse(raw).path("metadata").path("resourceVersion").asText("").isEmpty();
    } catch (RuntimeException unreadable) {
      return false; // the request itself will be refused as it is
    }
  }

  private RequestLog.Fault fail(HttpExchange ex, String verb, int code, Target t, boolean dryRun) {
    switch (code) {
      case 0 -> {
        try {
          Thread.sleep(faults.apiTimeout.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new DroppedConnection();
      }
      case 409 -> {
        // another writer got in first: the object moves to a new resourceVersion, so the same
        // request sent again conflicts again and only a re-read helps
        if (!store.touch(t.type(), t.namespace(), t.name())) {
          throw ApiException.notFound(t.type(), t.name());
        }
        throw ApiException.conflict(
            t.type(),
            t.name(),
            "the object has been modified; please apply your changes to the latest version and try again");
      }
      case 429 -> {
        ex.getResponseHeaders().set("Retry-After", "1");
        throw ApiException.tooManyRequests("Too many requests, please try again later.", 1);
      }
      case 500 -> {
        if (WRITES.contains(verb) && !dryRun && appliedTurn()) {
          return RequestLog.Fault.APPLIED;
        }
        throw internalError();
      }
      default ->
          throw new ApiException(
              code,
              code == 503 ? "ServiceUnavailable" : "InternalError",
              "an error on the server (\"injected fault\") has prevented the request from succeeding");
    }
  }

  /** Spreads the applied 500s evenly: the n-th 500 on a write is applied when the share grows. */
  private boolean appliedTurn() {
    double fraction = Math.max(0, Math.min(1, faults.apiErrorAppliedFraction));
    long n = appliedCounter.getAndIncrement();
    return Math.ceil((n + 1) * fraction) > Math.ceil(n * fraction);
  }

  private static ApiException internalError() {
    return new ApiException(
        500,
        "InternalError",
        "an error on the server (\"injected fault\") has prevented the request from succeeding");
  }

  // --- the sandbox's own endpoints --------------------------------------------------------------

  private void handleSandbox(HttpExchange ex, String path, Map<String, String> query)
      throws IOException {
    String method = ex.getRequestMethod();
    switch (path) {
      case "/sandbox/traffic" -> {
        TrafficProbe p = probe.get();
        if (p == null) {
          throw new ApiException(503, "ServiceUnavailable", "the traffic probe is not running");
        }
        if ("DELETE".equals(method)) {
          p.reset();
        }
        send(ex, 200, p.report());
      }
      case "/sandbox/requests" -> {
        if ("DELETE".equals(method)) {
          requestLog.clear();
        }
        long since = Long.parseLong(query.getOrDefault("since", "0"));
        send(ex, 200, requestLog.toJson(since, isTrue(query.get("excludeSandbox"))));
      }
      case "/sandbox/faults" -> {
        if ("PUT".equals(method) || "POST".equals(method) || "PATCH".equals(method)) {
          FaultsJson.apply(faults, readBody(ex));
        }
        send(ex, 200, FaultsJson.toJson(faults));
      }
      default -> throw new ApiException(404, "NotFound", "unknown sandbox endpoint " + path);
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  private ObjectNode setReplicas(
      ResourceType type, String ns, String name, int replicas, boolean dryRun) {
    if (replicas < 0) {
      throw ApiException.invalid(
          type,
          name,
          "spec.replicas: Invalid value: " + replicas + ": must be greater than or equal to 0");
    }
    return store.mutate(
        type,
        ns,
        name,
        o -> {
          Json.with(o, "spec").put("replicas", replicas);
          return o;
        },
        null,
        dryRun);
  }

  private ObjectNode scaleOf(ResourceType type, ObjectNode o) {
    ObjectNode s = Json.object();
    s.put("kind", "Scale");
    s.put("apiVersion", "autoscaling/v1");
    ObjectNode meta = s.putObject("metadata");
    for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
      if (o.path("metadata").has(f)) meta.set(f, o.path("metadata").get(f));
    }
    s.putObject("spec").put("replicas", o.path("spec").path("replicas").asInt(1));
    ObjectNode status = s.putObject("status");
    status.put("replicas", o.path("status").path("replicas").asInt(0));
    List<String> sel = new ArrayList<>();
    o.path("spec")
        .path("selector")
        .path("matchLabels")
        .fields()
        .forEachRemaining(e -> sel.add(e.getKey() + "=" + e.getValue().asText()));
    status.put("selector", String.join(",", sel));
    return s;
  }

  private ObjectNode render(ResourceType requested, ObjectNode stored) {
    ObjectNode o = stored.deepCopy();
    if (!requested.apiVersion().equals(o.path("apiVersion").asText())) {
      o.put("apiVersion", requested.apiVersion());
      if (requested.equals(ResourceRegistry.HPAS.atVersion("v1"))) {
        HpaConversion.toV1(o);
      }
    }
    return o;
  }

  private ObjectNode convertIn(ResourceType requested, ObjectNode body) {
    if (requested.equals(ResourceRegistry.HPAS.atVersion("v1"))) {
      HpaConversion.toV2(body);
    }
    body.put("apiVersion", store.registry().storageType(requested).apiVersion());
    return body;
  }

  private void checkKind(ResourceType type, ObjectNode body) {
    String kind = body.path("kind").asText(type.kind());
    if (!kind.equals(type.kind())) {
      throw ApiException.badRequest(
          "the kind " + kind + " does not match the resource " + type.plural());
    }
    String apiVersion = body.path("apiVersion").asText(type.apiVersion());
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    if (!group.equals(type.group())) {
      throw ApiException.badRequest(
          "the API version " + apiVersion + " does not match the resource " + type.groupResource());
    }
  }

  private boolean isCustom(ResourceType type) {
    return crdOf(type) != null;
  }

  private JsonNode crdOf(ResourceType type) {
    if (type.group().isEmpty()) {
      return null;
    }
    return store.get(ResourceRegistry.CRDS, null, type.plural() + "." + type.group()).orElse(null);
  }

  private static Predicate<JsonNode> filter(Map<String, String> query) {
    Predicate<JsonNode> labels = Selectors.labelSelector(query.get("labelSelector"));
    Predicate<JsonNode> fields = Selectors.fieldSelector(query.get("fieldSelector"));
    return labels.and(fields);
  }

  private static boolean wantsTable(HttpExchange ex) {
    String accept = ex.getRequestHeaders().getFirst("Accept");
    return accept != null && accept.contains("as=Table");
  }

  private static boolean includeObject(Map<String, String> query) {
    return "Object".equals(query.get("includeObject"));
  }

  private static ObjectNode statusSuccess() {
    ObjectNode s = Json.object();
    s.put("kind", "Status");
    s.put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Success");
    s.put("code", 201);
    return s;
  }

  private ObjectNode objectBody(HttpExchange ex) throws IOException {
    String contentType =
        Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("");
    if (contentType.contains("protobuf")) {
      try (InputStream in = ex.getRequestBody()) {
        return ProtobufBodies.decode(in.readAllBytes());
      }
    }
    JsonNode body = readBody(ex);
    if (!body.isObject()) {
      throw ApiException.badRequest("the request body must be a JSON object");
    }
    return (ObjectNode) body;
  }

  private static JsonNode readBody(HttpExchange ex) throws IOException {
    byte[] raw;
    try (InputStream in = ex.getRequestBody()) {
      raw = in.readAllBytes();
    }
    if (raw.length == 0) {
      throw ApiException.badRequest("the request has no body");
    }
    String contentType =
        Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("");
    if (contentType.contains("yaml")) {
      List<JsonNode> docs = Json.readYamlDocuments(new String(raw, StandardCharsets.UTF_8));
      return docs.isEmpty() ? Json.object() : docs.get(0);
    }
    return Json.parse(raw);
  }

  private static JsonNode bodyOrEmpty(HttpExchange ex) throws IOException {
    byte[] raw;
    try (InputStream in = ex.getRequestBody()) {
      raw = in.readAllBytes();
    }
    return raw.length == 0 ? Json.object() : Json.parse(raw);
  }

  private static int send(HttpExchange ex, int code, JsonNode body) throws IOException {
    if (DISCARD_RESPONSE.get() != null) {
      return code;
    }
    byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
    return code;
  }

  private static void sendText(HttpExchange ex, int code, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void sendStatus(HttpExchange ex, ApiException e) throws IOException {
    ObjectNode s = Json.object();
    s.put("kind", "Status");
    s.put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Failure");
    s.put("message", e.getMessage());
    s.put("reason", e.reason());
    if (e.details() != null) {
      s.set("details", e.details());
    }
    s.put("code", e.code());
    try {
      send(ex, e.code(), s);
    } catch (IOException | RuntimeException ignored) {
      // response already started (e.g. a watch) or the client left
    }
  }

  private static String[] segments(String path) {
    return java.util.Arrays.stream(path.split("/"))
        .filter(s -> !s.isEmpty())
        .map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8))
        .toArray(String[]::new);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw == null) {
      return q;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      q.put(k, v);
    }
    return q;
  }

  private static boolean isTrue(String v) {
    return "true".equals(v) || "1".equals(v);
  }
}
