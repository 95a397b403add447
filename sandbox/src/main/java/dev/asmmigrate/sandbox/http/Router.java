package dev.asmmigrate.sandbox.http;

import static dev.asmmigrate.sandbox.http.HttpIo.isTrue;
import static dev.asmmigrate.sandbox.http.HttpIo.segments;
import static dev.asmmigrate.sandbox.http.HttpIo.send;
import static dev.asmmigrate.sandbox.http.HttpIo.sendStatus;
import static dev.asmmigrate.sandbox.http.HttpIo.sendText;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.ObjectStore;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Routes a request: the sandbox's own endpoints, discovery and OpenAPI, or a resource, whose verb
 * it names, refuses when denied, subjects to fault injection, dispatches and logs.
 */
record Router(
    ObjectStore store,
    RequestLog requestLog,
    Discovery discovery,
    OpenApi openApi,
    SandboxEndpoints sandboxEndpoints,
    AccessReview accessReview,
    FaultInjection faultInjection,
    ResourceVerbs verbs) {
  void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      Map<String, String> query = HttpIo.query(ex.getRequestURI().getRawQuery());
      try {
        if (path.startsWith("/sandbox/")) {
          sandboxEndpoints.handle(ex, path, query);
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
      t = Target.parse(store.registry(), path);
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
    boolean[] logged = {false};
    // an answer sent normally is logged just before it is sent (HttpIo.BEFORE_SEND); a refusal,
    // an injected fault, a dropped connection or a watch's end is logged below
    HttpIo.BEFORE_SEND.set(
        sent -> {
          logged[0] = true;
          log(t, verb, sent, ua, dryRun, RequestLog.Fault.NONE);
        });
    try {
      if (!sandboxClient) {
        accessReview.checkDenied(verb, t);
        try {
          fault = faultInjection.inject(ex, verb, t, dryRun);
        } catch (ApiException | FaultInjection.DroppedConnection injected) {
          fault = RequestLog.Fault.INJECTED;
          throw injected;
        }
      }
      if (fault == RequestLog.Fault.APPLIED) {
        // the write happens, its answer is lost: the client sees only the 500
        HttpIo.DISCARD_RESPONSE.set(Boolean.TRUE);
        try {
          verbs.dispatch(ex, t, verb, query, dryRun);
        } catch (ApiException refused) {
          fault = RequestLog.Fault.NONE; // not applied after all: the client gets the real answer
          throw refused;
        } finally {
          HttpIo.DISCARD_RESPONSE.remove();
        }
        throw FaultInjection.internalError();
      }
      code = verbs.dispatch(ex, t, verb, query, dryRun);
    } catch (ApiException e) {
      code = e.code();
      throw e;
    } catch (FaultInjection.DroppedConnection e) {
      code = 0;
    } finally {
      HttpIo.BEFORE_SEND.remove();
      if (!logged[0]) {
        log(t, verb, code, ua, dryRun, fault);
      }
    }
  }

  private void log(
      Target t, String verb, int code, String ua, boolean dryRun, RequestLog.Fault fault) {
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
}
