package dev.asmmigrate.activities.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.activities.webhook.WebhookChanges.Observed;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookChangesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final ObjectNode INJECTOR =
      object(
          "{\"metadata\": {\"name\": \"istio-sidecar-injector\", \"resourceVersion\": \"3\"},"
              + " \"webhooks\": [{\"name\": \"sidecar-injector.istio.io\"}, {\"name\": \"b\"}]}");
  static final ObjectNode REVISION =
      object(
          "{\"metadata\": {\"name\": \"istiod-asm-managed\"}, \"webhooks\": [{\"name\":"
              + " \"other\"}, {\"name\": \"rev.namespace.sidecar-injector.istio.io\","
              + " \"clientConfig\": {\"url\": \"https://istiod\", \"caBundle\": \"Q0E=\"}}]}");

  static ObjectNode object(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Test
  void givenTheAddonInjectorAndNoTag_itShouldEmptyTheInjectorThenCreateTheTag() {
    List<PlannedChange> changes =
        WebhookChanges.desired(new Observed("asm-managed", INJECTOR, REVISION, null));

    assertThat(changes)
        .extracting(PlannedChange::describe)
        .containsExactly(
            "update MutatingWebhookConfiguration istio-sidecar-injector",
            "create MutatingWebhookConfiguration istio-revision-tag-default");
    // the injector as read, webhooks emptied, its resourceVersion kept for the update
    assertThat(changes.get(0).body().toString())
        .isEqualTo(
            "{\"metadata\":{\"name\":\"istio-sidecar-injector\",\"resourceVersion\":\"3\"},"
                + "\"webhooks\":[]}");
    assertThat(changes.get(0).note()).startsWith("emptied (2 webhooks removed)");
    ObjectNode tag = (ObjectNode) changes.get(1).body();
    assertThat(tag.path("metadata").path("labels").path("istio.io/rev").asText())
        .isEqualTo("asm-managed");
    assertThat(tag.path("webhooks"))
        .hasSize(4)
        .allSatisfy(
            w ->
                assertThat(w.path("clientConfig").toString())
                    .isEqualTo("{\"url\":\"https://istiod\",\"caBundle\":\"Q0E=\"}"));
    assertThat(changes.get(1).note()).doesNotContain("once the managed control plane");
  }

  @Test
  void givenAnEmptiedInjectorAndTheTagAsWanted_itShouldChangeNothing() {
    ObjectNode tag = WebhookChanges.tag(REVISION, "asm-managed");
    tag.with("metadata").put("resourceVersion", "9");
    ObjectNode emptied = INJECTOR.deepCopy();
    emptied.putArray("webhooks");

    assertThat(WebhookChanges.desired(new Observed("asm-managed", emptied, REVISION, tag)))
        .isEmpty();
    assertThat(WebhookChanges.desired(new Observed("asm-managed", null, REVISION, tag))).isEmpty();
  }

  @Test
  void givenATagPointingElsewhere_itShouldUpdateItWithTheReadResourceVersion() {
    ObjectNode tag = WebhookChanges.tag(REVISION, "asm-managed-rapid");
    tag.with("metadata").put("resourceVersion", "9");

    List<PlannedChange> changes =
        WebhookChanges.desired(new Observed("asm-managed", null, REVISION, tag));

    assertThat(changes)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.describe())
                  .isEqualTo("update MutatingWebhookConfiguration istio-revision-tag-default");
              assertThat(c.body().path("metadata").path("resourceVersion").asText()).isEqualTo("9");
              assertThat(c.body().path("metadata").path("labels").path("istio.io/rev").asText())
                  .isEqualTo("asm-managed");
            });
  }

  @Test
  void givenNoProvisionedRevision_itShouldShowTheTemplateWithoutEndpointAndSaySo() {
    List<PlannedChange> changes =
        WebhookChanges.desired(new Observed("asm-managed", null, null, null));

    assertThat(changes).singleElement().extracting(PlannedChange::verb).isEqualTo("create");
    assertThat(changes.get(0).body().findValues("clientConfig")).isEmpty();
    assertThat(changes.get(0).note())
        .endsWith(
            "copied from MutatingWebhookConfiguration istiod-asm-managed once the managed"
                + " control plane installs it");
  }
}
