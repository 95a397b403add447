package dev.asmmigrate.sandbox.istio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.api.AdmissionPlugin;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.controllers.Controller;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The simulated Istio add-on and managed control plane: the injection and validation webhooks (as
 * admission plugins) and Citadel, istiod 1.6, Galley and the managed control plane (as API
 * clients).
 *
 * <p>The webhooks' backends run only once the add-on's injectors are up ({@link #startBackends}):
 * while the sandbox loads its fixtures and its controllers bring up what they describe (objects and
 * pods that already existed on the cluster it simulates), webhooks are not failed for want of a
 * running backend.
 */
public final class IstioSimulation {
  /** Per sandbox: whether its control planes run. Weak keys: a closed sandbox is forgotten. */
  private static final Map<SandboxContext, AtomicBoolean> RUNNING =
      Collections.synchronizedMap(new WeakHashMap<>());

  private IstioSimulation() {}

  /** Admission-time behaviour: sidecar injection and Galley's validation webhook. */
  /** Whether the simulated Istio has caught up with the cluster: Citadel's workload Secrets. */
  public static boolean caughtUp(ObjectStore store) {
    return Citadel.caughtUp(store);
  }

  public static List<AdmissionPlugin> admissionPlugins(SandboxContext ctx) {
    AtomicBoolean running = running(ctx);
    WebhookTls tls = new WebhookTls(ctx.store());
    return List.of(
        new SidecarInjector(ctx, running::get, tls), new GalleyValidation(running::get, tls));
  }

  /** Control-plane behaviour: Citadel, istiod 1.6, Galley, ControlPlaneRevision provisioning. */
  public static List<Controller> controllers(SandboxContext ctx) {
    AtomicBoolean running = running(ctx);
    Controller backends =
        new Controller() {
          @Override
          public void start() {
            // the backends run once startBackends has seen the injectors up
          }

          @Override
          public void close() {
            running.set(false);
          }
        };
    return List.of(
        backends,
        new ManagedControlPlane(ctx),
        new Citadel(ctx),
        new Istiod16(ctx),
        new Galley(ctx));
  }

  /**
   * Waits until every injection webhook's backend Deployment in the store (a Service-backed
   * webhook's Deployment of the Service's name that asks for replicas) has an available replica,
   * then lets the webhooks call their backends: the add-on's injector is up before any workload the
   * sandbox's user creates needs it, as on the cluster it simulates, where the add-on was installed
   * long before the applications.
   *
   * @return false if {@code timeout} passed first (the backends run anyway)
   */
  public static boolean startBackends(SandboxContext ctx, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean up;
    while (!(up = injectorsUp(ctx.store())) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    running(ctx).set(true);
    return up;
  }

  private static boolean injectorsUp(ObjectStore store) {
    for (ObjectNode mwc : store.list(ResourceRegistry.MUTATING_WEBHOOKS, null)) {
      for (JsonNode webhook : mwc.path("webhooks")) {
        JsonNode service = webhook.path("clientConfig").path("service");
        if (!service.isObject() || !SidecarInjector.coversPodCreate(webhook)) {
          continue;
        }
        String ns = service.path("namespace").asText(ControlPlane.SYSTEM_NAMESPACE);
        var deployment = store.get(ResourceRegistry.DEPLOYMENTS, ns, service.path("name").asText());
        if (deployment.isPresent()
            && deployment.get().path("spec").path("replicas").asInt(1) > 0
            && !ClusterState.hasAvailableReplicas(deployment.get())) {
          return false;
        }
      }
    }
    return true;
  }

  private static AtomicBoolean running(SandboxContext ctx) {
    return RUNNING.computeIfAbsent(ctx, k -> new AtomicBoolean());
  }
}
