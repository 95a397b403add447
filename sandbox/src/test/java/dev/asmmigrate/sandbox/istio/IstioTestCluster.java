package dev.asmmigrate.sandbox.istio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.BuiltinAdmission;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.sandbox.controllers.Controller;
import dev.asmmigrate.sandbox.fixtures.FixtureLoader;
import dev.asmmigrate.sandbox.http.ApiServer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Istio simulation alone on the sandbox's store, loaded with the built-in fixtures and served
 * by the sandbox's API server, without the workload controllers: tests set Deployment statuses
 * themselves, so each behaviour is driven by exactly the state it depends on.
 */
final class IstioTestCluster implements AutoCloseable {
  static final Duration FAST = Duration.ofMillis(300);

  final ObjectStore store = new ObjectStore(new ResourceRegistry(), Clock.systemUTC());
  final Faults faults = new Faults();
  final AtomicBoolean running = new AtomicBoolean(true);
  final SandboxSettings settings;
  final ScheduledExecutorService scheduler =
      Executors.newScheduledThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "test-timer");
            t.setDaemon(true);
            return t;
          });
  private final List<Controller> controllers = Collections.synchronizedList(new ArrayList<>());
  private ApiServer server;
  private KubernetesClient client;
  private SandboxContext ctx;

  private IstioTestCluster(SandboxSettings settings, String... sets) {
    this.settings = settings;
    store.addAdmissionPlugin(new BuiltinAdmission());
    SandboxContext admissionCtx = new SandboxContext(settings, faults, null, scheduler, store);
    WebhookTls tls = new WebhookTls(store);
    store.addAdmissionPlugin(new SidecarInjector(admissionCtx, running::get, tls));
    store.addAdmissionPlugin(new GalleyValidation(running::get, tls));
    running.set(false); // fixtures are loaded before the control planes run
    FixtureLoader loader = new FixtureLoader(store);
    for (String set : sets) {
      loader.applySet(set);
    }
    running.set(true);
  }

  static SandboxSettings.Builder fastSettings() {
    return SandboxSettings.builder().rootDistributionDelay(FAST).controlPlaneProvisionDelay(FAST);
  }

  static IstioTestCluster addon14() {
    return new IstioTestCluster(fastSettings().build(), "base", "crds", "addon-1.4");
  }

  static IstioTestCluster addon16() {
    return new IstioTestCluster(
        fastSettings().base(SandboxSettings.Base.ADDON_1_6).build(),
        "base",
        "crds",
        "addon-1.4",
        "addon-1.6");
  }

  static IstioTestCluster of(SandboxSettings settings, String... sets) {
    return new IstioTestCluster(settings, sets);
  }

  /** Serves the store over HTTP and gives components a client of it, as the sandbox does. */
  SandboxContext serve() {
    if (ctx == null) {
      server = new ApiServer(store, faults, () -> null, 0);
      server.start();
      client =
          new KubernetesClientBuilder()
              .withConfig(
                  new ConfigBuilder()
                      .withMasterUrl("http://127.0.0.1:" + server.port())
                      .withUserAgent(Sandbox.USER_AGENT_PREFIX + "istio-test")
                      .withRequestRetryBackoffLimit(5)
                      .build())
              .build();
      ctx = new SandboxContext(settings, faults, client, scheduler, store);
    }
    return ctx;
  }

  <C extends Controller> C start(C controller) {
    controllers.add(controller);
    controller.start();
    return controller;
  }

  /** Sets a Deployment's available replicas, as the deployment controller would report them. */
  void setAvailable(String namespace, String deployment, int available) {
    store.mutate(
        ResourceRegistry.DEPLOYMENTS,
        namespace,
        deployment,
        d -> {
          ObjectNode status = Json.with(d, "status");
          status.put("observedGeneration", d.path("metadata").path("generation").asLong());
          status.put("replicas", Math.max(available, 1));
          status.put("readyReplicas", available);
          status.put("availableReplicas", available);
          status.put("updatedReplicas", available);
          return d;
        },
        "status",
        false);
  }

  /** Every add-on Deployment in istio-system available, as on a healthy add-on cluster. */
  void addOnRunning() {
    for (ObjectNode d : store.list(ResourceRegistry.DEPLOYMENTS, "istio-system")) {
      setAvailable("istio-system", d.path("metadata").path("name").asText(), 1);
    }
  }

  ObjectNode namespace(String name, String... labels) {
    ObjectNode ns = Json.object();
    ns.put("apiVersion", "v1").put("kind", "Namespace");
    ObjectNode meta = ns.putObject("metadata").put("name", name);
    ObjectNode l = meta.putObject("labels");
    for (int i = 0; i + 1 < labels.length; i += 2) {
      l.put(labels[i], labels[i + 1]);
    }
    return store.create(ResourceRegistry.NAMESPACES, null, ns, false);
  }

  ObjectNode create(ResourceType type, String namespace, String yaml, boolean dryRun) {
    JsonNode doc = Json.readYamlDocuments(yaml).get(0);
    return store.create(type, namespace, (ObjectNode) doc, dryRun);
  }

  /** A bare pod with one app container (and the given labels/annotations as YAML fragments). */
  ObjectNode pod(String namespace, String name, String metadataExtra, boolean dryRun) {
    String yaml =
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: %s
          namespace: %s
        %s
        spec:
          containers:
          - name: server
            image: gcr.io/google-samples/microservices-demo/frontend:v0.3.4
            ports:
            - containerPort: 8080
        """
            .formatted(name, namespace, metadataExtra.indent(2).stripTrailing());
    return create(ResourceRegistry.PODS, namespace, yaml, dryRun);
  }

  /** A ControlPlaneRevision, provisioned or not, with the webhook its control plane installs. */
  void managedRevision(String rev, boolean provisioned) {
    ResourceType cpr = ClusterState.controlPlaneRevisions(store).orElseThrow();
    create(
        cpr,
        "istio-system",
        """
        apiVersion: mesh.cloud.google.com/v1beta1
        kind: ControlPlaneRevision
        metadata: {name: %s, namespace: istio-system}
        spec: {type: managed_service, channel: %s}
        """
            .formatted(rev, ControlPlane.MANAGED_CHANNELS.get(rev)),
        false);
    store.mutate(
        cpr,
        "istio-system",
        rev,
        o -> {
          ObjectNode c = Json.with(o, "status").putArray("conditions").addObject();
          c.put("type", "ProvisioningFinished").put("status", provisioned ? "True" : "False");
          return o;
        },
        "status",
        false);
    store.create(
        ResourceRegistry.MUTATING_WEBHOOKS,
        null,
        ManagedControlPlane.injectionWebhook(rev, settings),
        false);
  }

  @Override
  public void close() {
    synchronized (controllers) {
      for (Controller c : controllers) {
        c.close();
      }
    }
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
    scheduler.shutdownNow();
  }
}
