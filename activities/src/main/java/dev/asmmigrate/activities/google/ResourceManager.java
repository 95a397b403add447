package dev.asmmigrate.activities.google;

import com.google.auth.Credentials;
import com.google.iam.v1.TestIamPermissionsRequest;
import com.google.iam.v1.TestIamPermissionsResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.auth.MoreCallCredentials;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cloud Resource Manager v3's {@code Projects.TestIamPermissions}: which of some permissions the
 * caller holds on a project. No Resource Manager client library is a dependency of the project, so
 * the call goes through a gRPC method descriptor built here on the {@code google.iam.v1} request
 * and response messages it takes (the RPC and its messages are those of {@code
 * google/cloud/resourcemanager/v3/projects.proto}). Like the generated clients: TLS and the
 * caller's credentials to {@code cloudresourcemanager.googleapis.com}, or plaintext and no
 * credentials to a local endpoint (the sandbox's fakes).
 */
final class ResourceManager implements AutoCloseable {
  static final String GOOGLE_ENDPOINT = "cloudresourcemanager.googleapis.com:443";
  static final long DEADLINE_SECONDS = 30;

  static final MethodDescriptor<TestIamPermissionsRequest, TestIamPermissionsResponse>
      TEST_IAM_PERMISSIONS =
          MethodDescriptor.<TestIamPermissionsRequest, TestIamPermissionsResponse>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(
                  MethodDescriptor.generateFullMethodName(
                      "google.cloud.resourcemanager.v3.Projects", "TestIamPermissions"))
              .setRequestMarshaller(
                  ProtoUtils.marshaller(TestIamPermissionsRequest.getDefaultInstance()))
              .setResponseMarshaller(
                  ProtoUtils.marshaller(TestIamPermissionsResponse.getDefaultInstance()))
              .build();

  private final ManagedChannel channel;
  private final CallOptions options;

  /**
   * @param localEndpoint a plaintext endpoint without credentials, or null for Google's
   * @param credentials the caller's credentials for Google's endpoint (ignored for a local one)
   */
  ResourceManager(String localEndpoint, Credentials credentials) {
    if (localEndpoint != null) {
      this.channel = ManagedChannelBuilder.forTarget(localEndpoint).usePlaintext().build();
      this.options = CallOptions.DEFAULT;
    } else {
      this.channel = ManagedChannelBuilder.forTarget(GOOGLE_ENDPOINT).build();
      this.options = CallOptions.DEFAULT.withCallCredentials(MoreCallCredentials.from(credentials));
    }
  }

  /** Those of {@code permissions} the caller holds on {@code projects/<project>}. */
  List<String> held(String project, Collection<String> permissions) {
    TestIamPermissionsRequest request =
        TestIamPermissionsRequest.newBuilder()
            .setResource("projects/" + project)
            .addAllPermissions(permissions)
            .build();
    return ClientCalls.blockingUnaryCall(
            channel,
            TEST_IAM_PERMISSIONS,
            options.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
            request)
        .getPermissionsList();
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
