package dev.asmmigrate.cli;

import dev.asmmigrate.cli.BenchResult.Figure;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This process's CPU time (every thread's, user + system, as the JVM reports it) sampled every
 * {@link #EVERY_MILLIS} ms on a thread of its own, so that the CPU spent between two wall-clock
 * instants known only afterwards (a workflow step's timings) can be read back. The bench runs the
 * sandbox, the worker and the Temporal server in this one process: the figure is all of theirs.
 */
final class ProcessCpu implements AutoCloseable {
  static final long EVERY_MILLIS = 50;

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private final List<long[]> samples = new ArrayList<>();
  private final ScheduledExecutorService sampler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "bench-cpu-sampler");
            t.setDaemon(true);
            return t;
          });

  private ProcessCpu() {}

  /** Starts sampling now. */
  static ProcessCpu start() {
    ProcessCpu cpu = new ProcessCpu();
    // the first sample now, on the caller's thread: any instant after start() can be read back
    cpu.sample();
    cpu.sampler.scheduleAtFixedRate(cpu::sample, EVERY_MILLIS, EVERY_MILLIS, TimeUnit.MILLISECONDS);
    return cpu;
  }

  /** This process's CPU time now, in nanoseconds (-1 where the JVM cannot tell). */
  static long nanos() {
    return OS.getProcessCpuTime();
  }

  /** The cores this process keeps busy over the next {@code window} (it waits that long). */
  static double coresBusyFor(Duration window) throws InterruptedException {
    long cpu = nanos();
    long wall = System.nanoTime();
    Thread.sleep(window.toMillis());
    return (nanos() - cpu) / (double) (System.nanoTime() - wall);
  }

  /** Whether the JVM reports its CPU time here (-1 where it does not). */
  boolean available() {
    return nanos() >= 0;
  }

  private void sample() {
    long[] s = {System.currentTimeMillis(), nanos()};
    synchronized (samples) {
      samples.add(s);
    }
  }

  /**
   * CPU seconds spent between two epoch-millisecond instants, each read by linear interpolation
   * between the samples around it; NaN outside the sampled span.
   */
  double secondsBetween(long fromMillis, long toMillis) {
    sample();
    return (cpuAt(toMillis) - cpuAt(fromMillis)) / 1e9;
  }

  private double cpuAt(long millis) {
    synchronized (samples) {
      for (int i = 1; i < samples.size(); i++) {
        long[] a = samples.get(i - 1);
        long[] b = samples.get(i);
        if (a[0] <= millis && millis <= b[0]) {
          double f = b[0] == a[0] ? 1 : (double) (millis - a[0]) / (b[0] - a[0]);
          return a[1] + f * (b[1] - a[1]);
        }
      }
    }
    return Double.NaN;
  }

  /**
   * What the phase cost in CPU, beside one namespace alone, and the shortest the phase could be on
   * this machine's cores at that namespace's cost: the waves' critical path assumes the waves do
   * not slow each other, which holds only while the cores keep up.
   */
  static List<Figure> figures(
      double phaseCpu, double phaseSeconds, int n, double aloneCpu, double criticalPath) {
    int cores = Runtime.getRuntime().availableProcessors();
    double cpuBound = Math.max(criticalPath, n * aloneCpu / cores);
    return List.of(
        Figure.of(
            "workloadPhaseCpu",
            phaseCpu,
            "s",
            "CPU time of this process (sandbox, worker, Temporal) during migrate-workloads"),
        Figure.of(
            "cpuPerNamespace",
            n == 0 ? Double.NaN : phaseCpu / n,
            "s",
            "workloadPhaseCpu / namespacesMigrated"),
        Figure.of(
            "coresBusy",
            phaseCpu / phaseSeconds,
            "cores",
            "workloadPhaseCpu / workloadPhase, of " + cores + " available"),
        Figure.of(
            "oneNamespaceAloneCpu",
            aloneCpu,
            "s",
            "CPU time of this process while one namespace rolled out alone, less what it burns"
                + " idle"),
        Figure.of(
            "cpuBoundPath",
            cpuBound,
            "s",
            "max(criticalPath, namespacesMigrated x oneNamespaceAloneCpu / "
                + cores
                + " cores): the phase's length if the product added nothing to the rollouts"),
        Figure.of(
            "phaseOverCpuBoundPath",
            phaseSeconds / cpuBound,
            "ratio",
            "workloadPhase / cpuBoundPath"));
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }
}
