package dev.asmmigrate.workflows;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.api.Test;

/**
 * Replays committed histories of real runs against today's workflow code: a change that would make
 * a running migration non-deterministic fails here, not in production. Re-record with {@code
 * ./asm-migrate demo --history workflows/src/test/resources/histories/demo-addon-1.4.json} only
 * when a change is meant to be incompatible (and then version it).
 */
class MigrationWorkflowReplayTest {
  @Test
  void givenTheHistoryOfADemoRun_whenReplayed_theWorkflowCodeShouldStillBeDeterministic()
      throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/demo-addon-1.4.json", MigrationWorkflowImpl.class);
  }

  /**
   * A demo run started with the AsmCluster/AsmPhase search attributes: its history holds the
   * upserts of AsmPhase, which replay must reproduce (the older history above has none, and must
   * still replay without any).
   */
  @Test
  void givenTheHistoryOfAnIndexedDemoRun_whenReplayed_theSearchAttributeUpsertsShouldMatch()
      throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/demo-addon-1.4-indexed.json", MigrationWorkflowImpl.class);
  }
}
