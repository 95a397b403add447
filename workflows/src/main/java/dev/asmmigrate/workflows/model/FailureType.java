package dev.asmmigrate.workflows.model;

import java.util.Arrays;

/**
 * The types of failures, used as {@code ApplicationFailure} types. Every one of them is
 * non-retryable except {@link #API_UNREACHABLE}, which an activity throws retryable while the
 * activity's retry budget lasts and the worker turns non-retryable on its last attempt; anything
 * else an activity throws is transient and retried by Temporal within the same budget.
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
  /**
   * The local backup directory ({@code --backup-dir}) cannot be created, written or read: its
   * parent is a file, permission denied, a read-only or full file system. No retry fixes that.
   */
  BACKUP_UNUSABLE,
  /**
   * The Kubernetes API server did not answer (connection refused, unknown host, timed out). Retried
   * while the activity's retry budget lasts; the last attempt's failure names how many attempts
   * over how long.
   */
  API_UNREACHABLE,
  /** A transient failure kept recurring until the activity's retry budget was spent. */
  RETRIES_EXHAUSTED,
  /** The operator aborted the migration. */
  ABORTED,
  /** A failure injected on purpose ({@code --fail-at}), to rehearse rollback. */
  INJECTED_FAILURE;

  /** The types Temporal never retries: all but {@link #API_UNREACHABLE}. */
  public static String[] names() {
    return Arrays.stream(values())
        .filter(t -> t != API_UNREACHABLE)
        .map(Enum::name)
        .toArray(String[]::new);
  }
}
