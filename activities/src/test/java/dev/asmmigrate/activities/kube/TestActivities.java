package dev.asmmigrate.activities.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import io.temporal.testing.TestEnvironmentOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs activity implementations as Temporal runs them (an activity execution context, heartbeats,
 * failures wrapped as the workflow sees them), for tests. No retries: a test sees each failure.
 */
public final class TestActivities implements AutoCloseable {
  // Metrics the activities record through their context's scope, as a worker's registry gets them.
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final Scope scope =
      new RootScopeBuilder()
          .reporter(new MicrometerClientStatsReporter(metrics))
          .reportEvery(com.uber.m3.util.Duration.ofMillis(100));
  private final TestActivityEnvironment env =
      TestActivityEnvironment.newInstance(
          TestEnvironmentOptions.newBuilder().setMetricsScope(scope).build());
  private final List<String> heartbeats = new CopyOnWriteArrayList<>();

  public TestActivities() {
    env.setActivityHeartbeatListener(String.class, heartbeats::add);
  }

  /** Registers {@code impl} and returns a stub of {@code iface} that calls it. */
  public <T> T stub(Class<T> iface, Object impl) {
    env.registerActivitiesImplementations(impl);
    return env.newActivityStub(
        iface,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(2))
            .setHeartbeatTimeout(Duration.ofSeconds(30))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build());
  }

  /**
   * The managed control plane asm-managed, applied and provisioned as step control-plane leaves it,
   * in the sandbox of {@code h}.
   */
  public void provisionManagedControlPlane(dev.asmmigrate.activities.backup.SandboxHarness h) {
    dev.asmmigrate.workflows.activities.ControlPlaneActivities cp =
        stub(
            dev.asmmigrate.workflows.activities.ControlPlaneActivities.class,
            new dev.asmmigrate.activities.controlplane.ControlPlaneActivitiesImpl(
                h.clients, h.backups, Duration.ofMillis(200)));
    dev.asmmigrate.workflows.model.MigrationContext ctx = h.context();
    cp.applyControlPlaneRevision(
        new dev.asmmigrate.workflows.activities.ControlPlaneActivities.ControlPlaneRequest(
            ctx, "regular"));
    cp.awaitControlPlane(
        new dev.asmmigrate.workflows.activities.ControlPlaneActivities.AwaitControlPlaneRequest(
            ctx, Duration.ofSeconds(60)));
  }

  /**
   * Calls an activity through a stub and, as Temporal's retry policy would (the test environment
   * runs each call once), calls it again after a transient failure, up to 20 times; permanent
   * failures ({@link dev.asmmigrate.workflows.model.FailureType}) are thrown at once.
   */
  public static <T> T retrying(java.util.function.Supplier<T> call) {
    java.util.Set<String> permanent =
        java.util.Set.of(dev.asmmigrate.workflows.model.FailureType.names());
    RuntimeException last = null;
    for (int attempt = 1; attempt <= 20; attempt++) {
      try {
        return call.get();
      } catch (io.temporal.failure.ActivityFailure e) {
        ApplicationFailure af = applicationFailure(e);
        if (af.isNonRetryable() && permanent.contains(af.getType())) {
          throw e;
        }
        last = e;
      }
    }
    throw last;
  }

  /** {@link #retrying(java.util.function.Supplier)} of an activity without a result. */
  public static void retrying(Runnable call) {
    retrying(
        () -> {
          call.run();
          return null;
        });
  }

  /**
   * The count of a counter the activities recorded with these tags (0 when none), as reported so
   * far: the scope reports every 100 ms, so wait for an expected value.
   */
  public double counter(String name, String... tags) {
    return metrics.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
  }

  /** Every heartbeat so far, oldest first. */
  public List<String> heartbeats() {
    return List.copyOf(heartbeats);
  }

  public void clearHeartbeats() {
    heartbeats.clear();
  }

  /** The {@link ApplicationFailure} an activity failed with, from the exception a stub threw. */
  public static ApplicationFailure applicationFailure(Throwable thrown) {
    Throwable t = thrown;
    while (t != null) {
      if (t instanceof ApplicationFailure af) {
        return af;
      }
      t = t.getCause();
    }
    throw new AssertionError("no ApplicationFailure in " + thrown, thrown);
  }

  /**
   * What a step may change and its undo must put back: spec, data, rules, webhooks, roleRef,
   * subjects, type, labels and annotations (without the Deployment controller's revision
   * annotation, which counts rollouts).
   */
  public static ObjectNode essence(JsonNode object) {
    if (object == null || object.isMissingNode() || object.isNull()) {
      return null;
    }
    ObjectNode copy = ((ObjectNode) object).deepCopy();
    copy.remove("status");
    ObjectNode meta = (ObjectNode) copy.get("metadata");
    if (meta != null) {
      ObjectNode kept = meta.objectNode();
      kept.put("name", meta.path("name").asText());
      if (meta.has("labels")) {
        kept.set("labels", meta.get("labels"));
      }
      if (meta.has("annotations")) {
        ObjectNode a = ((ObjectNode) meta.get("annotations")).deepCopy();
        a.remove("deployment.kubernetes.io/revision");
        if (!a.isEmpty()) {
          kept.set("annotations", a);
        }
      }
      copy.set("metadata", kept);
    }
    return copy;
  }

  @Override
  public void close() {
    env.close();
  }
}
