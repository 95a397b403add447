package dev.asmmigrate.config.convert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The end-to-end suite of the reference converter (istio-ecosystem/security-policy-migrate),
 * recorded on a real Istio 1.4 cluster, kept in {@code ../shared/peer-tests/} beside the
 * repository. Every pair must convert to exactly the recorded output, except for what the suite's
 * README allows: {@code creationTimestamp: null} and the {@code forwardOriginalToken: true} the
 * reference added after recording. The annotation text is compared too, since it matches.
 */
class ReferenceSuiteTest {

  private static final int RECORDED_PAIRS = 13;
  private static final List<String> NAMESPACES = List.of("foo", "bar");

  static Path suiteDirectory() {
    Path dir = RepositoryPaths.shared().resolve("peer-tests/security-policy-migrate");
    if (!Files.isDirectory(dir.resolve("testdata"))) {
      throw new IllegalStateException(
          "the reference converter's suite is missing: expected "
              + dir
              + "/testdata (the shared folder ../shared beside the repository root "
              + RepositoryPaths.repositoryRoot()
              + "); CI provides it, so this is a broken checkout, not a reason to skip");
    }
    return dir;
  }

  static Stream<String> pairs() {
    try (Stream<Path> files = Files.list(suiteDirectory().resolve("testdata"))) {
      return files
          .map(path -> path.getFileName().toString())
          .filter(name -> name.endsWith("-input.yaml"))
          .map(name -> name.substring(0, name.length() - "-input.yaml".length()))
          .sorted()
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void theSuiteHasAllRecordedPairs() {
    Path testdata = suiteDirectory().resolve("testdata");
    List<String> names = pairs().toList();
    assertThat(names).hasSize(RECORDED_PAIRS);
    for (String name : names) {
      assertThat(testdata.resolve(name + "-output.yaml")).isRegularFile();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pairs")
  void convertsLikeTheReference(String name) {
    Path testdata = suiteDirectory().resolve("testdata");
    List<ObjectNode> policies = YamlObjects.read(testdata.resolve(name + "-input.yaml"));
    List<ObjectNode> expected =
        normalise(YamlObjects.read(testdata.resolve(name + "-output.yaml")));
    assertThat(policies).as("alpha policies in %s-input.yaml", name).isNotEmpty();
    assertThat(expected).as("objects in %s-output.yaml", name).isNotEmpty();

    ConversionResult result =
        PolicyConverter.convert(ConversionInput.of(policies, clusterServices(), "istio-system"));

    assertThat(result.findings()).as("findings for %s", name).isEmpty();
    assertThat(result.converted())
        .as("converted objects for %s, as YAML:%n%s", name, YamlObjects.write(result.converted()))
        .containsExactlyElementsOf(expected);
  }

  /**
   * The Services of the cluster the suite was recorded on (its {@code e2e/deploy/deploy.sh}):
   * httpbin from {@code httpbin.yaml}, helloworld, sleep and tcp-echo, in foo and bar.
   */
  static List<ObjectNode> clusterServices() {
    List<ObjectNode> templates = new ArrayList<>();
    for (ObjectNode object : YamlObjects.read(suiteDirectory().resolve("httpbin.yaml"))) {
      if (object.path("kind").asText().equals("Service")) {
        templates.add(object);
      }
    }
    assertThat(templates).as("Services in httpbin.yaml").hasSize(1);
    templates.addAll(
        YamlObjects.parse(
            """
            apiVersion: v1
            kind: Service
            metadata: {name: helloworld, labels: {app: helloworld}}
            spec:
              ports: [{port: 5000, name: http}]
              selector: {app: helloworld}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: sleep, labels: {app: sleep}}
            spec:
              ports: [{port: 80, name: http}]
              selector: {app: sleep}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: tcp-echo, labels: {app: tcp-echo}}
            spec:
              ports: [{port: 9000, name: tcp}, {port: 9001, name: tcp-other}]
              selector: {app: tcp-echo}
            """));
    List<ObjectNode> services = new ArrayList<>();
    for (String namespace : NAMESPACES) {
      for (ObjectNode template : templates) {
        ObjectNode service = template.deepCopy();
        ((ObjectNode) service.get("metadata")).put("namespace", namespace);
        services.add(service);
      }
    }
    return services;
  }

  /** Applies the differences the suite's README allows to a recorded output. */
  private static List<ObjectNode> normalise(List<ObjectNode> recorded) {
    for (ObjectNode object : recorded) {
      ObjectNode metadata = (ObjectNode) object.get("metadata");
      JsonNode timestamp = metadata.remove("creationTimestamp");
      assertThat(timestamp == null || timestamp.isNull())
          .as("recorded creationTimestamp is null")
          .isTrue();
      for (JsonNode rule : object.path("spec").path("jwtRules")) {
        ((ObjectNode) rule).put("forwardOriginalToken", true);
      }
    }
    return recorded;
  }
}
