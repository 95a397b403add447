package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.ClusterSnapshot;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 5 item 4: {@code asm-migrate server}, {@code worker} and {@code start --wait} as OS
 * processes of their own on a served add-on 1.6 sandbox; the worker killed with SIGKILL during
 * configure-mesh-ca (right after it appended the Mesh CA root to istio-ca-secret) and again during
 * migrate-workloads (right after the first Deployment of the application was restarted, the others
 * not yet); a new worker each time. The migration completes, the cluster ends migrated and nothing
 * was applied twice.
 *
 * <p>"Equals an uncrashed run" is checked against what an uncrashed run is held to rather than a
 * second migration beside this one (which doubled the time and the load on a shared machine, and
 * made the fresh workers miss their start-up bound): {@link MigratedCluster#assertMigrated}, the
 * object-by-object checks {@link MigrationEndToEndTest} makes of an uncrashed run (labels,
 * webhooks, gateway, every pod's proxy, cleanup, backups holding the pre-migration objects,
 * traffic), plus a {@link ClusterSnapshot} diff of the whole cluster restricted to what a migration
 * changes: nothing outside that reach may differ from before, so no object a crash left behind or
 * duplicated goes unnoticed.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class CrashResumeTest {
  private static final String APP = ClusterRecorder.APP_NAMESPACE;

  @Test
  void givenWorkerKilledInMeshCaAndInWorkloads_whenNewWorkersTakeOver_itShouldCompleteOnce()
      throws Exception {
    long started = System.nanoTime();
    try (ProcessRig rig = ProcessRig.create("crash-resume")) {
      ObjectStore store = rig.run.sandbox().store();
      MigratedCluster.Before before = MigratedCluster.capture(rig.run.sandbox());
      rig.startServer();
      // start needs only the server: its JVM starts while the worker's does
      CliProcess start = rig.start("start", "--wait");
      CliProcess worker = rig.startWorker();

      assertThat(rig.recorder.meshCaRootAppended.await(3, TimeUnit.MINUTES))
          .as("the Mesh CA root appended to istio-ca-secret")
          .isTrue();
      killDuring(rig, worker, "configure-mesh-ca");
      worker = rig.startWorker();
      assertThat(rig.recorder.appRestartBegun.await(3, TimeUnit.MINUTES))
          .as("a Deployment of the application restarted")
          .isTrue();
      killDuring(rig, worker, "migrate-workloads");
      // mid-namespace as a rule (the worker was patching the first of the 12 Deployments); not
      // asserted, as a stalled test JVM could see more patched before the kill
      System.out.printf(
          "CrashResumeTest: %d of 12 Deployments restarted when the worker was killed%n",
          rig.recorder.restarts().keySet().stream()
              .filter(k -> k.startsWith("Deployment " + APP + "/"))
              .count());
      rig.startWorker();

      rig.awaitStatus(
          "the migration waits for approval",
          Duration.ofMinutes(4),
          s -> "WAITING_FOR_APPROVAL".equals(s.phase()));
      assertThat(
              ClusterRecorder.meshCaRootCount(
                  store.require(ResourceRegistry.SECRETS, "istio-system", "istio-ca-secret")))
          .as("Mesh CA roots in istio-ca-secret")
          .isEqualTo(1);
      rig.client().newWorkflowStub(MigrationWorkflow.class, rig.workflowId()).approve("crash-test");
      int exit = start.awaitExit(Duration.ofMinutes(3));
      assertThat(exit).as(start.output()).isZero();
      assertThat(start.output()).contains("migration: SUCCESS");
      MigrationResult result =
          rig.client()
              .newUntypedWorkflowStub(rig.workflowId())
              .getResult(10, TimeUnit.SECONDS, MigrationResult.class);
      assertThat(rig.run.sandbox().awaitSettled(Duration.ofMinutes(2))).isTrue();

      // the cluster ends as an uncrashed run leaves it
      MigratedCluster.assertMigrated(rig.run.sandbox(), before, result);
      assertThat(outsideTheMigrationsReach(rig.before().diff(ClusterSnapshot.take(store))))
          .isEmpty();

      // nothing applied twice: the Mesh CA root never twice in istio-ca-secret, not even for a
      // moment; each Deployment restarted once, to the migration's value; no backup rewritten
      assertThat(rig.recorder.maxMeshCaRoots()).isEqualTo(1);
      String migrationId = result.migrationId();
      assertThat(store.list(ResourceRegistry.DEPLOYMENTS, APP)).hasSize(12);
      assertThat(
              rig.recorder.deploymentsNotRestartedOnce(
                  APP, MigrationContext.restartedAt(migrationId)))
          .isEmpty();
      assertThat(rig.recorder.restarts())
          .containsKey("Deployment istio-system/istiod-istio-1611")
          .allSatisfy((workload, times) -> assertThat(times).as(workload).isEqualTo(1));
      assertThat(rig.recorder.backupRewrites()).isEmpty();
      assertThat(rig.recorder.backups()).isNotEmpty().isEqualTo(backupsNow(store));
    } finally {
      System.out.printf(
          "CrashResumeTest: %d s%n", Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }
  }

  /**
   * SIGKILL to the worker, after reading where the migration is from the state ConfigMap the
   * workflow writes before each step (a status query would wait for a workflow task).
   */
  private static void killDuring(ProcessRig rig, CliProcess worker, String step)
      throws InterruptedException {
    String current =
        rig.run
            .sandbox()
            .store()
            .get(ResourceRegistry.CONFIGMAPS, "istio-system", "asm-addon-migration-state")
            .map(cm -> cm.path("data").path("step").asText())
            .orElse(null);
    worker.kill9();
    assertThat(current).as("step when " + worker.name() + " was killed").isEqualTo(step);
  }

  /**
   * The differences between the clusters before and after the migration on objects a migration does
   * not change. It changes istio-system (the add-on's control planes, gateway and CA) and removes
   * the add-on's operator (namespace istio-operator); it adds the Mesh CA root to the root bundles
   * the control planes keep in every namespace (ConfigMaps istio-ca-root-cert, Secrets istio.*:
   * {@link MigratedCluster#assertMeshCaRootOnce} checks it is there once); it changes the
   * cluster-scoped objects of the mesh (webhooks, the add-on's RBAC and CRDs on the cleanup list);
   * and in the injected namespace its labels and the pods (their proxy) with what follows from them
   * (ReplicaSets, Endpoints). The workloads' own objects stay as they were (the restart annotation
   * and rollout counters are not compared), and so does everything else.
   */
  static List<String> outsideTheMigrationsReach(List<String> diff) {
    return outsideTheMigrationsReach(diff, java.util.Set.of(APP));
  }

  /** As {@link #outsideTheMigrationsReach(List)}, with {@code injected} the migrated namespaces. */
  static List<String> outsideTheMigrationsReach(List<String> diff, java.util.Set<String> injected) {
    return diff.stream().filter(d -> !inReach(d.substring(0, d.indexOf('\n')), injected)).toList();
  }

  private static boolean inReach(String line, java.util.Set<String> injected) {
    // "changed: deployments.apps istio-system/istiod", "added: pods online-boutique ReplicaSet/x",
    // "missing: namespaces some-namespace" (cluster-scoped: no namespace)
    String[] what = line.substring(line.indexOf(':') + 2).split(" ");
    String resource = what[0].contains(".") ? what[0].substring(0, what[0].indexOf('.')) : what[0];
    String ns = what.length > 2 ? what[1] : what[1].contains("/") ? what[1].split("/")[0] : "";
    String name = what.length > 2 ? what[2] : what[1].substring(what[1].indexOf('/') + 1);
    if (ns.equals("istio-system") || ns.equals("istio-operator")) {
      return true;
    }
    return switch (resource) {
      case "namespaces" -> injected.contains(name) || name.equals("istio-system");
      case "pods", "replicasets", "endpoints" -> injected.contains(ns);
      case "configmaps" -> name.equals("istio-ca-root-cert");
      case "secrets" -> name.startsWith("istio.");
      case "mutatingwebhookconfigurations",
          "validatingwebhookconfigurations",
          "clusterroles",
          "clusterrolebindings",
          "customresourcedefinitions" ->
          ns.isEmpty();
      default -> false;
    };
  }

  /** Each backup now ({@code Kind/name}) as {@code sha256@resourceVersion}. */
  static Map<String, String> backupsNow(ObjectStore store) {
    Map<String, String> out = new TreeMap<>();
    for (var type : List.of(ResourceRegistry.CONFIGMAPS, ResourceRegistry.SECRETS)) {
      for (ObjectNode o : store.list(type, ClusterSnapshot.BACKUP_NAMESPACE)) {
        if (o.path("metadata")
            .path("labels")
            .path(ClusterRecorder.BACKUP_LABEL)
            .asText()
            .equals("true")) {
          out.put(
              type.kind() + "/" + o.path("metadata").path("name").asText(),
              o.path("metadata").path("annotations").path(ClusterRecorder.SHA_ANNOTATION).asText()
                  + "@"
                  + o.path("metadata").path("resourceVersion").asText());
        }
      }
    }
    return out;
  }
}
