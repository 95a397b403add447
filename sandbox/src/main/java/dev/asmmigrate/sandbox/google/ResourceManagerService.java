package dev.asmmigrate.sandbox.google;

import com.google.iam.v1.TestIamPermissionsRequest;
import com.google.iam.v1.TestIamPermissionsResponse;
import io.grpc.ServerServiceDefinition;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code google.cloud.resourcemanager.v3.Projects/TestIamPermissions}: which of the permissions a
 * request names the caller holds on a project ({@link IamGrants}). As Google's, it needs no
 * permission itself and names no permission it lacks: those not held are left out of the answer.
 * The {@code permission-denied} fault, which denies every other call, holds none. The published
 * Resource Manager client is not needed: the request and response are {@code google.iam.v1}
 * messages.
 */
final class ResourceManagerService {
  static final String SERVICE = "google.cloud.resourcemanager.v3.Projects";
  private static final Pattern PROJECT = Pattern.compile("projects/([^/]+)");

  private ResourceManagerService() {}

  static ServerServiceDefinition definition(Rpc rpc, IamGrants grants) {
    return new HandBuiltService(SERVICE, rpc)
        .unary(
            "TestIamPermissions",
            TestIamPermissionsRequest.getDefaultInstance(),
            TestIamPermissionsResponse.getDefaultInstance(),
            null,
            TestIamPermissionsRequest::getResource,
            request -> {
              Matcher m = PROJECT.matcher(request.getResource());
              if (!m.matches()) {
                throw Rpc.invalid(
                    "Invalid resource '"
                        + request.getResource()
                        + "': expected projects/{project}.");
              }
              List<String> held =
                  rpc.permissionDeniedFault()
                      ? List.of()
                      : grants.grantedOf(m.group(1), request.getPermissionsList());
              return TestIamPermissionsResponse.newBuilder().addAllPermissions(held).build();
            })
        .build();
  }
}
