package dev.asmmigrate.config.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Mixer objects the add-on installs in {@code istio-system}, from {@code
 * config/check/addon-mixer-defaults.yaml}: an object is a default only if its kind, namespace and
 * name are listed and its spec is equivalent (parsed, not text) to the listed one.
 */
final class MixerDefaults {
  static final String API_GROUP = "config.istio.io";

  /** The Mixer kinds config-check looks at (the kinds Google's script checks, plus manifests). */
  static final Set<String> KINDS = Set.of("handler", "rule", "instance", "attributemanifest");

  private static final String RESOURCE = "/config/check/addon-mixer-defaults.yaml";
  private static final MixerDefaults INSTANCE = load();

  private final Map<String, JsonNode> specs;

  private MixerDefaults(Map<String, JsonNode> specs) {
    this.specs = Map.copyOf(specs);
  }

  static MixerDefaults get() {
    return INSTANCE;
  }

  static boolean isMixerObject(JsonNode object) {
    String apiVersion = object.path("apiVersion").asText();
    return apiVersion.startsWith(API_GROUP + "/") && KINDS.contains(object.path("kind").asText());
  }

  /** The default spec of that object, if the add-on ships one under that kind and name. */
  Optional<JsonNode> spec(String kind, String namespace, String name) {
    return Optional.ofNullable(specs.get(key(kind, namespace, name)));
  }

  /** True when {@code object} is one of the add-on's defaults, unchanged. */
  boolean isDefault(JsonNode object) {
    JsonNode metadata = object.path("metadata");
    return spec(
            object.path("kind").asText(),
            metadata.path("namespace").asText(),
            metadata.path("name").asText())
        .map(spec -> Trees.equivalent(spec, object.path("spec")))
        .orElse(false);
  }

  int size() {
    return specs.size();
  }

  private static String key(String kind, String namespace, String name) {
    return kind + "/" + namespace + "/" + name;
  }

  private static MixerDefaults load() {
    Map<String, JsonNode> specs = new HashMap<>();
    try (InputStream in = MixerDefaults.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      try (MappingIterator<JsonNode> docs =
          new YAMLMapper().readerFor(JsonNode.class).readValues(in)) {
        for (JsonNode doc : List.copyOf(docs.readAll())) {
          if (doc == null || !doc.isObject()) {
            continue;
          }
          JsonNode metadata = doc.path("metadata");
          specs.put(
              key(
                  doc.path("kind").asText(),
                  metadata.path("namespace").asText(),
                  metadata.path("name").asText()),
              doc.path("spec"));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    return new MixerDefaults(specs);
  }
}
