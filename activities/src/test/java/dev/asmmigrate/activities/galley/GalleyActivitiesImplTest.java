package dev.asmmigrate.activities.galley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.activities.kube.TestActivities;
import dev.asmmigrate.activities.plan.MadeChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.activities.GalleyActivities;
import dev.asmmigrate.workflows.activities.GalleyActivities.GalleyRequest;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GalleyActivitiesImplTest {
  static final String ROLE = "istio-galley-istio-system";
  static final String WEBHOOK = "istio-galley";
  static SandboxHarness h;
  static TestActivities activities;
  static GalleyActivities galley;
  static ObjectNode originalRole;
  static ObjectNode originalWebhook;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .podReadyDelay(Duration.ofMillis(100)));
    activities = new TestActivities();
    galley =
        activities.stub(GalleyActivities.class, new GalleyActivitiesImpl(h.clients, h.backups));
    originalRole = TestActivities.essence(role().orElseThrow());
    originalWebhook = TestActivities.essence(webhook().orElseThrow());
  }

  @AfterAll
  static void stop() {
    activities.close();
    h.close();
  }

  /** Every test leaves the add-on's ClusterRole and webhook as the fixture has them. */
  @AfterEach
  void putBack() {
    ClusterRole original = Serialization.unmarshal(originalRole.toString(), ClusterRole.class);
    h.client()
        .rbac()
        .clusterRoles()
        .withName(ROLE)
        .edit(
            r -> {
              r.setRules(original.getRules());
              return r;
            });
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> webhook().isPresent() && essence(role()).equals(originalRole));
  }

  static Optional<ObjectNode> role() {
    return h.sandbox.store().get(ResourceRegistry.CLUSTERROLES, null, ROLE);
  }

  static Optional<ObjectNode> webhook() {
    return h.sandbox.store().get(ResourceRegistry.VALIDATING_WEBHOOKS, null, WEBHOOK);
  }

  static ObjectNode essence(Optional<ObjectNode> o) {
    return TestActivities.essence(o.orElse(null));
  }

  static int webhookRule(JsonNode role) {
    JsonNode rules = role.path("rules");
    for (int i = 0; i < rules.size(); i++) {
      for (JsonNode r : rules.get(i).path("resources")) {
        if (r.asText().equals("validatingwebhookconfigurations")) {
          return i;
        }
      }
    }
    return -1;
  }

  /**
   * The plan and the activity share one computation ({@link GalleyChanges#desired}): the plan lists
   * the narrowing of rule 2 and the webhook's deletion, and the activity makes exactly those.
   */
  @Test
  void givenTheAddonGalley_whenPlannedThenDisabled_itShouldMakeExactlyThePlannedChanges() {
    GalleyRequest request = new GalleyRequest(h.context());

    List<PlannedChange> plan = new GalleyActivitiesImpl(h.clients, h.backups).plan(h.context());

    assertThat(plan)
        .extracting(PlannedChange::describe)
        .containsExactly(
            "patch ClusterRole " + ROLE, "delete ValidatingWebhookConfiguration " + WEBHOOK);
    assertThat(plan.get(0).body().toString())
        .endsWith(",{\"op\":\"replace\",\"path\":\"/rules/2/verbs/0\",\"value\":\"get\"}]");
    MadeChanges made = MadeChanges.watch(h.sandbox);
    galley.disableGalleyWebhook(request);
    made.assertMadeExactly(plan);

    galley.restoreGalleyWebhook(request);
  }

  @Test
  void givenTheAddonGalley_whenDisabledTwiceThenRestoredTwice_itShouldNarrowOneVerbThenPutBoth() {
    GalleyRequest request = new GalleyRequest(h.context());
    assertThat(webhookRule(originalRole)).isEqualTo(2);

    StepResult first = galley.disableGalleyWebhook(request);
    ObjectNode afterFirst = essence(role());
    StepResult second = galley.disableGalleyWebhook(request);

    // only verbs of rule 2 changed: * -> get
    ObjectNode expected = originalRole.deepCopy();
    ((ArrayNode) expected.path("rules").get(2).get("verbs")).removeAll().add("get");
    assertThat(afterFirst).isEqualTo(expected);
    assertThat(essence(role())).isEqualTo(expected);
    assertThat(first.changes()).hasSize(2);
    assertThat(second.changes()).isEmpty();
    assertThat(first.backups()).hasSize(2).noneMatch(b -> b.absent());
    assertThat(second.backups()).containsExactlyInAnyOrderElementsOf(first.backups());
    // Galley, no longer allowed to write it, leaves the webhook deleted
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(() -> webhook().isEmpty());

    galley.restoreGalleyWebhook(request);
    galley.restoreGalleyWebhook(request);

    assertThat(essence(role())).isEqualTo(originalRole);
    assertThat(essence(webhook())).isEqualTo(originalWebhook);
    // the restored webhook kept its caBundle: the API server can call Galley, Istio config is
    // admitted (without it: "x509: certificate signed by unknown authority")
    for (JsonNode w : webhook().orElseThrow().path("webhooks")) {
      assertThat(w.path("clientConfig").path("caBundle").asText()).isNotEmpty();
    }
    assertThat(
            h.client()
                .resource(
                    "{\"apiVersion\": \"networking.istio.io/v1alpha3\", \"kind\": \"VirtualService\","
                        + " \"metadata\": {\"name\": \"after-restore\", \"namespace\": \"default\"},"
                        + " \"spec\": {\"hosts\": [\"web\"]}}")
                .create())
        .isNotNull();
  }

  @Test
  void givenTransientApiFaults_whenDisabledAndRestoredWithRetries_theOutcomeShouldBeAsWithout() {
    GalleyRequest request = new GalleyRequest(h.context());
    ObjectNode expected = originalRole.deepCopy();
    ((ArrayNode) expected.path("rules").get(2).get("verbs")).removeAll().add("get");
    h.sandbox.faults().apiErrorRate.put("*", 0.3);
    try {
      TestActivities.retrying(() -> galley.disableGalleyWebhook(request));
      TestActivities.retrying(() -> galley.disableGalleyWebhook(request));
      assertThat(essence(role())).isEqualTo(expected);
      assertThat(webhook()).isEmpty();

      TestActivities.retrying(() -> galley.restoreGalleyWebhook(request));
    } finally {
      h.sandbox.faults().apiErrorRate.clear();
    }
    assertThat(essence(role())).isEqualTo(originalRole);
    assertThat(essence(webhook())).isEqualTo(originalWebhook);
  }

  @Test
  void givenTheWebhookRuleMovedToIndexZero_whenDisabled_itShouldNarrowThatRuleAndNoOther() {
    h.client()
        .rbac()
        .clusterRoles()
        .withName(ROLE)
        .edit(
            r -> {
              List<PolicyRule> rules = new ArrayList<>(r.getRules());
              rules.add(0, rules.remove(2));
              r.setRules(rules);
              return r;
            });
    ObjectNode moved = essence(role());
    assertThat(webhookRule(moved)).isZero();
    GalleyRequest request = new GalleyRequest(h.context());

    galley.disableGalleyWebhook(request);

    ObjectNode expected = moved.deepCopy();
    ((ArrayNode) expected.path("rules").get(0).get("verbs")).removeAll().add("get");
    assertThat(essence(role())).isEqualTo(expected);

    galley.restoreGalleyWebhook(request);
    assertThat(essence(role())).isEqualTo(moved);
  }

  @Test
  void
      givenTheRuleChangedAfterItWasRead_whenTheNarrowingPatchIsSent_itShouldFailAndChangeNothing() {
    ArrayNode stale = GalleyChanges.narrowingPatch(role().orElseThrow());
    h.client()
        .rbac()
        .clusterRoles()
        .withName(ROLE)
        .edit(
            r -> {
              r.getRules().get(2).setVerbs(List.of("*", "create"));
              return r;
            });
    ObjectNode changed = essence(role());

    KubernetesClientException rejected =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                h.client()
                    .rbac()
                    .clusterRoles()
                    .withName(ROLE)
                    .patch(PatchContext.of(PatchType.JSON), stale.toString()));

    assertThat(rejected.getCode()).isEqualTo(422);
    assertThat(essence(role())).isEqualTo(changed);
  }

  @Test
  void givenARoleThatStillAllowsIt_whenTheWebhookIsDeletedAlone_GalleyShouldPutItBack() {
    h.client()
        .admissionRegistration()
        .v1()
        .validatingWebhookConfigurations()
        .withName(WEBHOOK)
        .delete();

    await().atMost(Duration.ofSeconds(20)).until(() -> webhook().isPresent());
  }
}
