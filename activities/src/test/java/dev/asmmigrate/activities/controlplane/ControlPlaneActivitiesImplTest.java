package dev.asmmigrate.activities.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.plan.MadeChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.workflows.activities.ControlPlaneActivities;
import dev.asmmigrate.workflows.activities.ControlPlaneActivities.AwaitControlPlaneRequest;
import dev.asmmigrate.workflows.activities.ControlPlaneActivities.ControlPlaneRequest;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ControlPlaneActivitiesImplTest {
  static SandboxHarness h;
  static TestActivities activities;
  static ControlPlaneActivities cp;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .podReadyDelay(Duration.ofMillis(100))
                .controlPlaneProvisionDelay(Duration.ofMillis(1500)));
    activities = new TestActivities();
    cp =
        activities.stub(
            ControlPlaneActivities.class,
            new ControlPlaneActivitiesImpl(h.clients, h.backups, Duration.ofMillis(200)));
  }

  @AfterAll
  static void stop() {
    activities.close();
    h.close();
  }

  static MigrationContext context(String revision) {
    MigrationContext base = h.context();
    return new MigrationContext(
        UUID.randomUUID().toString(), base.cluster(), base.connection(), revision, null);
  }

  static Optional<ObjectNode> revision(String name) {
    ResourceType type =
        h.sandbox
            .store()
            .registry()
            .find("mesh.cloud.google.com", "v1beta1", "controlplanerevisions")
            .orElseThrow();
    return h.sandbox.store().get(type, "istio-system", name);
  }

  @Test
  void givenAnAddonCluster_whenAppliedTwiceAndAwaited_itShouldCreateOneProvisionedRevision() {
    MigrationContext ctx = context("asm-managed");
    ControlPlaneRequest request = new ControlPlaneRequest(ctx, "regular");

    StepResult first = cp.applyControlPlaneRevision(request);
    JsonNode created = revision("asm-managed").orElseThrow();
    StepResult second = cp.applyControlPlaneRevision(request);

    assertThat(created.path("spec").path("type").asText()).isEqualTo("managed_service");
    assertThat(created.path("spec").path("channel").asText()).isEqualTo("regular");
    assertThat(first.changes()).hasSize(1);
    assertThat(second.changes()).isEmpty();
    assertThat(first.backups()).hasSize(1);
    assertThat(first.backups().get(0).absent()).isTrue();
    assertThat(second.backups()).isEqualTo(first.backups());
    // the second apply wrote nothing: what the owner wrote is as the first left it
    JsonNode now = revision("asm-managed").orElseThrow();
    assertThat(TestActivities.essence(now)).isEqualTo(TestActivities.essence(created));
    assertThat(now.path("metadata").path("generation"))
        .isEqualTo(created.path("metadata").path("generation"));

    activities.clearHeartbeats();
    cp.awaitControlPlane(new AwaitControlPlaneRequest(ctx, Duration.ofSeconds(30)));

    assertThat(ControlPlaneActivitiesImpl.condition(revision("asm-managed").orElseThrow()).done())
        .isTrue();
    assertThat(activities.heartbeats()).isNotEmpty();
    assertThat(activities.heartbeats().get(0))
        .contains("ControlPlaneRevision istio-system/asm-managed");
    // the revision brought its injection webhook and trust domain, as the next steps need
    assertThat(
            h.client()
                .admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName("istiod-asm-managed")
                .get())
        .isNotNull();

    cp.removeControlPlaneRevision(request);
    cp.removeControlPlaneRevision(request);
    assertThat(revision("asm-managed")).isEmpty();
  }

  /**
   * The plan and the activity share one computation ({@link ControlPlaneChanges#desired}): on an
   * add-on cluster the plan lists the revision's creation, on a revision of another channel the
   * patch of its spec, and the activity makes exactly those.
   */
  @Test
  void
      givenNoRevisionThenOneOfAnotherChannel_whenPlannedThenApplied_itShouldMakeThePlannedChange() {
    ControlPlaneActivitiesImpl impl = new ControlPlaneActivitiesImpl(h.clients, h.backups);
    MigrationContext ctx = context("asm-managed");
    ControlPlaneRequest request = new ControlPlaneRequest(ctx, "regular");

    List<PlannedChange> plan = impl.plan(ctx, "regular");

    assertThat(plan)
        .extracting(PlannedChange::describe)
        .containsExactly("create ControlPlaneRevision istio-system/asm-managed");
    assertThat(plan.get(0).body().path("spec").toString())
        .isEqualTo("{\"type\":\"managed_service\",\"channel\":\"regular\"}");
    MadeChanges made = MadeChanges.watch(h.sandbox);
    cp.applyControlPlaneRevision(request);
    made.assertMadeExactly(plan);
    cp.removeControlPlaneRevision(request);

    GenericKubernetesResource other = new GenericKubernetesResource();
    other.setApiVersion("mesh.cloud.google.com/v1beta1");
    other.setKind("ControlPlaneRevision");
    other.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("asm-managed-rapid")
            .withNamespace("istio-system")
            .build());
    other.setAdditionalProperty("spec", Map.of("type", "managed_service", "channel", "regular"));
    var cprs = h.client().genericKubernetesResources(ControlPlaneActivitiesImpl.CPR);
    cprs.inNamespace("istio-system").resource(other).create();
    MigrationContext rapid = context("asm-managed-rapid");
    try {
      List<PlannedChange> patch = impl.plan(rapid, "rapid");

      assertThat(patch)
          .extracting(c -> c.describe() + " " + c.patchType() + " " + c.body())
          .containsExactly(
              "patch ControlPlaneRevision istio-system/asm-managed-rapid merge"
                  + " {\"spec\":{\"type\":\"managed_service\",\"channel\":\"rapid\"}}");
      MadeChanges patched = MadeChanges.watch(h.sandbox);
      cp.applyControlPlaneRevision(new ControlPlaneRequest(rapid, "rapid"));
      patched.assertMadeExactly(patch);
      assertThat(revision("asm-managed-rapid").orElseThrow().path("spec").path("channel").asText())
          .isEqualTo("rapid");
    } finally {
      cprs.inNamespace("istio-system").withName("asm-managed-rapid").delete();
    }
  }

  @Test
  void givenAControlPlaneThatNeverProvisions_whenAwaited_itShouldFailNamingTheLastCondition() {
    MigrationContext ctx = context("asm-managed-rapid");
    h.sandbox.faults().controlPlaneNeverProvisioned = true;
    try {
      cp.applyControlPlaneRevision(new ControlPlaneRequest(ctx, "rapid"));
      activities.clearHeartbeats();

      Throwable thrown =
          catchThrowable(
              () -> cp.awaitControlPlane(new AwaitControlPlaneRequest(ctx, Duration.ofSeconds(3))));

      ApplicationFailure failure = TestActivities.applicationFailure(thrown);
      assertThat(failure.getType()).isEqualTo(FailureType.CONTROL_PLANE_NOT_PROVISIONED.name());
      assertThat(failure.isNonRetryable()).isTrue();
      assertThat(failure.getOriginalMessage())
          .contains("ControlPlaneRevision istio-system/asm-managed-rapid")
          .contains("not done after 3s")
          .contains("ProvisioningFinished=False");
      // Temporal throttles heartbeats to one per 0.8 heartbeat timeout: the first one is sent
      assertThat(activities.heartbeats())
          .isNotEmpty()
          .allMatch(b -> b.contains("ControlPlaneRevision istio-system/asm-managed-rapid"));
    } finally {
      h.sandbox.faults().controlPlaneNeverProvisioned = false;
      cp.removeControlPlaneRevision(new ControlPlaneRequest(ctx, "rapid"));
    }
    assertThat(revision("asm-managed-rapid")).isEmpty();
  }

  @Test
  void givenARevisionThatExistedBeforeTheMigration_whenTheStepIsUndone_itShouldStayAsItWas() {
    GenericKubernetesResource existing = new GenericKubernetesResource();
    existing.setApiVersion("mesh.cloud.google.com/v1beta1");
    existing.setKind("ControlPlaneRevision");
    existing.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("asm-managed-stable")
            .withNamespace("istio-system")
            .withLabels(Map.of("owner", "platform-team"))
            .build());
    existing.setAdditionalProperty("spec", Map.of("type", "managed_service", "channel", "stable"));
    h.client()
        .genericKubernetesResources(ControlPlaneActivitiesImpl.CPR)
        .inNamespace("istio-system")
        .resource(existing)
        .create();
    ObjectNode before = TestActivities.essence(revision("asm-managed-stable").orElseThrow());
    MigrationContext ctx = context("asm-managed-stable");
    ControlPlaneRequest request = new ControlPlaneRequest(ctx, "stable");

    StepResult applied = cp.applyControlPlaneRevision(request);
    cp.removeControlPlaneRevision(request);

    assertThat(applied.changes()).isEmpty();
    assertThat(applied.backups()).singleElement().matches(b -> !b.absent());
    assertThat(TestActivities.essence(revision("asm-managed-stable").orElseThrow()))
        .isEqualTo(before);
  }

  @Test
  void givenARevisionOfAnotherChannel_whenApplied_itShouldRefuseWithoutChangingAnything() {
    MigrationContext ctx = context("asm-managed");

    Throwable thrown =
        catchThrowable(() -> cp.applyControlPlaneRevision(new ControlPlaneRequest(ctx, "rapid")));

    assertThat(TestActivities.applicationFailure(thrown).getType())
        .isEqualTo(FailureType.INVALID_INPUT.name());
    assertThat(h.backups.forContext(ctx).list(ctx.migrationId(), null)).isEmpty();
  }
}
