package dev.asmmigrate.sandbox;

import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.controllers.SharedInformers;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What controllers and simulated components get: the settings, the faults, a Kubernetes client of
 * the sandbox's own API (user agent {@code asm-migrate-sandbox/<component>}), a shared scheduler
 * for timers, the store (read-only use: admission plugins and the traffic probe, which simulate
 * things that are not API clients), and the informers the controllers share (one watch per resource
 * type, as kube-controller-manager's).
 */
public record SandboxContext(
    SandboxSettings settings,
    Faults faults,
    KubernetesClient client,
    ScheduledExecutorService scheduler,
    ObjectStore store,
    SharedInformers informers) {

  /** A context whose controllers share informers of {@code client}. */
  public SandboxContext(
      SandboxSettings settings,
      Faults faults,
      KubernetesClient client,
      ScheduledExecutorService scheduler,
      ObjectStore store) {
    this(settings, faults, client, scheduler, store, new SharedInformers(client));
  }
}
