package dev.asmmigrate.cli;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code asm-migrate server}: Temporal's Java test server (real time, no time skipping) serving the
 * Temporal gRPC API, for development and the sandbox. It keeps everything in memory.
 *
 * <p>{@code TestServer.createPortBoundServer} binds every interface; this builds the gRPC server
 * itself around the test server's services so that it listens on one address, loopback by default.
 */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Serves an IN-MEMORY development Temporal server (Temporal's Java test server, real time)"
            + " until interrupted. Everything it holds is lost when it stops: use it with the"
            + " sandbox, not for real migrations. Workers against it must keep sticky queues off"
            + " (the worker's default).")
final class ServerCommand implements Callable<Integer> {
  /** The keyword search attributes the migration workflow upserts. */
  static final Map<String, IndexedValueType> SEARCH_ATTRIBUTES = searchAttributes();

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "7233",
      description = "Port of the Temporal frontend (default: ${DEFAULT-VALUE}; 0: a free one).")
  int port;

  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      paramLabel = "ADDRESS",
      description =
          "Address to listen on (default: ${DEFAULT-VALUE}). The server has no authentication:"
              + " give another address only on a trusted network.")
  String bind;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (port < 0 || port > 65535) {
      throw new UserError(ExitCodes.USAGE, "--port must be between 0 and 65535, got " + port);
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(bind);
    } catch (UnknownHostException e) {
      throw new UserError(ExitCodes.USAGE, "--bind '" + bind + "' is not a known address");
    }
    try (Running running = start(new InetSocketAddress(address, port))) {
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    running.close();
                    stopped.countDown();
                  },
                  "server-shutdown"));
      String target = running.target();
      out.println("temporal: in-memory development server (Temporal's Java test server)");
      out.println("listening:       " + target);
      out.println("namespace:       default");
      out.println(
          "search attrs:    " + String.join(", ", SEARCH_ATTRIBUTES.keySet()) + " (keyword)");
      out.println(
          "warning:         everything is kept in memory and LOST when this process stops;"
              + " not for real migrations");
      out.println(
          "try:             ./asm-migrate worker --temporal "
              + target
              + "   (sticky queues stay off, as this server needs)");
      out.println("serving until interrupted (Ctrl-C)");
      out.flush();
      stopped.await();
    }
    return ExitCodes.OK;
  }

  /** A started server; closing it stops serving and drops every workflow. */
  static final class Running implements AutoCloseable {
    private final TestServicesStarter services;
    private final Server server;
    private final String target;

    private Running(TestServicesStarter services, Server server, String target) {
      this.services = services;
      this.server = server;
      this.target = target;
    }

    /** HOST:PORT clients use. */
    String target() {
      return target;
    }

    int port() {
      return server.getPort();
    }

    @Override
    public synchronized void close() {
      if (server.isShutdown()) {
        return;
      }
      server.shutdown();
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.shutdownNow();
      }
      services.close();
    }
  }

  /** Starts the test server's services behind a gRPC server bound to {@code address} only. */
  static Running start(InetSocketAddress address) {
    // lockTimeSkipping = true: time runs as on a real server
    TestServicesStarter services = new TestServicesStarter(true, 0);
    Server server;
    try {
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(address, InsecureServerCredentials.create());
      // the test server does not answer DescribeTaskQueue; status and start --wait use it to say
      // that no worker polls, so it is answered here from the polls this server sees
      PollerTracking pollers = new PollerTracking();
      GRPCServerHelper.registerServicesAndHealthChecks(
          services.getServices().stream().map(pollers::wrap).toList(), builder);
      server = builder.build().start();
    } catch (IOException e) {
      services.close();
      Throwable cause = e instanceof BindException ? e : e.getCause();
      throw new UserError(
          ExitCodes.UNEXPECTED,
          "cannot listen on "
              + address.getAddress().getHostAddress()
              + ":"
              + address.getPort()
              + " ("
              + (cause == null ? e.getMessage() : cause.getMessage())
              + "); is another Temporal server running there? Choose another --port");
    }
    String host = address.getAddress().getHostAddress();
    if (address.getAddress().isAnyLocalAddress()) {
      host = "127.0.0.1";
    }
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    Running running = new Running(services, server, host + ":" + server.getPort());
    try {
      registerSearchAttributes(running.target());
    } catch (RuntimeException e) {
      running.close();
      throw e;
    }
    return running;
  }

  /** The test server knows only its own Custom*Field attributes: register the workflow's. */
  private static void registerSearchAttributes(String target) {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setTarget(target)
                .validateAndBuildWithDefaults());
    try {
      operator
          .blockingStub()
          .addSearchAttributes(
              AddSearchAttributesRequest.newBuilder()
                  .setNamespace("default")
                  .putAllSearchAttributes(SEARCH_ATTRIBUTES)
                  .build());
    } finally {
      operator.shutdownNow();
    }
  }

  private static Map<String, IndexedValueType> searchAttributes() {
    Map<String, IndexedValueType> m = new LinkedHashMap<>();
    m.put("AsmCluster", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    m.put("AsmPhase", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    m.put("AsmFleet", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    return java.util.Collections.unmodifiableMap(m);
  }
}
