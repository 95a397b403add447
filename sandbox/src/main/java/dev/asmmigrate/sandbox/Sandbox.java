package dev.asmmigrate.sandbox;

import dev.asmmigrate.sandbox.access.ApiTokens;
import dev.asmmigrate.sandbox.access.ServiceAccountKey;
import dev.asmmigrate.sandbox.access.ServingTls;
import dev.asmmigrate.sandbox.access.TokenEndpoint;
import dev.asmmigrate.sandbox.api.AdmissionPlugin;
import dev.asmmigrate.sandbox.api.BuiltinAdmission;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.controllers.Controller;
import dev.asmmigrate.sandbox.controllers.Controllers;
import dev.asmmigrate.sandbox.controllers.EndpointsController;
import dev.asmmigrate.sandbox.fixtures.FixtureLoader;
import dev.asmmigrate.sandbox.google.FakeGoogleApis;
import dev.asmmigrate.sandbox.google.GkeClusterState;
import dev.asmmigrate.sandbox.http.ApiServer;
import dev.asmmigrate.sandbox.istio.IstioSimulation;
import dev.asmmigrate.sandbox.traffic.TrafficProbe;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A simulated GKE cluster running the Istio add-on: a Kubernetes API server that kubectl drives,
 * controllers, the add-on and managed control plane, a traffic probe, and fake Google APIs.
 *
 * <pre>{@code
 * try (Sandbox sandbox = Sandbox.start(SandboxSettings.builder().app("online-boutique").build())) {
 *   sandbox.writeKubeconfig(Path.of("sandbox.kubeconfig"));
 *   KubernetesClient client = sandbox.client("my-test");
 * }
 * }</pre>
 */
public final class Sandbox implements AutoCloseable {
  /** User-agent prefix of the sandbox's own components; their requests are never faulted. */
  public static final String USER_AGENT_PREFIX = "asm-migrate-sandbox/";

  /** How long the secure API accepts the kubeconfig's and the components' tokens. */
  private static final java.time.Duration STATIC_TOKEN_TTL = java.time.Duration.ofDays(3650);

  /** How long start waits at most for the add-on's injectors to be up. */
  private static final java.time.Duration INJECTORS_UP = java.time.Duration.ofMinutes(2);

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Sandbox.class);

  private final SandboxSettings settings;
  private final Faults faults = new Faults();
  private final ObjectStore store = new ObjectStore(new ResourceRegistry(), Clock.systemUTC());
  private final ScheduledExecutorService scheduler;
  private final Shared shared;
  private final List<Controller> components = new ArrayList<>();
  private final List<KubernetesClient> clients = new ArrayList<>();
  private ApiServer apiServer;
  private FakeGoogleApis google;
  private GkeClusterState gkeCluster;
  private TrafficProbe probe;
  // secure mode only (settings.secure()): the API's TLS identity, the tokens it accepts, the
  // kubeconfig's and the sandbox's own components' tokens, the token endpoint and its account key
  private ServingTls tls;
  private ApiTokens tokens;
  private String adminToken;
  private String componentToken;
  private TokenEndpoint tokenEndpoint;
  private ServiceAccountKey serviceAccountKey;

  /**
   * What the sandboxes of a fleet ({@link SandboxFleet}) share: the fake Google APIs, which know
   * every cluster of the fleet, and the timer pool. Their owner starts and closes them.
   */
  record Shared(FakeGoogleApis google, ScheduledExecutorService scheduler) {}

  private Sandbox(SandboxSettings settings, Shared shared) {
    this.settings = settings;
    this.shared = shared;
    this.scheduler = shared != null ? shared.scheduler() : timerPool();
  }

  /** The timer pool of the simulated components (two daemon threads). */
  static ScheduledExecutorService timerPool() {
    return Executors.newScheduledThreadPool(
        2,
        r -> {
          Thread t = new Thread(r, "sandbox-timer");
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * Builds the cluster from its fixtures and starts serving it; returns once the add-on's sidecar
   * injector is up, so that the first workload created finds it.
   */
  public static Sandbox start(SandboxSettings settings) {
    return start(settings, null);
  }

  /**
   * As {@link #start(SandboxSettings)}, a cluster of a fleet: its GKE cluster is registered in the
   * shared fake Google APIs, and it uses the shared timer pool.
   */
  static Sandbox start(SandboxSettings settings, Shared shared) {
    Sandbox sandbox = new Sandbox(settings, shared);
    try {
      sandbox.boot();
      return sandbox;
    } catch (RuntimeException e) {
      sandbox.close();
      throw e;
    }
  }

  private void boot() {
    if (shared != null) {
      google = shared.google();
      gkeCluster = google.register(settings);
    }
    store.addAdmissionPlugin(new BuiltinAdmission());
    apiServer =
        new ApiServer(store, faults, () -> probe, settings.port(), settings.masterVersion());
    if (settings.secure()) {
      Clock clock = Clock.systemUTC();
      tls = ServingTls.generate(clock.instant());
      tokens = new ApiTokens(clock);
      adminToken = tokens.issue("sandbox-admin-", STATIC_TOKEN_TTL);
      componentToken = tokens.issue("sandbox-components-", STATIC_TOKEN_TTL);
      apiServer.secure(tls, tokens);
      tokenEndpoint = new TokenEndpoint(tokens, clock);
      tokenEndpoint.start();
      serviceAccountKey = ServiceAccountKey.generate(settings.project(), "asm-migrate");
      tokenEndpoint.register(serviceAccountKey);
    }
    apiServer.start();
    SandboxContext ctx =
        new SandboxContext(settings, faults, componentClient("controllers"), scheduler, store);
    for (AdmissionPlugin plugin : IstioSimulation.admissionPlugins(ctx)) {
      store.addAdmissionPlugin(plugin);
    }
    new FixtureLoader(store).loadBase(settings);
    components.addAll(Controllers.all(ctx));
    components.addAll(IstioSimulation.controllers(ctx));
    probe = new TrafficProbe(ctx);
    components.add(probe);
    for (Controller c : components) {
      c.start();
    }
    if (shared == null) {
      google = new FakeGoogleApis(settings, faults);
      gkeCluster = google.cluster();
    }
    if (tls != null) {
      gkeCluster.setEndpoint("127.0.0.1:" + apiServer.port(), base64(tls.caPem()));
    }
    if (shared == null) {
      google.start();
    }
    try {
      if (!IstioSimulation.startBackends(ctx, INJECTORS_UP)) {
        log.warn("the add-on's sidecar injector was not available {} after start", INJECTORS_UP);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the sandbox started", e);
    }
  }

  /**
   * Waits until every Deployment, StatefulSet and DaemonSet has rolled out all its replicas, every
   * pod is Ready and every Service's Endpoints list its pods: the state {@code kubectl rollout
   * status} would report as done, with the Endpoints controller caught up.
   *
   * @return false if the timeout passed first
   */
  public boolean awaitSettled(java.time.Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (settled()) {
        return true;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return settled();
  }

  private boolean settled() {
    for (var d : store.list(ResourceRegistry.DEPLOYMENTS, null)) {
      var spec = d.path("spec");
      var status = d.path("status");
      int replicas = spec.path("replicas").asInt(1);
      if (status.path("observedGeneration").asLong()
              < d.path("metadata").path("generation").asLong()
          || status.path("updatedReplicas").asInt() != replicas
          || status.path("availableReplicas").asInt() != replicas
          || status.path("replicas").asInt() != replicas) {
        return false;
      }
    }
    for (var sts : store.list(ResourceRegistry.STATEFULSETS, null)) {
      if (sts.path("status").path("readyReplicas").asInt()
          != sts.path("spec").path("replicas").asInt(1)) {
        return false;
      }
    }
    for (var ds : store.list(ResourceRegistry.DAEMONSETS, null)) {
      var st = ds.path("status");
      if (st.path("desiredNumberScheduled").asInt(-1) != st.path("numberReady").asInt()) {
        return false;
      }
    }
    for (var pod : store.list(ResourceRegistry.PODS, null)) {
      String phase = pod.path("status").path("phase").asText();
      if (phase.equals("Succeeded") || applicationExited(pod)) {
        continue;
      }
      boolean ready = false;
      for (var c : pod.path("status").path("conditions")) {
        ready |=
            "Ready".equals(c.path("type").asText()) && "True".equals(c.path("status").asText());
      }
      if (!ready) {
        return false;
      }
    }
    return EndpointsController.caughtUp(store) && IstioSimulation.caughtUp(store);
  }

  /**
   * A pod that must not restart (a Job's) whose containers but Istio's sidecar have exited: done,
   * though its sidecar runs on and keeps it Running, not Ready.
   */
  private static boolean applicationExited(com.fasterxml.jackson.databind.JsonNode pod) {
    String policy = pod.path("spec").path("restartPolicy").asText("Always");
    if (policy.equals("Always") || !pod.path("status").path("containerStatuses").isArray()) {
      return false;
    }
    boolean app = false;
    for (var c : pod.path("status").path("containerStatuses")) {
      if (!"istio-proxy".equals(c.path("name").asText())) {
        app = true;
        if (!c.path("state").has("terminated")) {
          return false;
        }
      }
    }
    return app;
  }

  public SandboxSettings settings() {
    return settings;
  }

  public Faults faults() {
    return faults;
  }

  /** The store behind the API, for assertions in tests; production code must use the API. */
  public ObjectStore store() {
    return store;
  }

  public TrafficProbe trafficProbe() {
    return probe;
  }

  public ApiServer apiServer() {
    return apiServer;
  }

  /**
   * The Kubernetes API's URL, {@code http://127.0.0.1:<port>}, or {@code https://...} for a secure
   * sandbox.
   */
  public String kubernetesUrl() {
    return (tls == null ? "http" : "https") + "://127.0.0.1:" + apiServer.port();
  }

  /** Whether the API serves HTTPS and requires bearer tokens ({@link SandboxSettings#secure}). */
  public boolean secure() {
    return tls != null;
  }

  /** The secure API's cluster CA certificate (PEM), which its serving certificate chains to. */
  public String clusterCaPem() {
    requireSecure();
    return tls.caPem();
  }

  /** The secure sandbox's token endpoint: its {@code tokenUri()} and the log of its grants. */
  public TokenEndpoint tokenEndpoint() {
    requireSecure();
    return tokenEndpoint;
  }

  /**
   * Writes the key file of the secure sandbox's service account, owner-only: google-auth-library
   * exchanges it at the sandbox's token endpoint for an access token the API accepts.
   */
  public Path writeServiceAccountKey(Path file) throws IOException {
    requireSecure();
    return serviceAccountKey.write(file, tokenEndpoint.tokenUri());
  }

  private void requireSecure() {
    if (tls == null) {
      throw new IllegalStateException("the sandbox is not secure (SandboxSettings.secure)");
    }
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The fake Google APIs' {@code host:port}, plaintext gRPC. */
  public String googleEndpoint() {
    return "127.0.0.1:" + google.port();
  }

  /**
   * The fake Google APIs: the GKE cluster's state ({@code cluster()}) and the call log. A fleet's
   * sandboxes share one, which knows all their clusters: use {@link #gkeCluster()} for this one's.
   */
  public FakeGoogleApis googleApis() {
    return google;
  }

  /** This sandbox's GKE cluster, as the fake ClusterManager reports it. */
  public GkeClusterState gkeCluster() {
    return gkeCluster;
  }

  /**
   * A fabric8 client of the sandbox's API, closed with the sandbox, with the user agent of one of
   * the sandbox's own components ({@code asm-migrate-sandbox/<component>}): injected faults, denied
   * permissions and API latency spare it.
   */
  public KubernetesClient client(String component) {
    return client(USER_AGENT_PREFIX + component, 5, false);
  }

  /**
   * A client of the cluster, as kubectl or the product are: user agent {@code userAgent}, over the
   * socket, subject to the sandbox's faults, denied permissions and API latency.
   */
  public KubernetesClient externalClient(String userAgent) {
    if (userAgent.startsWith(USER_AGENT_PREFIX)) {
      throw new IllegalArgumentException(
          "the user agent of a client of the cluster must not be a sandbox component's: "
              + userAgent);
    }
    return client(userAgent, 5, false);
  }

  /**
   * The client of the sandbox's own controllers: it retries no request itself (see {@link
   * #client(String, int, boolean)}) and reaches the API server inside the process ({@link
   * dev.asmmigrate.sandbox.http.LocalTransport}): the same handler, request log and JSON, without
   * the socket. Clients of the cluster (the product, kubectl, {@link #externalClient}) use the
   * socket.
   */
  private KubernetesClient componentClient(String component) {
    return client(USER_AGENT_PREFIX + component, 0, true);
  }

  /**
   * A client retrying a failed request at most {@code retries} times itself. The controllers'
   * client retries none, as client-go's controllers: their work queues retry a failed reconcile
   * with a per-key backoff, while a retrying client would hold the queue's only worker for seconds
   * (e.g. on every pod creation the injection webhook refuses while its endpoints are not up yet).
   */
  private KubernetesClient client(String userAgent, int retries, boolean inProcess) {
    Config config =
        new ConfigBuilder()
            .withMasterUrl(kubernetesUrl())
            .withNamespace("default")
            .withUserAgent(userAgent)
            .withRequestRetryBackoffLimit(retries)
            .build();
    if (tls != null) {
      config.setCaCertData(base64(tls.caPem()));
      config.setOauthToken(componentToken);
    }
    KubernetesClientBuilder builder =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withKubernetesSerialization(SandboxSerialization.shared());
    if (inProcess) {
      builder.withHttpClientFactory(apiServer.localTransport());
    }
    KubernetesClient client = builder.build();
    synchronized (clients) {
      clients.add(client);
    }
    return client;
  }

  /**
   * Writes an owner-only kubeconfig with one context, {@code sandbox}, pointing at this API; for a
   * secure sandbox with the cluster CA and a token the API accepts.
   */
  public Path writeKubeconfig(Path file) throws IOException {
    String kubeconfig =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: sandbox
          cluster:
            server: %s%s
        users:
        - name: sandbox-admin
          user:
            token: %s
        contexts:
        - name: sandbox
          context:
            cluster: sandbox
            user: sandbox-admin
            namespace: default
        current-context: sandbox
        """
            .formatted(
                kubernetesUrl(),
                tls == null ? "" : "\n    certificate-authority-data: " + base64(tls.caPem()),
                tls == null ? "sandbox-admin-token" : adminToken);
    return writeOwnerOnly(file, kubeconfig);
  }

  /** Writes {@code content} to {@code file}, readable by its owner only (it holds a token). */
  static Path writeOwnerOnly(Path file, String content) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, content);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system: nothing more to restrict
    }
    return file;
  }

  @Override
  public void close() {
    for (Controller c : reversed(components)) {
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // keep closing the rest
      }
    }
    synchronized (clients) {
      clients.forEach(KubernetesClient::close);
    }
    if (google != null && shared == null) {
      google.close();
    }
    if (tokenEndpoint != null) {
      tokenEndpoint.close();
    }
    if (apiServer != null) {
      apiServer.close();
    }
    if (shared == null) {
      scheduler.shutdownNow();
    }
  }

  private static <T> List<T> reversed(List<T> list) {
    List<T> copy = new ArrayList<>(list);
    java.util.Collections.reverse(copy);
    return copy;
  }
}
