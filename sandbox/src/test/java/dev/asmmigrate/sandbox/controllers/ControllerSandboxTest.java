package dev.asmmigrate.sandbox.controllers;

import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The shape of the controller tests: one sandbox without the add-on per test class (started by the
 * subclass's {@code @BeforeAll} through {@link #serve}), a fabric8 client of its API, and a fresh
 * namespace for each test, so tests of one class never see each other's objects.
 */
abstract class ControllerSandboxTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final AtomicInteger COUNTER = new AtomicInteger();

  static Sandbox sandbox;
  static KubernetesClient client;
  String ns;

  /** Quick pods on a sandbox without the add-on; a subclass may add settings. */
  static SandboxSettings.Builder settings() {
    return SandboxSettings.builder()
        .base(SandboxSettings.Base.NONE)
        .podReadyDelay(Duration.ofMillis(300));
  }

  /** Starts the class's sandbox and a client whose user agent names the test. */
  static void serve(String agent, SandboxSettings.Builder settings) {
    sandbox = Sandbox.start(settings.build());
    client = sandbox.client(agent);
  }

  @AfterAll
  static void stopSandbox() {
    if (sandbox != null) {
      sandbox.close();
      sandbox = null;
    }
  }

  /** The prefix of this class's namespaces, e.g. {@code sts}. */
  abstract String namespacePrefix();

  @BeforeEach
  void namespace() {
    ns = namespacePrefix() + "-" + COUNTER.incrementAndGet();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
  }
}
