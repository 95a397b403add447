package dev.asmmigrate.workflows.model.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asmmigrate.workflows.model.fleet.LabelSelector.Operator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Kubernetes label selectors: each form, how it matches, and each kind of mistake. */
class LabelSelectorTest {
  static final Map<String, String> PROD_WEB =
      Map.of("env", "prod", "tier", "web", "example.com/team", "mesh");

  @ParameterizedTest(name = "\"{0}\" matches env=prod,tier=web,example.com/team=mesh: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "env=prod | true",
        "env==prod | true",
        "env=dev | false",
        "env!=dev | true",
        "env!=prod | false",
        "missing!=x | true",
        "tier in (api, web) | true",
        "tier in (api) | false",
        "missing in (a) | false",
        "tier notin (api) | true",
        "tier notin (web,api) | false",
        "missing notin (a) | true",
        "env | true",
        "missing | false",
        "!missing | true",
        "!env | false",
        "example.com/team=mesh | true",
        "'env=prod, tier in (web), !legacy' | true",
        "'env=prod,tier notin (web)' | false",
        "'  env = prod ,tier  in(web)  ' | true",
        "'' | true",
        "env= | false",
      })
  void eachForm_shouldMatchAsKubernetesDoes(String selector, boolean matches) {
    assertThat(LabelSelector.parse(selector).matches(PROD_WEB)).isEqualTo(matches);
  }

  @Test
  void anEmptyValue_shouldMatchALabelSetToEmpty() {
    assertThat(LabelSelector.parse("env=").matches(Map.of("env", ""))).isTrue();
    assertThat(LabelSelector.parse("env in (a,)").matches(Map.of("env", ""))).isTrue();
  }

  @Test
  void parse_shouldKeepEachRequirement() {
    LabelSelector s = LabelSelector.parse("env=prod,tier in (web,api),!legacy,canary");
    assertThat(s.requirements())
        .extracting(LabelSelector.Requirement::key, LabelSelector.Requirement::operator)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("env", Operator.EQUALS),
            org.assertj.core.groups.Tuple.tuple("tier", Operator.IN),
            org.assertj.core.groups.Tuple.tuple("legacy", Operator.DOES_NOT_EXIST),
            org.assertj.core.groups.Tuple.tuple("canary", Operator.EXISTS));
    assertThat(s.requirements().get(1).values()).containsExactlyInAnyOrder("web", "api");
    assertThat(s.toString()).isEqualTo("env=prod,tier in (web,api),!legacy,canary");
  }

  @ParameterizedTest(name = "\"{0}\" is refused at character {1}: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "env=prod, | 10 | expected a requirement after ','",
        ",env | 1 | expected a label key",
        "env=prod tier=web | 10 | expected ',' between requirements, found 't'",
        "env prod | 5 | expected an operator (=, ==, !=, in, notin) or ',' after key 'env'",
        "env < 3 | 5 | expected an operator",
        "tier in web | 9 | expected '(' to open the set of values, found 'w'",
        "tier in (web | 13 | expected ')' to close the set of values",
        "tier in () | 9 | the set of values is empty",
        "tier notin (a b) | 15 | expected ',' or ')' in the set of values, found 'b'",
        "!env=prod | 5 | '!env' takes no operator or value",
        "-env=prod | 1 | label key '-env' must be at most 63 characters",
        "env_=prod | 1 | label key 'env_' must be at most 63 characters",
        "Example.com/team=x | 1 | label key prefix 'Example.com' must be a DNS subdomain",
        "/team=x | 1 | label key prefix '' must be a DNS subdomain",
        "a/b/c=x | 1 | has more than one '/'",
        "env=prod- | 5 | label value 'prod-' must be empty or at most 63 characters",
        "env=a/b | 5 | label value 'a/b'",
        "tier in (web,-api) | 14 | label value '-api'",
      })
  void eachMistake_shouldBeRefusedNamingThePositionAndWhatIsWrong(
      String selector, int position, String what) {
    assertThatThrownBy(() -> LabelSelector.parse(selector))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("label selector \"" + selector + "\"")
        .hasMessageContaining("at character " + position + ": ")
        .hasMessageContaining(what);
  }

  @Test
  void tooLongKeysAndValues_shouldBeRefused() {
    String n64 = "a".repeat(64);
    assertThatThrownBy(() -> LabelSelector.parse(n64 + "=x"))
        .hasMessageContaining("at most 63 characters");
    assertThatThrownBy(() -> LabelSelector.parse("env=" + n64)).hasMessageContaining("label value");
    assertThat(LabelSelector.parse("a".repeat(63) + "=" + "b".repeat(63)).requirements())
        .hasSize(1);
    String prefix = ("a".repeat(63) + ".").repeat(4) + "b"; // 257 characters
    assertThatThrownBy(() -> LabelSelector.parse(prefix + "/k"))
        .hasMessageContaining("at most 253 characters");
  }
}
