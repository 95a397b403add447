package dev.asmmigrate.config.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.workflows.model.IstioNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Mixer objects the Istio on GKE add-on installs in {@code istio-system}, known by the SHA-256
 * digest of their spec: {@code config/check/addon-mixer-defaults/known-default-spec-sha256.json},
 * Google's list from its migration tool (see the NOTICE and LICENSE beside it), per kind, across
 * every add-on version. The one place that decides whether a Mixer object is the add-on's own:
 * config-check reports the others, cleanup deletes only these.
 *
 * <ul>
 *   <li>{@code handler}, {@code instance}, {@code rule} in {@code istio-system}: a default when
 *       {@link #specDigest} of its spec is listed for its kind (whatever its name or add-on
 *       version);
 *   <li>{@code attributemanifest}: the list has none (Google's tool does not check the kind); the
 *       add-on installs exactly two, under fixed names, {@code istio-system/istioproxy} and {@code
 *       istio-system/kubernetes}, which its cleanup deletes by name. Those two are defaults by
 *       name; any other attributemanifest is custom.
 * </ul>
 */
public final class MixerDefaults {
  public static final String API_GROUP = "config.istio.io";
  public static final String API_VERSION = API_GROUP + "/v1alpha2";
  public static final String NAMESPACE = IstioNames.ISTIO_SYSTEM;

  /** The Mixer kinds config-check and cleanup look at. */
  public static final List<String> KINDS =
      List.of("attributemanifest", "handler", "instance", "rule");

  /** The add-on's attributemanifests, by name (not in the digest list). */
  public static final Set<String> ATTRIBUTE_MANIFESTS = Set.of("istioproxy", "kubernetes");

  private static final String RESOURCE =
      "/config/check/addon-mixer-defaults/known-default-spec-sha256.json";
  private static final MixerDefaults INSTANCE = load();

  private final Map<String, Set<String>> digests;

  private MixerDefaults(Map<String, Set<String>> digests) {
    this.digests = Map.copyOf(digests);
  }

  public static MixerDefaults get() {
    return INSTANCE;
  }

  public static boolean isMixerObject(JsonNode object) {
    String apiVersion = object.path("apiVersion").asText();
    return apiVersion.startsWith(API_GROUP + "/") && KINDS.contains(object.path("kind").asText());
  }

  /** True when {@code object} is one of the add-on's default Mixer objects, unchanged. */
  public boolean isDefault(JsonNode object) {
    if (!isMixerObject(object)) {
      return false;
    }
    JsonNode metadata = object.path("metadata");
    if (!NAMESPACE.equals(metadata.path("namespace").asText())) {
      return false;
    }
    String kind = object.path("kind").asText();
    if (kind.equals("attributemanifest")) {
      return ATTRIBUTE_MANIFESTS.contains(metadata.path("name").asText());
    }
    return isDefaultSpec(kind, object.path("spec"));
  }

  /** True when the digest of {@code spec} is listed for {@code kind}. */
  public boolean isDefaultSpec(String kind, JsonNode spec) {
    return digests.getOrDefault(kind, Set.of()).contains(specDigest(spec));
  }

  /** The number of digests listed for {@code kind}. */
  public int size(String kind) {
    return digests.getOrDefault(kind, Set.of()).size();
  }

  /**
   * The digest Google's tool computes of a spec: SHA-256, lower-case hex, of the spec as {@code
   * kubectl -o jsonpath='{.spec}'} prints it (Go's {@code encoding/json}: compact, object keys in
   * byte order, {@code <>&} and U+2028/U+2029 escaped, integral numbers without a fraction) with
   * newlines removed. A missing spec prints nothing: the digest of no bytes.
   */
  public static String specDigest(JsonNode spec) {
    String text = spec == null || spec.isMissingNode() ? "" : goJson(spec);
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(text.replace("\n", "").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256", e);
    }
  }

  /** {@code node} as Go's {@code json.Marshal} writes the same value. */
  static String goJson(JsonNode node) {
    StringBuilder b = new StringBuilder();
    write(node, b);
    return b.toString();
  }

  private static void write(JsonNode node, StringBuilder b) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      b.append("null");
    } else if (node.isObject()) {
      List<String> names = new ArrayList<>();
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        names.add(it.next());
      }
      // Go sorts map keys by their UTF-8 bytes
      names.sort((x, y) -> Arrays.compareUnsigned(utf8(x), utf8(y)));
      b.append('{');
      for (int i = 0; i < names.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        string(names.get(i), b);
        b.append(':');
        write(node.get(names.get(i)), b);
      }
      b.append('}');
    } else if (node.isArray()) {
      b.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        write(node.get(i), b);
      }
      b.append(']');
    } else if (node.isTextual()) {
      string(node.asText(), b);
    } else if (node.isBoolean()) {
      b.append(node.booleanValue());
    } else if (node.isIntegralNumber()) {
      b.append(node.bigIntegerValue());
    } else if (node.isNumber()) {
      b.append(goFloat(node.decimalValue(), node.doubleValue()));
    } else {
      string(node.asText(), b);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A float64 as Go's encoder writes it: integral values without a fraction, plain notation between
   * 1e-6 and 1e21, else exponent notation ({@code 1e-7}, {@code 1.5e+21}).
   */
  static String goFloat(BigDecimal exact, double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e21) {
      return new BigDecimal(value).toBigInteger().toString();
    }
    double abs = Math.abs(value);
    BigDecimal shortest = new BigDecimal(Double.toString(value)).stripTrailingZeros();
    if (abs >= 1e-6 && abs < 1e21) {
      return shortest.toPlainString();
    }
    String digits = shortest.unscaledValue().abs().toString();
    int exponent = digits.length() - 1 - shortest.scale();
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return (value < 0 ? "-" : "")
        + mantissa
        + "e"
        + (exponent < 0 ? "-" : "+")
        + (exponent > 0 && exponent < 10 ? "0" : "")
        + Math.abs(exponent);
  }

  /** A JSON string as Go's encoder escapes it (HTML-safe, as kubectl prints it). */
  private static void string(String s, StringBuilder b) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '<', '>', '&', '\u2028', '\u2029' -> b.append(String.format("\\u%04x", (int) c));
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static MixerDefaults load() {
    try (InputStream in = MixerDefaults.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      JsonNode root = new ObjectMapper().readTree(in);
      Map<String, Set<String>> digests = new java.util.HashMap<>();
      for (String kind : List.of("handler", "instance", "rule")) {
        Set<String> set = new java.util.HashSet<>();
        root.path(kind).forEach(d -> set.add(d.asText()));
        if (set.isEmpty()) {
          throw new IllegalStateException(RESOURCE + " lists no " + kind);
        }
        digests.put(kind, Set.copyOf(set));
      }
      return new MixerDefaults(digests);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
