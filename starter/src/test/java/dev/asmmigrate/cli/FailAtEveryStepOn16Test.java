package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.model.Step;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link FailAtEveryStepTest}'s sweep on a cluster whose every namespace runs on the add-on 1.6
 * ({@code istio.io/rev=istio-1611}): for every step before the approval a failure can be injected
 * at and rolled back from, the run must end {@code ROLLED_BACK} with the cluster equal to its
 * pre-migration snapshot object by object ({@link RollbackRehearsal}) and every injected pod back
 * on the add-on 1.6 proxy, the StatefulSet's and the DaemonSet's among them. Pre-flight and
 * config-check change nothing, but a failure there rolls back too (config-check's after the fleet
 * membership and the control plane). The 1.6 base keeps the 1.4 control plane it was upgraded from,
 * Galley included, so disable-galley-webhook runs there too.
 *
 * <p>The cluster: Online Boutique and a StatefulSet and a DaemonSet with sidecars in its namespace
 * ({@code src/test/resources/fixtures/sets-in-online-boutique}), pods Ready 100 ms after they
 * start, one sandbox for the class. The steps up to replace-gateway are rehearsed here, the later
 * ones in {@link FailAtEveryLaterStepOn16Test}, so that the two halves (about 3 minutes each) run
 * side by side in the suite's forks.
 */
class FailAtEveryStepOn16Test {
  static final Duration POD_READY_DELAY = Duration.ofMillis(100);

  /** Online Boutique on 1.6 with a StatefulSet and a DaemonSet, both injected. */
  static final RollbackRehearsal.Cluster ADDON_16 =
      new RollbackRehearsal.Cluster(
          "1.6",
          () -> DemoRun.prepare("1.6", 0, POD_READY_DELAY, List.of(setsFixture())),
          FailAtEveryStepOn16Test::assertOnAddon16Proxies);

  /** The steps of this class; {@link FailAtEveryLaterStepOn16Test} rehearses the rest. */
  @TestFactory
  Stream<DynamicTest>
      givenAnAddOn16OnlyCluster_whenAFailureIsInjectedAtAStepUpToTheGateway_itShouldRollBackToThePreMigrationCluster() {
    return cases(Step.PREFLIGHT, Step.REPLACE_GATEWAY);
  }

  /**
   * The rehearsals of the steps from {@code first} to {@code last} that are reversible and before
   * the approval (a failure injected at the approval, auto-approved, rolls back exactly what one at
   * write-marker does), or only those named in {@code failat.steps}.
   */
  static Stream<DynamicTest> cases(Step first, Step last) {
    return Arrays.stream(Step.values())
        .filter(s -> s.ordinal() >= first.ordinal() && s.ordinal() <= last.ordinal())
        .filter(s -> s.reversible() && s.ordinal() < Step.APPROVAL.ordinal())
        .filter(RollbackRehearsal::selected)
        .map(step -> dynamicTest("1.6, fail at " + step.id(), () -> failAt(step)));
  }

  static void failAt(Step step) throws Exception {
    if (step == Step.DISABLE_GALLEY_WEBHOOK) {
      // the workflow skips the step without the 1.4 Galley: nothing would fail there
      assumeTrue(
          RollbackRehearsal.cluster(ADDON_16)
              .sandbox()
              .store()
              .get(ResourceRegistry.VALIDATING_WEBHOOKS, null, "istio-galley")
              .isPresent(),
          "the 1.6 base runs the 1.4 Galley");
    }
    RollbackRehearsal.failAndRollBack(ADDON_16, step);
  }

  @AfterAll
  static void closeClusters() {
    RollbackRehearsal.closeClusters();
  }

  /** {@code src/test/resources/fixtures/sets-in-online-boutique}. */
  static Path setsFixture() {
    try {
      return Path.of(
          FailAtEveryStepOn16Test.class.getResource("/fixtures/sets-in-online-boutique").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Every pod of the 1.6 namespaces on the add-on 1.6 proxy, injected by istio-1611 and Ready, the
   * StatefulSet's two and the DaemonSet's one per node among them.
   */
  static void assertOnAddon16Proxies(DemoRun run) {
    ObjectStore store = run.sandbox().store();
    List<String> namespaces =
        store.list(ResourceRegistry.NAMESPACES, null).stream()
            .filter(ns -> "istio-1611".equals(MigratedCluster.labels(ns).get("istio.io/rev")))
            .map(MigratedCluster::name)
            .toList();
    assertThat(namespaces).as("namespaces on the add-on 1.6").contains("online-boutique");
    for (String ns : namespaces) {
      for (ObjectNode pod : MigratedCluster.livePods(store, ns)) {
        assertThat(MigratedCluster.proxyImage(pod))
            .as("proxy of %s/%s", ns, MigratedCluster.name(pod))
            .startsWith(RollbackRehearsal.ADDON_16_PROXY);
        assertThat(MigratedCluster.injectedBy(pod)).isEqualTo("istio-1611");
        assertThat(MigratedCluster.ready(pod)).as(MigratedCluster.name(pod)).isTrue();
      }
    }
    assertThat(podsOwnedBy(store, "online-boutique"))
        .as("injected pods of the StatefulSet and the DaemonSet")
        .containsEntry("StatefulSet/cartdb", 2)
        .containsEntry("DaemonSet/node-exporter", run.sandbox().settings().nodes());
  }

  /** {@code Kind/name} of each pod's controller to how many live pods with a sidecar it owns. */
  static Map<String, Integer> podsOwnedBy(ObjectStore store, String ns) {
    Map<String, Integer> out = new java.util.TreeMap<>();
    for (ObjectNode pod : MigratedCluster.livePods(store, ns)) {
      if (MigratedCluster.proxyImage(pod).startsWith("<no ")) {
        continue;
      }
      for (JsonNode ref : pod.path("metadata").path("ownerReferences")) {
        if (ref.path("controller").asBoolean()) {
          out.merge(ref.path("kind").asText() + "/" + ref.path("name").asText(), 1, Integer::sum);
        }
      }
    }
    return out;
  }
}
