package dev.asmmigrate.activities.addon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.plan.MadeChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.activities.preflight.PreflightActivitiesImpl;
import dev.asmmigrate.activities.state.StateConfigMap;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.activities.AddonActivities;
import dev.asmmigrate.workflows.activities.AddonActivities.AddonRequest;
import dev.asmmigrate.workflows.activities.PreflightActivities;
import dev.asmmigrate.workflows.activities.PreflightActivities.PreflightRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PreflightReport;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The add-on 1.6 cluster (1.6 on top of 1.4): pre-flight sees both, cleanup removes both. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Addon16Test {
  static SandboxHarness h;
  static TestActivities activities;
  static GoogleClients google;
  static MigrationContext ctx;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
                SandboxSettings.builder()
                    .base(SandboxSettings.Base.ADDON_1_6)
                    .app("online-boutique")
                    .podReadyDelay(Duration.ofMillis(100)))
            .settle();
    activities = new TestActivities();
    google = new GoogleClients();
    ctx = h.context();
  }

  @AfterAll
  static void stop() {
    activities.close();
    google.close();
    h.close();
  }

  @Test
  @Order(1)
  void givenTheAddon16_whenPreflightRuns_itShouldDetectBothControlPlanesAndThe16Namespace() {
    PreflightActivities preflight =
        activities.stub(
            PreflightActivities.class, new PreflightActivitiesImpl(h.clients, h.backups, google));

    PreflightReport report = preflight.preflight(new PreflightRequest(ctx, List.of()));

    assertThat(report.addonVersions()).containsExactly(AddonVersion.V1_4, AddonVersion.V1_6);
    assertThat(report.namespaces())
        .containsExactly(new NamespacePlan("online-boutique", AddonVersion.V1_6, 12, 0));
  }

  @Test
  @Order(2)
  void givenSuccessOn16_whenCleanupRuns_itShouldAlsoRemoveIstiodTheOperatorAndTheirWebhook() {
    h.client()
        .apps()
        .deployments()
        .inNamespace("istio-system")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("asm-ingressgateway")
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector()
                .addToMatchLabels("app", "asm-ingressgateway")
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "asm-ingressgateway")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("istio-proxy")
                .withImage("gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    new StateConfigMap(h.client()).write(ctx.migrationId(), MigrationState.SUCCESS, "cleanup");
    AddonActivities addon =
        activities.stub(
            AddonActivities.class,
            new AddonActivitiesImpl(h.clients, h.backups, google, Duration.ofSeconds(60)));
    Restorer restorer = new Restorer(h.client());
    List<ObjectKey> v16 =
        List.of(
            new ObjectKey(
                "install.istio.io/v1alpha1", "IstioOperator", "istio-system", "istio-1-6-11-gke-0"),
            new ObjectKey("apps/v1", "Deployment", "istio-system", "istiod-istio-1611"),
            new ObjectKey("v1", "Service", "istio-system", "istiod-istio-1611"),
            new ObjectKey("v1", "ConfigMap", "istio-system", "istio-istio-1611"),
            new ObjectKey(
                "admissionregistration.k8s.io/v1",
                "MutatingWebhookConfiguration",
                null,
                "istio-sidecar-injector-istio-1611"),
            new ObjectKey("apps/v1", "Deployment", "istio-operator", "istio-operator"),
            new ObjectKey(
                "rbac.authorization.k8s.io/v1", "ClusterRole", null, "istiod-istio-system"));
    for (ObjectKey key : v16) {
      assertThat(restorer.read(key)).as("fixture " + key).isNotNull();
    }

    // one computation: plan lists what cleanup then deletes
    List<PlannedChange> planned =
        new AddonActivitiesImpl(h.clients, h.backups, google, Duration.ofSeconds(60))
            .planCleanup(ctx, Set.of());
    assertThat(planned)
        .extracting(
            c ->
                new ObjectKey(
                    c.apiVersion(),
                    c.kind(),
                    c.namespace().isEmpty() ? null : c.namespace(),
                    c.name()))
        .containsAll(v16);
    MadeChanges made = MadeChanges.watch(h.sandbox);

    StepResult result = addon.cleanup(new AddonRequest(ctx));

    made.assertMadeExactly(planned);

    for (ObjectKey key : v16) {
      assertThat(restorer.read(key)).as(key.toString()).isNull();
      assertThat(result.changes()).contains("deleted " + key);
    }
    assertThat(h.sandbox.store().list(ResourceRegistry.PODS, "istio-system"))
        .allSatisfy(
            p ->
                assertThat(p.path("metadata").path("name").asText())
                    .startsWith("asm-ingressgateway-"));
    assertThat(h.sandbox.store().list(ResourceRegistry.PODS, "istio-operator")).isEmpty();
    // the application is not the add-on's
    assertThat(h.sandbox.store().list(ResourceRegistry.DEPLOYMENTS, "online-boutique")).hasSize(12);
  }
}
