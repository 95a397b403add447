package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.model.Step;
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
  @Test
  void
      givenAnAddOn14Cluster_whenAnOperatorAbortsDuringTheRestarts_itShouldRollBackToThePreMigrationCluster()
          throws Exception {
    RollbackRehearsal.rollBack(RollbackRehearsal.ADDON_14, Step.MIGRATE_WORKLOADS, true);
  }

  @AfterAll
  static void closeClusters() {
    RollbackRehearsal.closeClusters();
  }
}
