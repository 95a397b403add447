package dev.asmmigrate.workflows.model;

import java.util.Arrays;

/**
 * The types of permanent failures, used as {@code ApplicationFailure} types. Every one of them is
 * non-retryable; anything else an activity throws is transient and retried by Temporal.
 */
public enum FailureType {
  /** The add-on is of a version the tool does not migrate, or absent. */
  UNSUPPORTED_VERSION,
  /** The add-on's control plane (a Deployment of it) is missing or has no available replica. */
  ADDON_NOT_AVAILABLE,
  /** The GKE master version is below the minimum for managed ASM. */
  UNSUPPORTED_CLUSTER_VERSION,
  /** The caller lacks a permission the migration needs. */
  PERMISSION_DENIED,
  /** A named namespace, object or cluster does not exist. */
  NOT_FOUND,
  /** The input is malformed (kubeconfig, flags, names). */
  INVALID_INPUT,
  /** Configurations the managed control plane does not accept were found. */
  BLOCKING_CONFIG,
  /** The managed control plane did not provision in time. */
  CONTROL_PLANE_NOT_PROVISIONED,
  /** The trust domain of the managed control plane could not be determined. */
  TRUST_DOMAIN_UNKNOWN,
  /** The new root certificate did not reach every namespace in time. */
  ROOT_DISTRIBUTION_TIMEOUT,
  /** Workloads did not come back healthy with the expected proxy. */
  VERIFICATION_FAILED,
  /** Another migration of this cluster is in a state that forbids this one. */
  STATE_CONFLICT,
  /** A backup exists with other content than the object it should restore. */
  BACKUP_CONFLICT,
  /** The operator aborted the migration. */
  ABORTED,
  /** A failure injected on purpose ({@code --fail-at}), to rehearse rollback. */
  INJECTED_FAILURE;

  public static String[] names() {
    return Arrays.stream(values()).map(Enum::name).toArray(String[]::new);
  }
}
