package dev.asmmigrate.worker;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import com.uber.m3.tally.ScopeCloseException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's Prometheus registry. The Temporal SDK reports into a tally scope; this scope
 * forwards every {@code reportEvery} to Micrometer. Give {@link #scope()} to the service stubs: the
 * SDK's own metrics (polls, task latencies, worker starts) and the migration's counters ({@code
 * dev.asmmigrate.workflows.MigrationMetrics}, recorded through the workflow and activity scopes the
 * SDK derives from it) then appear in {@link #scrape()}.
 */
public final class WorkerMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkerMetrics.class);

  private final PrometheusMeterRegistry registry;
  private final Scope scope;

  private WorkerMetrics(PrometheusMeterRegistry registry, Scope scope) {
    this.registry = registry;
    this.scope = scope;
  }

  /** A registry with a scope that reports to it every {@code reportEvery}. */
  public static WorkerMetrics create(Duration reportEvery) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Scope scope =
        new RootScopeBuilder()
            .reporter(new MicrometerClientStatsReporter(registry))
            .reportEvery(com.uber.m3.util.Duration.ofMillis(reportEvery.toMillis()));
    return new WorkerMetrics(registry, scope);
  }

  /** The scope for {@code WorkflowServiceStubsOptions.setMetricsScope}. */
  public Scope scope() {
    return scope;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Every metric in the Prometheus text exposition format. */
  public String scrape() {
    return registry.scrape();
  }

  /** Reports what the scope still holds, then closes the registry. */
  @Override
  public void close() {
    try {
      scope.close();
    } catch (ScopeCloseException e) {
      log.warn("metrics: the last report failed: {}", e.toString());
    }
    registry.close();
  }
}
