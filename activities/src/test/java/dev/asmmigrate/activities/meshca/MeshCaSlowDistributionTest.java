package dev.asmmigrate.activities.meshca;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.activities.MeshCaActivities.MeshCaRequest;
import dev.asmmigrate.workflows.activities.MeshCaActivities.RootDistributionRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.Timeouts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Citadel that takes its time, as a real 1.4 one does (about a minute; here a shortened 8 s, 40
 * polls): the wait, within the workflow's default bound, heartbeats while namespaces still lack the
 * root and returns once every namespace has it.
 */
class MeshCaSlowDistributionTest extends MeshCaSandboxTest {
  static final Duration DELAY = Duration.ofSeconds(8);

  @BeforeAll
  static void start() {
    start(SandboxSettings.Base.ADDON_1_4, Duration.ZERO, List.of(), DELAY);
  }

  @Test
  void givenACitadelThatTakesItsTime_whenDistributionIsAwaited_itShouldWaitHeartbeatingUntilDone() {
    MigrationContext ctx = h.context();
    MeshCaRequest request = new MeshCaRequest(ctx, AddonVersion.V1_4);
    Instant configuring = Instant.now();
    meshCa.configureMeshCa(request);
    activities.clearHeartbeats();
    try {
      meshCa.awaitRootDistribution(
          new RootDistributionRequest(
              ctx, AddonVersion.V1_4, Timeouts.defaults().rootDistribution()));

      // Citadel starts its delay once it sees the change, during configure-mesh-ca's rollout
      assertThat(Duration.between(configuring, Instant.now())).isGreaterThanOrEqualTo(DELAY);
      assertThat(activities.heartbeats())
          .as("heartbeats while Citadel has not distributed the root yet")
          .anyMatch(b -> b.contains("istio.default") && b.contains("waiting: 0/"));
      List<String> withoutRoot =
          h.sandbox.store().list(ResourceRegistry.SECRETS, null).stream()
              .filter(s -> s.path("metadata").path("name").asText().equals("istio.default"))
              .filter(
                  s ->
                      MeshCaRoot.occurrences(MeshCaActivities14Test.decoded(s, "root-cert.pem"))
                          != 1)
              .map(s -> s.path("metadata").path("namespace").asText())
              .toList();
      assertThat(withoutRoot).isEmpty();
    } finally {
      meshCa.restoreMeshCa(request);
    }
  }
}
