package dev.asmmigrate.sandbox.istio;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Real X.509 certificates for the simulated CAs, with nothing but the JDK: workload certificates as
 * Citadel issues them (empty subject, a critical SPIFFE URI SAN, signed by the CA key of {@code
 * istio-ca-secret}), serving certificates for the sandbox's HTTPS API (IP and DNS SANs), and
 * self-signed roots. A minimal DER writer builds the TBS structure; the JDK signs and parses.
 */
public final class Certificates {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final DateTimeFormatter UTC_TIME =
      DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

  private Certificates() {}

  /** A certificate and its private key, both PEM. */
  public record Issued(String certificatePem, String privateKeyPem) {}

  /**
   * A workload certificate for {@code spiffeId}, signed by the CA (first certificate of {@code
   * caCertPem}, key {@code caKeyPem}); empty when the CA cannot sign (no or unreadable key).
   */
  static Optional<Issued> issueWorkload(
      String caCertPem, String caKeyPem, String spiffeId, Instant now, long ttlSeconds) {
    return issueLeaf(
        caCertPem,
        caKeyPem,
        seq(),
        seq(tlv(0x86, spiffeId.getBytes(StandardCharsets.US_ASCII))),
        now,
        ttlSeconds);
  }

  /**
   * A TLS serving certificate ({@code CN=<commonName>}) for IP addresses and DNS names, signed by
   * the CA ({@code caCertPem}, {@code caKeyPem}), as a cluster's API server presents it.
   *
   * @throws IllegalArgumentException when the CA cannot sign or an address is not IPv4
   */
  public static Issued issueServing(
      String caCertPem,
      String caKeyPem,
      String commonName,
      List<String> ipAddresses,
      List<String> dnsNames,
      Instant now,
      long ttlSeconds) {
    ByteArrayOutputStream names = new ByteArrayOutputStream();
    for (String ip : ipAddresses) {
      String[] octets = ip.split("\\.");
      if (octets.length != 4) {
        throw new IllegalArgumentException("not an IPv4 address: " + ip);
      }
      byte[] raw = new byte[4];
      for (int i = 0; i < 4; i++) {
        raw[i] = (byte) Integer.parseInt(octets[i]);
      }
      names.writeBytes(tlv(0x87, raw));
    }
    for (String dns : dnsNames) {
      names.writeBytes(tlv(0x82, dns.getBytes(StandardCharsets.US_ASCII)));
    }
    byte[] subject = seq(set(seq(oid(OID_COMMON_NAME), tlv(0x0C, utf8(commonName)))));
    return issueLeaf(caCertPem, caKeyPem, subject, tlv(0x30, names.toByteArray()), now, ttlSeconds)
        .orElseThrow(() -> new IllegalArgumentException("the CA cannot sign"));
  }

  /**
   * A leaf certificate for {@code subject} (DER Name; an empty one makes the SAN critical) with the
   * GeneralNames {@code subjectAltNames}, for server and client authentication.
   */
  private static Optional<Issued> issueLeaf(
      String caCertPem,
      String caKeyPem,
      byte[] subject,
      byte[] subjectAltNames,
      Instant now,
      long ttlSeconds) {
    try {
      List<Pem.Block> caCerts =
          Pem.blocks(caCertPem).stream().filter(b -> b.label().equals("CERTIFICATE")).toList();
      Optional<PrivateKey> caKey = privateKey(caKeyPem);
      if (caCerts.isEmpty() || caKey.isEmpty()) {
        return Optional.empty();
      }
      X509Certificate ca = parse(caCerts.get(0).der());
      KeyPair leaf = ecKeyPair();
      boolean emptySubject = Arrays.equals(subject, seq());
      byte[] extensions =
          seq(
              extension(OID_KEY_USAGE, true, bitString(new byte[] {(byte) 0xA0}, 5)),
              extension(OID_EXT_KEY_USAGE, false, seq(oid(OID_SERVER_AUTH), oid(OID_CLIENT_AUTH))),
              extension(OID_BASIC_CONSTRAINTS, true, seq()),
              extension(OID_SUBJECT_ALT_NAME, emptySubject, subjectAltNames));
      byte[] der =
          sign(
              caKey.get(),
              ca.getSubjectX500Principal().getEncoded(),
              subject,
              leaf.getPublic().getEncoded(),
              now.minusSeconds(60),
              now.plusSeconds(ttlSeconds),
              tlv(0xA3, extensions));
      return Optional.of(
          new Issued(
              new Pem.Block("CERTIFICATE", der).toPem(),
              new Pem.Block("PRIVATE KEY", leaf.getPrivate().getEncoded()).toPem()));
    } catch (GeneralSecurityException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** A self-signed CA certificate ({@code O=<org>}), for tests, fixtures and the API's CA. */
  public static Issued selfSignedRoot(String organization, Instant now) {
    try {
      KeyPair kp = ecKeyPair();
      byte[] name = seq(set(seq(oid(OID_ORGANIZATION), tlv(0x0C, utf8(organization)))));
      byte[] extensions =
          seq(
              extension(OID_KEY_USAGE, true, bitString(new byte[] {(byte) 0x06}, 1)),
              extension(OID_BASIC_CONSTRAINTS, true, seq(new byte[] {0x01, 0x01, (byte) 0xFF})));
      byte[] der =
          sign(
              kp.getPrivate(),
              name,
              name,
              kp.getPublic().getEncoded(),
              now.minusSeconds(3600),
              now.plusSeconds(10L * 365 * 24 * 3600),
              tlv(0xA3, extensions));
      return new Issued(
          new Pem.Block("CERTIFICATE", der).toPem(),
          new Pem.Block("PRIVATE KEY", kp.getPrivate().getEncoded()).toPem());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static X509Certificate parse(byte[] der) throws GeneralSecurityException {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  // ---------------------------------------------------------------------------------------------

  private static final String OID_KEY_USAGE = "2.5.29.15";
  private static final String OID_EXT_KEY_USAGE = "2.5.29.37";
  private static final String OID_BASIC_CONSTRAINTS = "2.5.29.19";
  private static final String OID_SUBJECT_ALT_NAME = "2.5.29.17";
  private static final String OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final String OID_ORGANIZATION = "2.5.4.10";
  private static final String OID_COMMON_NAME = "2.5.4.3";
  private static final String OID_RSA = "1.2.840.113549.1.1.1";
  private static final String OID_SHA256_RSA = "1.2.840.113549.1.1.11";
  private static final String OID_EC = "1.2.840.10045.2.1";
  private static final String OID_SHA256_ECDSA = "1.2.840.10045.4.3.2";

  private static byte[] sign(
      PrivateKey issuerKey,
      byte[] issuer,
      byte[] subject,
      byte[] subjectPublicKeyInfo,
      Instant notBefore,
      Instant notAfter,
      byte[] extensions)
      throws GeneralSecurityException {
    boolean rsa = issuerKey.getAlgorithm().equals("RSA");
    byte[] algorithm =
        rsa ? seq(oid(OID_SHA256_RSA), new byte[] {0x05, 0x00}) : seq(oid(OID_SHA256_ECDSA));
    byte[] tbs =
        seq(
            tlv(0xA0, integer(BigInteger.valueOf(2))),
            integer(new BigInteger(127, RANDOM).add(BigInteger.ONE)),
            algorithm,
            issuer,
            seq(utcTime(notBefore), utcTime(notAfter)),
            subject,
            subjectPublicKeyInfo,
            extensions);
    Signature signer = Signature.getInstance(rsa ? "SHA256withRSA" : "SHA256withECDSA");
    signer.initSign(issuerKey);
    signer.update(tbs);
    return seq(tbs, algorithm, bitString(signer.sign(), 0));
  }

  private static KeyPair ecKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  /** A PKCS#8, PKCS#1 (RSA) or SEC1 (EC) private key, as Istio's CA secrets hold them. */
  public static Optional<PrivateKey> privateKey(String pem) {
    for (Pem.Block b : Pem.blocks(pem)) {
      try {
        byte[] pkcs8 =
            switch (b.label()) {
              case "PRIVATE KEY" -> b.der();
              case "RSA PRIVATE KEY" ->
                  seq(
                      integer(BigInteger.ZERO),
                      seq(oid(OID_RSA), new byte[] {0x05, 0x00}),
                      tlv(0x04, b.der()));
              case "EC PRIVATE KEY" ->
                  seq(
                      integer(BigInteger.ZERO),
                      seq(oid(OID_EC), ecCurveOf(b.der())),
                      tlv(0x04, b.der()));
              default -> null;
            };
        if (pkcs8 == null) {
          continue;
        }
        for (String algorithm : List.of("RSA", "EC")) {
          try {
            return Optional.of(
                KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
          } catch (GeneralSecurityException e) {
            // try the next algorithm
          }
        }
      } catch (RuntimeException e) {
        // a malformed key: try the next block
      }
    }
    return Optional.empty();
  }

  /** The named-curve OID inside a SEC1 ECPrivateKey's {@code [0] parameters}. */
  private static byte[] ecCurveOf(byte[] sec1) {
    int i = headerLength(sec1, 0);
    while (i < sec1.length) {
      int tag = sec1[i] & 0xFF;
      int len = contentLength(sec1, i);
      int header = headerLength(sec1, i);
      if (tag == 0xA0) {
        return Arrays.copyOfRange(sec1, i + header, i + header + len);
      }
      i += header + len;
    }
    throw new IllegalArgumentException("EC key without named curve");
  }

  private static int headerLength(byte[] der, int at) {
    int first = der[at + 1] & 0xFF;
    return first < 0x80 ? 2 : 2 + (first & 0x7F);
  }

  private static int contentLength(byte[] der, int at) {
    int first = der[at + 1] & 0xFF;
    if (first < 0x80) {
      return first;
    }
    int len = 0;
    for (int k = 0; k < (first & 0x7F); k++) {
      len = (len << 8) | (der[at + 2 + k] & 0xFF);
    }
    return len;
  }

  private static byte[] extension(String oid, boolean critical, byte[] value) {
    return critical
        ? seq(oid(oid), new byte[] {0x01, 0x01, (byte) 0xFF}, tlv(0x04, value))
        : seq(oid(oid), tlv(0x04, value));
  }

  private static byte[] utcTime(Instant t) {
    return tlv(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] integer(BigInteger v) {
    return tlv(0x02, v.toByteArray());
  }

  private static byte[] bitString(byte[] bits, int unused) {
    byte[] content = new byte[bits.length + 1];
    content[0] = (byte) unused;
    System.arraycopy(bits, 0, content, 1, bits.length);
    return tlv(0x03, content);
  }

  private static byte[] oid(String dotted) {
    String[] parts = dotted.split("\\.");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(Integer.parseInt(parts[0]) * 40 + Integer.parseInt(parts[1]));
    for (int i = 2; i < parts.length; i++) {
      long v = Long.parseLong(parts[i]);
      byte[] tmp = new byte[10];
      int n = 0;
      do {
        tmp[n++] = (byte) (v & 0x7F);
        v >>= 7;
      } while (v > 0);
      for (int k = n - 1; k >= 0; k--) {
        out.write(tmp[k] | (k > 0 ? 0x80 : 0));
      }
    }
    return tlv(0x06, out.toByteArray());
  }

  private static byte[] seq(byte[]... parts) {
    return tlv(0x30, concat(parts));
  }

  private static byte[] set(byte[]... parts) {
    return tlv(0x31, concat(parts));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = content.length;
    if (len < 0x80) {
      out.write(len);
    } else {
      byte[] l = BigInteger.valueOf(len).toByteArray();
      int skip = l[0] == 0 ? 1 : 0;
      out.write(0x80 | (l.length - skip));
      out.write(l, skip, l.length - skip);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
