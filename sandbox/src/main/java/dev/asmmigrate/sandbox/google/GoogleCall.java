package dev.asmmigrate.sandbox.google;

import io.grpc.Status;
import java.time.Instant;

/**
 * One call the fake Google APIs answered, for tests and API-cost benchmarks.
 *
 * @param time when the answer was sent
 * @param method the full gRPC method, e.g. {@code google.cloud.gkehub.v1.GkeHub/CreateMembership}
 * @param resource the resource the call named (its {@code name}, or {@code parent} plus the new id)
 * @param code the status the call answered with
 * @param message the status description when the call failed, empty otherwise
 * @param permission the IAM permission the call needs, e.g. {@code gkehub.memberships.create};
 *     empty for a call that needs none ({@code TestIamPermissions})
 */
public record GoogleCall(
    Instant time,
    String method,
    String resource,
    Status.Code code,
    String message,
    String permission) {

  /** The method without its service, e.g. {@code CreateMembership}. */
  public String shortMethod() {
    return method.substring(method.lastIndexOf('/') + 1);
  }
}
