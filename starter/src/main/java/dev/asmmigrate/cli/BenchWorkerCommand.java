package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code asm-migrate bench worker}: the worker's side at a cluster's size, against a sandbox served
 * in another JVM so that the heap measured is the worker's alone: pre-flight's wall time, and the
 * heap the worker's shared cluster-wide caches hold.
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
      "Measures the worker's side of a migration on a sandbox served in a child JVM (add-on 1.4,"
          + " N namespaces x D Deployments x R pods, built through the API): pre-flight's wall"
          + " time, and the worker's heap after a full GC with its shared cluster-wide caches"
          + " (one informer per kind, what verification reads) listed, minus its heap before"
          + " them.",
      "Progress goes to stderr; the figures to stdout. See BENCHMARKS.md."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:measured",
      "1:something unexpected failed (e.g. the sandbox did not hold the pods in time)",
      "2:usage error"
    })
final class BenchWorkerCommand implements Callable<Integer> {
  static final int MAX_NAMESPACES = 5_000;
  static final int DEPLOYMENTS = 5;

  @Spec CommandSpec spec;

  @Option(
      names = "--namespaces",
      defaultValue = "200",
      paramLabel = "N",
      description = "Injected namespaces, 1 to " + MAX_NAMESPACES + " (default: ${DEFAULT-VALUE}).")
  int namespaces;

  @Mixin BenchOptions options = new BenchOptions();

  /**
   * What was measured.
   *
   * @param figures preflight (s), preflightNamespaces (count), pods (count), workerCaches (MiB),
   *     workerCachesPerPod (KiB), workerCachesAt10000Pods (MiB, extrapolated when fewer pods)
   */
  record Result(BenchWorkerRun.Size size, List<BenchResult.Figure> figures, List<String> notes) {
    ObjectNode toJson() {
      ObjectNode root = JsonNodeFactory.instance.objectNode();
      root.put("namespaces", size.namespaces());
      root.put("deployments", size.deployments());
      root.put("replicas", size.replicas());
      root.put("podReadyDelayMillis", size.podReadyDelay().toMillis());
      BenchResult.putFigures(root, figures);
      var notesNode = root.putArray("notes");
      notes.forEach(notesNode::add);
      return root;
    }

    String table() {
      StringBuilder b = new StringBuilder();
      b.append(
          String.format(
              Locale.ROOT,
              "bench worker: %d namespaces x %d Deployments x %d pods (sandbox in a child JVM)%n%n",
              size.namespaces(),
              size.deployments(),
              size.replicas()));
      BenchResult.appendFigures(b, figures, notes);
      return b.toString();
    }
  }

  @Override
  public Integer call() throws Exception {
    BenchOptions.range("--namespaces", namespaces, 1, MAX_NAMESPACES);
    options.validate();
    BenchWorkerRun.Size size =
        new BenchWorkerRun.Size(
            namespaces, options.deployments(DEPLOYMENTS), options.replicas, options.podReadyDelay);
    Result result = new BenchWorkerRun(size, spec.commandLine().getErr()).run();
    options.print(spec.commandLine().getOut(), result::toJson, result::table);
    return ExitCodes.OK;
  }
}
