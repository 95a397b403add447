package dev.asmmigrate.activities.configs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.config.check.Trees;
import dev.asmmigrate.config.convert.PolicyConverter;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code migrate-configs} changes, computed once from what it read: the one place that
 * decides; {@link ConfigActivitiesImpl#migrateConfigs} applies the list, {@code plan} shows it.
 */
final class ConfigChanges {
  static final String STEP = Step.MIGRATE_CONFIGS.id();

  /**
   * What the step reads.
   *
   * @param converted the objects the alpha policies convert to
   * @param existing each of them that exists in the cluster, as it is, by its key
   */
  record Observed(List<ObjectNode> converted, Map<ObjectKey, ObjectNode> existing) {}

  private ConfigChanges() {}

  /**
   * Each converted object created when it does not exist; one that exists as converted (an earlier
   * attempt's, or identical by hand) is left; one that exists with other content fails the step,
   * non-retryable BLOCKING_CONFIG, before anything is changed.
   */
  static List<PlannedChange> desired(Observed observed) {
    List<PlannedChange> out = new ArrayList<>();
    for (ObjectNode converted : observed.converted()) {
      ObjectKey key = keyOf(converted);
      ObjectNode existing = observed.existing().get(key);
      if (existing == null) {
        out.add(PlannedChange.create(STEP, key, converted, source(converted)));
      } else if (!sameConversion(existing, converted)) {
        throw Failures.permanent(
            FailureType.BLOCKING_CONFIG,
            "migrate-configs: "
                + key
                + " already exists with other content than the conversion of "
                + source(converted)
                + "; rename or delete it, or delete the alpha policy, then retry");
      }
    }
    return out;
  }

  /** The same object as the conversion would create: same spec, its labels and annotations. */
  static boolean sameConversion(JsonNode existing, JsonNode converted) {
    JsonNode meta = existing.path("metadata");
    JsonNode wanted = converted.path("metadata");
    return Trees.equivalent(existing.path("spec"), converted.path("spec"))
        && Trees.contains(meta.path("labels"), wanted.path("labels"))
        && Trees.contains(meta.path("annotations"), wanted.path("annotations"));
  }

  /** The alpha policy an object was converted from, as its annotation names it. */
  static String source(JsonNode converted) {
    String annotation =
        converted.path("metadata").path("annotations").path(PolicyConverter.ANNOTATION).asText("");
    return annotation.isEmpty() ? "an alpha policy" : annotation;
  }

  static ObjectKey keyOf(JsonNode object) {
    JsonNode metadata = object.path("metadata");
    return new ObjectKey(
        object.path("apiVersion").asText(),
        object.path("kind").asText(),
        metadata.path("namespace").asText(),
        metadata.path("name").asText());
  }
}
