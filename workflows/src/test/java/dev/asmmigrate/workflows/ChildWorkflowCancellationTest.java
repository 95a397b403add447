package dev.asmmigrate.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowCancellationType;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Java SDK's semantics a child workflow per group of namespace waves (issue 12) would rely on,
 * checked on the SDK in use rather than assumed: (1) a child cancelled through its parent's
 * cancellation scope, even with WAIT_CANCELLATION_COMPLETED and a child that handles the
 * cancellation and returns normally, reaches the parent as a CanceledFailure, and the child itself
 * ends CANCELED: its result (which namespaces it migrated and undid) is lost; (2) a child started
 * in a detached scope, told to stop by a signal instead, returns its result to the parent after the
 * parent's own scope was cancelled. So an abort must reach such a child by a signal, and the parent
 * wait for it detached.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChildWorkflowCancellationTest {
  static final String QUEUE = "child-semantics";

  @WorkflowInterface
  public interface Child {
    @WorkflowMethod
    String run();

    @SignalMethod
    void stop(String why);
  }

  @WorkflowInterface
  public interface Parent {
    @WorkflowMethod
    String run(boolean bySignal);
  }

  public static class ChildImpl implements Child {
    private String stop;

    @Override
    public String run() {
      try {
        Workflow.await(() -> stop != null);
        return "stopped by signal: " + stop;
      } catch (CanceledFailure cancelled) {
        // handles its cancellation, and ends normally with what it did
        return "cleaned up after cancellation";
      }
    }

    @Override
    public void stop(String why) {
      stop = why;
    }
  }

  public static class ParentImpl implements Parent {
    @Override
    public String run(boolean bySignal) {
      String id = Workflow.getInfo().getWorkflowId() + "/child";
      Child child =
          Workflow.newChildWorkflowStub(
              Child.class,
              ChildWorkflowOptions.newBuilder()
                  .setWorkflowId(id)
                  .setCancellationType(ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED)
                  .build());
      String[] out = new String[1];
      CancellationScope outer =
          Workflow.newCancellationScope(
              () -> {
                if (bySignal) {
                  Workflow.newDetachedCancellationScope(
                          () -> {
                            Promise<String> result = Async.function(child::run);
                            Workflow.getWorkflowExecution(child).get();
                            Workflow.sleep(Duration.ofSeconds(1));
                            child.stop("abort");
                            out[0] = result.get();
                          })
                      .run();
                } else {
                  Promise<String> result = Async.function(child::run);
                  Workflow.getWorkflowExecution(child).get();
                  CancellationScope.current().cancel("abort");
                  try {
                    out[0] = result.get();
                  } catch (RuntimeException e) {
                    out[0] = e.getClass().getSimpleName() + " caused by " + causes(e);
                  }
                }
              });
      if (bySignal) {
        outer.cancel("abort"); // the parent's own scope, cancelled before the child answers
      }
      outer.run();
      return out[0];
    }

    private static String causes(Throwable t) {
      StringBuilder s = new StringBuilder();
      for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
        s.append(c.getClass().getSimpleName()).append(' ');
      }
      return s.toString().trim();
    }
  }

  TestWorkflowEnvironment env;
  WorkflowClient client;

  @BeforeAll
  void setUp() {
    // no time skipping: while the parent waits for its child's cancellation, nothing runs, and a
    // time-skipping server then skipped to the run's timeout under load (seen once at load 9.8)
    env =
        TestWorkflowEnvironment.newInstance(
            io.temporal.testing.TestEnvironmentOptions.newBuilder()
                .setUseTimeskipping(false)
                .build());
    Worker worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(ParentImpl.class, ChildImpl.class);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterAll
  void tearDown() {
    env.close();
  }

  private String run(String id, boolean bySignal) {
    return client
        .newWorkflowStub(
            Parent.class,
            WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(QUEUE).build())
        .run(bySignal);
  }

  /** The types of a workflow's events, without their prefix. */
  private java.util.List<String> eventTypes(String id) {
    return client.fetchHistory(id).getEvents().stream()
        .map(e -> e.getEventType().name().replace("EVENT_TYPE_", ""))
        .toList();
  }

  @Test
  void givenAChildCancelledThroughItsScope_itsResultShouldNotReachTheParent() {
    assertThat(run("cancelled-by-scope", false))
        .isEqualTo("ChildWorkflowFailure caused by CanceledFailure");
    // the child caught its cancellation and returned normally, yet ended cancelled: its result is
    // not recorded anywhere
    assertThat(eventTypes("cancelled-by-scope/child"))
        .endsWith("WORKFLOW_EXECUTION_CANCELED")
        .doesNotContain("WORKFLOW_EXECUTION_COMPLETED");
  }

  @Test
  void givenADetachedChildStoppedBySignal_itsResultShouldReachTheParent() {
    assertThat(run("stopped-by-signal", true)).isEqualTo("stopped by signal: abort");
  }
}
