package dev.asmmigrate.activities.workloads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.http.RequestLog;
import dev.asmmigrate.workflows.activities.WorkloadActivities;
import dev.asmmigrate.workflows.activities.WorkloadActivities.Direction;
import dev.asmmigrate.workflows.activities.WorkloadActivities.NamespaceRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.RestartRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyResult;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes API requests one namespace's relabel + restart + verification costs, counted in
 * the sandbox's request log by the product's user agent: issue 12's target is at most 15 + 2 per
 * Deployment, the same whatever the pods per Deployment.
 *
 * <p>A first namespace, not counted, pays what a worker does once per cluster: the backup namespace
 * and the start of the shared watches (one list and one watch per kind, for every namespace
 * together); the test prints those too.
 */
class NamespaceRequestsTest {
  static final int DEPLOYMENTS = 3;
  static final String RESTARTED_AT = "2024-05-01T10:00:00Z";

  static SandboxHarness h;
  static TestActivities activities;
  static WorkloadActivities workloads;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .apps(List.of())
                .podReadyDelay(Duration.ofMillis(50))
                .controlPlaneProvisionDelay(Duration.ofMillis(100)));
    activities = new TestActivities();
    workloads =
        activities.stub(WorkloadActivities.class, new WorkloadActivitiesImpl(h.clients, h.backups));
    TestWorkloads.provisionManagedControlPlane(h, "asm-managed");
  }

  @AfterAll
  static void stop() {
    activities.close();
    h.close();
  }

  @Test
  void givenThreeDeployments_whenMigratingOneNamespace_itShouldCostAtMost21RequestsAtAnyPodCount() {
    Map<Integer, Integer> requests = new LinkedHashMap<>();
    // 0: the first namespace of the cluster, whose once-per-cluster requests are not counted
    for (int pods : List.of(0, 1, 5, 20)) {
      String ns = "requests-" + pods;
      TestWorkloads.createInjectedNamespace(h, ns);
      for (int d = 0; d < DEPLOYMENTS; d++) {
        createDeployment(ns, "app-" + d, Math.max(1, pods));
      }
      assertThat(h.sandbox.awaitSettled(Duration.ofSeconds(120))).isTrue();
      MigrationContext ctx = h.context();
      long since = lastSeq();

      workloads.relabelNamespace(new NamespaceRequest(ctx, ns));
      workloads.restartWorkloads(RestartRequest.migrate(ctx, ns, RESTARTED_AT, true));
      VerifyResult verified =
          workloads.verifyNamespace(
              new VerifyRequest(
                  ctx, ns, Direction.MIGRATE, AddonVersion.V1_4, Duration.ofSeconds(120), true));

      assertThat(verified.podsVerified()).isEqualTo(DEPLOYMENTS * Math.max(1, pods));
      Map<String, Integer> byVerb = productRequests(since, ns);
      int total = byVerb.values().stream().mapToInt(Integer::intValue).sum();
      System.out.println(
          "requests for one namespace, "
              + DEPLOYMENTS
              + " Deployments x "
              + pods
              + " pods: "
              + total
              + " "
              + byVerb);
      if (pods > 0) {
        requests.put(pods, total);
      }
    }
    assertThat(requests.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(15 + 2 * 3));
    assertThat(requests.values()).containsOnly(requests.get(1));
  }

  @Test
  void
      givenASharedCacheBehindAFreshList_whenWatchingANamespace_itShouldJudgeNothingUntilItCatchesUp()
          throws InterruptedException {
    String ns = "fresh-cache";
    TestWorkloads.createInjectedNamespace(h, ns);
    createDeployment(ns, "app", 1);
    KubernetesClient test = h.sandbox.client("test");
    Deployment listed = test.apps().deployments().inNamespace(ns).withName("app").get();
    // a list taken after a change the shared cache has not seen yet: one generation ahead of it
    Deployment ahead =
        new DeploymentBuilder(listed)
            .editMetadata()
            .withGeneration(listed.getMetadata().getGeneration() + 1)
            .endMetadata()
            .build();
    try (ClusterWatch cluster = new ClusterWatch(h.client());
        NamespaceWatch current = new NamespaceWatch(cluster, ns, List.of(List.of(listed)));
        NamespaceWatch stale = new NamespaceWatch(cluster, ns, List.of(List.of(ahead)))) {
      current.start();
      stale.start();
      assertThat(current.awaitListed(Duration.ofSeconds(60))).isTrue();
      assertThat(stale.awaitListed(Duration.ofMillis(300))).isFalse();

      test.apps()
          .deployments()
          .inNamespace(ns)
          .withName("app")
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"a\":\"b\"}}}}}");

      assertThat(stale.awaitListed(Duration.ofSeconds(60))).isTrue();
      assertThat(stale.snapshot().deployments())
          .extracting(d -> d.getMetadata().getGeneration())
          .containsExactly(listed.getMetadata().getGeneration() + 1);
    }
  }

  @Test
  void givenObjectsWithManagedFieldsAndLastApplied_whenCached_itShouldKeepNeitherButTheRest()
      throws InterruptedException {
    String ns = "lean-cache";
    TestWorkloads.createInjectedNamespace(h, ns);
    KubernetesClient test = h.sandbox.client("test");
    Deployment d =
        new DeploymentBuilder(deployment(ns, "app", 1))
            .editMetadata()
            .addToAnnotations(LeanItemStore.LAST_APPLIED, "{\"kind\":\"Deployment\"}")
            .addToAnnotations("team", "web")
            .addNewManagedField()
            .withManager("kubectl-client-side-apply")
            .withOperation("Update")
            .withApiVersion("apps/v1")
            .endManagedField()
            .endMetadata()
            .build();
    test.apps().deployments().inNamespace(ns).resource(d).create();
    Deployment served = test.apps().deployments().inNamespace(ns).withName("app").get();
    assertThat(served.getMetadata().getManagedFields()).isNotEmpty();
    assertThat(served.getMetadata().getAnnotations()).containsKey(LeanItemStore.LAST_APPLIED);

    try (ClusterWatch cluster = new ClusterWatch(h.client())) {
      assertThat(cluster.awaitListed(Duration.ofSeconds(60))).isTrue();
      Deployment cached = ClusterWatch.inNamespace(cluster.deployments, ns).get(0);
      assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
      assertThat(cached.getMetadata().getAnnotations())
          .doesNotContainKey(LeanItemStore.LAST_APPLIED)
          .containsEntry("team", "web");
      assertThat(cached.getSpec()).isEqualTo(served.getSpec());
    }
  }

  private static long lastSeq() {
    List<RequestLog.Entry> all = h.sandbox.apiServer().requestLog().entries();
    return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
  }

  /** The product's requests since {@code since}, by verb and resource. */
  private static Map<String, Integer> productRequests(long since, String ns) {
    Map<String, Integer> byVerb = new TreeMap<>();
    for (RequestLog.Entry e : h.sandbox.apiServer().requestLog().entries()) {
      if (e.seq() > since && e.userAgent().equals(KubeClients.USER_AGENT)) {
        byVerb.merge(
            e.verb() + " " + e.resource() + (e.namespace().isEmpty() ? " (cluster)" : ""),
            1,
            Integer::sum);
      }
    }
    return byVerb;
  }

  private static void createDeployment(String ns, String name, int replicas) {
    h.sandbox
        .client("test")
        .apps()
        .deployments()
        .inNamespace(ns)
        .resource(deployment(ns, name, replicas))
        .create();
  }

  private static Deployment deployment(String ns, String name, int replicas) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage("gcr.io/google-samples/microservices-demo/frontend:v0.3.4")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }
}
