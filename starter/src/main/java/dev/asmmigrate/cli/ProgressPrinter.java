package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Follows a running migration through Temporal's records (the status in the workflow's memo, its
 * pending activities) and prints each step, each namespace's progress and each retried attempt as
 * it happens, until the workflow completes. No worker is needed to follow; when none polls the task
 * queue, or the worker cannot decode the migration's payloads (a codec key it lacks), it says so
 * once {@code warnAfter} has passed.
 */
final class ProgressPrinter {
  /** How long a start waits for a worker before it warns (start --warn-after). */
  static final Duration WARN_AFTER = Duration.ofSeconds(30);

  /** How often the checks behind the warnings run once they are due. */
  private static final Duration CHECK_EVERY = Duration.ofSeconds(5);

  private final Migrations migrations;
  private final PrintWriter out;
  private final Duration warnAfter;
  private final Set<String> printedSteps = new HashSet<>();
  private final Map<String, String> namespaces = new HashMap<>();
  private final Set<String> printedRetries = new HashSet<>();
  private String currentStep;
  private String phase;
  private boolean warnedWorkers;
  private boolean warnedCodec;

  ProgressPrinter(Migrations migrations, PrintWriter out, Duration warnAfter) {
    this.migrations = migrations;
    this.out = out;
    this.warnAfter = warnAfter;
  }

  ProgressPrinter(WorkflowClient client, String address, PrintWriter out) {
    this(Migrations.over(client, address), out, WARN_AFTER);
  }

  MigrationResult follow(String workflowId, Duration timeout) throws InterruptedException {
    WorkflowStub untyped = migrations.client().newUntypedWorkflowStub(workflowId);
    CompletableFuture<MigrationResult> result = untyped.getResultAsync(MigrationResult.class);
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    long nextCheck = started + warnAfter.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        MigrationResult r = result.get(500, TimeUnit.MILLISECONDS);
        look(workflowId);
        return r;
      } catch (TimeoutException e) {
        DescribeWorkflowExecutionResponse described = look(workflowId);
        if (System.nanoTime() >= nextCheck && described != null) {
          nextCheck = System.nanoTime() + CHECK_EVERY.toNanos();
          warn(workflowId, described);
        }
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(
            "the migration workflow failed: " + e.getCause().getMessage(), e.getCause());
      }
    }
    throw new UserError(
        ExitCodes.UNEXPECTED,
        "the migration did not finish within "
            + Times.duration(timeout)
            + "; it goes on: follow it with status");
  }

  /** Prints what changed; null when Temporal did not answer this time. */
  private DescribeWorkflowExecutionResponse look(String workflowId) {
    DescribeWorkflowExecutionResponse described;
    try {
      described = migrations.describe(workflowId);
    } catch (RuntimeException e) {
      return null; // a slow or restarting server: the next look tries again
    }
    MigrationStatus s;
    try {
      s = migrations.memo(described);
    } catch (RuntimeException undecodable) {
      // encrypted with a key this command lacks: say so once, go on following the outcome
      if (!warnedCodec) {
        warnedCodec = true;
        out.println("warning: cannot read the migration's status: " + undecodable.getMessage());
        out.flush();
      }
      s = null;
    }
    if (s != null) {
      print(s);
    }
    StatusView view = StatusView.of(workflowId, described, s, null, migrations::words);
    for (StatusView.Retry r : view.retries()) {
      if (r.lastFailure() != null && printedRetries.add(r.activity() + "#" + r.attempt())) {
        out.println("  retrying " + r.line());
        out.flush();
      }
    }
    return described;
  }

  /** The warnings of a start that goes nowhere: no worker, or one that cannot decode. */
  private void warn(String workflowId, DescribeWorkflowExecutionResponse described) {
    if (!warnedCodec) {
      String codec = migrations.undecodable(workflowId);
      if (codec != null) {
        warnedCodec = true;
        out.println(
            "warning: the worker cannot decode this migration's payloads ("
                + codec
                + "): start the worker with the same --codec-key-file as this command");
        out.flush();
      }
    }
    if (!warnedWorkers) {
      String taskQueue = described.getExecutionConfig().getTaskQueue().getName();
      Migrations.Workers w = migrations.workers(taskQueue);
      if (Boolean.FALSE.equals(w.polling())) {
        warnedWorkers = true;
        out.println("warning: " + w.detail());
        out.flush();
      }
    }
  }

  private void printNamespaces(MigrationStatus s) {
    for (NamespaceStatus ns : s.namespaces()) {
      String line =
          ns.phase()
              + (ns.message() == null || ns.message().isEmpty() ? "" : " (" + ns.message() + ")");
      if (!line.equals(namespaces.get(ns.name())) && !"PENDING".equals(ns.phase())) {
        namespaces.put(ns.name(), line);
        out.println("  namespace " + ns.name() + " [" + ns.version().display() + "]: " + line);
      }
    }
  }

  private void print(MigrationStatus s) {
    // In the order things happened: a workload step's namespaces before its "done", the current
    // step's "started" before its namespaces.
    for (String done : s.completedSteps()) {
      if (printedSteps.contains(done)) {
        continue;
      }
      if (!done.equals(currentStep)) {
        out.println("step " + done + ": started");
      }
      if (done.contains("workloads")) {
        printNamespaces(s);
      }
      printedSteps.add(done);
      out.println("step " + done + ": done");
    }
    if (!s.step().equals(currentStep)
        && !printedSteps.contains(s.step())
        && !"DONE".equals(s.phase())) {
      currentStep = s.step();
      out.println("step " + s.step() + ": started");
    }
    printNamespaces(s);
    if (!s.phase().equals(phase)) {
      if ("WAITING_FOR_WINDOW".equals(phase)) {
        out.println("window open: the migration goes on");
      }
      phase = s.phase();
      switch (s.phase()) {
        case "WAITING_FOR_APPROVAL" ->
            out.println("waiting for approval: asm-migrate approve --by <name>");
        case "WAITING_FOR_RECHECK" -> {
          out.println("blocking configuration findings; fix them, then recheck (or abort):");
          s.findings().stream()
              .filter(f -> f.blocking())
              .forEach(f -> out.println("  " + StatusView.finding(f)));
        }
        case "ROLLING_BACK" -> out.println("rolling back: " + s.error());
        case "PAUSED" -> out.println("paused at a safe point: asm-migrate resume");
        case "WAITING_FOR_WINDOW" ->
            out.println(
                StatusView.phase(s)
                    + (s.windows() == null || s.windows().waiting() == null
                        ? ""
                        : ": "
                            + s.windows().waiting().what()
                            + "; "
                            + s.windows().waiting().why()));
        default -> {}
      }
    }
    out.flush();
  }
}
