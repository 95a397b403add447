package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.model.Step;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link FailAtEveryStepTest}'s rollback checks ({@link RollbackRehearsal}) after an operator's
 * abort while the workload restarts run, where {@code --fail-at} fails only after a step: the
 * restart and verification activities are cancelled mid-namespace, must stop before anything is
 * undone, and the rollback must then bring back the pre-migration cluster with every namespace on
 * the add-on's proxy.
 */
class AbortDuringTheRestartsTest {
  /**
   * An add-on 1.4 cluster whose containers take 5 s to become Ready: the abort, sent once a
   * namespace shows RESTARTED, lands while its restarted pods are still being verified. With the
   * rehearsals' 300 ms the sandbox's parallel controllers have the 12 pods Ready, and the namespace
   * verified, before the abort can arrive.
   */
  static final RollbackRehearsal.Cluster SLOW_READINESS_14 =
      new RollbackRehearsal.Cluster(
          "1.4, containers Ready after 5 s",
          () -> DemoRun.prepare("1.4", 0, Duration.ofSeconds(5)),
          run -> {});

  @Test
  void
      givenAnAddOn14Cluster_whenAnOperatorAbortsDuringTheRestarts_itShouldRollBackToThePreMigrationCluster()
          throws Exception {
    RollbackRehearsal.rollBack(SLOW_READINESS_14, Step.MIGRATE_WORKLOADS, true);
  }

  @AfterAll
  static void closeClusters() {
    RollbackRehearsal.closeClusters();
  }
}
