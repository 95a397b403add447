package dev.asmmigrate.cli;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.asmmigrate.workflows.model.Step;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link FailAtEveryStepTest}'s rehearsal ({@link RollbackRehearsal}) of the steps that move
 * workloads, on a cluster running both add-on versions (1.4 and 1.6 namespaces side by side): after
 * a failure injected there, the cluster equals its pre-migration snapshot, each namespace on its
 * own add-on's proxy again.
 */
class FailAtAWorkloadStepOnBothVersionsTest {
  private static final Set<Step> WORKLOAD_STEPS =
      Set.of(Step.MIGRATE_WORKLOADS, Step.MIGRATE_REMAINING_WORKLOADS);

  @TestFactory
  Stream<DynamicTest>
      givenBothAddOnVersions_whenAFailureIsInjectedAtAWorkloadStep_itShouldRollBackToThePreMigrationCluster() {
    return RollbackRehearsal.steps()
        .filter(WORKLOAD_STEPS::contains)
        .map(
            step ->
                dynamicTest(
                    "both, fail at " + step.id(),
                    () -> RollbackRehearsal.failAndRollBack(RollbackRehearsal.BOTH, step)));
  }

  @AfterAll
  static void closeClusters() {
    RollbackRehearsal.closeClusters();
  }
}
