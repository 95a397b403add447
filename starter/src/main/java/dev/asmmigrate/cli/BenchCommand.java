package dev.asmmigrate.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code asm-migrate bench}: the workload phase's speed and costs on an in-process sandbox of N
 * namespaces × D Deployments, beside the seed's manual loop on a fresh copy of the same sandbox.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    subcommands = BenchWorkerCommand.class,
    description = {
      "Measures a migration on an in-process sandbox (add-on 1.4, N namespaces x D Deployments x"
          + " R pods): the workload phase's wall time against its critical path (waves x one"
          + " namespace rolled out alone), the seed's manual loop on a fresh copy of the same"
          + " sandbox, the product's Kubernetes API requests and workflow history events per"
          + " namespace, and the heap after a full GC.",
      "Progress goes to stderr; the figures to stdout. Takes minutes: see BENCHMARKS.md."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:measured: the migration ended SUCCESS and both loops left every pod on the ASM proxy",
      "1:something unexpected failed (e.g. the sandbox did not settle)",
      "2:usage error",
      "4:the migration or the manual loop did not end as it should (figures still printed)"
    })
final class BenchCommand implements Callable<Integer> {
  static final int MAX_NAMESPACES = 500;
  static final int DEPLOYMENTS = 3;
  static final int MAX_CONCURRENCY = 50;

  @Spec CommandSpec spec;

  @Option(
      names = "--namespaces",
      defaultValue = "20",
      paramLabel = "N",
      description = "Injected namespaces, 1 to " + MAX_NAMESPACES + " (default: ${DEFAULT-VALUE}).")
  int namespaces;

  /** The same option as start's and demo's; bench takes 1 to {@link #MAX_CONCURRENCY}. */
  @Mixin ConcurrencyOption concurrency = new ConcurrencyOption();

  @Mixin BenchOptions options = new BenchOptions();

  @Option(
      names = "--api-latency",
      defaultValue = "0ms",
      converter = DurationConverter.class,
      description =
          "How long each request of the product and of the manual loop waits in the sandbox's API"
              + " server once the sandbox is built, as a round trip to GKE's would (default:"
              + " ${DEFAULT-VALUE}, a local server); the sandbox's own controllers never wait.")
  Duration apiLatency;

  @Override
  public Integer call() throws Exception {
    validate();
    BenchRun.Size size =
        new BenchRun.Size(
            namespaces,
            options.deployments(DEPLOYMENTS),
            options.replicas,
            concurrency.value(),
            options.podReadyDelay,
            apiLatency);
    BenchResult result = new BenchRun(size, spec.commandLine().getErr()).run();
    options.print(spec.commandLine().getOut(), result::toJson, result::table);
    return result.ok() ? ExitCodes.OK : ExitCodes.OUTCOME;
  }

  private void validate() {
    BenchOptions.range("--namespaces", namespaces, 1, MAX_NAMESPACES);
    options.validate();
    if (apiLatency.isNegative() || apiLatency.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new UserError(ExitCodes.USAGE, "--api-latency must be between 0 and 1s");
    }
    BenchOptions.range("--concurrency", concurrency.value(), 1, MAX_CONCURRENCY);
  }
}
