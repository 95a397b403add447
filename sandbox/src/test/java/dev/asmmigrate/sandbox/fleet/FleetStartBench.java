package dev.asmmigrate.sandbox.fleet;

import com.sun.management.OperatingSystemMXBean;
import dev.asmmigrate.sandbox.SandboxFleet;
import dev.asmmigrate.sandbox.SandboxSettings;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;

/**
 * Measures what a fleet sandbox's start costs, not a test: for each N of its arguments, in turn in
 * this one process, starts a fleet of N add-on 1.4 clusters ({@code sandbox --clusters N}'s),
 * prints the wall time and the process's CPU time until {@link SandboxFleet#start} returned and
 * until every cluster settled, and closes it. The first run of a process pays for class loading and
 * JIT; run e.g. {@code 1 3 1 3} to see both cold and warm figures.
 *
 * <pre>
 * mvn -B -o -q -pl sandbox dependency:build-classpath -Dmdep.outputFile=cp.txt \
 *   -Dmdep.includeScope=test
 * java -cp "$(cat cp.txt):sandbox/target/classes:sandbox/target/test-classes" \
 *   dev.asmmigrate.sandbox.fleet.FleetStartBench 1 3 1 3
 * </pre>
 *
 * <p>On the 2-core build machine (load 5-10, shared): warm, in one process, one cluster started in
 * 3.08 s wall / 2.13 s CPU and three in 3.22 s / 3.76 s (1.05x wall, 1.77x CPU); cold, each in a
 * fresh process, one in 7.4-9.5 s / 7.4-7.8 s and three in 9.1-9.5 s / 12.1-13.2 s (at most 1.3x
 * wall, 1.8x CPU).
 */
public final class FleetStartBench {
  private FleetStartBench() {}

  public static void main(String[] args) {
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (String arg : args.length == 0 ? new String[] {"1", "3"} : args) {
      int n = Integer.parseInt(arg);
      long wall0 = System.nanoTime();
      long cpu0 = os.getProcessCpuTime();
      try (SandboxFleet fleet =
          SandboxFleet.start(SandboxFleet.Settings.of(n, SandboxSettings.builder().build()))) {
        long wall1 = System.nanoTime();
        long cpu1 = os.getProcessCpuTime();
        boolean settled = fleet.awaitSettled(Duration.ofMinutes(3));
        long wall2 = System.nanoTime();
        long cpu2 = os.getProcessCpuTime();
        System.out.printf(
            Locale.ROOT,
            "clusters=%d started: wall %.2f s cpu %.2f s; settled%s: wall %.2f s cpu %.2f s%n",
            n,
            (wall1 - wall0) / 1e9,
            (cpu1 - cpu0) / 1e9,
            settled ? "" : " (NOT)",
            (wall2 - wall0) / 1e9,
            (cpu2 - cpu0) / 1e9);
      }
    }
  }
}
