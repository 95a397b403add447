package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServerCommandTest {

  @Test
  void givenDefaultBind_whenStarted_itShouldServeTemporalOnLoopbackOnlyWithTheSearchAttributes()
      throws Exception {
    try (ServerCommand.Running server =
        ServerCommand.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      assertThat(server.target()).isEqualTo("127.0.0.1:" + server.port());
      WorkflowServiceStubs service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(server.target()).build());
      OperatorServiceStubs operator =
          OperatorServiceStubs.newServiceStubs(
              OperatorServiceStubsOptions.newBuilder()
                  .setTarget(server.target())
                  .validateAndBuildWithDefaults());
      try {
        assertThat(
                service
                    .blockingStub()
                    .describeNamespace(
                        DescribeNamespaceRequest.newBuilder().setNamespace("default").build())
                    .getNamespaceInfo()
                    .getName())
            .isEqualTo("default");
        // the test server cannot list search attributes: registering them again must be refused
        for (String name : java.util.List.of("AsmCluster", "AsmPhase")) {
          assertThatThrownBy(
                  () ->
                      operator
                          .blockingStub()
                          .addSearchAttributes(
                              AddSearchAttributesRequest.newBuilder()
                                  .setNamespace("default")
                                  .putSearchAttributes(
                                      name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
                                  .build()))
              .as(name)
              .hasMessageContaining("already exists");
        }
      } finally {
        operator.shutdownNow();
        service.shutdownNow();
      }
      Optional<InetAddress> external = nonLoopbackAddress();
      if (external.isPresent()) {
        assertThatThrownBy(
                () -> {
                  try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(external.get(), server.port()), 2000);
                  }
                })
            .as("connecting through " + external.get())
            .isInstanceOf(java.io.IOException.class);
      }
    }
  }

  @Test
  void givenBadPortOrAddress_whenRun_itShouldExitWithUsageErrorAndServeNothing() {
    for (String[] args :
        new String[][] {
          {"server", "--port", "70000"}, {"server", "--bind", "no-such-host.invalid"}
        }) {
      StringWriter err = new StringWriter();
      var cl = Main.commandLine();
      cl.setErr(new PrintWriter(err));
      assertThat(cl.execute(args)).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
      assertThat(err.toString()).contains(args[1]);
    }
  }

  private static Optional<InetAddress> nonLoopbackAddress() throws Exception {
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!ni.isUp() || ni.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          return Optional.of(a);
        }
      }
    }
    return Optional.empty();
  }
}
