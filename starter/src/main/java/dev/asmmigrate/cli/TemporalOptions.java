package dev.asmmigrate.cli;

import com.uber.m3.tally.Scope;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.converter.DataConverter;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where the Temporal server is and how to authenticate to it: shared by every command that talks to
 * it. Plaintext by default (a local server); TLS with the system's or a given CA, mTLS with a
 * client certificate, or a Temporal Cloud API key sent as a bearer token over TLS.
 */
final class TemporalOptions {
  static final String API_KEY_ENV = "TEMPORAL_API_KEY";

  @Option(
      names = "--temporal",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:TEMPORAL_ADDRESS:-127.0.0.1:7233}",
      description = "Temporal frontend address (default: $TEMPORAL_ADDRESS or ${DEFAULT-VALUE}).")
  String address;

  @Option(
      names = "--temporal-namespace",
      paramLabel = "NAMESPACE",
      defaultValue = "${env:TEMPORAL_NAMESPACE:-default}",
      description = "Temporal namespace (default: $TEMPORAL_NAMESPACE or ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--tls",
      defaultValue = "${env:TEMPORAL_TLS:-false}",
      description =
          "Connect over TLS without a client certificate, checking the server against the system's"
              + " CAs or --tls-ca (default: $TEMPORAL_TLS or false). Implied by the other --tls-*"
              + " options and by an API key.")
  boolean tls;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      defaultValue = "${env:TEMPORAL_TLS_CERT}",
      description =
          "Client certificate chain (PEM) for mTLS, with --tls-key (default: $TEMPORAL_TLS_CERT).")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      defaultValue = "${env:TEMPORAL_TLS_KEY}",
      description =
          "Private key (PEM, PKCS#8: BEGIN PRIVATE KEY) of --tls-cert (default: $TEMPORAL_TLS_KEY).")
  Path tlsKey;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      defaultValue = "${env:TEMPORAL_TLS_CA}",
      description =
          "CA certificates (PEM) to check the server's certificate with (default: $TEMPORAL_TLS_CA,"
              + " else the system's CAs).")
  Path tlsCa;

  @Option(
      names = "--tls-server-name",
      paramLabel = "NAME",
      defaultValue = "${env:TEMPORAL_TLS_SERVER_NAME}",
      description =
          "Server name to send (SNI) and expect in the server's certificate when it is not HOST"
              + " (default: $TEMPORAL_TLS_SERVER_NAME).")
  String tlsServerName;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      description =
          "Temporal Cloud API key, sent as 'Authorization: Bearer KEY' over TLS (default:"
              + " $TEMPORAL_API_KEY). Prefer --api-key-file or the variable: a command line is"
              + " visible to other users of the machine.")
  String apiKey;

  @Option(
      names = "--api-key-file",
      paramLabel = "FILE",
      description = "File whose first line is the Temporal Cloud API key.")
  Path apiKeyFile;

  /** The environment the API key may come from; tests replace it. */
  Map<String, String> environment = System.getenv();

  @Mixin CodecOptions codec;

  /** The payloads' data converter; call it before connecting so a bad key changes nothing. */
  DataConverter dataConverter() {
    return codec.dataConverter();
  }

  /** A client of the namespace whose payloads go through {@code dataConverter}. */
  WorkflowClient client(WorkflowServiceStubs service, DataConverter dataConverter) {
    return WorkflowClient.newInstance(
        service,
        WorkflowClientOptions.newBuilder()
            .setNamespace(namespace)
            .setDataConverter(dataConverter)
            .build());
  }

  WorkflowServiceStubs connect() {
    return connect(null, Duration.ofSeconds(10));
  }

  /**
   * Connects, retrying for up to {@code timeout}, and reports the SDK's client metrics to {@code
   * metricsScope} when it is not null.
   */
  WorkflowServiceStubs connect(Scope metricsScope, Duration timeout) {
    // The SDK gives up on a slow first answer (5 s per attempt): a loaded server gets longer.
    Duration attempt =
        timeout.dividedBy(2).compareTo(Duration.ofSeconds(5)) > 0
            ? timeout.dividedBy(2)
            : Duration.ofSeconds(5);
    WorkflowServiceStubsOptions options =
        WorkflowServiceStubsOptions.newBuilder(stubsOptions(metricsScope))
            .setHealthCheckAttemptTimeout(attempt)
            .setSystemInfoTimeout(attempt)
            .build();
    try {
      return WorkflowServiceStubs.newConnectedServiceStubs(options, timeout);
    } catch (RuntimeException e) {
      throw new UserError(
          ExitCodes.UNEXPECTED,
          "cannot reach Temporal at "
              + address
              + (options.getSslContext() == null ? "" : " over TLS")
              + " ("
              + e.getMessage()
              + "); start one with './asm-migrate server' or docker compose up");
    }
  }

  /**
   * The service stubs' options these flags describe, validated.
   *
   * @throws UserError USAGE for a malformed address, a key without its certificate (or the
   *     reverse), unreadable or invalid certificate, key or API key files
   */
  WorkflowServiceStubsOptions stubsOptions(Scope metricsScope) {
    if (address == null || !address.matches("[^:/\\s]+:\\d+")) {
      throw usage("--temporal must be HOST:PORT, got '" + address + "'");
    }
    String key = apiKey();
    WorkflowServiceStubsOptions.Builder builder =
        WorkflowServiceStubsOptions.newBuilder().setTarget(address);
    if (tlsEnabled(key)) {
      builder.setSslContext(sslContext());
    }
    if (tlsServerName != null) {
      if (tlsServerName.isBlank()) {
        throw usage("--tls-server-name must not be empty");
      }
      String authority = tlsServerName;
      builder.setChannelInitializer(channel -> channel.overrideAuthority(authority));
    }
    if (key != null) {
      builder.addApiKey(() -> key);
    }
    if (metricsScope != null) {
      builder.setMetricsScope(metricsScope);
    }
    return builder.build();
  }

  /** How the connection is secured, for messages: never the key itself. */
  String describeSecurity() {
    String key = apiKey();
    if (!tlsEnabled(key)) {
      return "plaintext";
    }
    return "TLS"
        + (tlsCert != null ? " with client certificate " + tlsCert : "")
        + (key != null ? " with an API key" : "");
  }

  private boolean tlsEnabled(String key) {
    return tls
        || tlsCert != null
        || tlsKey != null
        || tlsCa != null
        || tlsServerName != null
        || key != null;
  }

  /** The API key: --api-key-file, else --api-key, else $TEMPORAL_API_KEY; null without one. */
  private String apiKey() {
    if (apiKey != null && apiKeyFile != null) {
      throw usage("give the API key once: --api-key or --api-key-file, not both");
    }
    String key;
    String from;
    if (apiKeyFile != null) {
      String text = read(apiKeyFile, "--api-key-file");
      key = text.lines().findFirst().orElse("").strip();
      from = "--api-key-file " + apiKeyFile;
    } else if (apiKey != null) {
      key = apiKey.strip();
      from = "--api-key";
    } else {
      key = environment.get(API_KEY_ENV);
      if (key == null) {
        return null;
      }
      key = key.strip();
      from = "$" + API_KEY_ENV;
    }
    if (key.isEmpty()) {
      throw usage(from + ": the API key is empty");
    }
    if (!key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      // Not printed: a malformed key may still be most of a real one.
      throw usage(from + ": the API key holds spaces or characters a gRPC header cannot carry");
    }
    return key;
  }

  private SslContext sslContext() {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw usage(
          tlsCert == null
              ? "--tls-key needs --tls-cert (the client certificate it belongs to)"
              : "--tls-cert needs --tls-key (its private key)");
    }
    SimpleSslContextBuilder builder;
    if (tlsCert != null) {
      byte[] cert = certificates(tlsCert, "--tls-cert");
      byte[] key = read(tlsKey, "--tls-key").getBytes(StandardCharsets.US_ASCII);
      if (!new String(key, StandardCharsets.US_ASCII).contains("-----BEGIN PRIVATE KEY-----")) {
        throw usage(
            "--tls-key "
                + tlsKey
                + ": not a PKCS#8 PEM private key (BEGIN PRIVATE KEY); convert one with"
                + " 'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8'");
      }
      builder =
          SimpleSslContextBuilder.forPKCS8(
              new ByteArrayInputStream(cert), new ByteArrayInputStream(key));
    } else {
      builder = SimpleSslContextBuilder.noKeyOrCertChain();
    }
    if (tlsCa != null) {
      builder.setTrustManager(trustManager(certificates(tlsCa, "--tls-ca")));
    }
    try {
      return builder.build();
    } catch (IOException | RuntimeException e) {
      throw usage(
          "--tls-cert "
              + tlsCert
              + " / --tls-key "
              + tlsKey
              + ": cannot build a TLS client from them ("
              + rootMessage(e)
              + ")");
    }
  }

  /** The file's PEM certificates, checked to parse as X.509. */
  private static byte[] certificates(Path file, String option) {
    byte[] pem = read(file, option).getBytes(StandardCharsets.US_ASCII);
    try {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem));
      if (certs.isEmpty()) {
        throw usage(option + " " + file + ": no PEM certificate in it");
      }
    } catch (CertificateException e) {
      throw usage(option + " " + file + ": not a PEM certificate (" + rootMessage(e) + ")");
    }
    return pem;
  }

  private static TrustManager trustManager(byte[] caPem) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate ca :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(caPem))) {
        store.setCertificateEntry("ca-" + i++, ca);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return factory.getTrustManagers()[0];
    } catch (GeneralSecurityException | IOException e) {
      throw usage("--tls-ca: cannot use its certificates (" + rootMessage(e) + ")");
    }
  }

  private static String read(Path file, String option) {
    try {
      // Latin-1 maps every byte: a binary (DER) file then fails as "not PEM", not as unreadable.
      return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    } catch (IOException | RuntimeException e) {
      throw usage(option + " " + file + ": cannot read it (" + rootMessage(e) + ")");
    }
  }

  private static UserError usage(String message) {
    return new UserError(ExitCodes.USAGE, message);
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }
}
