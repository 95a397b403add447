package dev.asmmigrate.sandbox.istio;

import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.api.AdmissionPlugin;
import dev.asmmigrate.sandbox.controllers.Controller;
import java.util.List;

/** The simulated Istio add-on and managed control plane. */
public final class IstioSimulation {
  private IstioSimulation() {}

  /** Admission-time behaviour: sidecar injection, as the webhooks present decide it. */
  public static List<AdmissionPlugin> admissionPlugins(SandboxContext ctx) {
    return List.of();
  }

  /** Control-plane behaviour: Citadel, istiod 1.6, Galley, ControlPlaneRevision provisioning. */
  public static List<Controller> controllers(SandboxContext ctx) {
    return List.of();
  }
}
