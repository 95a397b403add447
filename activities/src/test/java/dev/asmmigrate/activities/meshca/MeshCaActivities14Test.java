package dev.asmmigrate.activities.meshca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.plan.MadeChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.istio.MeshCa;
import dev.asmmigrate.workflows.activities.MeshCaActivities.MeshCaRequest;
import dev.asmmigrate.workflows.activities.MeshCaActivities.RootDistributionRequest;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** configure-mesh-ca on add-on 1.4 against the sandbox's Citadel. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshCaActivities14Test extends MeshCaSandboxTest {
  @BeforeAll
  static void start() {
    start(SandboxSettings.Base.ADDON_1_4, Duration.ofMillis(300));
  }

  static Optional<ObjectNode> get(
      dev.asmmigrate.sandbox.api.ResourceType type, String ns, String name) {
    return h.sandbox.store().get(type, ns, name);
  }

  static ObjectNode essence(dev.asmmigrate.sandbox.api.ResourceType type, String name) {
    return TestActivities.essence(get(type, NS, name).orElse(null));
  }

  static String decoded(JsonNode secret, String key) {
    return new String(
        Base64.getDecoder().decode(secret.path("data").path(key).asText()), StandardCharsets.UTF_8);
  }

  static JsonNode container(JsonNode deployment, String name) {
    for (JsonNode c : deployment.path("spec").path("template").path("spec").path("containers")) {
      if (c.path("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no container " + name);
  }

  static JsonNode named(JsonNode list, String name) {
    for (JsonNode e : list) {
      if (e.path("name").asText().equals(name)) {
        return e;
      }
    }
    throw new AssertionError("no entry named " + name + " in " + list);
  }

  static ObjectNode mesh(JsonNode configMap) throws Exception {
    return (ObjectNode) YAML.readTree(configMap.path("data").path("mesh").asText());
  }

  /** The mesh text plan shows for ConfigMap istio, or null when it plans no change of it. */
  static String plannedMesh(MeshCaActivitiesImpl reader, MigrationContext ctx) {
    return reader
        .plan(ctx, AddonVersion.V1_4, "sandbox-project.svc.id.goog", ctx.migrationId())
        .stream()
        .filter(c -> c.kind().equals("ConfigMap") && c.name().equals("istio"))
        .map(c -> c.body().path("data").path("mesh").asText())
        .findFirst()
        .orElse(null);
  }

  /** The Mesh CA root's count in every namespace's istio.default root-cert.pem. */
  static Map<String, Integer> bundles() {
    Map<String, Integer> out = new java.util.TreeMap<>();
    for (ObjectNode s : h.sandbox.store().list(ResourceRegistry.SECRETS, null)) {
      if (s.path("metadata").path("name").asText().equals("istio.default")) {
        out.put(
            s.path("metadata").path("namespace").asText(),
            MeshCaRoot.occurrences(decoded(s, "root-cert.pem")));
      }
    }
    return out;
  }

  @Test
  void givenTheAddonsRootAndMeshCaRootFiles_theyShouldDifferAndMatchTheSandboxsMeshCa() {
    assertThat(MeshCaRoot.occurrences(MeshCa.ROOT_PEM)).isEqualTo(1);
    String addOnRoot =
        decoded(get(ResourceRegistry.SECRETS, NS, "istio-ca-secret").orElseThrow(), "ca-cert.pem");
    assertThat(MeshCaRoot.occurrences(addOnRoot)).isZero();
    assertThat(MeshCaRoot.appendOnce(MeshCaRoot.appendOnce(addOnRoot)))
        .isEqualTo(MeshCaRoot.appendOnce(addOnRoot))
        .startsWith(addOnRoot.strip());
  }

  @Test
  void givenAProvisionedControlPlane_whenConfiguredTwiceAndUndoneTwice_itShouldTrustTheMeshCaOnce()
      throws Exception {
    MigrationContext ctx = h.context();
    MeshCaRequest request = new MeshCaRequest(ctx, AddonVersion.V1_4);
    List<String> names = List.of("istio-pilot", "istio-citadel");
    ObjectNode meshConfigBefore = essence(ResourceRegistry.CONFIGMAPS, "istio");
    Map<String, ObjectNode> deploymentsBefore =
        Map.of(
            "istio-pilot", essence(ResourceRegistry.DEPLOYMENTS, "istio-pilot"),
            "istio-citadel", essence(ResourceRegistry.DEPLOYMENTS, "istio-citadel"));
    assertThat(get(ResourceRegistry.SECRETS, NS, "meshca-root")).isEmpty();

    // plan shows the mesh text configure writes (one computation for both)
    MeshCaActivitiesImpl reader =
        new MeshCaActivitiesImpl(
            h.clients,
            h.backups,
            new MeshCaActivitiesImpl.Settings(
                Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ZERO, Duration.ZERO));
    String planned = plannedMesh(reader, ctx);

    StepResult first = meshCa.configureMeshCa(request);
    ObjectNode meshConfigAfter = essence(ResourceRegistry.CONFIGMAPS, "istio");
    assertThat(meshConfigAfter.path("data").path("mesh").asText()).isEqualTo(planned);
    assertThat(plannedMesh(reader, ctx)).as("planned after the edit").isNull();
    ObjectNode pilotAfter = essence(ResourceRegistry.DEPLOYMENTS, "istio-pilot");
    ObjectNode citadelAfter = essence(ResourceRegistry.DEPLOYMENTS, "istio-citadel");
    ObjectNode secretAfter = essence(ResourceRegistry.SECRETS, "meshca-root");
    StepResult second = meshCa.configureMeshCa(request);

    // the second run changes nothing
    assertThat(second.changes()).isEmpty();
    assertThat(essence(ResourceRegistry.CONFIGMAPS, "istio")).isEqualTo(meshConfigAfter);
    assertThat(essence(ResourceRegistry.DEPLOYMENTS, "istio-pilot")).isEqualTo(pilotAfter);
    assertThat(essence(ResourceRegistry.DEPLOYMENTS, "istio-citadel")).isEqualTo(citadelAfter);
    assertThat(essence(ResourceRegistry.SECRETS, "meshca-root")).isEqualTo(secretAfter);
    assertThat(second.backups()).containsExactlyInAnyOrderElementsOf(first.backups());
    assertThat(first.backups())
        .extracting(b -> b.name() + ":" + b.absent())
        .containsExactlyInAnyOrder(
            "meshca-root:true", "istio:false", "istio-pilot:false", "istio-citadel:false");
    assertThat(first.changes()).hasSize(4);
    // references only: no certificate text in what goes to workflow history
    assertThat(first.toString())
        .doesNotContain("MIIG")
        .doesNotContain(MeshCaActivitiesImpl.base64(MeshCaRoot.PEM).substring(0, 40));

    // meshca-root holds the Mesh CA root
    assertThat(
            decoded(
                get(ResourceRegistry.SECRETS, NS, "meshca-root").orElseThrow(), "meshca-root.pem"))
        .isEqualTo(MeshCaRoot.PEM);
    // ConfigMap istio: the text edited in place, the 82 comment lines of Istio 1.4's Helm chart and
    // every other byte kept; a line diff shows only the alias
    String textBefore = meshConfigBefore.path("data").path("mesh").asText();
    String textAfter = meshConfigAfter.path("data").path("mesh").asText();
    assertThat(textBefore.lines().filter(l -> l.strip().startsWith("#")).count()).isEqualTo(82);
    assertThat(MeshConfigTextTest.addedLines(textBefore, textAfter))
        .containsExactly("- sandbox-project.svc.id.goog");
    assertThat(textAfter)
        .contains(
            "will be treated the same in the Istio mesh.\n"
                + "trustDomainAliases:\n"
                + "- sandbox-project.svc.id.goog\n"
                + "\n"
                + "# If true,");
    // the alias added to the parsed mesh, every other key kept
    ObjectNode meshBefore = mesh(meshConfigBefore);
    ObjectNode meshAfter = mesh(meshConfigAfter);
    assertThat(meshAfter.path("trustDomainAliases").toString())
        .isEqualTo("[\"sandbox-project.svc.id.goog\"]");
    // the add-on ships the key empty (null); everything else is kept as it was
    assertThat(meshBefore.has("trustDomainAliases")).isTrue();
    assertThat(meshBefore.get("trustDomainAliases").isNull()).isTrue();
    meshAfter.remove("trustDomainAliases");
    meshBefore.remove("trustDomainAliases");
    assertThat(meshAfter).isEqualTo(meshBefore);
    // pilot: the patched 1.4 build, told not to validate trust domains
    JsonNode discovery = container(pilotAfter, "discovery");
    assertThat(discovery.path("image").asText()).isEqualTo("gke.gcr.io/istio/pilot:1.4.10-gke.21");
    assertThat(
            named(discovery.path("env"), "PILOT_SKIP_VALIDATE_TRUST_DOMAIN").path("value").asText())
        .isEqualTo("true");
    assertThat(container(pilotAfter, "istio-proxy"))
        .isEqualTo(container(deploymentsBefore.get("istio-pilot"), "istio-proxy"));
    // citadel: --root-cert added after its other args, meshca-root mounted read-only
    List<String> argsBefore =
        YAML.convertValue(
            container(deploymentsBefore.get("istio-citadel"), "citadel").path("args"),
            new com.fasterxml.jackson.core.type.TypeReference<List<String>>() {});
    List<String> argsAfter =
        YAML.convertValue(
            container(citadelAfter, "citadel").path("args"),
            new com.fasterxml.jackson.core.type.TypeReference<List<String>>() {});
    assertThat(argsAfter)
        .containsExactlyElementsOf(
            concat(argsBefore, "--root-cert=/var/run/root-certs/meshca-root.pem"));
    assertThat(named(container(citadelAfter, "citadel").path("volumeMounts"), "meshca-root"))
        .isEqualTo(
            YAML.createObjectNode()
                .put("mountPath", "/var/run/root-certs")
                .put("name", "meshca-root")
                .put("readOnly", true));
    assertThat(
            named(
                    citadelAfter.path("spec").path("template").path("spec").path("volumes"),
                    "meshca-root")
                .path("secret")
                .path("secretName")
                .asText())
        .isEqualTo("meshca-root");

    // Citadel distributes it: every namespace's bundle has it exactly once, also when awaited twice
    activities.clearHeartbeats();
    RootDistributionRequest distribution =
        new RootDistributionRequest(ctx, AddonVersion.V1_4, Duration.ofSeconds(60));
    meshCa.awaitRootDistribution(distribution);
    meshCa.awaitRootDistribution(distribution);
    Map<String, Integer> bundles = bundles();
    assertThat(bundles).containsKeys("online-boutique", "istio-system", "default");
    assertThat(bundles.values()).containsOnly(1);
    assertThat(activities.heartbeats()).anyMatch(b -> b.contains("istio.default"));

    // undo, twice: every object as before, meshca-root gone, and Citadel stops distributing it
    meshCa.restoreMeshCa(request);
    meshCa.restoreMeshCa(request);
    assertThat(essence(ResourceRegistry.CONFIGMAPS, "istio")).isEqualTo(meshConfigBefore);
    for (String name : names) {
      assertThat(essence(ResourceRegistry.DEPLOYMENTS, name))
          .as(name)
          .isEqualTo(deploymentsBefore.get(name));
    }
    assertThat(get(ResourceRegistry.SECRETS, NS, "meshca-root")).isEmpty();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(bundles().values()).containsOnly(0));
  }

  @Test
  void
      givenNoManagedControlPlaneOfTheRevision_whenConfigured_itShouldFailWithoutChangingAnything() {
    MigrationContext base = h.context();
    MigrationContext ctx =
        new MigrationContext(
            UUID.randomUUID().toString(),
            base.cluster(),
            base.connection(),
            "asm-managed-stable",
            null);

    Throwable thrown =
        catchThrowable(() -> meshCa.configureMeshCa(new MeshCaRequest(ctx, AddonVersion.V1_4)));

    ApplicationFailure failure = TestActivities.applicationFailure(thrown);
    assertThat(failure.getType()).isEqualTo(FailureType.TRUST_DOMAIN_UNKNOWN.name());
    assertThat(failure.getOriginalMessage())
        .contains("env-asm-managed-stable")
        .contains("istio-asm-managed-stable");
    assertThat(h.backups.forContext(ctx).list(ctx.migrationId(), null)).isEmpty();
    assertThat(get(ResourceRegistry.SECRETS, NS, "meshca-root")).isEmpty();
  }

  @Test
  void
      givenANamespaceCitadelNeverServed_whenDistributionIsAwaited_itShouldSkipItUnlessPodsNeedIt() {
    MigrationContext ctx = h.context();
    MeshCaRequest request = new MeshCaRequest(ctx, AddonVersion.V1_4);
    meshCa.configureMeshCa(request);
    meshCa.awaitRootDistribution(
        new RootDistributionRequest(ctx, AddonVersion.V1_4, Duration.ofSeconds(60)));
    try {
      // namespaces created while Citadel does not run get no bundle (istio #1147's situation)
      h.client().apps().deployments().inNamespace(NS).withName("istio-citadel").scale(0);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  h.sandbox.store().list(ResourceRegistry.PODS, NS).stream()
                      .noneMatch(
                          p ->
                              p.path("metadata")
                                  .path("labels")
                                  .path("istio")
                                  .asText()
                                  .equals("citadel")));
      h.client()
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName("late-empty").endMetadata().build())
          .create();
      h.client()
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName("late-injected")
                  .addToLabels("istio-injection", "enabled")
                  .endMetadata()
                  .build())
          .create();
      h.client()
          .pods()
          .inNamespace("late-injected")
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName("web")
                  .endMetadata()
                  .withNewSpec()
                  .addNewContainer()
                  .withName("web")
                  .withImage("nginx")
                  .endContainer()
                  .endSpec()
                  .build())
          .create();

      Throwable thrown =
          catchThrowable(
              () ->
                  meshCa.awaitRootDistribution(
                      new RootDistributionRequest(ctx, AddonVersion.V1_4, Duration.ofSeconds(2))));

      ApplicationFailure failure = TestActivities.applicationFailure(thrown);
      assertThat(failure.getType()).isEqualTo(FailureType.ROOT_DISTRIBUTION_TIMEOUT.name());
      assertThat(failure.getOriginalMessage())
          .contains("waiting for {late-injected=no bundle yet, 1 injected pods}")
          .contains("skipped (no bundle, no injected pods): [late-empty]");

      h.client().namespaces().withName("late-injected").delete();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> get(ResourceRegistry.NAMESPACES, null, "late-injected").isEmpty());
      meshCa.awaitRootDistribution(
          new RootDistributionRequest(ctx, AddonVersion.V1_4, Duration.ofSeconds(10)));
      assertThat(h.logLines())
          .anyMatch(l -> l.contains("were not waited for") && l.contains("late-empty"));
    } finally {
      meshCa.restoreMeshCa(request);
      h.client().namespaces().withName("late-empty").delete();
      h.client().namespaces().withName("late-injected").delete();
    }
    assertThat(
            get(ResourceRegistry.DEPLOYMENTS, NS, "istio-citadel")
                .orElseThrow()
                .path("spec")
                .path("replicas")
                .asInt())
        .isEqualTo(1);
  }

  /**
   * One computation: what plan lists is what the activity does. Breaking {@link
   * MeshCa14Changes#desired} fails the plan's assertion here and the outcome's in the test above.
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void givenAddon14_whenPlannedThenConfigured_itShouldMakeExactlyThePlannedChanges() {
    MigrationContext ctx = h.context();
    MeshCaRequest request = new MeshCaRequest(ctx, AddonVersion.V1_4);
    MeshCaActivitiesImpl reader = new MeshCaActivitiesImpl(h.clients, h.backups);
    String trustDomain = reader.knownTrustDomain(ctx).orElseThrow();
    try {
      List<PlannedChange> planned =
          reader.plan(ctx, AddonVersion.V1_4, trustDomain, ctx.migrationId());
      assertThat(planned)
          .extracting(PlannedChange::describe)
          .containsExactly(
              "create Secret istio-system/meshca-root",
              "update ConfigMap istio-system/istio",
              "patch Deployment istio-system/istio-pilot",
              "patch Deployment istio-system/istio-citadel");
      // the Secret's plan names the root by its hash, never by its content
      assertThat(planned.toString())
          .doesNotContain("MIIG")
          .doesNotContain(MeshCaActivitiesImpl.base64(MeshCaRoot.PEM).substring(0, 40))
          .contains("sha256:");
      MadeChanges made = MadeChanges.watch(h.sandbox);

      StepResult result = meshCa.configureMeshCa(request);

      // (the Secret's planned body names the root by its hash: requests compared, not content)
      assertThat(made.made()).containsExactlyElementsOf(MadeChanges.described(planned));
      assertThat(result.changes()).hasSize(planned.size());
      assertThat(reader.plan(ctx, AddonVersion.V1_4, trustDomain, ctx.migrationId())).isEmpty();
    } finally {
      meshCa.restoreMeshCa(request);
    }
  }

  static List<String> concat(List<String> list, String last) {
    List<String> out = new java.util.ArrayList<>(list);
    out.add(last);
    return out;
  }
}
