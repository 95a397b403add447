package dev.asmmigrate.activities.addon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.Backup;
import dev.asmmigrate.activities.backup.BackupStore;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.GenericResources;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.plan.MadeChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.activities.state.StateConfigMap;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.activities.AddonActivities;
import dev.asmmigrate.workflows.activities.AddonActivities.AddonRequest;
import dev.asmmigrate.workflows.model.BackupRef;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.MigrationState;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The irreversible end on an add-on 1.4 cluster; the tests run in order, cleanup last. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AddonActivitiesImplTest {
  static SandboxHarness h;
  static TestActivities activities;
  static GoogleClients google;
  static AddonActivities addon;
  static MigrationContext ctx;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
                SandboxSettings.builder()
                    .base(SandboxSettings.Base.ADDON_1_4)
                    .podReadyDelay(Duration.ofMillis(100)))
            .settle();
    activities = new TestActivities();
    google = new GoogleClients();
    addon =
        activities.stub(
            AddonActivities.class,
            new AddonActivitiesImpl(h.clients, h.backups, google, Duration.ofSeconds(60)));
    ctx = h.context();
    // what replace-gateway leaves: the new gateway's Deployment (here without a sidecar)
    h.client()
        .apps()
        .deployments()
        .inNamespace("istio-system")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("asm-ingressgateway")
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector()
                .addToMatchLabels("app", "asm-ingressgateway")
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "asm-ingressgateway")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("istio-proxy")
                .withImage("gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    h.settle();
  }

  @AfterAll
  static void stop() {
    activities.close();
    google.close();
    h.close();
  }

  static final String OPERATOR = "istio-1-6-11-gke-0";

  static String failureType(Throwable t) {
    return TestActivities.applicationFailure(t).getType();
  }

  @Test
  @Order(0)
  void givenGkeCannotFindTheCluster_whenDisabling_itShouldFailPermanentlyWithNotFound() {
    h.sandbox.faults().googleApiFault = "not-found";
    try {
      assertThatThrownBy(() -> addon.disableAddon(new AddonRequest(ctx)))
          .satisfies(t -> assertThat(failureType(t)).isEqualTo("NOT_FOUND"))
          .satisfies(
              t -> assertThat(TestActivities.applicationFailure(t).isNonRetryable()).isTrue());
      assertThat(h.sandbox.googleApis().cluster().istioAddonEnabled()).isTrue();
    } finally {
      h.sandbox.faults().googleApiFault = "";
    }
  }

  /** A 1.4 cluster has no IstioOperator CRD (the 1.6 add-on brought it): none there, no error. */
  @Test
  @Order(0)
  void givenNoIstioOperatorCrd_genericReadsShouldFindNoneWithoutError() {
    String iop = "install.istio.io/v1alpha1";
    assertThat(h.sandbox.store().registry().forKind(iop, "IstioOperator")).isEmpty();
    assertThat(GenericResources.served(h.client(), iop, "IstioOperator")).isEmpty();
    assertThat(GenericResources.list(h.client(), iop, "IstioOperator", "istio-system", Map.of()))
        .isEmpty();
    assertThat(GenericResources.get(h.client(), iop, "IstioOperator", "istio-system", OPERATOR))
        .isNull();
    // without discovery (a ResourceDefinitionContext), the API server answers 404
    var operators =
        new ResourceDefinitionContext.Builder()
            .withGroup("install.istio.io")
            .withVersion("v1alpha1")
            .withPlural("istiooperators")
            .withKind("IstioOperator")
            .withNamespaced(true)
            .build();
    assertThat(GenericResources.list(h.client(), operators, null)).isEmpty();
    assertThat(GenericResources.get(h.client(), operators, "istio-system", OPERATOR)).isNull();
    assertThat(
            new Restorer(h.client())
                .read(new ObjectKey(iop, "IstioOperator", "istio-system", OPERATOR)))
        .isNull();
    // a backup that says "absent" restores to absent on a type that is not served
    assertThat(
            new Restorer(h.client())
                .restore(
                    new Backup(
                        new BackupRef("x", "IstioOperator", "istio-system", OPERATOR, "", true),
                        new ObjectKey(iop, "IstioOperator", "istio-system", OPERATOR),
                        null)))
        .isEqualTo(Restorer.Action.ALREADY_ABSENT);
  }

  @Test
  @Order(1)
  void givenTheAddonEnabled_whenDisabledTwice_itShouldBeDisabledOnceThenUnchanged() {
    assertThat(h.sandbox.googleApis().cluster().istioAddonEnabled()).isTrue();
    h.sandbox.faults().googleOperationDelay = Duration.ofMillis(1500);
    activities.clearHeartbeats();

    StepResult first = addon.disableAddon(new AddonRequest(ctx));
    h.sandbox.faults().googleOperationDelay = Duration.ZERO;
    StepResult second = addon.disableAddon(new AddonRequest(ctx));

    assertThat(activities.heartbeats())
        .anySatisfy(
            b ->
                assertThat(b)
                    .contains("disable the Istio add-on")
                    .contains("waiting for operation"));
    assertThat(h.sandbox.googleApis().cluster().istioAddonEnabled()).isFalse();
    assertThat(first.changes()).singleElement().asString().contains("disabled the Istio add-on");
    assertThat(second.changes()).isEmpty();
  }

  /**
   * One computation: what plan lists is what the activity does. Breaking {@link
   * AddonChanges#disable} fails the plan's assertion here and the outcome's in the test above.
   */
  @Test
  @Order(1)
  void givenTheAddonEnabled_whenPlannedThenDisabled_itShouldMakeExactlyThePlannedCall() {
    h.sandbox.googleApis().cluster().setIstioAddonEnabled(true);
    try {
      List<PlannedChange> planned = reader().planDisable(ctx);
      assertThat(planned)
          .extracting(PlannedChange::describe)
          .containsExactly(
              "call container.googleapis.com/v1beta1 UpdateCluster "
                  + ctx.cluster().resourceName());
      MadeChanges made = MadeChanges.watch(h.sandbox);

      addon.disableAddon(new AddonRequest(ctx));

      made.assertMadeExactly(planned);
      assertThat(reader().planDisable(ctx)).isEmpty();
    } finally {
      // as the add-on was: enabled (the other disabling test starts from there)
      h.sandbox.googleApis().cluster().setIstioAddonEnabled(true);
    }
  }

  static AddonActivitiesImpl reader() {
    return new AddonActivitiesImpl(h.clients, h.backups, google, Duration.ofSeconds(60));
  }

  @Test
  @Order(2)
  void givenNoSuccessState_whenCleanupRuns_itShouldRefuseAndDeleteNothing() {
    assertThatThrownBy(() -> addon.cleanup(new AddonRequest(ctx)))
        .satisfies(t -> assertThat(failureType(t)).isEqualTo("STATE_CONFLICT"))
        .hasStackTraceContaining("does not exist");

    StateConfigMap state = new StateConfigMap(h.client());
    state.write(ctx.migrationId(), MigrationState.PENDING, "write-marker");
    assertThatThrownBy(() -> addon.cleanup(new AddonRequest(ctx)))
        .satisfies(t -> assertThat(failureType(t)).isEqualTo("STATE_CONFLICT"))
        .hasStackTraceContaining("says PENDING");

    state.write("another-migration", MigrationState.SUCCESS, "write-marker");
    assertThatThrownBy(() -> addon.cleanup(new AddonRequest(ctx)))
        .satisfies(t -> assertThat(failureType(t)).isEqualTo("STATE_CONFLICT"))
        .hasStackTraceContaining("another-migration");

    assertThat(h.sandbox.store().get(ResourceRegistry.DEPLOYMENTS, "istio-system", "istio-pilot"))
        .isPresent();
    assertThat(h.backups.forContext(ctx).list(ctx.migrationId(), null)).isEmpty();
  }

  @Test
  @Order(3)
  void givenSuccess_whenCleanupRunsTwice_itShouldBackUpThenDeleteExactlyTheAddonsObjects() {
    new StateConfigMap(h.client()).write(ctx.migrationId(), MigrationState.SUCCESS, "cleanup");
    // cleanup's fixed list names IstioOperator istio-1-6-11-gke-0, whose type a 1.4 cluster lacks
    assertThat(AddonObjects.fixed()).anyMatch(k -> k.kind().equals("IstioOperator"));
    assertThat(h.sandbox.store().registry().forKind("install.istio.io/v1alpha1", "IstioOperator"))
        .isEmpty();
    Restorer restorer = new Restorer(h.client());
    List<ObjectKey> present = new ArrayList<>();
    for (ObjectKey key : AddonObjects.fixed()) {
      if (restorer.read(key) != null) {
        present.add(key);
      }
    }
    ObjectNode caSecret =
        restorer.read(new ObjectKey("v1", "Secret", "istio-system", "istio-ca-secret"));
    // a user's plug-in CA, deleted as Google's script deletes it, backed up as a Secret
    h.client()
        .secrets()
        .inNamespace("istio-system")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("cacerts")
                .endMetadata()
                .addToData("ca-cert.pem", "cGx1Z2luLWNh")
                .build())
        .create();
    present.add(new ObjectKey("v1", "Secret", "istio-system", "cacerts"));
    // labelled as the add-on labels its objects, but not proven to be the add-on's: they stay
    h.client()
        .genericKubernetesResources("config.istio.io/v1alpha2", "rule")
        .inNamespace("istio-system")
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("config.istio.io/v1alpha2")
                .withKind("rule")
                .withNewMetadata()
                .withName("audit-denials")
                .addToLabels("k8s-app", "istio")
                .endMetadata()
                .addToAdditionalProperties(
                    "spec",
                    Map.of(
                        "match",
                        "context.reporter.kind == \"inbound\"",
                        "actions",
                        List.of(Map.of("handler", "auditlog", "instances", List.of("audit")))))
                .build())
        .create();
    h.client()
        .batch()
        .v1()
        .jobs()
        .inNamespace("istio-system")
        .resource(
            new JobBuilder()
                .withNewMetadata()
                .withName("rotate-certs")
                .addToLabels("k8s-app", "istio")
                .addToLabels("app", "security")
                .endMetadata()
                .withNewSpec()
                .withSuspend(true)
                .withNewTemplate()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName("rotate")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    List<String> kept = List.of("rule/audit-denials");
    List<String> mixerLeft = new ArrayList<>(mixerObjects());
    mixerLeft.removeAll(kept);
    assertThat(present)
        .as("the fixture's add-on objects")
        .hasSizeGreaterThan(50)
        .contains(new ObjectKey("v1", "ConfigMap", "istio-system", "istio"));
    assertThat(mixerLeft).as("the add-on's 27 Mixer defaults").hasSize(27);
    // a Mixer default found by digest, not by a fixed name
    assertThat(mixerLeft).contains("instance/server-request-count");
    assertThat(AddonObjects.fixed())
        .noneMatch(k -> k.kind().equals("instance") && k.name().equals("server-request-count"));
    List<String> jobsBefore = new ArrayList<>(jobs());
    jobsBefore.remove("rotate-certs");
    assertThat(jobsBefore).isNotEmpty();

    // one computation: plan lists what cleanup then deletes (breaking AddonChanges#cleanup fails
    // the plan's assertion below and the outcome's)
    List<PlannedChange> planned = reader().planCleanup(ctx, Set.of());
    MadeChanges made = MadeChanges.watch(h.sandbox);

    StepResult first = addon.cleanup(new AddonRequest(ctx));

    made.assertMadeExactly(planned);

    for (ObjectKey key : AddonObjects.fixed()) {
      assertThat(restorer.read(key)).as(key.toString()).isNull();
    }
    assertThat(mixerObjects()).containsExactlyElementsOf(kept);
    assertThat(jobs()).containsExactly("rotate-certs");
    assertThat(first.kept())
        .extracting(
            k -> k.kind() + " " + k.namespace() + "/" + k.name() + " | " + k.deleteCommand())
        .containsExactly(
            "rule istio-system/audit-denials | kubectl delete rule.v1alpha2.config.istio.io"
                + " audit-denials -n istio-system",
            "Job istio-system/rotate-certs | kubectl delete job.v1.batch rotate-certs -n"
                + " istio-system");
    assertThat(first.kept().get(0).reason())
        .contains("labelled k8s-app=istio")
        .contains("none of the add-on's default Mixer objects");
    assertThat(first.kept().get(1).reason()).contains("istio-security-post-install-");
    Backup byDigest =
        h.backups
            .forContext(ctx)
            .load(
                ctx.migrationId(),
                new ObjectKey(
                    "config.istio.io/v1alpha2", "instance", "istio-system", "server-request-count"))
            .orElseThrow();
    assertThat(byDigest.absent()).isFalse();
    assertThat(byDigest.object().path("spec").path("compiledTemplate").asText())
        .isEqualTo("metric");
    Backup cacerts =
        h.backups
            .forContext(ctx)
            .load(ctx.migrationId(), new ObjectKey("v1", "Secret", "istio-system", "cacerts"))
            .orElseThrow();
    assertThat(cacerts.object().path("data").path("ca-cert.pem").asText())
        .isEqualTo("cGx1Z2luLWNh");
    assertThat(
            h.sandbox
                .store()
                .get(ResourceRegistry.SECRETS, "asm-migrate-system", cacerts.ref().key()))
        .isPresent();
    // what must stay
    assertThat(
            h.sandbox
                .store()
                .get(ResourceRegistry.SERVICES, "istio-system", "istio-ingressgateway"))
        .isPresent();
    assertThat(
            h.sandbox
                .store()
                .get(ResourceRegistry.DEPLOYMENTS, "istio-system", "asm-ingressgateway"))
        .isPresent();
    assertThat(
            h.sandbox.store().get(ResourceRegistry.CONFIGMAPS, "istio-system", StateConfigMap.NAME))
        .isPresent();
    assertThat(
            h.sandbox
                .store()
                .get(ResourceRegistry.MUTATING_WEBHOOKS, null, "istio-sidecar-injector"))
        .isPresent();
    assertThat(h.sandbox.store().get(ResourceRegistry.SERVICEACCOUNTS, "istio-system", "default"))
        .isPresent();
    assertThat(h.sandbox.store().get(ResourceRegistry.NAMESPACES, null, "istio-system"))
        .isPresent();
    assertThat(
            restorer.read(
                new ObjectKey("authentication.istio.io/v1alpha1", "MeshPolicy", null, "default")))
        .isNotNull();
    // istio-system runs only the new gateway
    assertThat(h.sandbox.store().list(ResourceRegistry.PODS, "istio-system"))
        .isNotEmpty()
        .allSatisfy(
            p ->
                assertThat(p.path("metadata").path("name").asText())
                    .startsWith("asm-ingressgateway-"));

    // every deleted object was backed up first, Secrets as Secrets, with no content in the result
    BackupStore store = h.backups.forContext(ctx);
    Set<String> deleted =
        first.changes().stream().filter(c -> c.startsWith("deleted ")).collect(Collectors.toSet());
    Set<String> expected = new java.util.TreeSet<>();
    present.forEach(k -> expected.add("deleted " + k));
    mixerLeft.forEach(m -> expected.add("deleted " + m.replace("/", " istio-system/")));
    jobsBefore.forEach(j -> expected.add("deleted Job istio-system/" + j));
    assertThat(new java.util.TreeSet<>(deleted)).isEqualTo(expected);
    assertThat(planned)
        .extracting(c -> "deleted " + c.kind() + " " + c.namespace() + "/" + c.name())
        .map(d -> d.replace(" /", " "))
        .containsExactlyInAnyOrderElementsOf(expected);
    assertThat(first.backups()).hasSize(deleted.size());
    for (ObjectKey key : present) {
      Backup b = store.load(ctx.migrationId(), key).orElseThrow();
      assertThat(b.absent()).isFalse();
      assertThat(first.backups()).contains(b.ref());
    }
    Backup ca =
        store
            .load(
                ctx.migrationId(), new ObjectKey("v1", "Secret", "istio-system", "istio-ca-secret"))
            .orElseThrow();
    assertThat(ca.object().path("data")).isEqualTo(caSecret.path("data"));
    assertThat(
            h.sandbox.store().get(ResourceRegistry.SECRETS, "asm-migrate-system", ca.ref().key()))
        .isPresent();
    String caPem =
        new String(
            Base64.getDecoder().decode(caSecret.path("data").path("ca-key.pem").asText()),
            StandardCharsets.UTF_8);
    String keyBody =
        caPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "").substring(0, 40);
    assertThat(first.toString()).doesNotContain(keyBody);
    assertThat(h.logLines()).noneMatch(l -> l.contains(keyBody));
    assertThat(first.backups().stream().map(BackupRef::toString))
        .noneMatch(s -> s.contains(keyBody));

    // twice: nothing more is deleted, the same backups are listed
    List<String> before = clusterNames();
    StepResult second = addon.cleanup(new AddonRequest(ctx));
    assertThat(second.changes()).containsExactly("istio-system runs only asm-ingressgateway pods");
    assertThat(second.kept()).isEqualTo(first.kept());
    assertThat(Set.copyOf(second.backups())).isEqualTo(Set.copyOf(first.backups()));
    assertThat(clusterNames()).isEqualTo(before);
  }

  static List<String> mixerObjects() {
    List<String> names = new ArrayList<>();
    for (String kind : AddonObjects.MIXER_KINDS) {
      h.client()
          .genericKubernetesResources("config.istio.io/v1alpha2", kind)
          .inNamespace("istio-system")
          .withLabel("k8s-app", "istio")
          .list()
          .getItems()
          .forEach(i -> names.add(kind + "/" + i.getMetadata().getName()));
    }
    return names;
  }

  static List<String> jobs() {
    return h.client().batch().v1().jobs().inNamespace("istio-system").list().getItems().stream()
        .map(j -> j.getMetadata().getName())
        .toList();
  }

  /** Every object's kind and name in istio-system and cluster-scoped RBAC and webhooks. */
  static List<String> clusterNames() {
    List<String> names = new ArrayList<>();
    for (var type :
        List.of(
            ResourceRegistry.CONFIGMAPS,
            ResourceRegistry.SECRETS,
            ResourceRegistry.SERVICES,
            ResourceRegistry.SERVICEACCOUNTS,
            ResourceRegistry.DEPLOYMENTS,
            ResourceRegistry.HPAS,
            ResourceRegistry.JOBS,
            ResourceRegistry.CLUSTERROLES,
            ResourceRegistry.CLUSTERROLEBINDINGS,
            ResourceRegistry.MUTATING_WEBHOOKS,
            ResourceRegistry.VALIDATING_WEBHOOKS)) {
      h.sandbox.store().list(type, null).stream()
          .filter(
              o ->
                  o.path("metadata").path("namespace").isMissingNode()
                      || "istio-system".equals(o.path("metadata").path("namespace").asText()))
          .forEach(
              o -> names.add(type.toString() + " " + o.path("metadata").path("name").asText()));
    }
    names.sort(String::compareTo);
    return names;
  }
}
