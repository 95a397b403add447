package dev.asmmigrate.config.convert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.config.Finding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests: every directory under {@code src/test/resources/convert/} is a case with {@code
 * input.yaml} (alpha policies plus the Services, workloads and mesh ConfigMap they need), {@code
 * expected.yaml} (the converted objects, in order) and, when the case has findings, {@code
 * expected-findings.yaml} (rule, severity, object and message fragments, in order). Objects are
 * compared as parsed trees, not text.
 */
class GoldenConversionTest {

  /** One case per conversion rule and per error; removing one must fail the build. */
  private static final List<String> REQUIRED_CASES =
      List.of(
          "peer-mtls-strict",
          "peer-mtls-empty",
          "peer-mtls-null",
          "peer-permissive",
          "peer-none",
          "target-selector",
          "target-ports",
          "target-named-targetport",
          "namespace-wide",
          "mesh-policy",
          "root-namespace-policy",
          "custom-root-namespace",
          "jwt-fields",
          "jwt-optional",
          "jwt-trigger-rules",
          "jwt-ports",
          "jwt-several-issuers",
          "output-order",
          "error-jwt-peer",
          "error-regex-trigger",
          "error-several-issuers-with-triggers",
          "error-missing-service",
          "error-missing-port",
          "error-named-targetport-unresolved",
          "error-duplicate-target-in-policy",
          "error-duplicate-target-across-policies",
          "error-service-without-selector",
          "error-unsupported-mtls-mode",
          "error-peer-without-method",
          "error-conflicting-mesh-wide",
          "error-mesh-policy-with-targets",
          "error-empty-path-matcher",
          "error-name-collision",
          "error-origin-without-jwt");

  static Path casesDirectory() {
    URL url = GoldenConversionTest.class.getResource("/convert");
    assertThat(url).as("test resource directory convert/").isNotNull();
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<String> cases() {
    try (Stream<Path> dirs = Files.list(casesDirectory())) {
      return dirs
          .filter(Files::isDirectory)
          .map(dir -> dir.getFileName().toString())
          .sorted()
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void everyRuleAndErrorHasACase() {
    assertThat(cases().toList()).containsAll(REQUIRED_CASES);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void convertsAsRecorded(String name) {
    Path dir = casesDirectory().resolve(name);
    assertThat(dir.resolve("input.yaml")).isRegularFile();
    assertThat(dir.resolve("expected.yaml")).isRegularFile();
    List<ObjectNode> input = YamlObjects.read(dir.resolve("input.yaml"));
    List<ObjectNode> expected = YamlObjects.read(dir.resolve("expected.yaml"));
    List<ExpectedFinding> expectedFindings = expectedFindings(dir);
    assertThat(expected.isEmpty() && expectedFindings.isEmpty())
        .as("case %s expects neither objects nor findings, so it cannot fail", name)
        .isFalse();
    List<ObjectNode> inputCopy = deepCopy(input);

    ConversionResult result = PolicyConverter.convert(ConversionInput.fromObjects(input));

    assertThat(result.converted())
        .as("converted objects of %s, as YAML:%n%s", name, YamlObjects.write(result.converted()))
        .containsExactlyElementsOf(expected);
    assertThat(result.findings()).as("findings of %s", name).hasSize(expectedFindings.size());
    for (int i = 0; i < expectedFindings.size(); i++) {
      expectedFindings.get(i).check(result.findings().get(i), name + " finding " + i);
    }
    assertThat(result.hasBlockingFindings())
        .isEqualTo(expectedFindings.stream().anyMatch(f -> f.severity.equals("BLOCKING")));
    assertThat(input).as("the converter must not modify its input").isEqualTo(inputCopy);
  }

  private record ExpectedFinding(
      String ruleId,
      String severity,
      String kind,
      String namespace,
      String name,
      List<String> messageContains) {

    void check(Finding actual, String description) {
      assertThat(actual.ruleId()).as("%s: rule id", description).isEqualTo(ruleId);
      assertThat(actual.severity().name()).as("%s: severity", description).isEqualTo(severity);
      assertThat(actual.kind()).as("%s: kind", description).isEqualTo(kind);
      assertThat(actual.namespace()).as("%s: namespace", description).isEqualTo(namespace);
      assertThat(actual.name()).as("%s: name", description).isEqualTo(name);
      assertThat(actual.message())
          .as("%s: message names the policy", description)
          .contains(actual.objectRef());
      for (String fragment : messageContains) {
        assertThat(actual.message()).as("%s: message", description).contains(fragment);
      }
      assertThat(actual.rewrite()).as("%s: no rewrite offered", description).isEmpty();
    }
  }

  private static List<ExpectedFinding> expectedFindings(Path dir) {
    Path file = dir.resolve("expected-findings.yaml");
    if (!Files.exists(file)) {
      return List.of();
    }
    JsonNode list;
    try {
      list = YamlObjects.YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(list.isArray()).as("%s is a YAML list", file).isTrue();
    List<ExpectedFinding> out = new ArrayList<>();
    for (JsonNode item : list) {
      List<String> fragments = new ArrayList<>();
      item.path("messageContains").forEach(fragment -> fragments.add(fragment.asText()));
      out.add(
          new ExpectedFinding(
              item.path("ruleId").asText(),
              item.path("severity").asText(),
              item.path("kind").asText(),
              item.path("namespace").asText(""),
              item.path("name").asText(),
              fragments));
    }
    return out;
  }

  private static List<ObjectNode> deepCopy(List<ObjectNode> objects) {
    List<ObjectNode> copy = new ArrayList<>();
    objects.forEach(object -> copy.add(object.deepCopy()));
    return copy;
  }
}
