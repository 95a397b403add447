package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Searches text for the contents of a cluster's Secrets. Each data value is looked for raw (the
 * base64 the API serves), base64 of its bytes, decoded, and — for PEM — every body line on its own
 * (a PEM inside JSON has its line breaks escaped, so only its lines survive as substrings). The
 * text searched is expanded the same way: every JSON string inside it, and every string that is
 * base64 of UTF-8 text, decoded, recursively (Temporal's JSON history carries payloads as base64 of
 * JSON). Findings name the Secret, key and form, and a hash of the value, never the value.
 */
final class SecretLeaks {
  /**
   * Shorter values (e.g. a service account token Secret's {@code namespace: default}) are words of
   * ordinary text, not secrets; every key and certificate line is far longer.
   */
  static final int MIN_LENGTH = 12;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/=_-]{8,}");
  private static final int MAX_DEPTH = 6;

  /** What to look for: needle text → where it comes from. */
  private final Map<String, String> needles = new LinkedHashMap<>();

  /** Needles of values that hold nothing but X.509 certificates (public by nature). */
  private final Set<String> certificates = new HashSet<>();

  /** Every Secret's data values in the store, in every form. */
  static SecretLeaks of(ObjectStore store) {
    SecretLeaks leaks = new SecretLeaks();
    for (ObjectNode secret : store.list(ResourceRegistry.SECRETS, null)) {
      String where =
          "Secret "
              + secret.path("metadata").path("namespace").asText()
              + "/"
              + secret.path("metadata").path("name").asText();
      Iterator<Map.Entry<String, JsonNode>> data = secret.path("data").fields();
      while (data.hasNext()) {
        Map.Entry<String, JsonNode> e = data.next();
        leaks.addBase64(where + " key " + e.getKey(), e.getValue().asText());
      }
    }
    return leaks;
  }

  /** Adds a value given as the API serves it (base64). */
  void addBase64(String where, String encoded) {
    add(where + " (raw)", encoded);
    byte[] bytes;
    try {
      bytes = Base64.getMimeDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      return;
    }
    add(where + " (base64)", Base64.getEncoder().encodeToString(bytes));
    String decoded = utf8(bytes);
    if (decoded == null) {
      return;
    }
    boolean certificateOnly =
        decoded.contains("-----BEGIN")
            && decoded.lines().filter(l -> l.startsWith("-----BEGIN")).allMatch(CERT::equals);
    add(where + " (decoded)", decoded.trim());
    if (certificateOnly) {
      certificates.add(encoded);
      certificates.add(Base64.getEncoder().encodeToString(bytes));
      certificates.add(decoded.trim());
    }
    if (decoded.contains("-----BEGIN")) {
      int line = 0;
      for (String l : decoded.split("\\R")) {
        line++;
        if (!l.startsWith("-----")) {
          add(where + " (PEM line " + line + ")", l.trim());
          if (certificateOnly) {
            certificates.add(l.trim());
          }
        }
      }
    }
  }

  private static final String CERT = "-----BEGIN CERTIFICATE-----";

  private void add(String where, String value) {
    if (value.length() >= MIN_LENGTH) {
      needles.putIfAbsent(value, where);
    }
  }

  /**
   * These needles without the values that are only certificates (a CA's {@code root-cert.pem},
   * {@code ca-cert.pem}): public data, which a webhook configuration carries by design as its
   * {@code caBundle}. Private keys, tokens and every other value stay.
   */
  SecretLeaks withoutCertificates() {
    SecretLeaks out = new SecretLeaks();
    needles.forEach(
        (value, where) -> {
          if (!certificates.contains(value)) {
            out.needles.put(value, where);
          }
        });
    return out;
  }

  int size() {
    return needles.size();
  }

  boolean covers(String where) {
    return needles.values().stream().anyMatch(w -> w.startsWith(where));
  }

  /** Every needle found in {@code text} (in any of its expansions), described without the value. */
  List<String> findIn(String source, String text) {
    List<String> expanded = new ArrayList<>();
    expand(text, 0, expanded);
    String all = String.join("\n\u0000\n", expanded);
    List<String> found = new ArrayList<>();
    for (Map.Entry<String, String> n : needles.entrySet()) {
      if (all.contains(n.getKey())) {
        found.add(n.getValue() + " in " + source + " (value sha256 " + sha(n.getKey()) + ")");
      }
    }
    return found;
  }

  private static void expand(String text, int depth, List<String> out) {
    out.add(text);
    if (depth >= MAX_DEPTH) {
      return;
    }
    String trimmed = text.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        for (String s : strings(JSON.readTree(trimmed))) {
          expand(s, depth + 1, out);
        }
      } catch (java.io.IOException notJson) {
        // text that merely starts like JSON: searched as it is
      }
    }
    var m = BASE64.matcher(text);
    while (m.find()) {
      String candidate = m.group();
      try {
        String decoded =
            utf8(Base64.getMimeDecoder().decode(candidate.replace('-', '+').replace('_', '/')));
        if (decoded != null && !decoded.isBlank()) {
          expand(decoded, depth + 1, out);
        }
      } catch (IllegalArgumentException notBase64) {
        // an ordinary word
      }
    }
  }

  private static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isTextual()) {
      out.add(node.asText());
    } else if (node.isContainerNode()) {
      node.fieldNames().forEachRemaining(out::add);
      for (JsonNode child : node) {
        out.addAll(strings(child));
      }
    }
    return out;
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static String sha(String value) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)))
          .substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
