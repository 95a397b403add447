package dev.asmmigrate.config.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The config-check fixtures under {@code sandbox/src/test/resources/config-check/} (one directory
 * per rule, with its expected findings), and the sandbox's built-in fixture sets, parsed.
 */
public final class ConfigCheckFixtures {
  static final YAMLMapper YAML = new YAMLMapper();

  private ConfigCheckFixtures() {}

  /** {@code sandbox/src/test/resources/config-check}, found from the module directory. */
  public static Path root() {
    Path start =
        Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
            .toAbsolutePath()
            .normalize();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("sandbox/src/test/resources/config-check");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("no sandbox/src/test/resources/config-check above " + start);
  }

  /** Every case directory, by name. */
  public static List<Path> cases() {
    try (Stream<Path> dirs = Files.list(root())) {
      return dirs.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The objects a case directory applies (its {@code *.yaml}). */
  public static List<ObjectNode> objects(Path caseDir) {
    List<ObjectNode> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(caseDir)) {
      for (Path f :
          files.filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList()) {
        out.addAll(parse(Files.readString(f)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * The expected findings of a case, one line each: {@code <rule> <SEVERITY> <Kind> <ns or ->
   * <name> [rewrite]}.
   */
  public static List<String> expectedFindings(Path caseDir) {
    try {
      return Files.readAllLines(caseDir.resolve("expected-findings.txt")).stream()
          .map(String::trim)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .map(l -> String.join(" ", l.split("\\s+")))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rewritten objects a case expects, in finding order; empty when it has none. */
  public static List<ObjectNode> expectedRewrites(Path caseDir) {
    Path file = caseDir.resolve("expected-rewrite.yaml.txt");
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The objects of one of the sandbox's built-in fixture sets (from the sandbox jar). */
  public static List<ObjectNode> builtInSet(String set) {
    List<ObjectNode> out = new ArrayList<>();
    for (String line : resource("/fixtures/" + set + "/manifest.txt").split("\n")) {
      String file = line.trim();
      if (!file.isEmpty() && !file.startsWith("#")) {
        out.addAll(parse(resource("/fixtures/" + set + "/" + file)));
      }
    }
    return out;
  }

  /** The finding as an expectation line. */
  public static String line(dev.asmmigrate.config.Finding f) {
    return f.ruleId()
        + " "
        + f.severity()
        + " "
        + f.kind()
        + " "
        + (f.namespace().isEmpty() ? "-" : f.namespace())
        + " "
        + f.name()
        + (f.rewrite().isPresent() ? " rewrite" : "");
  }

  static List<ObjectNode> parse(String yaml) {
    List<ObjectNode> out = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc instanceof ObjectNode o) {
          out.add(o);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static String resource(String path) {
    try (InputStream in = ConfigCheckFixtures.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("no resource " + path + " on the test class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
