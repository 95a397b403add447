package dev.asmmigrate.workflows.model;

import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asmmigrate.workflows.model.DurationEstimate.Bounded;
import dev.asmmigrate.workflows.model.DurationEstimate.Fixed;
import dev.asmmigrate.workflows.model.DurationEstimate.Namespaces;
import dev.asmmigrate.workflows.model.DurationEstimate.OperatorWait;
import dev.asmmigrate.workflows.model.DurationEstimate.PerAddonVersion;
import dev.asmmigrate.workflows.model.DurationEstimate.PerNamespace;
import dev.asmmigrate.workflows.model.DurationEstimate.PerWorkload;
import dev.asmmigrate.workflows.model.DurationEstimate.Sizing;
import dev.asmmigrate.workflows.model.DurationEstimate.Sum;
import dev.asmmigrate.workflows.model.DurationEstimate.Wait;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The runbook's duration model: each kind of estimate, and the declared steps' bounds. */
class DurationEstimateTest {
  // every bound different, so that a step bounded by the wrong timeout shows
  static final Timeouts TIMEOUTS =
      new Timeouts(ofMinutes(20), ofMinutes(10), ofMinutes(15), ofMinutes(7));

  /** 2 add-on versions, 7 namespaces of which 1 canary, 3 remaining, 40 workloads, waves of 2. */
  static final Sizing SIZING = new Sizing(2, 7, 1, 3, 40, 2);

  static final Duration NAMESPACE = ofSeconds(15 * 60 + 30);

  @Test
  void eachKindOfEstimate_shouldComputeItsBoundFromTheSizingAndTheTimeouts() {
    assertThat(new Fixed(ofSeconds(30)).upTo(SIZING, TIMEOUTS)).isEqualTo(ofSeconds(30));
    assertThat(new Bounded(ofMinutes(1), Wait.CONTROL_PLANE).upTo(SIZING, TIMEOUTS))
        .isEqualTo(ofMinutes(21));
    assertThat(new Bounded(ofMinutes(1), Wait.GATEWAY).upTo(SIZING, TIMEOUTS))
        .isEqualTo(ofMinutes(8));
    assertThat(new PerWorkload(ofSeconds(30), ofSeconds(2)).upTo(SIZING, TIMEOUTS))
        .isEqualTo(ofSeconds(110));
    assertThat(
            new PerAddonVersion(new Bounded(ofMinutes(2), Wait.ROOT_DISTRIBUTION))
                .upTo(SIZING, TIMEOUTS))
        .isEqualTo(ofMinutes(24));
    // the canary alone, then 6 namespaces in waves of 2: 4 rounds of at most 15m30s
    PerNamespace first =
        new PerNamespace(Namespaces.FIRST, new Bounded(ofSeconds(30), Wait.ROLLOUT));
    assertThat(first.rounds(SIZING)).isEqualTo(4);
    assertThat(first.upTo(SIZING, TIMEOUTS)).isEqualTo(NAMESPACE.multipliedBy(4));
    // 3 remaining namespaces in waves of 2: 2 rounds; none remaining: nothing
    PerNamespace remaining =
        new PerNamespace(Namespaces.REMAINING, new Bounded(ofSeconds(30), Wait.ROLLOUT));
    assertThat(remaining.rounds(SIZING)).isEqualTo(2);
    assertThat(remaining.rounds(new Sizing(1, 7, 0, 0, 40, 2))).isZero();
    assertThat(new OperatorWait().upTo(SIZING, TIMEOUTS)).isEqualTo(Duration.ZERO);
    assertThat(new Sum(List.of(new Fixed(ofMinutes(1)), first)).upTo(SIZING, TIMEOUTS))
        .isEqualTo(ofMinutes(1).plus(NAMESPACE.multipliedBy(4)));
  }

  @Test
  void theDeclaredSteps_shouldBeBoundedByTheirOwnTimeouts() {
    assertThat(Step.CONTROL_PLANE.declaration().duration().upTo(SIZING, TIMEOUTS))
        .isEqualTo(ofMinutes(21));
    assertThat(Step.CONFIGURE_MESH_CA.declaration().duration().upTo(SIZING, TIMEOUTS))
        .isEqualTo(ofMinutes(24));
    assertThat(Step.REPLACE_GATEWAY.declaration().duration().upTo(SIZING, TIMEOUTS))
        .isEqualTo(ofMinutes(8));
    assertThat(Step.MIGRATE_WORKLOADS.declaration().duration().upTo(SIZING, TIMEOUTS))
        .isEqualTo(NAMESPACE.multipliedBy(4));
    assertThat(Step.MIGRATE_REMAINING_WORKLOADS.declaration().duration().upTo(SIZING, TIMEOUTS))
        .isEqualTo(NAMESPACE.multipliedBy(2));
    assertThat(Step.APPROVAL.declaration().duration().upTo(SIZING, TIMEOUTS)).isZero();
    // a longer rollout bound lengthens exactly the workload steps
    Timeouts slowRollout = new Timeouts(ofMinutes(20), ofMinutes(10), ofMinutes(30), ofMinutes(7));
    for (Step s : Step.values()) {
      Duration before = s.declaration().duration().upTo(SIZING, TIMEOUTS);
      Duration after = s.declaration().duration().upTo(SIZING, slowRollout);
      boolean workloads = s == Step.MIGRATE_WORKLOADS || s == Step.MIGRATE_REMAINING_WORKLOADS;
      assertThat(after.compareTo(before) > 0).as(s.id()).isEqualTo(workloads);
    }
    assertThat(Step.CONTROL_PLANE.declaration().duration().describe())
        .isEqualTo("1m + the control-plane timeout");
    assertThat(Step.MIGRATE_WORKLOADS.declaration().duration().describe())
        .isEqualTo("(30s + the rollout timeout) per canary namespace and per wave of namespaces");
  }

  @Test
  void aNegativeSize_shouldBeRefused_andConcurrencyAtLeastOne() {
    assertThatThrownBy(() -> new Sizing(1, -1, 0, 0, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
    assertThat(new Sizing(1, 4, 0, 0, 0, 0).concurrency()).isEqualTo(1);
  }
}
