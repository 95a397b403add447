package dev.asmmigrate.cli;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.asmmigrate.workflows.model.Step;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 12 item 4, "failure injected at every step on both": {@link FailAtEveryStepTest}'s
 * rehearsal ({@link RollbackRehearsal}) on a cluster running both add-on versions, for the
 * rollbackable steps {@link FailAtAWorkloadStepOnBothVersionsTest} does not cover (all but the two
 * workload steps), so that the two together rehearse every step on both. About 5 minutes, so tagged
 * {@code reliability} with the worker-kill sweep (run with {@code -Preliability}); the workload
 * steps, where the two versions differ most, stay in the default suite.
 */
@Tag("reliability")
class FailAtEveryStepOnBothVersionsTest {
  private static final Set<Step> IN_THE_DEFAULT_SUITE =
      Set.of(Step.MIGRATE_WORKLOADS, Step.MIGRATE_REMAINING_WORKLOADS);

  @TestFactory
  Stream<DynamicTest>
      givenBothAddOnVersions_whenAFailureIsInjectedAtAnyOtherStep_itShouldRollBackToThePreMigrationCluster() {
    return RollbackRehearsal.steps()
        .filter(step -> !IN_THE_DEFAULT_SUITE.contains(step))
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
