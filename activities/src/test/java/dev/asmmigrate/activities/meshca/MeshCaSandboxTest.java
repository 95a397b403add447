package dev.asmmigrate.activities.meshca;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.workflows.activities.MeshCaActivities;
import java.time.Duration;
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
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(base)
                .app("online-boutique")
                .podReadyDelay(Duration.ofMillis(100))
                .controlPlaneProvisionDelay(Duration.ofMillis(500))
                .rootDistributionDelay(Duration.ofMillis(500)));
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
