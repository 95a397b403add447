package dev.asmmigrate.config.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties of the converter that the golden cases do not show one by one. */
class PolicyConverterTest {

  @Test
  void givenTheSameObjectsInAnyOrder_itShouldProduceTheSameResult() {
    List<ObjectNode> objects = new ArrayList<>();
    for (String name : List.of("output-order", "jwt-fields", "error-named-targetport-unresolved")) {
      objects.addAll(
          YamlObjects.read(GoldenConversionTest.casesDirectory().resolve(name + "/input.yaml")));
    }
    ConversionResult reference = PolicyConverter.convert(ConversionInput.fromObjects(objects));
    assertThat(reference.converted()).hasSizeGreaterThan(10);
    assertThat(reference.findings()).hasSize(2);

    for (long seed = 1; seed <= 20; seed++) {
      List<ObjectNode> shuffled = new ArrayList<>(objects);
      Collections.shuffle(shuffled, new Random(seed));

      ConversionResult result = PolicyConverter.convert(ConversionInput.fromObjects(shuffled));

      assertThat(result).as("seed %d", seed).isEqualTo(reference);
    }
  }

  @Test
  void givenObjectsThatAreNotAlphaPolicies_itShouldIgnoreThem() {
    List<ObjectNode> objects =
        YamlObjects.parse(
            """
            apiVersion: security.istio.io/v1beta1
            kind: PeerAuthentication
            metadata: {name: default, namespace: shop}
            spec: {mtls: {mode: STRICT}}
            ---
            apiVersion: rbac.istio.io/v1alpha1
            kind: ServiceRole
            metadata: {name: reader, namespace: shop}
            spec: {rules: [{services: ["*"], methods: [GET]}]}
            """);

    ConversionResult result =
        PolicyConverter.convert(ConversionInput.of(objects, List.of(), "istio-system"));

    assertThat(result.converted()).isEmpty();
    assertThat(result.findings()).isEmpty();
    assertThat(result.hasBlockingFindings()).isFalse();
  }

  @Test
  void givenTheSamePolicyTwice_itShouldConvertItOnce() {
    List<ObjectNode> policy =
        YamlObjects.parse(
            """
            apiVersion: authentication.istio.io/v1alpha1
            kind: MeshPolicy
            metadata: {name: default}
            spec: {peers: [{mtls: {mode: PERMISSIVE}}]}
            """);
    List<ObjectNode> twice = List.of(policy.get(0), policy.get(0).deepCopy());

    ConversionResult result = PolicyConverter.convert(ConversionInput.of(twice, List.of(), null));

    assertThat(result.findings()).isEmpty();
    assertThat(result.converted()).hasSize(1);
    assertThat(result.converted().get(0).at("/metadata/namespace").asText())
        .isEqualTo("istio-system");
  }

  @Test
  void rootNamespaceComesFromTheMeshConfigOrDefaults() {
    assertThat(ConversionInput.rootNamespaceFromMeshConfig("rootNamespace: mesh-root\n"))
        .isEqualTo("mesh-root");
    assertThat(ConversionInput.rootNamespaceFromMeshConfig("trustDomain: cluster.local\n"))
        .isEqualTo("istio-system");
    assertThat(ConversionInput.rootNamespaceFromMeshConfig("")).isEqualTo("istio-system");
    assertThat(ConversionInput.of(List.of(), List.of(), "  ").rootNamespace())
        .isEqualTo("istio-system");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ConversionInput.rootNamespaceFromMeshConfig("rootNamespace: [unclosed"))
        .withMessageContaining("mesh config is not valid YAML");
  }
}
