package dev.asmmigrate.sandbox.istio;

import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.api.AdmissionPlugin;
import dev.asmmigrate.sandbox.controllers.Controller;
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
 * <p>The webhooks' backends run only once the simulation's controllers have started: while the
 * sandbox loads its fixtures (objects that already existed on the cluster it simulates), webhooks
 * are not failed for want of a running backend.
 */
public final class IstioSimulation {
  /** Per sandbox: whether its control planes run. Weak keys: a closed sandbox is forgotten. */
  private static final Map<SandboxContext, AtomicBoolean> RUNNING =
      Collections.synchronizedMap(new WeakHashMap<>());

  private IstioSimulation() {}

  /** Admission-time behaviour: sidecar injection and Galley's validation webhook. */
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
            running.set(true);
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

  private static AtomicBoolean running(SandboxContext ctx) {
    return RUNNING.computeIfAbsent(ctx, k -> new AtomicBoolean());
  }
}
