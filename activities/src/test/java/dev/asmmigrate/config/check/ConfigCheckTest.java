package dev.asmmigrate.config.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.config.Finding;
import dev.asmmigrate.config.Severity;
import dev.asmmigrate.workflows.model.ConfigFinding;
import dev.asmmigrate.workflows.model.ConfigReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests of config-check: every fixture directory under {@code
 * sandbox/src/test/resources/config-check/} yields exactly its expected findings (rule, severity,
 * object, rewrite offered), and the add-on's own installs yield none.
 */
class ConfigCheckTest {
  /** Every rule has a fixture; a rule without one fails here. */
  private static final Set<String> RULES =
      Set.of(
          ConfigCheck.RULE_ENVOY_FILTER,
          ConfigCheck.RULE_PLUGIN_CA,
          "alpha-policy-unconvertible",
          ConfigCheck.RULE_RBAC_ALPHA,
          ConfigCheck.RULE_VIRTUAL_SERVICE,
          ConfigCheck.RULE_MIXER,
          ConfigCheck.RULE_GATEWAY);

  static List<Path> cases() {
    return ConfigCheckFixtures.cases();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void givenARuleFixture_whenChecked_itShouldReportExactlyItsExpectedFindings(Path caseDir) {
    List<String> expected = ConfigCheckFixtures.expectedFindings(caseDir);
    assertThat(expected).as("expected-findings.txt of " + caseDir.getFileName()).isNotEmpty();

    ConfigCheckResult result = ConfigCheck.check(ConfigCheckFixtures.objects(caseDir));

    assertThat(result.findings().stream().map(ConfigCheckFixtures::line).toList())
        .containsExactlyInAnyOrderElementsOf(expected);
    List<ObjectNode> rewrites =
        result.findings().stream().flatMap(f -> f.rewrite().stream()).toList();
    List<ObjectNode> expectedRewrites = ConfigCheckFixtures.expectedRewrites(caseDir);
    assertThat(rewrites).hasSameSizeAs(expectedRewrites);
    for (int i = 0; i < rewrites.size(); i++) {
      assertThat(Trees.equivalent(rewrites.get(i), expectedRewrites.get(i)))
          .as("rewrite %d of %s:%n%s", i, caseDir.getFileName(), rewrites.get(i).toPrettyString())
          .isTrue();
    }
  }

  @Test
  void givenTheFixtures_whenAllLoaded_itShouldCoverEveryRule() {
    Set<String> covered =
        cases().stream()
            .flatMap(c -> ConfigCheckFixtures.expectedFindings(c).stream())
            .map(l -> l.split(" ")[0])
            .collect(Collectors.toSet());
    assertThat(covered).containsAll(RULES);
  }

  @Test
  void givenTheAddonInstallsAndOnlineBoutique_whenChecked_itShouldFindNothing() {
    List<ObjectNode> cluster = new ArrayList<>();
    for (String set :
        List.of(
            "base", "crds", "addon-1.4", "addon-1.6", "online-boutique", "online-boutique-1.6")) {
      cluster.addAll(ConfigCheckFixtures.builtInSet(set));
    }

    ConfigCheckResult result = ConfigCheck.check(cluster);

    assertThat(result.findings()).isEmpty();
    assertThat(result.conversion().converted())
        .as("MeshPolicy default (PERMISSIVE) converts")
        .hasSize(1);
  }

  @Test
  void givenTheSandboxMixerFixture_whenCompared_everyObjectShouldBeADefaultConfigCheckKnows() {
    List<ObjectNode> mixer =
        ConfigCheckFixtures.builtInSet("addon-1.4").stream()
            .filter(MixerDefaults::isMixerObject)
            .toList();

    assertThat(mixer).hasSize(27);
    assertThat(mixer).allMatch(MixerDefaults.get()::isDefault);
  }

  @Test
  void
      givenADefaultMixerObjectReadBackWithOtherFieldOrderAndNumberTypes_whenChecked_itShouldStillBeADefault()
          throws Exception {
    ObjectNode instance =
        ConfigCheckFixtures.builtInSet("addon-1.4").stream()
            .filter(o -> o.path("kind").asText().equals("instance"))
            .filter(o -> o.path("metadata").path("name").asText().equals("server-request-count"))
            .findFirst()
            .orElseThrow();
    ObjectNode reordered = (ObjectNode) reorder(instance);

    assertThat(ConfigCheck.check(List.of(reordered)).findings()).isEmpty();

    ((ObjectNode) reordered.path("spec").path("params").path("dimensions"))
        .put("response_code", "response.code | 200");
    assertThat(ConfigCheck.check(List.of(reordered)).findings())
        .extracting(ConfigCheckFixtures::line)
        .containsExactly("mixer-custom-config BLOCKING instance istio-system server-request-count");
  }

  @Test
  void givenTheOfferedRewrite_whenCheckedAgain_itShouldHaveNothingLeftToReport() {
    Path caseDir = ConfigCheckFixtures.root().resolve("virtualservice-removed-fields");
    Finding finding = ConfigCheck.check(ConfigCheckFixtures.objects(caseDir)).findings().get(0);

    ObjectNode rewritten = finding.rewrite().orElseThrow();

    assertThat(ConfigCheck.check(List.of(rewritten)).findings()).isEmpty();
    assertThat(finding.message())
        .contains("spec.http[0].appendHeaders")
        .contains("spec.http[0].websocketUpgrade")
        .contains("spec.http[1].fault.abort.percent")
        .contains("spec.http[1].fault.delay.percent")
        .contains("spec.http[0].corsPolicy.allowOrigin")
        .contains("spec.http[0].route[0].appendRequestHeaders");
  }

  @Test
  void givenRemovedFieldsInProtoSpelling_whenChecked_itShouldRewriteThemToo() {
    ObjectNode vs =
        ConfigCheckFixtures.parse(
                """
                apiVersion: networking.istio.io/v1alpha3
                kind: VirtualService
                metadata: {name: legacy, namespace: shop}
                spec:
                  hosts: [legacy]
                  http:
                  - append_headers: {x-a: "1"}
                    websocket_upgrade: true
                    route: [{destination: {host: legacy}}]
                """)
            .get(0);

    Finding finding = ConfigCheck.check(List.of(vs)).findings().get(0);

    JsonNode http = finding.rewrite().orElseThrow().path("spec").path("http").get(0);
    assertThat(http.has("append_headers")).isFalse();
    assertThat(http.has("websocket_upgrade")).isFalse();
    assertThat(http.path("headers").path("request").path("add").path("x-a").asText())
        .isEqualTo("1");
  }

  @Test
  void givenObjectsInAnyOrder_whenChecked_itShouldReportTheSameFindingsInTheSameOrder() {
    List<ObjectNode> objects = new ArrayList<>();
    cases().forEach(c -> objects.addAll(ConfigCheckFixtures.objects(c)));
    List<String> first =
        ConfigCheck.check(objects).findings().stream().map(ConfigCheckFixtures::line).toList();

    List<ObjectNode> shuffled = new ArrayList<>(objects);
    Collections.reverse(shuffled);
    List<String> second =
        ConfigCheck.check(shuffled).findings().stream().map(ConfigCheckFixtures::line).toList();

    assertThat(second).isEqualTo(first);
    assertThat(first).hasSizeGreaterThanOrEqualTo(RULES.size());
  }

  @Test
  void givenFindings_whenReported_itShouldCarryRuleSeverityAndObjectButNoContent() {
    Path caseDir = ConfigCheckFixtures.root().resolve("virtualservice-removed-fields");
    ConfigCheckResult result = ConfigCheck.check(ConfigCheckFixtures.objects(caseDir));

    ConfigReport report = result.toReport();

    assertThat(report.findings())
        .containsExactly(
            new ConfigFinding(
                ConfigCheck.RULE_VIRTUAL_SERVICE,
                true,
                "VirtualService",
                "cc-virtualservice",
                "reviews",
                report.findings().get(0).message()));
    assertThat(report.blocking()).isEqualTo(1);
    assertThat(report.findings().get(0).message()).doesNotContain("x-served-by: reviews");
    Finding informational = Finding.informational("r", "Secret", "istio-system", "cacerts", "m");
    assertThat(ConfigCheckResult.toConfigFinding(informational).blocking()).isFalse();
    assertThat(informational.severity()).isEqualTo(Severity.INFORMATIONAL);
  }

  /** The same tree with every object's fields in reverse order and ints widened to longs. */
  private static JsonNode reorder(JsonNode node) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    if (node.isObject()) {
      TreeMap<String, JsonNode> fields = new TreeMap<>(Collections.reverseOrder());
      for (var e : node.properties()) {
        fields.put(e.getKey(), reorder(e.getValue()));
      }
      ObjectNode out = mapper.createObjectNode();
      fields.forEach(out::set);
      return out;
    }
    if (node.isArray()) {
      var out = mapper.createArrayNode();
      for (JsonNode e : node) {
        out.add(reorder(e));
      }
      return out;
    }
    if (node.isInt()) {
      return mapper.getNodeFactory().numberNode(node.longValue());
    }
    return node;
  }
}
