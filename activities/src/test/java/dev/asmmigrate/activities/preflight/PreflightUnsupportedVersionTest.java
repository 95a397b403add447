package dev.asmmigrate.activities.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.workflows.activities.PreflightActivities;
import dev.asmmigrate.workflows.activities.PreflightActivities.PreflightRequest;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.temporal.failure.ApplicationFailure;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class PreflightUnsupportedVersionTest {

  static Path fixture(String name) {
    try {
      return Path.of(
          Objects.requireNonNull(
                  PreflightUnsupportedVersionTest.class.getResource("/preflight/" + name))
              .toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static ApplicationFailure preflightFailure(SandboxHarness h) {
    try (TestActivities activities = new TestActivities();
        GoogleClients google = new GoogleClients()) {
      PreflightActivities preflight =
          activities.stub(
              PreflightActivities.class, new PreflightActivitiesImpl(h.clients, h.backups, google));
      Throwable thrown =
          org.assertj.core.api.Assertions.catchThrowable(
              () -> preflight.preflight(new PreflightRequest(h.context(), List.of())));
      assertThat(thrown).as("pre-flight should have failed").isNotNull();
      return TestActivities.applicationFailure(thrown);
    }
  }

  @Test
  void givenAnAddonWhosePilotIsNot14_whenPreflightRuns_itShouldRefuseTheVersion() {
    try (SandboxHarness h =
        SandboxHarness.start(
                SandboxSettings.builder()
                    .base(SandboxSettings.Base.ADDON_1_4)
                    .fixtureDirs(List.of(fixture("pilot-1.5")))
                    .podReadyDelay(Duration.ofMillis(100)))
            .settle()) {
      ApplicationFailure failure = preflightFailure(h);

      assertThat(failure.getType()).isEqualTo("UNSUPPORTED_VERSION");
      assertThat(failure.getOriginalMessage())
          .contains("istio=pilot")
          .contains("gke.gcr.io/istio/pilot:1.5.10-gke.0");
    }
  }

  @Test
  void givenNoAddonThenAnIstiodOfAnotherRevision_whenPreflightRuns_itShouldRefuseBoth() {
    try (SandboxHarness h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.NONE)
                .podReadyDelay(Duration.ofMillis(100)))) {
      ApplicationFailure none = preflightFailure(h);
      assertThat(none.getType()).isEqualTo("UNSUPPORTED_VERSION");
      assertThat(none.getOriginalMessage()).contains("no Istio on GKE add-on found");

      if (h.client().namespaces().withName("istio-system").get() == null) {
        h.client()
            .namespaces()
            .resource(
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName("istio-system")
                    .endMetadata()
                    .build())
            .create();
      }
      h.client()
          .apps()
          .deployments()
          .inNamespace("istio-system")
          .resource(
              new DeploymentBuilder()
                  .withNewMetadata()
                  .withName("istiod-asm-1106-2")
                  .addToLabels("app", "istiod")
                  .addToLabels("istio.io/rev", "asm-1106-2")
                  .endMetadata()
                  .withNewSpec()
                  .withReplicas(1)
                  .withNewSelector()
                  .addToMatchLabels("app", "istiod")
                  .endSelector()
                  .withNewTemplate()
                  .withNewMetadata()
                  .addToLabels("app", "istiod")
                  .endMetadata()
                  .withNewSpec()
                  .addNewContainer()
                  .withName("discovery")
                  .withImage("gcr.io/gke-release/asm/pilot:1.10.6-asm.2")
                  .endContainer()
                  .endSpec()
                  .endTemplate()
                  .endSpec()
                  .build())
          .create();
      ApplicationFailure other = preflightFailure(h);
      assertThat(other.getType()).isEqualTo("UNSUPPORTED_VERSION");
      assertThat(other.getOriginalMessage()).contains("istiod-asm-1106-2").contains("asm-1106-2");
    }
  }
}
