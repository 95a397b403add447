package dev.asmmigrate.sandbox.api;

/**
 * A step of the API server's admission chain, run for every create and update (including
 * server-side dry runs) before the object is persisted. Mutating plugins change {@link
 * AdmissionRequest#object()} in place; any plugin may reject by throwing {@link ApiException}.
 *
 * <p>This is how the sandbox calls what a real cluster implements as admission webhooks (Istio's
 * sidecar injector, Galley's validation): plugins decide from the webhook configurations actually
 * present in the store.
 */
@FunctionalInterface
public interface AdmissionPlugin {
  void admit(AdmissionRequest request);
}
