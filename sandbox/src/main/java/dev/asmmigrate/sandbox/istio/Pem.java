package dev.asmmigrate.sandbox.istio;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM bundles as the simulation sees them: a certificate is identified by the SHA-256 of its DER
 * bytes, so two texts of one certificate (other line breaks, a stray space from {@code echo}) are
 * the same root, and a bundle is the ordered set of its certificates.
 */
public final class Pem {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

  private Pem() {}

  /** One PEM block: its label ({@code CERTIFICATE}, {@code RSA PRIVATE KEY}, ...) and DER bytes. */
  public record Block(String label, byte[] der) {
    public String toPem() {
      String body =
          Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
      return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }
  }

  /** Every well-formed block of a text, in order; malformed base64 is skipped. */
  public static List<Block> blocks(String text) {
    List<Block> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      try {
        out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2).trim())));
      } catch (IllegalArgumentException e) {
        // not base64: not a certificate the simulation can identify
      }
    }
    return out;
  }

  /** The fingerprints of the certificates of a bundle, in bundle order, without duplicates. */
  public static Set<String> certificateFingerprints(String text) {
    Set<String> out = new LinkedHashSet<>();
    for (Block b : blocks(text)) {
      if (b.label().equals("CERTIFICATE")) {
        out.add(fingerprint(b.der()));
      }
    }
    return out;
  }

  /** The certificate blocks of a bundle, as PEM texts, in order, without duplicates. */
  public static List<String> certificates(String text) {
    List<String> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (Block b : blocks(text)) {
      if (b.label().equals("CERTIFICATE") && seen.add(fingerprint(b.der()))) {
        out.add(b.toPem());
      }
    }
    return out;
  }

  /** The fingerprint of the first certificate of a bundle, or null when it has none. */
  public static String firstFingerprint(String text) {
    Set<String> all = certificateFingerprints(text);
    return all.isEmpty() ? null : all.iterator().next();
  }

  public static String fingerprint(byte[] der) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A key of a Secret's {@code data} (base64) or, failing that, {@code stringData}, as text. */
  public static String secretValue(JsonNode secret, String key) {
    JsonNode v = secret.path("data").get(key);
    if (v != null && v.isTextual()) {
      try {
        return new String(Base64.getMimeDecoder().decode(v.asText()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    JsonNode s = secret.path("stringData").get(key);
    return s != null && s.isTextual() ? s.asText() : null;
  }
}
