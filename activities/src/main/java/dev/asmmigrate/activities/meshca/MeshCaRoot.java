package dev.asmmigrate.activities.meshca;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Google's public Mesh CA root certificate (resource {@code meshca/meshca-root.pem}, the {@code
 * MESH_CA_ROOT} of Google's migrate-addon script), and how to find it in a PEM bundle: by the
 * certificate's DER bytes, not by text, so line wrapping and neighbouring certificates do not
 * matter.
 */
public final class MeshCaRoot {
  /** The root as PEM text, ending with a newline. */
  public static final String PEM = load();

  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]*?)-----END CERTIFICATE-----");
  private static final byte[] DER = certificates(PEM).get(0);

  private MeshCaRoot() {}

  /** How many times the Mesh CA root is in {@code bundle} (null or empty: 0). */
  public static int occurrences(String bundle) {
    if (bundle == null) {
      return 0;
    }
    int n = 0;
    for (byte[] der : certificates(bundle)) {
      if (Arrays.equals(der, DER)) {
        n++;
      }
    }
    return n;
  }

  public static boolean in(String bundle) {
    return occurrences(bundle) > 0;
  }

  /** The DER bytes of every certificate of a PEM text, in order; malformed blocks are skipped. */
  static List<byte[]> certificates(String pem) {
    List<byte[]> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      try {
        out.add(Base64.getMimeDecoder().decode(m.group(1)));
      } catch (IllegalArgumentException malformed) {
        // not a certificate we can compare; ignore it
      }
    }
    return out;
  }

  /** {@code bundle} with the Mesh CA root appended, unless it is in it already. */
  static String appendOnce(String bundle) {
    String base = bundle == null ? "" : bundle;
    if (in(base)) {
      return base;
    }
    if (!base.isEmpty() && !base.endsWith("\n")) {
      base = base + "\n";
    }
    return base + PEM;
  }

  private static String load() {
    try (InputStream in =
        MeshCaRoot.class.getClassLoader().getResourceAsStream("meshca/meshca-root.pem")) {
      if (in == null) {
        throw new IllegalStateException("missing resource meshca/meshca-root.pem");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      return text.endsWith("\n") ? text : text + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
