package dev.asmmigrate.activities.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.plan.MadeChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.activities.WebhookActivities;
import dev.asmmigrate.workflows.activities.WebhookActivities.WebhookRequest;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WebhookActivitiesImplTest {
  static final String ASM_PROXY = "gcr.io/gke-release/asm/proxyv2:1.11.5-asm.3";
  static final String ADDON_PROXY = "gke.gcr.io/istio/proxyv2:1.4.10-gke.8";
  static final AtomicInteger PODS = new AtomicInteger();
  static SandboxHarness h;
  static TestActivities activities;
  static WebhookActivities webhooks;
  static ObjectNode injectorBefore;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
                SandboxSettings.builder()
                    .base(SandboxSettings.Base.ADDON_1_4)
                    .podReadyDelay(Duration.ofMillis(100))
                    .controlPlaneProvisionDelay(Duration.ofMillis(500)))
            .settle(); // the 1.4 injector must be up before the first pod is created
    activities = new TestActivities();
    webhooks =
        activities.stub(WebhookActivities.class, new WebhookActivitiesImpl(h.clients, h.backups));
    activities.provisionManagedControlPlane(h);
    namespace("legacy", Map.of("istio-injection", "enabled"));
    namespace("revisioned", Map.of("istio.io/rev", "asm-managed"));
    namespace("plain", Map.of());
    namespace("tagged", Map.of("istio.io/rev", "default"));
    namespace("disabled", Map.of("istio-injection", "disabled"));
    injectorBefore = TestActivities.essence(mwc("istio-sidecar-injector").orElseThrow());
  }

  @AfterAll
  static void stop() {
    activities.close();
    h.close();
  }

  static void namespace(String name, Map<String, String> labels) {
    h.client()
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
  }

  static Optional<ObjectNode> mwc(String name) {
    return h.sandbox.store().get(ResourceRegistry.MUTATING_WEBHOOKS, null, name);
  }

  /** The image of the sidecar a new pod gets, or null without one. */
  static String sidecarOfNewPod(String namespace, Map<String, String> labels) {
    Pod pod =
        h.client()
            .pods()
            .inNamespace(namespace)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("web-" + PODS.incrementAndGet())
                    .withLabels(labels)
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("web")
                    .withImage("nginx")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    return pod.getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("istio-proxy"))
        .map(c -> c.getImage())
        .findFirst()
        .orElse(null);
  }

  static JsonNode webhook(JsonNode configuration, String name) {
    for (JsonNode w : configuration.path("webhooks")) {
      if (w.path("name").asText().equals(name)) {
        return w;
      }
    }
    throw new AssertionError("no webhook " + name);
  }

  @Test
  void givenAProvisionedRevision_whenReplacedTwiceThenRestoredTwice_newPodsShouldMoveAndComeBack() {
    MigrationContext ctx = h.context();
    WebhookRequest request = new WebhookRequest(ctx);
    assertThat(sidecarOfNewPod("legacy", Map.of())).isEqualTo(ADDON_PROXY);
    List<PlannedChange> plan = new WebhookActivitiesImpl(h.clients, h.backups).plan(ctx);
    PlannedChange planned =
        plan.stream()
            .filter(c -> c.name().equals("istio-revision-tag-default"))
            .findFirst()
            .orElseThrow();

    StepResult first = webhooks.replaceWebhook(request);
    ObjectNode tagAfterFirst =
        TestActivities.essence(mwc("istio-revision-tag-default").orElseThrow());
    StepResult second = webhooks.replaceWebhook(request);

    assertThat(second.changes()).isEmpty();
    assertThat(first.changes()).hasSize(2);
    assertThat(second.backups()).containsExactlyInAnyOrderElementsOf(first.backups());
    assertThat(first.backups())
        .extracting(b -> b.name() + ":" + b.absent())
        .containsExactlyInAnyOrder(
            "istio-sidecar-injector:false", "istio-revision-tag-default:true");
    assertThat(mwc("istio-sidecar-injector").orElseThrow().path("webhooks").size()).isZero();
    JsonNode tag = mwc("istio-revision-tag-default").orElseThrow();
    assertThat(TestActivities.essence(tag)).isEqualTo(tagAfterFirst);
    assertThat(tag.path("metadata").path("labels").path("istio.io/rev").asText())
        .isEqualTo("asm-managed");
    assertThat(tag.path("metadata").path("labels").path("istio.io/tag").asText())
        .isEqualTo("default");
    // the four webhooks of `istioctl tag set default`, each calling the revision's endpoint with
    // its caBundle
    JsonNode managed = mwc("istiod-asm-managed").orElseThrow();
    JsonNode revisionClient = managed.path("webhooks").get(0).path("clientConfig");
    assertThat(revisionClient.path("caBundle").asText()).isNotEmpty();
    List<String> names = new ArrayList<>();
    for (JsonNode w : tag.path("webhooks")) {
      names.add(w.path("name").asText());
      assertThat(w.path("clientConfig"))
          .as("clientConfig of %s", w.path("name"))
          .isEqualTo(revisionClient);
      assertThat(w.path("failurePolicy").asText()).isEqualTo("Fail");
      assertThat(w.path("sideEffects").asText()).isEqualTo("None");
      assertThat(w.path("admissionReviewVersions").toString()).isEqualTo("[\"v1\"]");
      assertThat(w.path("rules").toString())
          .isEqualTo(
              "[{\"apiGroups\":[\"\"],\"apiVersions\":[\"v1\"],\"operations\":[\"CREATE\"],"
                  + "\"resources\":[\"pods\"],\"scope\":\"*\"}]");
    }
    // the plan showed this object, its four webhooks named in the note
    assertThat(planned.verb()).isEqualTo("create");
    assertThat(StepChanges.covers(tag, planned.body())).as(planned.body().toString()).isTrue();
    assertThat(planned.body().path("webhooks")).hasSize(4);
    assertThat(planned.note()).contains(names);
    assertThat(names)
        .containsExactly(
            "rev.namespace.sidecar-injector.istio.io",
            "rev.object.sidecar-injector.istio.io",
            "namespace.sidecar-injector.istio.io",
            "object.sidecar-injector.istio.io");
    assertThat(selectors(tag, "rev.namespace.sidecar-injector.istio.io"))
        .isEqualTo(
            "ns: istio.io/rev In [default], istio-injection DoesNotExist;"
                + " pod: sidecar.istio.io/inject NotIn [false]");
    assertThat(selectors(tag, "rev.object.sidecar-injector.istio.io"))
        .isEqualTo(
            "ns: istio.io/rev DoesNotExist, istio-injection DoesNotExist;"
                + " pod: sidecar.istio.io/inject NotIn [false], istio.io/rev In [default]");
    assertThat(selectors(tag, "namespace.sidecar-injector.istio.io"))
        .isEqualTo("ns: istio-injection In [enabled]; pod: sidecar.istio.io/inject NotIn [false]");
    assertThat(selectors(tag, "object.sidecar-injector.istio.io"))
        .isEqualTo(
            "ns: istio-injection DoesNotExist, istio.io/rev DoesNotExist;"
                + " pod: sidecar.istio.io/inject In [true], istio.io/rev DoesNotExist");
    // new pods: istio-injection=enabled and istio.io/rev=default now get the managed proxy; no
    // two webhooks ever match
    assertThat(sidecarOfNewPod("legacy", Map.of())).isEqualTo(ASM_PROXY);
    assertThat(sidecarOfNewPod("tagged", Map.of())).isEqualTo(ASM_PROXY);
    assertThat(sidecarOfNewPod("revisioned", Map.of())).isEqualTo(ASM_PROXY);
    assertThat(sidecarOfNewPod("plain", Map.of("sidecar.istio.io/inject", "true")))
        .isEqualTo(ASM_PROXY);
    assertThat(sidecarOfNewPod("plain", Map.of("istio.io/rev", "default"))).isEqualTo(ASM_PROXY);
    assertThat(sidecarOfNewPod("plain", Map.of())).isNull();
    assertThat(sidecarOfNewPod("disabled", Map.of())).isNull();
    assertThat(sidecarOfNewPod("tagged", Map.of("sidecar.istio.io/inject", "false"))).isNull();

    webhooks.restoreWebhook(request);
    webhooks.restoreWebhook(request);

    assertThat(mwc("istio-revision-tag-default")).isEmpty();
    assertThat(TestActivities.essence(mwc("istio-sidecar-injector").orElseThrow()))
        .isEqualTo(injectorBefore);
    // the restored injector kept its caBundle: the API server can call it again
    assertThat(sidecarOfNewPod("legacy", Map.of())).isEqualTo(ADDON_PROXY);
    assertThat(sidecarOfNewPod("revisioned", Map.of())).isEqualTo(ASM_PROXY);
    assertThat(sidecarOfNewPod("tagged", Map.of())).isNull();
  }

  /**
   * The plan and the activity share one computation ({@link WebhookChanges#desired}): the plan
   * lists the add-on injector emptied, then the tag created with the revision's endpoint, and the
   * activity makes exactly those.
   */
  @Test
  void givenAProvisionedRevision_whenPlannedThenReplaced_itShouldMakeExactlyThePlannedChanges() {
    MigrationContext ctx = h.context();

    List<PlannedChange> plan = new WebhookActivitiesImpl(h.clients, h.backups).plan(ctx);

    assertThat(plan)
        .extracting(PlannedChange::describe)
        .containsExactly(
            "update MutatingWebhookConfiguration istio-sidecar-injector",
            "create MutatingWebhookConfiguration istio-revision-tag-default");
    assertThat(plan.get(0).body().path("webhooks").isEmpty()).isTrue();
    JsonNode revisionClient =
        mwc("istiod-asm-managed").orElseThrow().path("webhooks").get(0).path("clientConfig");
    assertThat(plan.get(1).body().path("webhooks"))
        .hasSize(4)
        .allSatisfy(w -> assertThat(w.path("clientConfig")).isEqualTo(revisionClient));
    MadeChanges made = MadeChanges.watch(h.sandbox);
    webhooks.replaceWebhook(new WebhookRequest(ctx));
    made.assertMadeExactly(plan);

    webhooks.restoreWebhook(new WebhookRequest(ctx));
    assertThat(mwc("istio-revision-tag-default")).isEmpty();
  }

  /** A webhook's namespace and object selectors, as {@code ns: ...; pod: ...}. */
  static String selectors(JsonNode configuration, String name) {
    JsonNode w = webhook(configuration, name);
    return "ns: "
        + expressions(w.path("namespaceSelector"))
        + "; pod: "
        + expressions(w.path("objectSelector"));
  }

  static String expressions(JsonNode selector) {
    assertThat(selector.path("matchLabels").size()).isZero();
    List<String> out = new ArrayList<>();
    for (JsonNode e : selector.path("matchExpressions")) {
      List<String> values = new ArrayList<>();
      e.path("values").forEach(v -> values.add(v.asText()));
      out.add(
          e.path("key").asText()
              + " "
              + e.path("operator").asText()
              + (e.has("values") ? " " + values : ""));
    }
    return String.join(", ", out);
  }

  @Test
  void givenTransientApiFaults_whenReplacedAndRestoredWithRetries_theOutcomeShouldBeAsWithout() {
    WebhookRequest request = new WebhookRequest(h.context());
    h.sandbox.faults().apiErrorRate.put("*", 0.3);
    try {
      TestActivities.retrying(() -> webhooks.replaceWebhook(request));
      TestActivities.retrying(() -> webhooks.replaceWebhook(request));
      assertThat(mwc("istio-sidecar-injector").orElseThrow().path("webhooks").size()).isZero();
      assertThat(mwc("istio-revision-tag-default")).isPresent();

      TestActivities.retrying(() -> webhooks.restoreWebhook(request));
    } finally {
      h.sandbox.faults().apiErrorRate.clear();
    }
    assertThat(mwc("istio-revision-tag-default")).isEmpty();
    assertThat(TestActivities.essence(mwc("istio-sidecar-injector").orElseThrow()))
        .isEqualTo(injectorBefore);
    assertThat(sidecarOfNewPod("legacy", Map.of())).isEqualTo(ADDON_PROXY);
  }

  @Test
  void givenARevisionWithoutItsWebhook_whenReplaced_itShouldFailBeforeChangingAnything() {
    MigrationContext base = h.context();
    MigrationContext ctx =
        new MigrationContext(
            UUID.randomUUID().toString(),
            base.cluster(),
            base.connection(),
            "asm-managed-rapid",
            null);

    Throwable thrown = catchThrowable(() -> webhooks.replaceWebhook(new WebhookRequest(ctx)));

    assertThat(TestActivities.applicationFailure(thrown).getType())
        .isEqualTo(FailureType.NOT_FOUND.name());
    assertThat(TestActivities.applicationFailure(thrown).getOriginalMessage())
        .contains("istiod-asm-managed-rapid");
    assertThat(h.backups.forContext(ctx).list(ctx.migrationId(), null)).isEmpty();
    assertThat(TestActivities.essence(mwc("istio-sidecar-injector").orElseThrow()))
        .isEqualTo(injectorBefore);
  }

  @Test
  void givenTheTagCreatedBeforeTheAddonInjectorIsEmptied_podsOfLegacyNamespacesShouldFail() {
    ObjectNode tag = WebhookChanges.tag(mwc("istiod-asm-managed").orElseThrow(), "asm-managed");
    h.client()
        .admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .resource(Restorer.fromTree(tag, MutatingWebhookConfiguration.class))
        .create();
    try {
      KubernetesClientException overlap =
          catchThrowableOfType(
              KubernetesClientException.class, () -> sidecarOfNewPod("legacy", Map.of()));

      assertThat(overlap).isNotNull();
    } finally {
      h.client()
          .admissionRegistration()
          .v1()
          .mutatingWebhookConfigurations()
          .withName("istio-revision-tag-default")
          .delete();
    }
  }
}
