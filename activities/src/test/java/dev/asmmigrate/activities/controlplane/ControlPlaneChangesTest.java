package dev.asmmigrate.activities.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.controlplane.ControlPlaneChanges.Observed;
import dev.asmmigrate.activities.plan.PlannedChange;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlPlaneChangesTest {
  static ObjectNode revision(String type, String channel) throws Exception {
    return (ObjectNode)
        new ObjectMapper()
            .readTree(
                "{\"metadata\": {\"name\": \"asm-managed-rapid\", \"labels\": {\"team\": \"a\"}},"
                    + " \"spec\": {\"type\": \""
                    + type
                    + "\", \"channel\": \""
                    + channel
                    + "\"}}");
  }

  @Test
  void givenNoRevision_itShouldCreateItFromTheTemplateOnTheChannel() {
    List<PlannedChange> changes =
        ControlPlaneChanges.desired(new Observed("asm-managed-stable", "stable", null));

    assertThat(changes)
        .singleElement()
        .extracting(PlannedChange::describe)
        .isEqualTo("create ControlPlaneRevision istio-system/asm-managed-stable");
    ObjectNode body = (ObjectNode) changes.get(0).body();
    assertThat(body.path("metadata").path("name").asText()).isEqualTo("asm-managed-stable");
    assertThat(body.path("metadata").path("namespace").asText()).isEqualTo("istio-system");
    assertThat(body.path("spec").toString())
        .isEqualTo("{\"type\":\"managed_service\",\"channel\":\"stable\"}");
  }

  @Test
  void givenARevisionOfAnotherChannelOrType_itShouldMergePatchItsSpec() throws Exception {
    for (ObjectNode current :
        List.of(revision("managed_service", "regular"), revision("unmanaged", "rapid"))) {
      List<PlannedChange> changes =
          ControlPlaneChanges.desired(new Observed("asm-managed-rapid", "rapid", current));

      assertThat(changes)
          .extracting(c -> c.verb() + " " + c.patchType() + " " + c.body())
          .containsExactly(
              "patch merge {\"spec\":{\"type\":\"managed_service\",\"channel\":\"rapid\"}}");
    }
  }

  @Test
  void givenARevisionRequestingTheChannel_itShouldChangeNothing() throws Exception {
    assertThat(
            ControlPlaneChanges.desired(
                new Observed("asm-managed-rapid", "rapid", revision("managed_service", "rapid"))))
        .isEmpty();
  }
}
