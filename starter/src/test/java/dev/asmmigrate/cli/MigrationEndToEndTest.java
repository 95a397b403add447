package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.istio.ControlPlane;
import dev.asmmigrate.workflows.model.MigrationResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole migration of a sandbox cluster per add-on version (1.4, 1.6, and both at once) through
 * the real worker and activities and an embedded Temporal server, as {@code demo} runs it; the
 * final cluster is checked object by object ({@link MigratedCluster}) with the traffic probe at 0
 * failed requests. The 1.6 cluster also runs a StatefulSet and a DaemonSet with sidecars in Online
 * Boutique's namespace, which end on the managed proxy like the Deployments ({@link
 * FailAtEveryStepOn16Test} rolls them back at every step).
 *
 * <p>The 1.4 run also carries the checks that need a whole clean migration and nothing else, so
 * that the suite pays for it once: {@code plan} listed exactly the changes the migration made
 * ({@link PlannedChanges}), and no Secret's data is in its history, logs or output ({@link
 * NoSecretsInHistoryOrLogsTest#assertNothingSecretLeaked}), and new namespaces and pods get the
 * managed proxy through the default revision tag ({@link MigratedCluster#assertDefaultTagInjects}).
 */
class MigrationEndToEndTest {
  @TempDir Path dir;

  @Test
  void
      givenAnAddon14Cluster_whenPlannedThenMigrated_itShouldMakeThePlannedChangesLeakNoSecretAndEndOnManagedAsm()
          throws Exception {
    long started = System.nanoTime();
    Path history = dir.resolve("history.json");
    try (LogCapture logs = LogCapture.debug();
        DemoRun run = DemoRun.prepare("1.4", 0, Duration.ofMillis(100))) {
      // a 1.4 cluster has no IstioOperator CRD: plan, every step and cleanup work without it
      assertThat(
              run.sandbox()
                  .store()
                  .registry()
                  .forKind("install.istio.io/v1alpha1", "IstioOperator"))
          .isEmpty();
      MigratedCluster.Before before = MigratedCluster.capture(run.sandbox());
      SecretLeaks secrets = NoSecretsInHistoryOrLogsTest.secretsOf(run);
      PlannedChanges planned =
          PlannedChanges.plan(
              run.sandbox(), run.sandbox().writeKubeconfig(dir.resolve("sandbox.kubeconfig")));
      StringWriter progress = new StringWriter();
      PrintWriter out = new PrintWriter(progress, true);

      MigrationResult result = run.migrate(null, 4, out, history);

      assertThat(run.sandbox().awaitSettled(Duration.ofMinutes(2))).isTrue();
      MigratedCluster.assertMigrated(run.sandbox(), before, result);
      assertThat(progress.toString()).contains("step cleanup: done");
      planned.assertMadeExactly(run.sandbox());
      assertThat(run.checkMigrated(out)).as(progress.toString()).isTrue();
      NoSecretsInHistoryOrLogsTest.assertNothingSecretLeaked(
          run, secrets, history, logs, progress.toString());
      // after the checks that count the migration's requests: it creates namespaces and pods
      MigratedCluster.assertDefaultTagInjects(run.sandbox());
    } finally {
      System.out.printf(
          "MigrationEndToEndTest add-on 1.4 (planned, no secrets): %d s%n",
          Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }
  }

  @Test
  void
      givenAnAddon16Cluster_whenPlannedForOneNamespaceThenMigrated_itShouldPlanThe16StepsAndEndOnManagedAsm()
          throws Exception {
    long started = System.nanoTime();
    try (DemoRun run =
        DemoRun.prepare(
            "1.6", 1, Duration.ofMillis(100), List.of(FailAtEveryStepOn16Test.setsFixture()))) {
      MigratedCluster.Before before = MigratedCluster.capture(run.sandbox());
      Addon16Plan.assertPlansThe16StepsAndTheNamespacesFirst(
          run.sandbox(), run.sandbox().writeKubeconfig(dir.resolve("sandbox.kubeconfig")));
      assertSetsOnProxy(run, "istio-1611", ControlPlane.ADDON_16_PROXY);

      migrateAndCheck(run, before);
      assertSetsOnProxy(
          run,
          MigratedCluster.REVISION,
          ControlPlane.MANAGED_PROXIES.get(MigratedCluster.REVISION));
    } finally {
      System.out.printf(
          "MigrationEndToEndTest add-on 1.6 (planned): %d s%n",
          Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }
  }

  @Test
  void givenBothAddonVersions_whenMigratedWithAutoApproval_itShouldEndOnManagedAsmObjectByObject()
      throws Exception {
    long started = System.nanoTime();
    try (DemoRun run = DemoRun.prepare("both", 0, Duration.ofMillis(100))) {
      MigratedCluster.Before before = MigratedCluster.capture(run.sandbox());
      assertThat(before.injectedNamespaces())
          .hasEntrySatisfying(
              "online-boutique", l -> assertThat(l).containsEntry("istio.io/rev", "istio-1611"))
          .containsKey("demo-14");

      migrateAndCheck(run, before);
    } finally {
      System.out.printf(
          "MigrationEndToEndTest add-on both: %d s%n",
          Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }
  }

  /**
   * The StatefulSet and the DaemonSet with sidecars in Online Boutique's namespace ({@code
   * fixtures/sets-in-online-boutique}): each of their pods runs {@code proxy}, injected by {@code
   * revision}, Ready with both containers; two of the StatefulSet, one per node of the DaemonSet.
   */
  private static void assertSetsOnProxy(DemoRun run, String revision, String proxy) {
    ObjectStore store = run.sandbox().store();
    assertThat(FailAtEveryStepOn16Test.podsOwnedBy(store, "online-boutique"))
        .containsEntry("StatefulSet/cartdb", 2)
        .containsEntry("DaemonSet/node-exporter", run.sandbox().settings().nodes());
    for (ObjectNode pod : MigratedCluster.livePods(store, "online-boutique")) {
      String owner = pod.path("metadata").path("ownerReferences").path(0).path("kind").asText();
      if (owner.equals("StatefulSet") || owner.equals("DaemonSet")) {
        assertThat(MigratedCluster.proxyImage(pod)).as(MigratedCluster.name(pod)).isEqualTo(proxy);
        assertThat(MigratedCluster.injectedBy(pod)).isEqualTo(revision);
        assertThat(pod.path("spec").path("containers").size()).isEqualTo(2);
        assertThat(MigratedCluster.ready(pod)).as("%s 2/2", MigratedCluster.name(pod)).isTrue();
      }
    }
  }

  private static void migrateAndCheck(DemoRun run, MigratedCluster.Before before) throws Exception {
    StringWriter progress = new StringWriter();

    MigrationResult result = run.migrate(null, 4, new PrintWriter(progress, true));

    assertThat(run.sandbox().awaitSettled(Duration.ofMinutes(2))).isTrue();
    MigratedCluster.assertMigrated(run.sandbox(), before, result);
    assertThat(progress.toString()).contains("step cleanup: done");
  }
}
