package dev.asmmigrate.workflows.model.window;

import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.DurationEstimate.Sizing;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepModel;
import dev.asmmigrate.workflows.model.Timeouts;
import dev.asmmigrate.workflows.model.window.Estimates.Estimate;
import dev.asmmigrate.workflows.model.window.Estimates.Measured;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The windows' estimates: measured first, else pre-flight's model, else the runbook's bound. */
class EstimatesTest {
  static final Timeouts T = Timeouts.defaults();

  static NamespacePlan ns(String name, int workloads, Duration model) {
    return new NamespacePlan(name, AddonVersion.V1_4, workloads, 0, model);
  }

  static Measured took(int workloads, Duration model, Duration d) {
    return new Measured("m", workloads, model, d);
  }

  @Test
  void beforeAnyMeasurement_aNamespaceShouldTakeItsRolloutModelElseTheRunbooksBound() {
    assertThat(Estimates.namespace(ns("a", 3, ofMinutes(4)), List.of(), T)).isEqualTo(ofMinutes(4));
    // 30s of calls + the 15m rollout timeout
    assertThat(Estimates.namespace(ns("a", 3, null), List.of(), T))
        .isEqualTo(ofMinutes(15).plusSeconds(30));
  }

  @Test
  void measuredNamespaces_shouldWinOverTheModel_atTheirSlowestBelowTenAndP90From10() {
    NamespacePlan a = ns("a", 1, ofMinutes(30));
    List<Measured> three =
        List.of(
            took(1, null, ofMinutes(2)), took(1, null, ofMinutes(5)), took(1, null, ofMinutes(3)));
    assertThat(Estimates.namespace(a, three, T)).isEqualTo(ofMinutes(5));

    List<Measured> twenty = new ArrayList<>();
    IntStream.rangeClosed(1, 20).forEach(i -> twenty.add(took(1, null, ofMinutes(i))));
    // nearest rank: the 18th of 20
    assertThat(Estimates.namespace(a, twenty, T)).isEqualTo(ofMinutes(18));
  }

  @Test
  void aLargerNamespace_shouldScaleTheMeasurementsUp_byModelsElseWorkloads_neverDown() {
    // models known on both sides: 2 min measured for a 1 min model, this one's model is 3 min
    assertThat(
            Estimates.namespace(
                ns("big", 1, ofMinutes(3)), List.of(took(1, ofMinutes(1), ofMinutes(2))), T))
        .isEqualTo(ofMinutes(6));
    // no models: by workloads, 4 against 2
    assertThat(Estimates.namespace(ns("big", 4, null), List.of(took(2, null, ofMinutes(2))), T))
        .isEqualTo(ofMinutes(4));
    // a smaller one is never estimated faster than one measured
    assertThat(Estimates.namespace(ns("small", 1, null), List.of(took(8, null, ofMinutes(2))), T))
        .isEqualTo(ofMinutes(2));
  }

  @Test
  void aWave_shouldTakeItsSlowestNamespace_andItsUndoAsMuchAgain() {
    Estimate e =
        Estimates.wave(
            List.of(ns("a", 1, ofMinutes(2)), ns("b", 1, ofMinutes(7)), ns("c", 1, ofMinutes(1))),
            List.of(),
            T);
    assertThat(e.work()).isEqualTo(ofMinutes(7));
    assertThat(e.undo()).isEqualTo(ofMinutes(7));
    assertThat(e.needs(ofMinutes(5))).isEqualTo(ofMinutes(19));
    assertThat(e.describe()).isEqualTo("~7m + undo ~7m (pre-flight's rollout model)");
    assertThat(
            Estimates.wave(List.of(ns("a", 1, null)), List.of(took(1, null, ofSeconds(90))), T)
                .describe())
        .isEqualTo("~1m30s + undo ~1m30s (measured: slowest of 1 namespace, scaled to size)");
  }

  @Test
  void aStep_shouldTakeTheRunbooksBound_forItAndItsUndo() {
    Estimate gateway = Estimates.step(Step.REPLACE_GATEWAY, new Sizing(1, 3, 0, 0, 5, 1), T);
    // 1m of calls + the 10m gateway timeout
    assertThat(gateway.work()).isEqualTo(ofMinutes(11));
    assertThat(gateway.undo()).isEqualTo(ofMinutes(11));
    Estimate meshCa = Estimates.step(Step.CONFIGURE_MESH_CA, new Sizing(2, 3, 0, 0, 5, 1), T);
    // (2m + the 10m root-distribution timeout) per add-on version, both versions in one step
    assertThat(meshCa.work()).isEqualTo(ofMinutes(24));
  }

  @Test
  void aStep_shouldTakePreflightsModel_beforeThisRunMeasuredIt_andItsMeasurementAfter() {
    Sizing sizing = new Sizing(1, 3, 0, 0, 5, 1);
    StepModel model =
        new StepModel(
            Step.REPLACE_GATEWAY.id(),
            ofSeconds(15),
            "new gateway of 1 replica(s) Ready ~13s, LoadBalancer switch ~2s");

    // before any measurement: pre-flight's model, for the work and for its undo
    Estimate modelled = Estimates.step(Step.REPLACE_GATEWAY, null, model, sizing, T);
    assertThat(modelled.work()).isEqualTo(ofSeconds(15));
    assertThat(modelled.undo()).isEqualTo(ofSeconds(15));
    assertThat(modelled.describe())
        .isEqualTo(
            "~15s + undo ~15s (pre-flight's model: new gateway of 1 replica(s) Ready ~13s,"
                + " LoadBalancer switch ~2s)");

    // this run did the step before (a resume): what it took wins over the model
    Estimate measured = Estimates.step(Step.REPLACE_GATEWAY, ofSeconds(40), model, sizing, T);
    assertThat(measured.work()).isEqualTo(ofSeconds(40));
    assertThat(measured.undo()).isEqualTo(ofSeconds(40));
    assertThat(measured.basis()).isEqualTo("measured: this run's replace-gateway");

    // neither (a history from before the models): the runbook's bound, as before
    Estimate bound = Estimates.step(Step.REPLACE_GATEWAY, null, null, sizing, T);
    assertThat(bound.work()).isEqualTo(ofMinutes(11));
    assertThat(bound.basis()).startsWith("the runbook's bound: 1m + the gateway timeout");

    // another step's model is not this step's
    assertThat(Estimates.step(Step.CONFIGURE_MESH_CA, null, model, sizing, T).work())
        .isEqualTo(ofMinutes(12));
  }

  @Test
  void measured_shouldTakeTheVerifiedNamespacesFromStartedToVerified() {
    List<NamespaceStatus> statuses =
        List.of(
            new NamespaceStatus(
                "a",
                AddonVersion.V1_4,
                "VERIFIED",
                3,
                3,
                "",
                Map.of("STARTED", 1_000L, "RELABELLED", 2_000L, "VERIFIED", 61_000L)),
            new NamespaceStatus(
                "b", AddonVersion.V1_4, "MIGRATING", 0, 0, "", Map.of("STARTED", 1_000L)),
            new NamespaceStatus(
                "c",
                AddonVersion.V1_4,
                "ROLLED_BACK",
                0,
                0,
                "",
                Map.of("STARTED", 1_000L, "VERIFIED", 5_000L)));
    Map<String, NamespacePlan> plans =
        Map.of("a", ns("a", 4, ofMinutes(1)), "b", ns("b", 1, null), "c", ns("c", 1, null));

    assertThat(Estimates.measured(statuses, plans))
        .containsExactly(new Measured("a", 4, ofMinutes(1), ofMinutes(1)));
  }

  @Test
  void theRolloutModel_shouldCountRoundsOfSurgePlusUnavailable_eachAPodStartAndItsReadiness() {
    // 10 replicas, 25 % surge (3) and 25 % unavailable (2): 2 rounds of 10s + 20s
    assertThat(Estimates.rollout(10, 3, 2, ofSeconds(20), Duration.ZERO)).isEqualTo(ofMinutes(1));
    // one replica, maxSurge 0 and maxUnavailable 0 cannot happen; at least one pod a round
    assertThat(Estimates.rollout(1, 0, 0, ofSeconds(5), Duration.ZERO)).isEqualTo(ofSeconds(15));
    // pods seen to take longer than the probe: the observation counts
    assertThat(Estimates.rollout(2, 1, 0, ofSeconds(5), ofSeconds(50))).isEqualTo(ofMinutes(2));
    assertThat(Estimates.rollout(0, 1, 1, ofSeconds(5), Duration.ZERO)).isEqualTo(Duration.ZERO);
  }
}
