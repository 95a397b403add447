package dev.asmmigrate.sandbox.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Decodes the Kubernetes protobuf request bodies kubectl's typed clients send ({@code kubectl
 * create namespace|configmap|secret|serviceaccount}): the {@code k8s\0} envelope, then the few
 * fields of those kinds. Other kinds answer 415, which names the media types that work.
 */
final class ProtobufBodies {
  private ProtobufBodies() {}

  static ObjectNode decode(byte[] body) {
    if (body.length < 4 || body[0] != 'k' || body[1] != '8' || body[2] != 's' || body[3] != 0) {
      throw unsupported("a protobuf body without the k8s envelope");
    }
    Reader envelope = new Reader(body, 4, body.length);
    String apiVersion = "";
    String kind = "";
    byte[] raw = new byte[0];
    while (envelope.more()) {
      int tag = envelope.tag();
      switch (tag >>> 3) {
        case 1 -> {
          Reader typeMeta = envelope.message();
          while (typeMeta.more()) {
            int t = typeMeta.tag();
            if ((t >>> 3) == 1) apiVersion = typeMeta.string();
            else if ((t >>> 3) == 2) kind = typeMeta.string();
            else typeMeta.skip(t);
          }
        }
        case 2 -> raw = envelope.bytes();
        default -> envelope.skip(tag);
      }
    }
    ObjectNode o = Json.object();
    o.put("apiVersion", apiVersion);
    o.put("kind", kind);
    Reader r = new Reader(raw, 0, raw.length);
    while (r.more()) {
      int tag = r.tag();
      int field = tag >>> 3;
      switch (kind + ":" + field) {
        case "Namespace:1", "ConfigMap:1", "Secret:1", "ServiceAccount:1" ->
            o.set("metadata", metadata(r.message()));
        case "Namespace:2" -> {
          Reader spec = r.message();
          List<String> finalizers = new ArrayList<>();
          while (spec.more()) {
            int t = spec.tag();
            if ((t >>> 3) == 1) finalizers.add(spec.string());
            else spec.skip(t);
          }
          finalizers.forEach(Json.with(o, "spec").withArray("finalizers")::add);
        }
        case "ConfigMap:2" -> entry(r.message(), Json.with(o, "data"), false);
        case "ConfigMap:3", "Secret:2" ->
            entry(r.message(), Json.with(o, kind.equals("Secret") ? "data" : "binaryData"), true);
        case "ConfigMap:4", "Secret:5" -> o.put("immutable", r.varint() != 0);
        case "Secret:3" -> o.put("type", r.string());
        case "Secret:4" -> entry(r.message(), Json.with(o, "stringData"), false);
        default -> {
          if (!List.of("Namespace", "ConfigMap", "Secret", "ServiceAccount").contains(kind)) {
            throw unsupported("protobuf bodies of kind " + kind);
          }
          r.skip(tag);
        }
      }
    }
    return o;
  }

  private static ObjectNode metadata(Reader r) {
    ObjectNode m = Json.object();
    while (r.more()) {
      int tag = r.tag();
      switch (tag >>> 3) {
        case 1 -> m.put("name", r.string());
        case 2 -> m.put("generateName", r.string());
        case 3 -> m.put("namespace", r.string());
        case 11 -> entry(r.message(), Json.with(m, "labels"), false);
        case 12 -> entry(r.message(), Json.with(m, "annotations"), false);
        default -> r.skip(tag);
      }
    }
    return m;
  }

  private static void entry(Reader r, ObjectNode into, boolean base64) {
    String key = "";
    byte[] value = new byte[0];
    while (r.more()) {
      int tag = r.tag();
      if ((tag >>> 3) == 1) key = r.string();
      else if ((tag >>> 3) == 2) value = r.bytes();
      else r.skip(tag);
    }
    into.put(
        key,
        base64
            ? Base64.getEncoder().encodeToString(value)
            : new String(value, StandardCharsets.UTF_8));
  }

  private static ApiException unsupported(String what) {
    return new ApiException(
        415,
        "UnsupportedMediaType",
        "the sandbox does not decode "
            + what
            + "; send application/json (e.g. kubectl create -f / apply -f)");
  }

  /** A protobuf wire-format reader over a byte range. */
  private static final class Reader {
    private final byte[] buf;
    private int pos;
    private final int end;

    Reader(byte[] buf, int from, int to) {
      this.buf = buf;
      this.pos = from;
      this.end = to;
    }

    boolean more() {
      return pos < end;
    }

    int tag() {
      return (int) varint();
    }

    long varint() {
      long v = 0;
      int shift = 0;
      while (true) {
        if (pos >= end) throw ApiException.badRequest("truncated protobuf body");
        byte b = buf[pos++];
        v |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) return v;
        shift += 7;
      }
    }

    byte[] bytes() {
      int len = (int) varint();
      if (len < 0 || pos + len > end) throw ApiException.badRequest("truncated protobuf body");
      byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + len);
      pos += len;
      return out;
    }

    String string() {
      return new String(bytes(), StandardCharsets.UTF_8);
    }

    Reader message() {
      int len = (int) varint();
      Reader r = new Reader(buf, pos, pos + len);
      pos += len;
      return r;
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> {
          int len = (int) varint();
          pos += len;
        }
        case 5 -> pos += 4;
        default -> throw ApiException.badRequest("unsupported protobuf wire type " + (tag & 7));
      }
    }
  }
}
