package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessCpuTest {

  @Test
  void givenAThreadBusyForAWhile_theCpuBetweenItsStartAndEndShouldBeAboutThatWhile() {
    try (ProcessCpu cpu = ProcessCpu.start()) {
      assertThat(cpu.available()).isTrue();
      long from = System.currentTimeMillis();
      long spin = System.nanoTime();
      long sum = 0;
      while (System.nanoTime() - spin < 400_000_000L) {
        sum += Long.numberOfTrailingZeros(sum + System.nanoTime());
      }
      long to = System.currentTimeMillis();
      double seconds = cpu.secondsBetween(from, to);
      double wall = (to - from) / 1e3;

      // this thread was busy all along: a good share of the wall time even on a loaded machine,
      // and never more than every core's
      assertThat(seconds).as("sum %d", sum).isNotNaN().isGreaterThan(0.25 * wall);
      assertThat(seconds).isLessThanOrEqualTo(wall * Runtime.getRuntime().availableProcessors());
      // an instant before sampling began cannot be read
      assertThat(cpu.secondsBetween(from - 60_000, to)).isNaN();
    }
  }
}
