package dev.asmmigrate.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Canonical quantities as Kubernetes' resource.Quantity writes them (cases checked against the
 * behaviour its parse and String tests describe).
 */
class QuantitiesTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // binary suffixes stay binary, with the largest exact suffix
    "2048Mi, 2Gi",
    "1024Mi, 1Gi",
    "128Mi, 128Mi",
    "1536Mi, 1536Mi",
    "1.5Gi, 1536Mi",
    "0.5Gi, 512Mi",
    "1024Ki, 1Mi",
    "1Ki, 1Ki",
    "1048576Ki, 1Gi",
    "16393756Ki, 16393756Ki",
    // binary below 1024, or fractional: written as decimal
    "0.5Ki, 512",
    "1.5Ki, 1536",
    "0.5Mi, 512Ki",
    "0.1Ki, 102400m",
    "0Mi, 0",
    // decimal suffixes stay decimal
    "1000m, 1",
    "2000m, 2",
    "4800m, 4800m",
    "100m, 100m",
    "0.5, 500m",
    "1.5, 1500m",
    "0.1, 100m",
    "1, 1",
    "1000, 1k",
    "1500, 1500",
    "1.5k, 1500",
    "1000k, 1M",
    "4G, 4G",
    "1000M, 1G",
    "0.001T, 1G",
    "1080m, 1080m",
    "1.08, 1080m",
    "1000u, 1m",
    "100.035k, 100035",
    "12E, 12E",
    "1000E, 1e21",
    ".001, 1m",
    "1., 1",
    "1.G, 1G",
    "+1, 1",
    "0, 0",
    "0.0, 0",
    // exponents stay exponents, a multiple of three
    "1e3, 1e3",
    "1E6, 1e6",
    "1e9, 1e9",
    "1.2e3, 1200",
    "0.5e0, 500e-3",
    "80e-3, 80e-3",
    "1e14, 100e12",
    // finer than a nano rounds up
    "3.001n, 4n",
    "0.0000000001, 1n",
    "0.00000012345, 124n",
    "0.000000000001Ki, 2n",
    // negative values
    "-1000m, -1",
    "-2048Mi, -2Gi",
    "-0.5, -500m"
  })
  void givenAQuantity_whenCanonicalised_itShouldReadAsTheServerWritesIt(
      String input, String canonical) {
    assertThat(Quantities.canonical(input)).isEqualTo(canonical);
    assertThat(Quantities.canonical(canonical))
        .as("canonical is a fixed point")
        .isEqualTo(canonical);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", "1i", " 1", "1 ", "-3.01e-", "1Gb"
      })
  void givenNoQuantity_whenCanonicalised_itShouldBeRefused(String input) {
    assertThatThrownBy(() -> Quantities.canonical(input))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
