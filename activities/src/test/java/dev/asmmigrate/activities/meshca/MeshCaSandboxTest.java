package dev.asmmigrate.activities.meshca;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.workflows.activities.MeshCaActivities;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * The shape of the configure-mesh-ca tests: one add-on sandbox with Online Boutique per class, its
 * managed control plane already provisioned, and the real activity behind a Temporal stub. The
 * subclass's {@code @BeforeAll} calls {@link #start}.
 */
abstract class MeshCaSandboxTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final String NS = "istio-system";
  static SandboxHarness h;
  static TestActivities activities;
  static MeshCaActivities meshCa;

  /**
   * Starts the class's sandbox; the activity waits for the proxies' pickup not at all and holds the
   * root-cert trigger filter for {@code triggerHold}.
   */
  static void start(SandboxSettings.Base base, Duration triggerHold) {
    start(base, triggerHold, List.of("online-boutique"), Duration.ofMillis(500));
  }

  /** As {@link #start(SandboxSettings.Base, Duration)}, with these apps and distribution delay. */
  static void start(
      SandboxSettings.Base base,
      Duration triggerHold,
      List<String> apps,
      Duration rootDistributionDelay) {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(base)
                .apps(apps)
                .podReadyDelay(Duration.ofMillis(100))
                .controlPlaneProvisionDelay(Duration.ofMillis(500))
                .rootDistributionDelay(rootDistributionDelay));
    activities = new TestActivities();
    meshCa =
        activities.stub(
            MeshCaActivities.class,
            new MeshCaActivitiesImpl(
                h.clients,
                h.backups,
                new MeshCaActivitiesImpl.Settings(
                    Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ZERO, triggerHold)));
    activities.provisionManagedControlPlane(h);
  }

  @AfterAll
  static void stop() {
    activities.close();
    h.close();
  }
}
