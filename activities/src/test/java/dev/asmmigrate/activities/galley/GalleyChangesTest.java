package dev.asmmigrate.activities.galley;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.galley.GalleyChanges.Observed;
import dev.asmmigrate.activities.plan.PlannedChange;
import java.util.List;
import org.junit.jupiter.api.Test;

class GalleyChangesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final ObjectNode WEBHOOK = object("{\"metadata\": {\"name\": \"istio-galley\"}}");

  static ObjectNode object(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static ObjectNode role(String webhookVerbs) {
    return object(
        "{\"rules\": [{\"resources\": [\"configmaps\"], \"verbs\": [\"*\"]},"
            + " {\"resources\": [\"validatingwebhookconfigurations\"], \"verbs\": "
            + webhookVerbs
            + "}]}");
  }

  static List<String> described(List<PlannedChange> changes) {
    return changes.stream().map(c -> c.describe() + " " + c.body()).toList();
  }

  @Test
  void givenAWideRuleAndTheWebhook_itShouldNarrowThatRuleThenDeleteTheWebhook() {
    assertThat(described(GalleyChanges.desired(new Observed(role("[\"*\"]"), WEBHOOK))))
        .containsExactly(
            "patch ClusterRole istio-galley-istio-system"
                + " [{\"op\":\"test\",\"path\":\"/rules/1/resources\","
                + "\"value\":[\"validatingwebhookconfigurations\"]},"
                + "{\"op\":\"test\",\"path\":\"/rules/1/verbs\",\"value\":[\"*\"]},"
                + "{\"op\":\"replace\",\"path\":\"/rules/1/verbs/0\",\"value\":\"get\"}]",
            "delete ValidatingWebhookConfiguration istio-galley null");
  }

  @Test
  void givenARuleGrantingGetAndStar_itShouldRemoveTheStarOnly() {
    List<PlannedChange> changes =
        GalleyChanges.desired(new Observed(role("[\"get\", \"*\"]"), null));

    assertThat(changes).hasSize(1);
    assertThat(changes.get(0).patchType()).isEqualTo("json");
    assertThat(changes.get(0).body().get(2).toString())
        .isEqualTo("{\"op\":\"remove\",\"path\":\"/rules/1/verbs/1\"}");
  }

  @Test
  void givenANarrowedRuleAndNoWebhook_itShouldChangeNothing() {
    assertThat(GalleyChanges.desired(new Observed(role("[\"get\"]"), null))).isEmpty();
  }

  @Test
  void givenNoRoleOrNoRuleOnWebhooks_itShouldOnlyDeleteTheWebhook() {
    ObjectNode other = object("{\"rules\": [{\"resources\": [\"pods\"], \"verbs\": [\"*\"]}]}");
    for (ObjectNode role : new ObjectNode[] {null, other}) {
      assertThat(GalleyChanges.desired(new Observed(role, WEBHOOK)))
          .extracting(PlannedChange::describe)
          .containsExactly("delete ValidatingWebhookConfiguration istio-galley");
    }
  }
}
