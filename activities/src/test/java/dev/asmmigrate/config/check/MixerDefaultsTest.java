package dev.asmmigrate.config.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.backup.SandboxHarness;
import dev.asmmigrate.sandbox.SandboxSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The add-on's Mixer defaults by digest: the digest is the one Google's tool computes through
 * kubectl, every Mixer object each sandbox base serves hashes into the known-default list, and
 * defaults of other add-on versions (listed digests, other specs than the sandbox's) are not custom
 * configuration.
 */
class MixerDefaultsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The test fixture of Mixer defaults of other add-on versions. */
  static Path otherAddonVersions() {
    return ConfigCheckFixtures.root().getParent().resolve("mixer-other-addon-versions");
  }

  @Test
  void givenValuesGoEscapesOrFormats_whenEncoded_itShouldPrintWhatKubectlPrints() throws Exception {
    JsonNode spec =
        JSON.readTree(
            """
            {"z": "a && b < c > d", "b": 1.0, "a": [0.5, 1e-7, 2e21, -3, true, null],
             "é": "x\\ny\\"\\\\", "B": {"k": "\\u2028\\u0001"}}
            """);

    assertThat(MixerDefaults.goJson(spec))
        .isEqualTo(
            "{\"B\":{\"k\":\"\\u2028\\u0001\"},\"a\":[0.5,1e-7,2e+21,-3,true,null],\"b\":1,"
                + "\"z\":\"a \\u0026\\u0026 b \\u003c c \\u003e d\",\"é\":\"x\\ny\\\"\\\\\"}");
  }

  @Test
  void givenASpec_whenDigested_itShouldBeTheSha256OfTheCompactSortedJson() throws Exception {
    // sha256 of {"a":1,"b":"\u003c"}, computed outside Java with printf and sha256sum
    JsonNode spec = JSON.readTree("{\"b\": \"<\", \"a\": 1.0}");

    assertThat(MixerDefaults.specDigest(spec))
        .isEqualTo("4a63d0b7c4822ff37ec3dcc4ee5bcb5edc14c4e5c8a3b0f8a2d215727c677567");
    // a missing spec prints nothing: the digest of no bytes
    assertThat(MixerDefaults.specDigest(JSON.missingNode()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @ParameterizedTest
  @EnumSource(
      value = SandboxSettings.Base.class,
      names = {"ADDON_1_4", "ADDON_1_6"})
  void givenASandboxBase_whenItsMixerObjectsAreRead_everyOneShouldHashIntoTheKnownDefaults(
      SandboxSettings.Base base) {
    long started = System.nanoTime();
    try (SandboxHarness h =
        SandboxHarness.start(
            SandboxSettings.builder().base(base).podReadyDelay(Duration.ofMillis(100)))) {
      Map<String, JsonNode> specs = new TreeMap<>();
      List<String> manifests = new ArrayList<>();
      for (String kind : MixerDefaults.KINDS) {
        for (var item :
            h.client()
                .genericKubernetesResources(MixerDefaults.API_VERSION, kind)
                .inAnyNamespace()
                .list()
                .getItems()) {
          ObjectNode tree = Restorer.toTree(item);
          String id =
              kind + " " + item.getMetadata().getNamespace() + "/" + item.getMetadata().getName();
          if (kind.equals("attributemanifest")) {
            manifests.add(id);
          } else {
            specs.put(id, tree.path("spec"));
          }
          assertThat(MixerDefaults.get().isDefault(tree)).as(id).isTrue();
        }
      }

      assertThat(specs).as("handlers, instances and rules served by " + base).hasSize(25);
      specs.forEach(
          (id, spec) ->
              assertThat(MixerDefaults.get().isDefaultSpec(id.split(" ")[0], spec))
                  .as(
                      "%s (sha256 %s) is in the known-default list",
                      id, MixerDefaults.specDigest(spec))
                  .isTrue());
      assertThat(manifests)
          .containsExactlyInAnyOrder(
              "attributemanifest istio-system/istioproxy",
              "attributemanifest istio-system/kubernetes");
    } finally {
      System.out.printf(
          "MixerDefaultsTest %s: %d ms%n", base, (System.nanoTime() - started) / 1_000_000);
    }
  }

  @Test
  void givenDefaultsOfOtherAddonVersions_whenChecked_nothingShouldBeReported() {
    List<ObjectNode> others = ConfigCheckFixtures.objects(otherAddonVersions());
    Map<String, ObjectNode> sandbox = new TreeMap<>();
    ConfigCheckFixtures.builtInSet("addon-1.4").stream()
        .filter(MixerDefaults::isMixerObject)
        .forEach(o -> sandbox.put(id(o), o));

    assertThat(others).hasSizeGreaterThanOrEqualTo(10);
    int renamedDefaults = 0;
    for (ObjectNode o : others) {
      ObjectNode ours = sandbox.get(id(o));
      if (ours != null) {
        assertThat(o.path("spec")).as("%s differs from the sandbox's", id(o)).isNotEqualTo(ours);
        renamedDefaults++;
      }
    }
    assertThat(renamedDefaults).as("objects that replace the sandbox's own").isGreaterThan(5);
    assertThat(ConfigCheck.check(others).findings()).isEmpty();
  }

  @Test
  void givenADefaultWithOneFieldChanged_whenChecked_itShouldBeReportedByName() {
    ObjectNode rule =
        ConfigCheckFixtures.objects(otherAddonVersions()).stream()
            .filter(o -> id(o).equals("rule istio-system/stackdriver-server"))
            .findFirst()
            .orElseThrow();
    ((ObjectNode) rule.path("spec")).put("match", rule.path("spec").path("match").asText() + " ");

    assertThat(ConfigCheck.check(List.of(rule)).findings())
        .extracting(ConfigCheckFixtures::line)
        .containsExactly("mixer-custom-config BLOCKING rule istio-system stackdriver-server");
  }

  @Test
  void givenADefaultSpecOutsideIstioSystemOrAnotherManifest_whenChecked_itShouldBeCustom() {
    ObjectNode rule =
        ConfigCheckFixtures.objects(otherAddonVersions()).stream()
            .filter(o -> id(o).equals("rule istio-system/promhttp"))
            .findFirst()
            .orElseThrow();
    ((ObjectNode) rule.path("metadata")).put("namespace", "shop");
    ObjectNode manifest =
        ConfigCheckFixtures.builtInSet("addon-1.4").stream()
            .filter(o -> id(o).equals("attributemanifest istio-system/istioproxy"))
            .findFirst()
            .orElseThrow();
    ((ObjectNode) manifest.path("metadata")).put("name", "myattributes");

    assertThat(ConfigCheck.check(List.of(rule, manifest)).findings())
        .extracting(ConfigCheckFixtures::line)
        .containsExactly(
            "mixer-custom-config BLOCKING attributemanifest istio-system myattributes",
            "mixer-custom-config BLOCKING rule shop promhttp");
  }

  private static String id(JsonNode o) {
    return o.path("kind").asText()
        + " "
        + o.path("metadata").path("namespace").asText()
        + "/"
        + o.path("metadata").path("name").asText();
  }
}
