package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespaceStatus;
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
 * Follows a running migration through its status query and prints each step and each namespace's
 * progress as it happens, until the workflow completes.
 */
final class ProgressPrinter {
  private final WorkflowClient client;
  private final PrintWriter out;
  private final Set<String> printedSteps = new HashSet<>();
  private final Map<String, String> namespaces = new HashMap<>();
  private String currentStep;
  private String phase;

  ProgressPrinter(WorkflowClient client, PrintWriter out) {
    this.client = client;
    this.out = out;
  }

  MigrationResult follow(String workflowId, Duration timeout) throws InterruptedException {
    WorkflowStub untyped = client.newUntypedWorkflowStub(workflowId);
    MigrationWorkflow typed = client.newWorkflowStub(MigrationWorkflow.class, workflowId);
    CompletableFuture<MigrationResult> result = untyped.getResultAsync(MigrationResult.class);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        MigrationResult r = result.get(500, TimeUnit.MILLISECONDS);
        print(typed.status());
        return r;
      } catch (TimeoutException e) {
        try {
          print(typed.status());
        } catch (RuntimeException queryFailed) {
          // the workflow may not have run its first task yet
        }
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(
            "the migration workflow failed: " + e.getCause().getMessage(), e.getCause());
      }
    }
    throw new UserError(
        ExitCodes.UNEXPECTED,
        "the migration did not finish within " + timeout + "; it goes on: follow it with status");
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
        default -> {}
      }
    }
    out.flush();
  }
}
