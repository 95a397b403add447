package dev.asmmigrate.activities.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.http.RequestLog;
import dev.asmmigrate.workflows.activities.PreflightActivities;
import dev.asmmigrate.workflows.activities.PreflightActivities.PreflightRequest;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.PreflightReport;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes API requests pre-flight costs, counted in the sandbox's request log by the
 * product's user agent: the same at 2 injected namespaces as at 8 (issue 12: pre-flight under 10 s
 * at 200 namespaces; it once listed six kinds and the PodDisruptionBudgets in every namespace, one
 * after another: 7 requests per namespace).
 */
class PreflightRequestsTest {
  static SandboxHarness h;
  static TestActivities activities;
  static GoogleClients google;
  static PreflightActivities preflight;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .apps(List.of())
                .podReadyDelay(Duration.ofMillis(50)));
    activities = new TestActivities();
    google = new GoogleClients();
    preflight =
        activities.stub(
            PreflightActivities.class, new PreflightActivitiesImpl(h.clients, h.backups, google));
  }

  @AfterAll
  static void stop() {
    activities.close();
    google.close();
    h.close();
  }

  @Test
  void givenMoreInjectedNamespaces_whenPreflightRuns_itShouldCostTheSameRequests() {
    Map<Integer, Map<String, Integer>> byCount = new TreeMap<>();
    int created = 0;
    for (int namespaces : List.of(2, 8)) {
      for (; created < namespaces; created++) {
        createInjectedNamespace("survey-" + created);
      }
      assertThat(h.sandbox.awaitSettled(Duration.ofSeconds(120))).isTrue();
      long since = lastSeq();

      PreflightReport report = preflight.preflight(new PreflightRequest(h.context(), List.of()));

      assertThat(report.namespaces()).extracting(NamespacePlan::name).hasSize(namespaces);
      assertThat(report.namespaces()).extracting(NamespacePlan::workloads).containsOnly(1);
      Map<String, Integer> requests = productRequests(since);
      System.out.println("pre-flight at " + namespaces + " namespaces: " + requests);
      byCount.put(namespaces, requests);
    }
    // no request names one of the surveyed namespaces: every list is cluster-wide
    assertThat(byCount.get(8).keySet()).noneMatch(k -> k.contains("survey-"));
    assertThat(byCount.get(8)).isEqualTo(byCount.get(2));
  }

  private static long lastSeq() {
    List<RequestLog.Entry> all = h.sandbox.apiServer().requestLog().entries();
    return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
  }

  /** The product's requests since {@code since}, by verb, resource and namespace. */
  private static Map<String, Integer> productRequests(long since) {
    Map<String, Integer> byVerb = new TreeMap<>();
    for (RequestLog.Entry e : h.sandbox.apiServer().requestLog().entries()) {
      if (e.seq() > since && e.userAgent().equals(KubeClients.USER_AGENT)) {
        byVerb.merge(
            e.verb() + " " + e.resource() + (e.namespace().isEmpty() ? "" : " in " + e.namespace()),
            1,
            Integer::sum);
      }
    }
    return byVerb;
  }

  private static void createInjectedNamespace(String name) {
    KubernetesClient test = h.sandbox.client("test");
    test.namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("istio-injection", "enabled")
                .endMetadata()
                .build())
        .create();
    test.apps()
        .deployments()
        .inNamespace(name)
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("app")
                .withNamespace(name)
                .endMetadata()
                .withNewSpec()
                .withReplicas(2)
                .withNewSelector()
                .addToMatchLabels("app", "app")
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "app")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("gcr.io/google-samples/microservices-demo/frontend:v0.3.4")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }
}
