package dev.asmmigrate.cli;

import dev.asmmigrate.workflows.model.Step;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The second half of {@link FailAtEveryStepOn16Test}'s sweep of a 1.6-only cluster: a failure
 * injected at replace-webhook, migrate-remaining-workloads or write-marker rolls back to the
 * pre-migration cluster, every pod back on the add-on 1.6 proxy. A class of its own so that it runs
 * beside the first half.
 */
class FailAtEveryLaterStepOn16Test {
  @TestFactory
  Stream<DynamicTest>
      givenAnAddOn16OnlyCluster_whenAFailureIsInjectedAtAStepAfterTheGateway_itShouldRollBackToThePreMigrationCluster() {
    return FailAtEveryStepOn16Test.cases(Step.REPLACE_WEBHOOK, Step.WRITE_MARKER);
  }

  @AfterAll
  static void closeClusters() {
    RollbackRehearsal.closeClusters();
  }
}
