package dev.asmmigrate.activities.google;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.preflight.PreflightActivitiesImpl;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.access.TokenEndpoint;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.activities.PreflightActivities;
import dev.asmmigrate.workflows.activities.PreflightActivities.PreflightRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.PreflightReport;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.failure.ApplicationFailure;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cluster access without a kubeconfig against a secure sandbox: HTTPS with a cluster CA, bearer
 * tokens required, a token endpoint issuing them for the sandbox's service account key, and the
 * endpoint and CA in GKE's GetCluster. The worker has no kubeconfig; google-auth-library's real
 * JWT-bearer flow gets the token.
 */
class GkeAccessTest {
  static Sandbox sandbox;
  static Path dir;
  static Path keyFile;
  static ClusterRef cluster;
  static KubeClients clients;

  @BeforeAll
  static void start() throws IOException {
    sandbox =
        Sandbox.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .podReadyDelay(Duration.ofMillis(100))
                .secure(true)
                .build());
    dir = Files.createTempDirectory("asm-migrate-gke-access");
    keyFile = sandbox.writeServiceAccountKey(dir.resolve("sa-key.json"));
    var s = sandbox.settings();
    cluster = new ClusterRef(s.project(), s.location(), s.cluster());
    clients = new KubeClients();
  }

  @AfterAll
  static void stop() {
    clients.close();
    sandbox.close();
  }

  static Connection viaGoogle(Path key) {
    return Connection.viaGoogle(cluster, sandbox.googleEndpoint(), key.toString());
  }

  @Test
  void givenNoKubeconfig_whenPreflightAndAWriteGoThroughGoogle_theyShouldReachTheClusterWithAToken()
      throws IOException {
    // the sandbox's own controllers work through the secure API too: its workloads roll out
    assertThat(sandbox.awaitSettled(Duration.ofSeconds(60))).isTrue();
    assertThat(Files.getPosixFilePermissions(keyFile))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    Connection connection = viaGoogle(keyFile);
    int grantsBefore = sandbox.tokenEndpoint().log().size();

    try (TestActivities activities = new TestActivities();
        GoogleClients google = new GoogleClients()) {
      PreflightActivities preflight =
          activities.stub(
              PreflightActivities.class,
              new PreflightActivitiesImpl(clients, new BackupStores(clients), google));
      MigrationContext ctx =
          new MigrationContext(
              UUID.randomUUID().toString(), cluster, connection, "asm-managed", null);
      PreflightReport report = preflight.preflight(new PreflightRequest(ctx, List.of()));
      assertThat(report.addonVersions()).containsExactly(AddonVersion.V1_4);
    }
    KubernetesClient client = clients.client(connection);
    client
        .configMaps()
        .inNamespace("default")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("written-through-google")
                .endMetadata()
                .withData(Map.of("k", "v"))
                .build())
        .serverSideApply();
    assertThat(
            sandbox.store().get(ResourceRegistry.CONFIGMAPS, "default", "written-through-google"))
        .hasValueSatisfying(cm -> assertThat(cm.path("data").path("k").asText()).isEqualTo("v"));

    List<TokenEndpoint.Grant> grants = sandbox.tokenEndpoint().log();
    assertThat(grants.subList(grantsBefore, grants.size()))
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.issued()).isTrue();
              assertThat(g.clientEmail()).startsWith("asm-migrate@" + cluster.project());
              assertThat(g.scope()).isEqualTo(GkeAccess.CLOUD_PLATFORM);
            });
    assertThat(sandbox.apiServer().requestLog().entries())
        .anySatisfy(e -> assertThat(e.userAgent()).startsWith(KubeClients.USER_AGENT));
  }

  @Test
  void givenATokenAboutToExpire_whenTheWorkerAsksForOne_itShouldGetAFreshOneFromTheEndpoint() {
    Connection connection = viaGoogle(keyFile);
    Date now = new Date();
    ServiceAccountCredentials keyCredentials =
        (ServiceAccountCredentials) GkeAccess.credentials(connection);
    GoogleCredentials fresh =
        keyCredentials.toBuilder()
            .setAccessToken(new AccessToken("still-good", new Date(now.getTime() + 3_600_000)))
            .build();
    GoogleCredentials expiring =
        keyCredentials.toBuilder()
            .setAccessToken(new AccessToken("about-to-expire", new Date(now.getTime() + 60_000)))
            .build();
    int grantsBefore = sandbox.tokenEndpoint().log().size();

    assertThat(GkeAccess.token(fresh, "test")).isEqualTo("still-good");
    assertThat(sandbox.tokenEndpoint().log()).hasSize(grantsBefore);
    assertThat(GkeAccess.token(expiring, "test")).startsWith("ya29.sandbox-");
    assertThat(sandbox.tokenEndpoint().log()).hasSize(grantsBefore + 1);
  }

  @Test
  void givenTheSecureApi_whenARequestHasNoTokenOrAnUnknownOne_itShouldBeRefusedWith401()
      throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(trusting(sandbox.clusterCaPem())).build();
    URI namespaces = URI.create(sandbox.kubernetesUrl() + "/api/v1/namespaces");
    for (String authorization : new String[] {null, "Bearer not-a-token-of-this-cluster"}) {
      HttpRequest.Builder request = HttpRequest.newBuilder(namespaces);
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(401);
      JsonNode status = new ObjectMapper().readTree(response.body());
      assertThat(status.path("kind").asText()).isEqualTo("Status");
      assertThat(status.path("reason").asText()).isEqualTo("Unauthorized");
      assertThat(status.path("code").asInt()).isEqualTo(401);
    }
  }

  @Test
  void givenAKeyWhoseSignatureDoesNotVerify_whenTheWorkerConnects_itShouldBeRefused()
      throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode key = (ObjectNode) json.readTree(keyFile.toFile());
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    String otherKey =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(rsa.generateKeyPair().getPrivate().getEncoded());
    key.put(
        "private_key",
        "-----BEGIN PRIVATE KEY-----\n" + otherKey + "\n-----END PRIVATE KEY-----\n");
    Path forged = dir.resolve("forged-key.json");
    json.writeValue(forged.toFile(), key);
    int grantsBefore = sandbox.tokenEndpoint().log().size();

    assertThatThrownBy(() -> KubeClients.build(viaGoogle(forged)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("PERMISSION_DENIED");
              assertThat(f.getOriginalMessage()).contains("Invalid JWT Signature");
            });
    List<TokenEndpoint.Grant> grants = sandbox.tokenEndpoint().log();
    assertThat(grants.subList(grantsBefore, grants.size()))
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.issued()).isFalse();
              assertThat(g.error()).isEqualTo("invalid_grant: Invalid JWT Signature.");
            });
  }

  @Test
  void givenAnUnknownClusterOrAMissingKeyFile_whenTheWorkerConnects_itShouldSayWhich() {
    ClusterRef unknown = new ClusterRef(cluster.project(), cluster.location(), "no-such-cluster");
    assertThatThrownBy(
            () ->
                KubeClients.build(
                    Connection.viaGoogle(unknown, sandbox.googleEndpoint(), keyFile.toString())))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("NOT_FOUND");
              assertThat(f.getOriginalMessage()).contains(unknown.resourceName());
            });
    Path missing = dir.resolve("no-such-key.json");
    assertThatThrownBy(() -> KubeClients.build(viaGoogle(missing)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("INVALID_INPUT");
              assertThat(f.getOriginalMessage()).contains(missing.toString());
            });
  }

  @Test
  void
      givenNoKeyFileAndNoApplicationDefaultCredentials_whenTheWorkerConnects_itShouldSayWhatToDo() {
    assumeThat(System.getenv("GOOGLE_APPLICATION_CREDENTIALS")).isNull();
    assumeThat(System.getenv("CLOUDSDK_CONFIG")).isNull();
    // no gcloud configuration: the well-known ADC file is looked for under user.home
    String home = System.getProperty("user.home");
    System.setProperty("user.home", dir.resolve("empty-home").toString());
    try {
      assertThatThrownBy(
              () ->
                  KubeClients.build(Connection.viaGoogle(cluster, sandbox.googleEndpoint(), null)))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> {
                assertThat(f.getType()).isEqualTo("PERMISSION_DENIED");
                assertThat(f.getOriginalMessage())
                    .contains("gcloud auth application-default login")
                    .contains("--google-credentials");
              });
    } finally {
      System.setProperty("user.home", home);
    }
  }

  @Test
  void givenTheSecureSandboxsKubeconfig_fabric8AndKubectlShouldUseItsCaAndToken() throws Exception {
    Path kubeconfig = sandbox.writeKubeconfig(dir.resolve("secure.kubeconfig"));
    try (KubernetesClient client =
        KubeClients.build(
            new Connection(kubeconfig.toString(), "sandbox", sandbox.googleEndpoint()))) {
      assertThat(client.namespaces().list().getItems())
          .extracting(n -> n.getMetadata().getName())
          .contains("istio-system");
    }
    Path kubectl =
        pathDirectories()
            .map(p -> p.resolve("kubectl"))
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    assumeThat(kubectl).as("kubectl on PATH").isNotNull();
    Process p =
        new ProcessBuilder(
                kubectl.toString(),
                "--kubeconfig",
                kubeconfig.toString(),
                "get",
                "ns",
                "-o",
                "name")
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("namespace/istio-system");
  }

  private static java.util.stream.Stream<Path> pathDirectories() {
    String path = System.getenv().getOrDefault("PATH", "");
    return java.util.Arrays.stream(path.split(java.io.File.pathSeparator))
        .filter(s -> !s.isEmpty())
        .map(Path::of);
  }

  private static SSLContext trusting(String caPem) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry(
        "ca",
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.UTF_8))));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}
