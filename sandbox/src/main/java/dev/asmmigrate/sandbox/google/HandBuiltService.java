package dev.asmmigrate.sandbox.google;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.util.function.Function;

/**
 * A gRPC service assembled from protobuf messages, for APIs whose generated gRPC stubs are not
 * published (gkehub v1beta, container v1beta1, google.longrunning.Operations): every method is
 * unary and answered through {@link Rpc#unary}. Methods not added answer UNIMPLEMENTED.
 */
final class HandBuiltService {
  private final String name;
  private final Rpc rpc;
  private final ServerServiceDefinition.Builder builder;

  HandBuiltService(String name, Rpc rpc) {
    this.name = name;
    this.rpc = rpc;
    this.builder = ServerServiceDefinition.builder(name);
  }

  <Q extends Message, R extends Message> HandBuiltService unary(
      String method,
      Q requestPrototype,
      R responsePrototype,
      String permission,
      Function<Q, String> resource,
      Function<Q, R> body) {
    MethodDescriptor<Q, R> descriptor =
        MethodDescriptor.<Q, R>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(name, method))
            .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(requestPrototype))
            .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(responsePrototype))
            .build();
    builder.addMethod(
        descriptor,
        ServerCalls.asyncUnaryCall(
            (Q request, io.grpc.stub.StreamObserver<R> observer) ->
                rpc.unary(
                    descriptor.getFullMethodName(),
                    permission,
                    resource.apply(request),
                    observer,
                    () -> body.apply(request))));
    return this;
  }

  ServerServiceDefinition build() {
    return builder.build();
  }
}
