package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
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
  static final int MAX_DEPLOYMENTS = 10;
  static final int MAX_REPLICAS = 20;
  static final int MAX_CONCURRENCY = 50;

  @Spec CommandSpec spec;

  @Option(
      names = "--namespaces",
      defaultValue = "20",
      paramLabel = "N",
      description = "Injected namespaces, 1 to " + MAX_NAMESPACES + " (default: ${DEFAULT-VALUE}).")
  int namespaces;

  @Option(
      names = "--deployments",
      defaultValue = "3",
      paramLabel = "D",
      description =
          "Deployments per namespace, 1 to " + MAX_DEPLOYMENTS + " (default: ${DEFAULT-VALUE}).")
  int deployments;

  @Option(
      names = "--replicas",
      defaultValue = "1",
      paramLabel = "R",
      description = "Pods per Deployment, 1 to " + MAX_REPLICAS + " (default: ${DEFAULT-VALUE}).")
  int replicas;

  /** The same option as start's and demo's; bench takes 1 to {@link #MAX_CONCURRENCY}. */
  @Mixin ConcurrencyOption concurrency = new ConcurrencyOption();

  @Option(
      names = "--pod-ready-delay",
      defaultValue = "300ms",
      converter = DurationConverter.class,
      description =
          "How long a started container takes to become Ready (default: ${DEFAULT-VALUE}).")
  Duration podReadyDelay;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      paramLabel = "table|json",
      description = "Output format (default: ${DEFAULT-VALUE}).")
  String output;

  @Override
  public Integer call() throws Exception {
    validate();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    BenchRun.Size size =
        new BenchRun.Size(namespaces, deployments, replicas, concurrency.value(), podReadyDelay);
    BenchResult result = new BenchRun(size, err).run();
    if (output.equals("json")) {
      out.println(
          new ObjectMapper()
              .enable(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(result.toJson()));
    } else {
      out.print(result.table());
    }
    out.flush();
    return result.ok() ? ExitCodes.OK : ExitCodes.OUTCOME;
  }

  private void validate() {
    range("--namespaces", namespaces, 1, MAX_NAMESPACES);
    range("--deployments", deployments, 1, MAX_DEPLOYMENTS);
    range("--replicas", replicas, 1, MAX_REPLICAS);
    range("--concurrency", concurrency.value(), 1, MAX_CONCURRENCY);
    if (podReadyDelay.isNegative() || podReadyDelay.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new UserError(ExitCodes.USAGE, "--pod-ready-delay must be between 0 and 1m");
    }
    output = output.toLowerCase(Locale.ROOT);
    if (!output.equals("table") && !output.equals("json")) {
      throw new UserError(ExitCodes.USAGE, "-o must be table or json, got '" + output + "'");
    }
  }

  static void range(String option, int value, int min, int max) {
    if (value < min || value > max) {
      throw new UserError(
          ExitCodes.USAGE, option + " must be between " + min + " and " + max + ", got " + value);
    }
  }
}
