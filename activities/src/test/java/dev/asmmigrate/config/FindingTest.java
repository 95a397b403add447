package dev.asmmigrate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class FindingTest {

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void givenAClusterScopedObject_itShouldUseAnEmptyNamespaceAndNameTheObject() {
    Finding finding = Finding.blocking("rule", "MeshPolicy", null, "default", "fix it");

    assertThat(finding.namespace()).isEmpty();
    assertThat(finding.objectRef()).isEqualTo("MeshPolicy default");
    assertThat(finding.severity().blocks()).isTrue();
    assertThat(finding.rewrite()).isEmpty();
  }

  @Test
  void givenARewrite_itShouldSurviveAJsonRoundTripAsActivityResultsDo() throws Exception {
    ObjectNode rewritten = json.createObjectNode().put("kind", "VirtualService");
    rewritten.putObject("spec").putArray("hosts").add("frontend");
    Finding finding =
        Finding.informational("vs-rewrite", "VirtualService", "shop", "frontend", "rewritten")
            .withRewrite(rewritten);

    Finding back = json.readValue(json.writeValueAsString(finding), Finding.class);

    assertThat(back).isEqualTo(finding);
    assertThat(back.severity()).isEqualTo(Severity.INFORMATIONAL);
    assertThat(back.severity().blocks()).isFalse();
    assertThat(back.rewrite()).contains(rewritten);
    assertThat(back.objectRef()).isEqualTo("VirtualService shop/frontend");
  }

  @Test
  void itShouldRefuseAFindingWithoutMessage() {
    assertThatNullPointerException()
        .isThrownBy(() -> Finding.blocking("rule", "Policy", "ns", "name", null))
        .withMessage("message");
  }
}
