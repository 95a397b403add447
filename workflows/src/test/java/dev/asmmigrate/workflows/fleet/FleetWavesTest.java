package dev.asmmigrate.workflows.fleet;

import static dev.asmmigrate.workflows.fleet.FleetTesting.cluster;
import static dev.asmmigrate.workflows.fleet.FleetTesting.wave;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asmmigrate.workflows.model.fleet.FleetCluster;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which clusters each wave takes. */
class FleetWavesTest {
  static final List<FleetCluster> CLUSTERS =
      List.of(
          cluster("a", "env=prod", "tier=web"),
          cluster("b", "env=staging"),
          cluster("c", "env=prod", "tier=api"),
          cluster("d", "env=prod", "tier=web"),
          cluster("e"));

  static List<List<String>> names(FleetWaves.Plan p) {
    return p.waves().stream()
        .map(w -> w.clusters().stream().map(FleetCluster::name).toList())
        .toList();
  }

  @Test
  void
      aWave_shouldTakeItsNamedAndSelectedClustersInTheFleetsOrder_eachClusterInTheFirstWaveThatTakesIt() {
    FleetWaves.Plan p =
        FleetWaves.resolve(
            List.of(
                wave("canary", List.of("d"), null, 1),
                wave("web", List.of("b"), "tier=web", 1),
                wave("prod", List.of(), "env=prod", 1),
                wave("empty", List.of(), "env=prod,tier=web", 1)),
            CLUSTERS);

    assertThat(names(p)).containsExactly(List.of("d"), List.of("a", "b"), List.of("c"), List.of());
    assertThat(p.unmatched()).extracting(FleetCluster::name).containsExactly("e");
  }

  @Test
  void aWaveNamingAnUnknownCluster_orWithABadSelector_shouldBeRefused() {
    assertThatThrownBy(
            () -> FleetWaves.resolve(List.of(wave("w1", List.of("a", "zz"), null, 1)), CLUSTERS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("wave w1 names cluster zz, which the fleet does not have");
    assertThatThrownBy(
            () -> FleetWaves.resolve(List.of(wave("w1", List.of(), "env in prod", 1)), CLUSTERS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at character 8: expected '('");
  }

  @Test
  void discoveredClusters_shouldFollowTheListedOnes_aListedClusterWinningOnADuplicate() {
    FleetCluster listedB = cluster("b", "source=file");
    List<FleetCluster> merged =
        FleetWaves.merge(
            List.of(cluster("a"), listedB),
            List.of(cluster("b", "source=hub"), cluster("x", "source=hub")));

    assertThat(merged).extracting(FleetCluster::name).containsExactly("a", "b", "x");
    assertThat(merged.get(1)).isSameAs(listedB);
  }
}
