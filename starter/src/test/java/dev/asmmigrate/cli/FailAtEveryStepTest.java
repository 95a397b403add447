package dev.asmmigrate.cli;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.asmmigrate.sandbox.ClusterSnapshot;
import dev.asmmigrate.workflows.model.Step;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 3, "fail at every step": for every step a failure can be injected at and rolled back from
 * ({@link Step#rollbackable()}, so a new step is covered without touching this class), a fresh
 * sandbox with the add-on and Online Boutique is migrated through the real worker and activities on
 * an embedded Temporal server with a permanent failure injected at that step. After compensation
 * the run must end {@code ROLLED_BACK}, the state ConfigMap must say so, the cluster must equal its
 * pre-migration snapshot ({@link ClusterSnapshot}), every injected pod must run the add-on's proxy
 * again, and the traffic probe through the ingress gateway must have lost nothing ({@link
 * RollbackRehearsal}). The same sweep runs on a 1.6-only cluster ({@link FailAtEveryStepOn16Test});
 * the workload steps are also rehearsed on a cluster with both add-on versions ({@link
 * FailAtAWorkloadStepOnBothVersionsTest}, a class of its own so that it runs beside this one), and
 * an operator's abort in the middle of the restarts ({@link AbortDuringTheRestartsTest}).
 */
class FailAtEveryStepTest {
  @TestFactory
  Stream<DynamicTest>
      givenAnAddOn14Cluster_whenAFailureIsInjectedAtAnyStep_itShouldRollBackToThePreMigrationCluster() {
    return RollbackRehearsal.steps()
        .map(
            step ->
                dynamicTest(
                    "1.4, fail at " + step.id(),
                    () -> RollbackRehearsal.failAndRollBack(RollbackRehearsal.ADDON_14, step)));
  }

  @AfterAll
  static void closeClusters() {
    RollbackRehearsal.closeClusters();
  }
}
