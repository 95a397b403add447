package dev.asmmigrate.activities.kube;

import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.failure.ApplicationFailure;

/**
 * Turns what goes wrong into what Temporal should do: permanent faults become non-retryable {@link
 * ApplicationFailure}s typed by {@link FailureType}; transient ones (5xx, 409, 429, time-outs) are
 * rethrown for Temporal to retry.
 */
public final class Failures {
  private Failures() {}

  public static ApplicationFailure permanent(FailureType type, String message) {
    return ApplicationFailure.newNonRetryableFailure(message, type.name());
  }

  /**
   * Classifies a Kubernetes API failure of {@code what} (e.g. "patch deployment istio-system/x").
   * 401/403 are permanent (missing permissions); 400/422 are permanent (the request is wrong and a
   * retry cannot fix it); the rest is transient.
   */
  public static RuntimeException kubernetes(String what, KubernetesClientException e) {
    int code = e.getCode();
    String detail =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : e.getMessage();
    if (code == 401 || code == 403) {
      return permanent(FailureType.PERMISSION_DENIED, what + ": permission denied: " + detail);
    }
    if (code == 400 || code == 422) {
      return permanent(FailureType.INVALID_INPUT, what + ": rejected by the API server: " + detail);
    }
    return e;
  }
}
