package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.Selectors;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

/** The wire: reading a request's body and query, writing JSON, text and Status answers. */
final class HttpIo {
  private HttpIo() {}

  /**
   * Set while a request's handler thread applies a write whose answer is lost: {@link #send}
   * discards what it would write. (Exchange attributes are shared by the whole context.)
   */
  static final ThreadLocal<Boolean> DISCARD_RESPONSE = new ThreadLocal<>();

  /**
   * Runs once, with the status code, just before this thread sends its answer: the request log
   * records a request before its client can see the answer, so that whoever reads the log after the
   * call returned finds it there (a real API server's audit log is written at ResponseComplete, but
   * nothing here reads the log concurrently with the call it waits for).
   */
  static final ThreadLocal<IntConsumer> BEFORE_SEND = new ThreadLocal<>();

  private static void beforeSend(int code) {
    IntConsumer hook = BEFORE_SEND.get();
    if (hook != null) {
      BEFORE_SEND.remove();
      hook.accept(code);
    }
  }

  static Predicate<JsonNode> filter(Map<String, String> query) {
    Predicate<JsonNode> labels = Selectors.labelSelector(query.get("labelSelector"));
    Predicate<JsonNode> fields = Selectors.fieldSelector(query.get("fieldSelector"));
    return labels.and(fields);
  }

  static boolean wantsTable(HttpExchange ex) {
    String accept = ex.getRequestHeaders().getFirst("Accept");
    return accept != null && accept.contains("as=Table");
  }

  static boolean includeObject(Map<String, String> query) {
    return "Object".equals(query.get("includeObject"));
  }

  static ObjectNode statusSuccess() {
    ObjectNode s = Json.object();
    s.put("kind", "Status");
    s.put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Success");
    s.put("code", 201);
    return s;
  }

  static ObjectNode objectBody(HttpExchange ex) throws IOException {
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

  static JsonNode readBody(HttpExchange ex) throws IOException {
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

  static JsonNode bodyOrEmpty(HttpExchange ex) throws IOException {
    byte[] raw;
    try (InputStream in = ex.getRequestBody()) {
      raw = in.readAllBytes();
    }
    return raw.length == 0 ? Json.object() : Json.parse(raw);
  }

  static int send(HttpExchange ex, int code, JsonNode body) throws IOException {
    if (DISCARD_RESPONSE.get() != null) {
      return code;
    }
    byte[] bytes = Json.bytes(body);
    beforeSend(code);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
    return code;
  }

  static void sendText(HttpExchange ex, int code, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    beforeSend(code);
    ex.getResponseHeaders().set("Content-Type", "text/plain");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  static void sendStatus(HttpExchange ex, ApiException e) throws IOException {
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

  static String[] segments(String path) {
    return java.util.Arrays.stream(path.split("/"))
        .filter(s -> !s.isEmpty())
        .map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8))
        .toArray(String[]::new);
  }

  static Map<String, String> query(String raw) {
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

  static boolean isTrue(String v) {
    return "true".equals(v) || "1".equals(v);
  }
}
