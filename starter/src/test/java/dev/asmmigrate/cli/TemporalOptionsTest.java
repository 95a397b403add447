package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.serviceclient.GrpcMetadataProvider;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The Temporal connection options: TLS, mTLS and API keys against a local gRPC server that serves
 * TLS with a test PKI (src/test/resources/tls) and records what each call carried; and the usage
 * errors for bad input, which touch nothing.
 */
class TemporalOptionsTest {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir static Path dir;
  static Path ca;
  static Path clientCert;
  static Path clientKey;
  static Path serverCert;
  static Path serverKey;

  @BeforeAll
  static void pki() throws IOException {
    ca = copy("ca.pem");
    clientCert = copy("client.pem");
    clientKey = copy("client.key");
    serverCert = copy("server.pem");
    serverKey = copy("server.key");
  }

  static Path copy(String name) throws IOException {
    try (InputStream in = TemporalOptionsTest.class.getResourceAsStream("/tls/" + name)) {
      Path file = dir.resolve(name);
      Files.copy(in, file);
      return file;
    }
  }

  /** What a TLS Temporal frontend saw: Authorization headers and client certificate subjects. */
  static final class TlsFrontend implements AutoCloseable {
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    final List<String> clientSubjects = new CopyOnWriteArrayList<>();
    final Server server;

    TlsFrontend(ClientAuth clientAuth) throws IOException {
      SslContextBuilder tls =
          GrpcSslContexts.forServer(serverCert.toFile(), serverKey.toFile())
              .trustManager(ca.toFile())
              .clientAuth(clientAuth);
      HealthStatusManager health = new HealthStatusManager();
      health.setStatus(WorkflowServiceStubs.HEALTH_CHECK_SERVICE_NAME, ServingStatus.SERVING);
      ServerInterceptor record =
          new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
              authorizations.add(String.valueOf(headers.get(AUTHORIZATION)));
              SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
              try {
                clientSubjects.add(
                    ((X509Certificate) session.getPeerCertificates()[0])
                        .getSubjectX500Principal()
                        .getName());
              } catch (SSLPeerUnverifiedException e) {
                clientSubjects.add("none");
              }
              return next.startCall(call, headers);
            }
          };
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .sslContext(tls.build())
              .addService(ServerInterceptors.intercept(health.getHealthService(), record))
              .addService(
                  ServerInterceptors.intercept(
                      new WorkflowServiceGrpc.WorkflowServiceImplBase() {
                        @Override
                        public void getSystemInfo(
                            GetSystemInfoRequest request,
                            StreamObserver<GetSystemInfoResponse> response) {
                          response.onNext(GetSystemInfoResponse.getDefaultInstance());
                          response.onCompleted();
                        }
                      },
                      record))
              .build()
              .start();
    }

    String address() {
      return "127.0.0.1:" + server.getPort();
    }

    @Override
    public void close() {
      server.shutdownNow();
    }
  }

  static TemporalOptions options(String address) {
    TemporalOptions o = new TemporalOptions();
    o.address = address;
    o.namespace = "default";
    o.environment = Map.of();
    return o;
  }

  @Test
  void givenAClientCertificateAndAServerName_whenConnecting_itShouldAuthenticateWithMutualTls()
      throws Exception {
    try (TlsFrontend frontend = new TlsFrontend(ClientAuth.REQUIRE)) {
      TemporalOptions o = options(frontend.address());
      o.tlsCert = clientCert;
      o.tlsKey = clientKey;
      o.tlsCa = ca;
      // The server's certificate names server.test, not 127.0.0.1.
      o.tlsServerName = "server.test";

      WorkflowServiceStubs stubs = o.connect();
      try {
        assertThat(stubs.getOptions().getSslContext()).isNotNull();
        assertThat(frontend.clientSubjects).isNotEmpty().containsOnly("CN=asm-migrate-client");
        assertThat(frontend.authorizations).containsOnly("null");
        assertThat(o.describeSecurity()).isEqualTo("TLS with client certificate " + clientCert);
      } finally {
        stubs.shutdownNow();
      }
    }
  }

  @Test
  void givenAnApiKeyFile_whenConnecting_itShouldSendItAsABearerTokenOverTlsAndNeverShowIt()
      throws Exception {
    Path keyFile = dir.resolve("api-key");
    Files.writeString(keyFile, "tmprl-test-key-0123456789\n");
    try (TlsFrontend frontend = new TlsFrontend(ClientAuth.NONE)) {
      TemporalOptions o = options(frontend.address());
      o.apiKeyFile = keyFile;
      o.tlsCa = ca;
      o.tlsServerName = "server.test";

      WorkflowServiceStubs stubs = o.connect();
      try {
        assertThat(frontend.authorizations)
            .isNotEmpty()
            .containsOnly("Bearer tmprl-test-key-0123456789");
        assertThat(frontend.clientSubjects).containsOnly("none");
        assertThat(stubs.getOptions().toString()).doesNotContain("tmprl-test-key");
        assertThat(o.describeSecurity()).isEqualTo("TLS with an API key");
      } finally {
        stubs.shutdownNow();
      }
    }
  }

  @Test
  void givenTemporalApiKeyInTheEnvironment_itShouldTurnOnTlsAndCarryTheKey() {
    TemporalOptions o = options("tenant.a1b2c.tmprl.cloud:7233");
    o.environment = Map.of(TemporalOptions.API_KEY_ENV, "env-key");

    WorkflowServiceStubsOptions stubs = o.stubsOptions(null);

    assertThat(stubs.getSslContext()).as("TLS with the system's CAs").isNotNull();
    assertThat(stubs.getGrpcMetadataProviders())
        .extracting(GrpcMetadataProvider::getMetadata)
        .extracting(m -> m.get(AUTHORIZATION))
        .containsExactly("Bearer env-key");
  }

  @Test
  void givenNoSecurityOption_itShouldStayPlaintext() {
    WorkflowServiceStubsOptions stubs = options("127.0.0.1:7233").stubsOptions(null);

    assertThat(stubs.getSslContext()).isNull();
    assertThat(stubs.getEnableHttps()).isFalse();
    assertThat(stubs.getGrpcMetadataProviders()).isNullOrEmpty();
  }

  @Test
  void givenTlsOnly_itShouldUseTheSystemCasWithoutAClientCertificate() {
    TemporalOptions o = options("127.0.0.1:7233");
    o.tls = true;

    assertThat(o.stubsOptions(null).getSslContext()).isNotNull();
    assertThat(o.describeSecurity()).isEqualTo("TLS");
  }

  record Run(int exit, String out, String err) {}

  static Run worker(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    List<String> all = new java.util.ArrayList<>(List.of("worker"));
    if (!List.of(args).contains("--temporal")) {
      // Nothing listens there: a usage error must come before any connection.
      all.addAll(List.of("--temporal", "127.0.0.1:1"));
    }
    all.addAll(List.of(args));
    int exit = cl.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  static void assertUsage(Run run, String message) {
    assertThat(run.exit()).as(run.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains(message);
    assertThat(run.out()).isEmpty();
  }

  @Test
  void givenHalfAClientCertificate_itShouldBeAUsageError() {
    assertUsage(worker("--tls-key", clientKey.toString()), "--tls-key needs --tls-cert");
    assertUsage(worker("--tls-cert", clientCert.toString()), "--tls-cert needs --tls-key");
  }

  @Test
  void givenUnreadableOrInvalidFiles_itShouldNameTheOptionAndTheProblem() throws IOException {
    Path missing = dir.resolve("missing.pem");
    Path pkcs1 = dir.resolve("rsa.key");
    Files.writeString(
        pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
    Path der = dir.resolve("cert.der");
    Files.write(der, new byte[] {0x30, (byte) 0x82, 0x01, 0x0a, (byte) 0xff, 0x00});

    assertUsage(
        worker("--tls-cert", missing.toString(), "--tls-key", clientKey.toString()),
        "--tls-cert " + missing + ": cannot read it");
    assertUsage(
        worker("--tls-cert", clientKey.toString(), "--tls-key", clientKey.toString()),
        "--tls-cert " + clientKey + ": ");
    assertUsage(
        worker("--tls-cert", clientCert.toString(), "--tls-key", pkcs1.toString()),
        "not a PKCS#8 PEM private key");
    assertUsage(worker("--tls-ca", der.toString()), "--tls-ca " + der + ": not a PEM certificate");
    assertUsage(worker("--tls-server-name", ""), "--tls-server-name must not be empty");
    assertUsage(worker("--temporal", "no-port"), "--temporal must be HOST:PORT");
  }

  @Test
  void givenBadApiKeys_itShouldBeAUsageErrorThatNeverPrintsTheKey() throws IOException {
    Path empty = dir.resolve("empty-key");
    Files.writeString(empty, "\n");
    Path keyFile = dir.resolve("key");
    Files.writeString(keyFile, "k");

    assertUsage(
        worker("--api-key", "SECRET-1", "--api-key-file", keyFile.toString()),
        "--api-key or --api-key-file, not both");
    assertUsage(worker("--api-key-file", empty.toString()), "the API key is empty");
    Run spaced = worker("--api-key", "SECRET 2");
    assertUsage(spaced, "characters a gRPC header cannot carry");
    assertThat(spaced.err()).doesNotContain("SECRET");
  }

  @Test
  void givenHelp_itShouldListTheConnectionOptions() {
    Run help = worker("--help");

    assertThat(help.exit()).isZero();
    assertThat(help.out())
        .contains("--tls-cert", "--tls-key", "--tls-ca", "--tls-server-name", "--api-key-file")
        .contains("--metrics-port", "--health-port", "--grace");
  }

  @Test
  void givenAPortOutOfRange_itShouldBeAUsageError() {
    assertUsage(worker("--metrics-port", "70000"), "--metrics-port must be a port");
  }
}
