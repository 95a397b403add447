package dev.asmmigrate.sandbox.istio;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.sandbox.api.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/**
 * The TLS handshake the API server makes before it calls a webhook: it trusts exactly the
 * certificates of the webhook's {@code clientConfig.caBundle} (base64 of a PEM bundle in JSON), and
 * the backend presents a serving certificate signed by its own CA. The add-on's backends (the 1.4
 * injector, Galley, istiod 1.6: Services in istio-system) serve certificates of the add-on root
 * (the first certificate of {@code istio-system/istio-ca-secret} {@code ca-cert.pem}, as the
 * injector and Galley patch it into their webhooks); the managed control plane's endpoint serves
 * one of {@link #MANAGED_SERVING_CA}. None of them is in the API server's system roots, so a
 * webhook without a caBundle that holds its backend's CA cannot be called: the call fails as {@code
 * x509: certificate signed by unknown authority}.
 */
final class WebhookTls {
  /**
   * The CA of the managed control plane's webhook endpoint (the sandbox's stand-in, an EC P-256
   * self-signed CA generated once with openssl for the sandbox; it is not Google's).
   */
  static final String MANAGED_SERVING_CA =
      """
      -----BEGIN CERTIFICATE-----
      MIICFzCCAb2gAwIBAgIUbXh554A7HoKoGHPGxavvrEfbx3UwCgYIKoZIzj0EAwIw
      WDEQMA4GA1UECgwHc2FuZGJveDFEMEIGA1UEAww7bWFuYWdlZCBjb250cm9sIHBs
      YW5lIHdlYmhvb2sgc2VydmluZyBDQSAoc2FuZGJveCBzdGFuZC1pbikwIBcNMjYx
      MjA3MDAxNDU5WhgPMjEyNjExMTMwMDE0NTlaMFgxEDAOBgNVBAoMB3NhbmRib3gx
      RDBCBgNVBAMMO21hbmFnZWQgY29udHJvbCBwbGFuZSB3ZWJob29rIHNlcnZpbmcg
      Q0EgKHNhbmRib3ggc3RhbmQtaW4pMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
      b7GXF9b196KVI1j/OHpTW5f1fZYy8xwcd7nz2v/XHk1ZDQgeqfC+FvsaHdPtGJZC
      tW/UaT9RfZasfbxCUSEsuqNjMGEwHQYDVR0OBBYEFFb8KRia5KT/FPHLFRdEMiNi
      7nY5MB8GA1UdIwQYMBaAFFb8KRia5KT/FPHLFRdEMiNi7nY5MA8GA1UdEwEB/wQF
      MAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCICTq/FyJVZi1
      qlxO6XFOL5oZPixnaPjO1xsXH2owRQRlAiEA26sXQXWdZZqCj2HsaW7+tlN0Ep8i
      pDNbulguEYmLnHU=
      -----END CERTIFICATE-----
      """;

  private static final String MANAGED_CA = Pem.firstFingerprint(MANAGED_SERVING_CA);
  private static final String MANAGED_HOST = "https://meshconfig.googleapis.com/";

  /** {@code caBundle} as the API server stores it: base64 of the PEM bytes. */
  static String caBundle(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8));
  }

  /** The caBundle of the managed control plane's webhooks. */
  static String managedCaBundle() {
    return caBundle(MANAGED_SERVING_CA);
  }

  private final MeshTrust trust;

  WebhookTls(ObjectStore store) {
    // remembers the add-on root once seen: serving certificates outlive istio-ca-secret
    this.trust = new MeshTrust(store);
  }

  /**
   * Why the API server cannot complete the TLS handshake with the webhook's backend ({@code x509:
   * ...}), or null when the caBundle holds the CA of the backend's serving certificate. Webhooks
   * whose backend the sandbox does not know are not judged (null).
   */
  String handshakeFailure(JsonNode webhook) {
    JsonNode client = webhook.path("clientConfig");
    String servingCa;
    if (client.path("service").isObject()) {
      servingCa = trust.addOnRoot();
    } else if (client.path("url").asText("").startsWith(MANAGED_HOST)) {
      servingCa = MANAGED_CA;
    } else {
      return null;
    }
    String bundle = client.path("caBundle").asText("");
    if (bundle.isEmpty()) {
      return "x509: certificate signed by unknown authority";
    }
    Set<String> trusted;
    try {
      trusted =
          Pem.certificateFingerprints(
              new String(Base64.getDecoder().decode(bundle), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      trusted = Set.of();
    }
    if (trusted.isEmpty()) {
      return "x509: certificate signed by unknown authority (caBundle holds no PEM certificate)";
    }
    if (servingCa == null || !trusted.contains(servingCa)) {
      return "x509: certificate signed by unknown authority";
    }
    return null;
  }
}
