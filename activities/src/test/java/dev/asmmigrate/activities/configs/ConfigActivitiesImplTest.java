package dev.asmmigrate.activities.configs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.plan.MadeChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.config.check.ConfigCheck;
import dev.asmmigrate.config.check.ConfigCheckFixtures;
import dev.asmmigrate.config.convert.ConversionResult;
import dev.asmmigrate.config.convert.PolicyConverter;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.sandbox.http.RequestLog;
import dev.asmmigrate.workflows.activities.ConfigActivities;
import dev.asmmigrate.workflows.activities.ConfigActivities.ConfigRequest;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.ConfigReport;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.temporal.failure.ApplicationFailure;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * config-check and migrate-configs against the sandbox: every rule fixture loaded into one cluster
 * is reported with its rule and severity; the clean add-on cluster has nothing to report; the
 * converted policies are created exactly once, after a dry run, and undone exactly.
 */
class ConfigActivitiesImplTest {
  static final List<String> CONVERTED_TYPES =
      List.of("peerauthentications", "requestauthentications", "authorizationpolicies");

  static SandboxSettings.Builder cluster(List<Path> fixtures) {
    return SandboxSettings.builder()
        .base(SandboxSettings.Base.ADDON_1_4)
        .fixtureDirs(fixtures)
        .podReadyDelay(Duration.ofMillis(100));
  }

  @Test
  void givenEveryRuleFixtureInTheCluster_whenChecked_itShouldReportEachWithItsRuleAndSeverity() {
    List<Path> cases = ConfigCheckFixtures.cases();
    List<String> expected = new ArrayList<>();
    cases.forEach(
        c ->
            ConfigCheckFixtures.expectedFindings(c).stream()
                .map(line -> line.replace(" rewrite", ""))
                .forEach(expected::add));
    try (SandboxHarness h = SandboxHarness.start(cluster(cases));
        TestActivities activities = new TestActivities()) {
      ConfigActivities configs =
          activities.stub(ConfigActivities.class, new ConfigActivitiesImpl(h.clients, h.backups));

      ConfigReport report = configs.checkConfigs(new ConfigRequest(h.context()));

      assertThat(report.findings().stream().map(ConfigActivitiesImplTest::line).toList())
          .containsExactlyInAnyOrderElementsOf(expected);
      assertThat(report.blocking())
          .isEqualTo(expected.stream().filter(l -> l.contains(" BLOCKING ")).count());
      assertThat(report.findings())
          .filteredOn(
              f -> f.rule().equals(ConfigCheck.RULE_VIRTUAL_SERVICE) && f.name().equals("reviews"))
          .singleElement()
          .satisfies(f -> assertThat(f.message()).contains("offers the exact rewrite"));
      // cacerts' data (base64 "placeholder") never leaves the activity.
      assertThat(report.toString()).doesNotContain("cGxhY2Vob2xkZXI=");
      assertThat(String.join("\n", h.logLines())).doesNotContain("cGxhY2Vob2xkZXI=");
      assertThat(h.sandbox.apiServer().requestLog().entries())
          .filteredOn(
              e ->
                  e.userAgent().startsWith("asm-migrate")
                      && !e.userAgent().startsWith("asm-migrate-sandbox"))
          .extracting(RequestLog.Entry::verb)
          .containsOnly("get", "list");
    }
  }

  @Test
  void givenTheCleanAddonCluster_whenChecked_itShouldFindNothingAndCountTheMeshPolicy() {
    try (SandboxHarness h = SandboxHarness.start(cluster(List.of()).app("online-boutique"));
        TestActivities activities = new TestActivities()) {
      ConfigActivities configs =
          activities.stub(ConfigActivities.class, new ConfigActivitiesImpl(h.clients, h.backups));

      ConfigReport report = configs.checkConfigs(new ConfigRequest(h.context()));

      assertThat(report.findings()).isEmpty();
      assertThat(report.convertedPolicies()).isEqualTo(1);
    }
  }

  @Test
  void
      givenMixerDefaultsOfOtherAddonVersions_whenChecked_nothingThenTheEditedOneShouldBeReported() {
    long started = System.nanoTime();
    Path others = ConfigCheckFixtures.root().getParent().resolve("mixer-other-addon-versions");
    try (SandboxHarness h = SandboxHarness.start(cluster(List.of(others)));
        TestActivities activities = new TestActivities()) {
      ConfigActivities configs =
          activities.stub(ConfigActivities.class, new ConfigActivitiesImpl(h.clients, h.backups));
      var handlers = h.client().genericKubernetesResources("config.istio.io/v1alpha2", "handler");
      // the fixture replaced the sandbox's kubernetesenv with the 1.5 add-on's (params: {})
      assertThat(
              handlers
                  .inNamespace("istio-system")
                  .withName("kubernetesenv")
                  .get()
                  .getAdditionalProperties()
                  .get("spec"))
          .isEqualTo(Map.of("compiledAdapter", "kubernetesenv", "params", Map.of()));

      ConfigReport clean = configs.checkConfigs(new ConfigRequest(h.context()));

      assertThat(clean.findings()).isEmpty();
      // Galley's validating webhook (failurePolicy Fail) answers once its pod is Ready.
      assertThat(h.sandbox.awaitSettled(Duration.ofSeconds(90))).isTrue();
      handlers
          .inNamespace("istio-system")
          .withName("kubernetesenv")
          .edit(
              r -> {
                r.getAdditionalProperties()
                    .put(
                        "spec",
                        Map.of(
                            "compiledAdapter",
                            "kubernetesenv",
                            "params",
                            Map.of("cacheRefreshDuration", "2m")));
                return r;
              });

      ConfigReport edited = configs.checkConfigs(new ConfigRequest(h.context()));

      assertThat(edited.findings().stream().map(ConfigActivitiesImplTest::line).toList())
          .containsExactly("mixer-custom-config BLOCKING handler istio-system kubernetesenv");
      assertThat(edited.findings().get(0).message()).contains("kubernetesenv");
    } finally {
      System.out.printf(
          "ConfigActivitiesImplTest Mixer defaults of other versions: %d ms%n",
          (System.nanoTime() - started) / 1_000_000);
    }
  }

  @Test
  void
      givenAlphaPolicies_whenMigratedTwiceThenUndone_itShouldCreateExactlyTheConvertedObjectsOnceAndRemoveThem()
          throws Exception {
    try (SandboxHarness h = SandboxHarness.start(cluster(List.of(migrateConfigsFixture())));
        TestActivities activities = new TestActivities()) {
      ConfigActivities configs =
          activities.stub(ConfigActivities.class, new ConfigActivitiesImpl(h.clients, h.backups));
      // Galley's validating webhook (failurePolicy Fail) answers once its pod is Ready.
      assertThat(h.sandbox.awaitSettled(Duration.ofSeconds(90))).isTrue();
      ConfigRequest request = new ConfigRequest(h.context());
      ConversionResult expected =
          PolicyConverter.convert(ConfigCheck.conversionInput(storeObjects(h)));
      assertThat(expected.converted()).hasSizeGreaterThanOrEqualTo(4);
      assertThat(converted(h)).isEmpty();

      StepResult first = configs.migrateConfigs(request);
      Map<String, JsonNode> afterFirst = converted(h);
      StepResult second = configs.migrateConfigs(request);
      Map<String, JsonNode> afterSecond = converted(h);

      Map<String, JsonNode> wanted = new TreeMap<>();
      for (ObjectNode o : expected.converted()) {
        wanted.put(key(o), o.path("spec"));
      }
      assertThat(afterFirst.keySet()).isEqualTo(wanted.keySet());
      wanted.forEach((k, spec) -> assertThat(afterFirst.get(k).path("spec")).as(k).isEqualTo(spec));
      assertThat(afterSecond).isEqualTo(afterFirst);
      assertThat(first.backups()).hasSize(wanted.size()).allMatch(b -> b.absent());
      assertThat(second.backups()).containsExactlyInAnyOrderElementsOf(first.backups());
      assertThat(first.changes()).allMatch(c -> c.startsWith("created "));
      assertThat(second.changes()).allMatch(c -> c.startsWith("already created "));
      List<RequestLog.Entry> writes =
          h.sandbox.apiServer().requestLog().entries().stream()
              .filter(e -> CONVERTED_TYPES.contains(e.resource()) && e.verb().equals("create"))
              .toList();
      assertThat(writes.stream().filter(e -> !e.dryRun()).count()).isEqualTo(wanted.size());
      assertThat(writes.stream().filter(RequestLog.Entry::dryRun).count()).isEqualTo(wanted.size());

      configs.removeMigratedConfigs(request);
      configs.removeMigratedConfigs(request);

      assertThat(converted(h)).isEmpty();
      assertThat(storeObjects(h).stream().filter(o -> o.path("kind").asText().equals("Policy")))
          .hasSize(2);
    }
  }

  /**
   * The plan and the activity share one computation ({@link ConfigChanges#desired}): the plan lists
   * a create of each object the alpha policies convert to, and the activity makes exactly those.
   */
  @Test
  void givenAlphaPolicies_whenPlannedThenMigrated_itShouldCreateExactlyThePlannedObjects()
      throws Exception {
    try (SandboxHarness h = SandboxHarness.start(cluster(List.of(migrateConfigsFixture())));
        TestActivities activities = new TestActivities()) {
      ConfigActivitiesImpl impl = new ConfigActivitiesImpl(h.clients, h.backups);
      ConfigActivities configs = activities.stub(ConfigActivities.class, impl);
      assertThat(h.sandbox.awaitSettled(Duration.ofSeconds(90))).isTrue();
      ConfigRequest request = new ConfigRequest(h.context());
      ConversionResult expected =
          PolicyConverter.convert(ConfigCheck.conversionInput(storeObjects(h)));

      List<PlannedChange> plan =
          impl.plan(request.context(), impl.check(request.context()).conversion());

      assertThat(plan)
          .extracting(c -> c.verb() + " " + c.kind() + " " + c.namespace() + "/" + c.name())
          .containsExactlyInAnyOrderElementsOf(
              expected.converted().stream().map(o -> "create " + key(o)).toList());
      MadeChanges made = MadeChanges.watch(h.sandbox);
      configs.migrateConfigs(request);
      made.assertMadeExactly(plan);
    }
  }

  @Test
  void givenAnObjectInTheWayWithOtherContent_whenMigrated_itShouldRefuseNamingItAndCreateNothing()
      throws Exception {
    try (SandboxHarness h = SandboxHarness.start(cluster(List.of(migrateConfigsFixture())));
        TestActivities activities = new TestActivities()) {
      ConfigActivities configs =
          activities.stub(ConfigActivities.class, new ConfigActivitiesImpl(h.clients, h.backups));
      assertThat(h.sandbox.awaitSettled(Duration.ofSeconds(90))).isTrue();
      h.client()
          .resource(
              new GenericKubernetesResourceBuilder()
                  .withApiVersion("security.istio.io/v1beta1")
                  .withKind("PeerAuthentication")
                  .withNewMetadata()
                  .withName("default")
                  .withNamespace("shop")
                  .endMetadata()
                  .addToAdditionalProperties("spec", Map.of("mtls", Map.of("mode", "DISABLE")))
                  .build())
          .create();

      Throwable thrown =
          catchThrowable(() -> configs.migrateConfigs(new ConfigRequest(h.context())));

      ApplicationFailure failure = TestActivities.applicationFailure(thrown);
      assertThat(failure.getType()).isEqualTo(FailureType.BLOCKING_CONFIG.name());
      assertThat(failure.getOriginalMessage()).contains("PeerAuthentication shop/default");
      assertThat(converted(h)).containsOnlyKeys("PeerAuthentication shop/default");
    }
  }

  private static Path migrateConfigsFixture() throws URISyntaxException {
    return Path.of(ConfigActivitiesImplTest.class.getResource("/migrate-configs").toURI());
  }

  private static String line(ConfigFinding f) {
    return f.rule()
        + " "
        + (f.blocking() ? "BLOCKING" : "INFORMATIONAL")
        + " "
        + f.kind()
        + " "
        + (f.namespace().isEmpty() ? "-" : f.namespace())
        + " "
        + f.name();
  }

  /** Every v1beta1 security object in the cluster, by {@code Kind namespace/name}. */
  private static Map<String, JsonNode> converted(SandboxHarness h) {
    Map<String, JsonNode> out = new TreeMap<>();
    for (String plural : CONVERTED_TYPES) {
      ResourceType type =
          h.sandbox.store().registry().find("security.istio.io", "v1beta1", plural).orElseThrow();
      for (ObjectNode o : h.sandbox.store().list(type, null)) {
        out.put(key(o), o);
      }
    }
    return out;
  }

  /** What the converter reads: alpha policies, Services, workloads, the mesh config. */
  private static List<ObjectNode> storeObjects(SandboxHarness h) {
    List<ObjectNode> out = new ArrayList<>();
    var registry = h.sandbox.store().registry();
    for (String[] t :
        List.of(
            new String[] {"authentication.istio.io", "v1alpha1", "policies"},
            new String[] {"authentication.istio.io", "v1alpha1", "meshpolicies"},
            new String[] {"", "v1", "services"},
            new String[] {"apps", "v1", "deployments"},
            new String[] {"", "v1", "configmaps"})) {
      ResourceType type = registry.find(t[0], t[1], t[2]).orElseThrow();
      for (ObjectNode o : h.sandbox.store().list(type, null)) {
        ObjectNode copy = o.deepCopy();
        copy.put("apiVersion", t[0].isEmpty() ? t[1] : t[0] + "/" + t[1]);
        out.add(copy);
      }
    }
    return out;
  }

  private static String key(JsonNode o) {
    return o.path("kind").asText()
        + " "
        + o.path("metadata").path("namespace").asText()
        + "/"
        + o.path("metadata").path("name").asText();
  }
}
