package dev.asmmigrate.sandbox.http;

import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.traffic.TrafficProbe;
import java.util.function.Supplier;

/** The Kubernetes REST API over HTTP on 127.0.0.1. */
public final class ApiServer implements AutoCloseable {
  private final ObjectStore store;
  private final Faults faults;
  private final Supplier<TrafficProbe> probe;
  private int port;

  public ApiServer(ObjectStore store, Faults faults, Supplier<TrafficProbe> probe, int port) {
    this.store = store;
    this.faults = faults;
    this.probe = probe;
    this.port = port;
  }

  public void start() {}

  public int port() {
    return port;
  }

  @Override
  public void close() {}
}
