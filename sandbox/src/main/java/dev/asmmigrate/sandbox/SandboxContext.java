package dev.asmmigrate.sandbox;

import dev.asmmigrate.sandbox.api.ObjectStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What controllers and simulated components get: the settings, the faults, a Kubernetes client of
 * the sandbox's own API (user agent {@code asm-migrate-sandbox/<component>}), a shared scheduler
 * for timers, and the store (read-only use: admission plugins and the traffic probe, which simulate
 * things that are not API clients).
 */
public record SandboxContext(
    SandboxSettings settings,
    Faults faults,
    KubernetesClient client,
    ScheduledExecutorService scheduler,
    ObjectStore store) {}
