package dev.asmmigrate.activities.workloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.workflows.activities.WorkloadActivities;
import dev.asmmigrate.workflows.activities.WorkloadActivities.Direction;
import dev.asmmigrate.workflows.activities.WorkloadActivities.NamespaceRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RemainingRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyResult;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.NamespacePlan;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Online Boutique on add-on 1.6 (namespace labelled {@code istio.io/rev=istio-1611}): found as a
 * 1.6 namespace, relabelled to the managed revision and back to {@code istio-1611} (not to {@code
 * istio-injection}, as Google's documented rollback would), its proxies judged against the 1.6
 * injector's image.
 */
class WorkloadActivitiesAddon16Test {
  static final String BOUTIQUE = "online-boutique";

  static SandboxHarness h;
  static TestActivities activities;
  static WorkloadActivities workloads;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_6)
                .app(BOUTIQUE)
                .podReadyDelay(Duration.ofMillis(100)));
    activities = new TestActivities();
    workloads =
        activities.stub(WorkloadActivities.class, new WorkloadActivitiesImpl(h.clients, h.backups));
    assertThat(h.sandbox.awaitSettled(Duration.ofSeconds(120))).isTrue();
  }

  @AfterAll
  static void stop() {
    activities.close();
    h.close();
  }

  @Test
  void givenA16Namespace_whenRelabelledAndRestored_itShouldGoBackToRevisionIstio1611() {
    MigrationContext ctx = h.context();
    assertThat(workloads.remainingNamespaces(new RemainingRequest(ctx, List.of())))
        .contains(new NamespacePlan(BOUTIQUE, AddonVersion.V1_6, 12, 0));

    workloads.relabelNamespace(new NamespaceRequest(ctx, BOUTIQUE));

    assertThat(TestWorkloads.labels(h, BOUTIQUE))
        .containsEntry("istio.io/rev", "asm-managed")
        .doesNotContainKey("istio-injection");

    workloads.restoreNamespaceLabels(new NamespaceRequest(ctx, BOUTIQUE));
    workloads.restoreNamespaceLabels(new NamespaceRequest(ctx, BOUTIQUE));

    assertThat(TestWorkloads.labels(h, BOUTIQUE))
        .containsEntry("istio.io/rev", "istio-1611")
        .doesNotContainKey("istio-injection");
  }

  @Test
  void
      givenPodsOnThe16Proxy_whenVerifiedForTheAddon_itShouldPassAndForTheManagedRevisionFailFast() {
    MigrationContext ctx = h.context();

    VerifyResult onAddon =
        workloads.verifyNamespace(
            new VerifyRequest(
                ctx,
                BOUTIQUE,
                Direction.ROLL_BACK,
                AddonVersion.V1_6,
                Duration.ofSeconds(30),
                true));
    Throwable thrown =
        catchThrowable(
            () ->
                workloads.verifyNamespace(
                    new VerifyRequest(
                        ctx,
                        BOUTIQUE,
                        Direction.MIGRATE,
                        AddonVersion.V1_6,
                        Duration.ofSeconds(30),
                        true)));

    assertThat(onAddon).isEqualTo(new VerifyResult(12, 12));
    ApplicationFailure failure = TestActivities.applicationFailure(thrown);
    assertThat(failure.getType()).isEqualTo(FailureType.VERIFICATION_FAILED.name());
    assertThat(failure.getOriginalMessage())
        .contains("namespace " + BOUTIQUE + " Deployment/adservice pod adservice-")
        .contains("runs proxy gke.gcr.io/istio/proxyv2:1.6.14-gke.4, not the asm-managed proxy");
  }
}
