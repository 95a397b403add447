package dev.asmmigrate.cli;

import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * An operator's update to a workflow, answered within a bound: shared by the one-cluster and fleet
 * commands.
 */
final class Updates {
  private Updates() {}

  /**
   * Sends the update from a daemon thread and waits at most {@code timeout} for its answer. A
   * refusal by the update's validator is exit code 3 with its reason.
   *
   * @return the answer, or empty when none came within the bound (the sender is then interrupted)
   */
  static <W> Optional<String> answerWithin(
      W stub, Function<W, String> update, Duration timeout, String threadName) {
    CompletableFuture<String> answer = new CompletableFuture<>();
    Thread sender =
        new Thread(
            () -> {
              try {
                answer.complete(update.apply(stub));
              } catch (Throwable t) {
                answer.completeExceptionally(t);
              }
            },
            threadName);
    sender.setDaemon(true);
    sender.start();
    try {
      return Optional.of(answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WorkflowUpdateException u) {
        throw new UserError(ExitCodes.BLOCKED, "refused: " + reason(u));
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      sender.interrupt();
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError(ExitCodes.UNEXPECTED, "interrupted while waiting for the answer");
    }
  }

  /** The workflow's own words for a failure: the first ApplicationFailure's message. */
  static String reason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure af) {
        return af.getOriginalMessage();
      }
    }
    return e.getMessage();
  }
}
