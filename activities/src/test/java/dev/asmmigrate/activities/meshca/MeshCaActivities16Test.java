package dev.asmmigrate.activities.meshca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.plan.MadeChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import dev.asmmigrate.sandbox.http.RequestLog;
import dev.asmmigrate.workflows.activities.MeshCaActivities.MeshCaRequest;
import dev.asmmigrate.workflows.activities.MeshCaActivities.RootDistributionRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** configure-mesh-ca on add-on 1.6 against the sandbox's istiod 1.6. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshCaActivities16Test extends MeshCaSandboxTest {
  @BeforeAll
  static void start() {
    start(SandboxSettings.Base.ADDON_1_6, Duration.ofMillis(500));
  }

  static ResourceType type(String group, String version, String plural) {
    return h.sandbox.store().registry().find(group, version, plural).orElseThrow();
  }

  static Optional<ObjectNode> get(ResourceType type, String name) {
    return h.sandbox.store().get(type, NS, name);
  }

  static ObjectNode essence(ResourceType type, String name) {
    return TestActivities.essence(get(type, name).orElse(null));
  }

  static String caCert() {
    return new String(
        Base64.getDecoder()
            .decode(
                get(ResourceRegistry.SECRETS, "istio-ca-secret")
                    .orElseThrow()
                    .path("data")
                    .path("ca-cert.pem")
                    .asText()),
        StandardCharsets.UTF_8);
  }

  /** The Mesh CA root's count in every namespace's istio-ca-root-cert. */
  static Map<String, Integer> bundles() {
    Map<String, Integer> out = new TreeMap<>();
    for (ObjectNode cm : h.sandbox.store().list(ResourceRegistry.CONFIGMAPS, null)) {
      if (cm.path("metadata").path("name").asText().equals("istio-ca-root-cert")) {
        out.put(
            cm.path("metadata").path("namespace").asText(),
            MeshCaRoot.occurrences(cm.path("data").path("root-cert.pem").asText()));
      }
    }
    return out;
  }

  static List<String> envoyFilterWrites(long afterSeq) {
    return h.sandbox.apiServer().requestLog().entries().stream()
        .filter(e -> e.seq() > afterSeq)
        .filter(e -> e.resource().equals("envoyfilters") && e.code() < 300)
        .filter(e -> e.verb().equals("create") || e.verb().equals("delete"))
        .map(e -> e.verb() + " " + e.namespace() + (e.name().isEmpty() ? "" : "/" + e.name()))
        .toList();
  }

  static long lastSeq() {
    List<RequestLog.Entry> all = h.sandbox.apiServer().requestLog().entries();
    return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
  }

  @Test
  void
      givenAddon16_whenConfiguredAndAwaitedTwiceThenUndoneTwice_itShouldAddTheRootOnceAndPutAllBack()
          throws Exception {
    ResourceType operators = type("install.istio.io", "v1alpha1", "istiooperators");
    ResourceType envoyFilters = type("networking.istio.io", "v1alpha3", "envoyfilters");
    MigrationContext ctx = h.context();
    MeshCaRequest request = new MeshCaRequest(ctx, AddonVersion.V1_6);
    ObjectNode meshConfigBefore = essence(ResourceRegistry.CONFIGMAPS, "istio-istio-1611");
    String meshTextBefore = meshConfigBefore.path("data").path("mesh").asText();
    ObjectNode operatorBefore = essence(operators, "istio-1-6-11-gke-0");
    ObjectNode caSecretBefore = essence(ResourceRegistry.SECRETS, "istio-ca-secret");
    ObjectNode istiodBefore = essence(ResourceRegistry.DEPLOYMENTS, "istiod-istio-1611");
    String addOnRoot = caCert();
    assertThat(MeshCaRoot.occurrences(addOnRoot)).isZero();
    // istiod 1.6 has distributed the add-on root everywhere before the migration starts
    await().atMost(Duration.ofSeconds(30)).until(() -> bundles().containsKey("online-boutique"));
    assertThat(bundles().values()).containsOnly(0);

    StepResult first = meshCa.configureMeshCa(request);
    long seq = lastSeq();
    RootDistributionRequest distribution =
        new RootDistributionRequest(ctx, AddonVersion.V1_6, Duration.ofSeconds(60));
    meshCa.awaitRootDistribution(distribution);
    List<String> triggerWrites = envoyFilterWrites(seq);
    ObjectNode istiodAfter = essence(ResourceRegistry.DEPLOYMENTS, "istiod-istio-1611");
    StepResult second = meshCa.configureMeshCa(request);
    meshCa.awaitRootDistribution(distribution);

    // configure twice: the root appended once, after the add-on's own root, nothing else the 2nd
    // time
    assertThat(second.changes()).isEmpty();
    assertThat(MeshCaRoot.occurrences(caCert())).isEqualTo(1);
    assertThat(caCert()).startsWith(addOnRoot.strip()).isEqualTo(MeshCaRoot.appendOnce(addOnRoot));
    assertThat(bundles()).containsKeys("online-boutique", "istio-system", "default");
    assertThat(bundles().values()).containsOnly(1);
    assertThat(first.backups())
        .extracting(b -> b.name() + ":" + b.absent())
        .containsExactlyInAnyOrder(
            "istio-istio-1611:false",
            "istio-1-6-11-gke-0:false",
            "istio-ca-secret:false",
            "istiod-istio-1611:false");
    assertThat(first.toString()).doesNotContain("BEGIN CERTIFICATE").doesNotContain("MIIG");
    // the alias, the operator's pilot, istiod's image and its one restart
    String meshText =
        get(ResourceRegistry.CONFIGMAPS, "istio-istio-1611")
            .orElseThrow()
            .path("data")
            .path("mesh")
            .asText();
    // edited in place: a line diff shows only the alias
    assertThat(MeshConfigTextTest.addedLines(meshTextBefore, meshText))
        .containsExactly("- sandbox-project.svc.id.goog");
    ObjectNode mesh = (ObjectNode) YAML.readTree(meshText);
    assertThat(mesh.path("trustDomainAliases").toString())
        .isEqualTo("[\"sandbox-project.svc.id.goog\"]");
    assertThat(mesh.path("trustDomain").asText()).isEqualTo("cluster.local");
    JsonNode pilot =
        get(operators, "istio-1-6-11-gke-0")
            .orElseThrow()
            .path("spec")
            .path("components")
            .path("pilot");
    assertThat(pilot.path("hub").asText()).isEqualTo("gke.gcr.io/istio");
    assertThat(pilot.path("tag").asText()).isEqualTo("1.6.14-gke.7");
    assertThat(pilot.path("k8s"))
        .isEqualTo(operatorBefore.path("spec").path("components").path("pilot").path("k8s"));
    JsonNode template = istiodAfter.path("spec").path("template");
    assertThat(MeshCaActivities14Test.container(istiodAfter, "discovery").path("image").asText())
        .isEqualTo("gke.gcr.io/istio/pilot:1.6.14-gke.7");
    assertThat(
            template
                .path("metadata")
                .path("annotations")
                .path("kubectl.kubernetes.io/restartedAt")
                .asText())
        .isEqualTo("asm-migrate/" + ctx.migrationId());
    assertThat(essence(ResourceRegistry.DEPLOYMENTS, "istiod-istio-1611")).isEqualTo(istiodAfter);
    // trigger-root-cert: created, then deleted, by the first await; never left behind
    assertThat(triggerWrites)
        .containsExactly("create istio-system", "delete istio-system/trigger-root-cert");
    assertThat(get(envoyFilters, "trigger-root-cert")).isEmpty();
    assertThat(h.backups.forContext(ctx).list(ctx.migrationId(), "configure-mesh-ca"))
        .anyMatch(b -> b.key().name().equals("trigger-root-cert") && b.absent());

    meshCa.restoreMeshCa(request);
    meshCa.restoreMeshCa(request);

    assertThat(essence(ResourceRegistry.CONFIGMAPS, "istio-istio-1611"))
        .isEqualTo(meshConfigBefore);
    assertThat(essence(operators, "istio-1-6-11-gke-0")).isEqualTo(operatorBefore);
    assertThat(essence(ResourceRegistry.SECRETS, "istio-ca-secret")).isEqualTo(caSecretBefore);
    assertThat(essence(ResourceRegistry.DEPLOYMENTS, "istiod-istio-1611")).isEqualTo(istiodBefore);
    assertThat(get(envoyFilters, "trigger-root-cert")).isEmpty();
  }

  /**
   * One computation: what plan lists is what the two activities do. Breaking {@link
   * MeshCa16Changes#desired} fails the plan's assertion here and the outcome's in the test above.
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void givenAddon16_whenPlannedThenConfiguredAndAwaited_itShouldMakeExactlyThePlannedChanges() {
    MigrationContext ctx = h.context();
    MeshCaRequest request = new MeshCaRequest(ctx, AddonVersion.V1_6);
    MeshCaActivitiesImpl reader =
        new MeshCaActivitiesImpl(
            h.clients,
            h.backups,
            MeshCaActivitiesImpl.Settings.defaults()
                .withHolds(Duration.ZERO, Duration.ofMillis(500)));
    String trustDomain = reader.knownTrustDomain(ctx).orElseThrow();
    try {
      List<PlannedChange> planned =
          reader.plan(ctx, AddonVersion.V1_6, trustDomain, ctx.migrationId());
      assertThat(planned)
          .extracting(PlannedChange::describe)
          .containsExactly(
              "update ConfigMap istio-system/istio-istio-1611",
              "patch IstioOperator istio-system/istio-1-6-11-gke-0",
              "update Secret istio-system/istio-ca-secret",
              "patch Deployment istio-system/istiod-istio-1611",
              "create EnvoyFilter istio-system/trigger-root-cert",
              "delete EnvoyFilter istio-system/trigger-root-cert");
      assertThat(planned.get(2).body()).isNull();
      assertThat(planned.toString()).doesNotContain("BEGIN CERTIFICATE").contains("sha256:");
      MadeChanges made = MadeChanges.watch(h.sandbox);

      meshCa.configureMeshCa(request);
      meshCa.awaitRootDistribution(
          new RootDistributionRequest(ctx, AddonVersion.V1_6, Duration.ofSeconds(60)));

      // (the Secret's planned body names the root by its hash: requests compared, not content)
      assertThat(made.made()).containsExactlyElementsOf(MadeChanges.described(planned));
      assertThat(reader.plan(ctx, AddonVersion.V1_6, trustDomain, ctx.migrationId()))
          .extracting(PlannedChange::describe)
          .as("left to do: only the trigger, which the await creates and deletes each time")
          .containsExactly(
              "create EnvoyFilter istio-system/trigger-root-cert",
              "delete EnvoyFilter istio-system/trigger-root-cert");
    } finally {
      meshCa.restoreMeshCa(request);
    }
  }
}
